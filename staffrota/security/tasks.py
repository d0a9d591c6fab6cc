from celery import shared_task
from django.conf import settings

from staffrota.security.privacy import person_erase, retention_due


@shared_task
def retention_sweep() -> int:
    """Anonymise people who left more than GDPR_RETENTION_YEARS ago; returns how many."""
    erased = 0
    for user in retention_due(years=settings.GDPR_RETENTION_YEARS):
        person_erase(
            user=user,
            actor=None,
            reason=f"Retention period of {settings.GDPR_RETENTION_YEARS} years after leaving",
        )
        erased += 1
    return erased
