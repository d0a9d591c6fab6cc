"""Every periodic job, in one registry, run by one beat (`celery -A staffrota beat`).

Settings import `BEAT_SCHEDULE` as CELERY_BEAT_SCHEDULE, so this module must not import
Django models. Each job is idempotent: a second worker or a repeated run does no harm
(alerts open once per incident, backups are separate folders, erasure skips the erased).
Add new periodic jobs here, never in a second beat or a cron entry.
"""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    # The seed ran its monitoring script every 15 minutes from cron.
    "ops-checks": {
        "task": "staffrota.ops.tasks.checks_run",
        "schedule": crontab(minute="*/15"),
    },
    # The seed's 02:00 daily backup, then a restore into a scratch database to prove it.
    "ops-backup": {
        "task": "staffrota.ops.tasks.backup_daily",
        "schedule": crontab(hour=2, minute=0),
    },
    # The seed's evening check: tell a unit's managers when over 5% of tomorrow is vacant.
    "rota-vacancy-alert": {
        "task": "staffrota.rota.tasks.alert_vacancies_tomorrow",
        "schedule": crontab(hour=18, minute=0),
    },
    # GDPR retention: anonymise people who left longer ago than GDPR_RETENTION_YEARS.
    "security-retention": {
        "task": "staffrota.security.tasks.retention_sweep",
        "schedule": crontab(hour=3, minute=30),
    },
    # Monday 07:00: the week ahead on each Operational Manager's units.
    "compliance-weekly-staffing": {
        "task": "staffrota.compliance.tasks.weekly_staffing_reports",
        "schedule": crontab(hour=7, minute=0, day_of_week="mon"),
    },
    # The monthly compliance report, first Monday of the month: the task runs every Monday
    # and sends only when the day is the 1st to the 7th (cron's day-of-month and
    # day-of-week combine as "or", so the date check lives in the task).
    "compliance-monthly-report": {
        "task": "staffrota.compliance.tasks.monthly_compliance_reports",
        "schedule": crontab(hour=7, minute=30, day_of_week="mon"),
    },
    # Sunday 02:00: retrain every unit's 30-day care-hours forecast (one job per home).
    "forecast-weekly": {
        "task": "staffrota.forecasting.tasks.forecast_all",
        "schedule": crontab(hour=2, minute=0, day_of_week="sun"),
    },
    # 01:30 (a month is stored an hour after it ends): every home's completed months stored
    # and today's dashboard figures cached, so the day's first dashboards are warm.
    "dashboards-prepare": {
        "task": "staffrota.dashboards.tasks.dashboards_prepare",
        "schedule": crontab(hour=1, minute=30),
    },
    # Each morning: score yesterday's forecasts against the actual care hours; e-mail once
    # per incident when a unit's rolling MAPE passes 40%.
    "forecast-accuracy": {
        "task": "staffrota.forecasting.tasks.forecast_accuracy_daily",
        "schedule": crontab(hour=6, minute=30),
    },
}
