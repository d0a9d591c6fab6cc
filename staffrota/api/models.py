"""API tokens. A token acts as one user account and sees exactly what that user sees.

Only a SHA-256 digest of each token is stored: a token is 256 random bits, so a fast hash
is enough (there is nothing to brute-force), and a database leak gives no working token.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

TOKEN_PREFIX = "srt_"  # noqa: S105 (a label, not a secret)


class TokenKind(models.TextChoices):
    PERSONAL = "personal", "Personal (one person's own scripts)"
    INTEGRATION = "integration", "Integration (payroll, HR or another system)"


class TokenScope(models.TextChoices):
    READ = "read", "Read only"
    WRITE = "write", "Read and write"


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_generate() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_tokens",
        help_text="The token sees and does what this account may; for an integration, "
        "create an account with the role and homes it needs.",
    )
    name = models.CharField(max_length=80, help_text="What uses it, e.g. 'Payroll bureau'.")
    kind = models.CharField(max_length=12, choices=TokenKind.choices, default=TokenKind.PERSONAL)
    scope = models.CharField(max_length=5, choices=TokenScope.choices, default=TokenScope.READ)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(
        max_length=12, editable=False, help_text="The first characters, to recognise it."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["personal", "integration"]), name="api_token_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(scope__in=["read", "write"]), name="api_token_scope_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @property
    def is_live(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    @property
    def can_write(self) -> bool:
        return self.scope == TokenScope.WRITE
