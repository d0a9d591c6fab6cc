from django.core.exceptions import ValidationError


class MixedCharacterValidator:
    """The seed's policy: at least one upper-case letter, one lower-case letter and a digit."""

    message = "Use at least one capital letter, one small letter and one digit."

    def validate(self, password: str, user=None) -> None:
        missing = []
        if not any(c.isupper() for c in password):
            missing.append("a capital letter")
        if not any(c.islower() for c in password):
            missing.append("a small letter")
        if not any(c.isdigit() for c in password):
            missing.append("a digit")
        if missing:
            raise ValidationError(
                "This password needs " + ", ".join(missing) + ".", code="password_mixed_chars"
            )

    def get_help_text(self) -> str:
        return self.message
