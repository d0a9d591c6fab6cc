import logging

from celery import shared_task
from django.conf import settings

from staffrota.ops import alerts, backup

logger = logging.getLogger("staffrota.ops")


@shared_task
def checks_run() -> dict[str, str]:
    outcome = alerts.checks_run()
    logger.info("checks run", extra={"outcome": outcome})
    return outcome


@shared_task
def backup_daily() -> int:
    """Back up, prove the backup restores, then drop runs past the retention period."""
    run = backup.backup_create()
    report = backup.backup_verify(folder=run.path)
    if not report.ok:
        run.ok = False
        run.error = f"verification failed: {report.mismatches or report.problems}"[:4000]
        run.save(update_fields=["ok", "error"])
        raise backup.BackupError(run.error)
    from django.utils import timezone

    run.verified_at = timezone.now()
    run.save(update_fields=["verified_at"])
    removed = backup.backups_prune(days=settings.BACKUP_RETENTION_DAYS)
    logger.info("backup done", extra={"path": run.path, "pruned": len(removed)})
    return run.pk
