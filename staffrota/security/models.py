"""Security policy an admin can change, consent records and erasures (GDPR)."""

from django.conf import settings
from django.db import models


class SecurityPolicy(models.Model):
    """One row: switches an admin may flip in the admin site without a deployment."""

    require_two_factor_for_managers = models.BooleanField(
        default=False,
        help_text=(
            "Managers must set up an authenticator app at their next login. "
            "(Also forced on by TWO_FACTOR_REQUIRED_FOR_MANAGERS=1.)"
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "security policy"

    def __str__(self) -> str:
        return "Security policy"

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def two_factor_required_for_managers(cls) -> bool:
        # Asked once per login (the answer is kept in the session), so no cache is needed.
        if settings.TWO_FACTOR_REQUIRED_FOR_MANAGERS:
            return True
        return cls.objects.filter(pk=1, require_two_factor_for_managers=True).exists()


class ConsentPurpose(models.TextChoices):
    PRIVACY_NOTICE = "privacy_notice", "Read the staff privacy notice"
    SMS_REMINDERS = "sms_reminders", "Shift reminders by text message"
    EMAIL_REMINDERS = "email_reminders", "Shift reminders by e-mail"
    PHOTO = "photo", "Photo on the staff board"


class ConsentRecord(models.Model):
    """One decision by one person about one purpose; the newest per purpose is in force.

    Rows are never edited: a change of mind is a new row, so the history is the evidence.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consents"
    )
    purpose = models.CharField(max_length=30, choices=ConsentPurpose.choices)
    given = models.BooleanField()
    at = models.DateTimeField(auto_now_add=True)
    notice_version = models.CharField(max_length=20, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty when the person recorded it themselves.",
    )

    class Meta:
        ordering = ["user", "purpose", "-at"]
        indexes = [models.Index(fields=["user", "purpose", "at"], name="consent_user_purpose")]

    def __str__(self) -> str:
        return f"{self.user} {self.purpose}: {'given' if self.given else 'withdrawn'}"


class Erasure(models.Model):
    """Marks a person whose personal data was anonymised (right to erasure or retention)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="erasure"
    )
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=200)

    def __str__(self) -> str:
        return f"Erasure of user {self.user_id}"
