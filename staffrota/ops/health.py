"""What /healthz reports.

Database, cache and broker are critical: if one fails the answer is 503 and a load
balancer stops sending people here. The age of the last good backup and of the forecasts
are reported (and alerted on) but never turn the answer to 503: a stale backup does not
stop a manager reading a rota, and taking every web server out of service for it would.
Details go to system admins only; everyone else sees the status word.
"""

import shutil

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from staffrota.ops.backup import backup_age_hours
from staffrota.ops.hooks import forecast_status


def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True, "vendor": connection.vendor}


def _cache() -> dict:
    cache.set("healthz", "1", 10)
    return {"ok": cache.get("healthz") == "1"}


def _broker() -> dict:
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        from pathlib import Path

        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        return {"ok": folder.is_dir(), "transport": "filesystem"}
    from staffrota.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        return {"ok": True, "transport": conn.transport_cls}


def _backup() -> dict:
    age = backup_age_hours()
    limit = settings.BACKUP_MAX_AGE_HOURS
    if age is None:
        return {"ok": False, "age_hours": None, "detail": "no successful backup yet"}
    return {"ok": age <= limit, "age_hours": round(age, 1), "limit_hours": limit}


def _forecasts() -> dict | None:
    status = forecast_status()
    if status is None:
        return None
    age_days = (timezone.now() - status.generated_at).total_seconds() / 86400
    return {
        "ok": age_days <= settings.ALERT_FORECAST_MAX_AGE_DAYS,
        "age_days": round(age_days, 1),
        "mape": status.mape,
    }


CRITICAL = {"database": _database, "cache": _cache, "broker": _broker}
INFORMATIONAL = {"backup": _backup, "forecasts": _forecasts}


def health_report() -> tuple[bool, dict]:
    checks: dict[str, dict] = {}
    for name, check in {**CRITICAL, **INFORMATIONAL}.items():
        try:
            result = check()
        except Exception as error:  # any failure is a failed check; say what it was
            result = {"ok": False, "error": error.__class__.__name__}
        if result is not None:
            checks[name] = result
    healthy = all(checks[name]["ok"] for name in CRITICAL)
    usage = shutil.disk_usage(settings.VAR_DIR)
    checks["disk"] = {
        "ok": usage.used / usage.total < settings.ALERT_DISK_USED,
        "used_fraction": round(usage.used / usage.total, 3),
    }
    return healthy, checks
