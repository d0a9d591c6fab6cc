"""This app's periodic jobs, in Celery beat's format.

The project's single registry (`staffrota/schedule.py`) is being written on main; until it
lands, it should merge this dict into the beat schedule: `{**COMPLIANCE_SCHEDULE, ...}`.
The jobs check the date themselves, so running them on a wider schedule is harmless.
"""

from celery.schedules import crontab

COMPLIANCE_SCHEDULE = {
    "compliance-monthly-report": {
        # Mondays 07:30; the task sends only on the first Monday of the month (day 1 to 7).
        "task": "staffrota.compliance.tasks.monthly_compliance_reports",
        "schedule": crontab(minute=30, hour=7, day_of_week="mon"),
    },
    "compliance-weekly-staffing": {
        "task": "staffrota.compliance.tasks.weekly_staffing_reports",
        "schedule": crontab(minute=0, hour=7, day_of_week="mon"),
    },
}
