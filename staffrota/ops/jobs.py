"""Failed background jobs are recorded, for /metrics and for whoever investigates."""

import logging

from celery.signals import task_failure

logger = logging.getLogger("staffrota.jobs")


@task_failure.connect(dispatch_uid="ops_job_failure")
def _job_failed(sender=None, task_id=None, exception=None, **kwargs):
    from staffrota.ops.models import JobFailure

    name = getattr(sender, "name", str(sender))
    logger.error("job failed", extra={"task": name, "task_id": task_id, "error": repr(exception)})
    try:
        JobFailure.objects.create(task=name[:200], error=repr(exception)[:2000])
    except Exception:  # the database may be the reason the job failed
        logger.exception("could not record the job failure")
