"""Backups that ran, alerts that are open, background jobs that failed."""

from django.db import models
from django.db.models import Q


class BackupRun(models.Model):
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    ok = models.BooleanField(default=False)
    verified_at = models.DateTimeField(null=True, blank=True)
    path = models.CharField(max_length=500)
    size_bytes = models.BigIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        get_latest_by = "started_at"

    def __str__(self) -> str:
        return f"Backup {self.started_at:%Y-%m-%d %H:%M} {'ok' if self.ok else 'FAILED'}"


class Severity(models.TextChoices):
    CRITICAL = "critical", "Critical"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class Alert(models.Model):
    """One incident: opened when a check first fails, resolved when it passes again.

    At most one open alert per check (a partial unique index), so a check that keeps
    failing every 15 minutes e-mails once, not every time.
    """

    check_name = models.CharField(max_length=40)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    summary = models.CharField(max_length=300)
    opened_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    times_seen = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["check_name"],
                condition=Q(resolved_at__isnull=True),
                name="alert_one_open_per_check",
            )
        ]

    def __str__(self) -> str:
        return f"{self.check_name}: {self.summary}"


class JobFailure(models.Model):
    task = models.CharField(max_length=200, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    error = models.TextField()

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.task} failed at {self.at:%Y-%m-%d %H:%M}"
