"""The audit log: who changed what, when, from what to what, and why.

Entries are chained: each stores the SHA-256 of its own content plus the previous entry's
hash, so editing or deleting any entry breaks every hash after it (see `verify_chain`).
"""

from django.conf import settings
from django.db import models

from staffrota.tenancy import HomeScopedManager


class AuditEntry(models.Model):
    # Nullable: some events (a login, a user created by an admin) belong to no home.
    care_home = models.ForeignKey(
        "organisation.CareHome", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150, help_text="Who, as shown at the time.")
    action = models.CharField(max_length=60, db_index=True)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    objects = HomeScopedManager()
    # The chain is verified across every home, and the chain lock needs an unscoped read.
    all_homes = models.Manager()  # noqa: DJ012 (a manager, not a field)

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["care_home", "at"], name="audit_home_at"),
        ]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}"
