"""The seed's alerts as checks run every 15 minutes, each e-mailed once per incident.

A failing check opens an Alert (at most one open per check: a partial unique index) and
e-mails ALERT_EMAILS; while it keeps failing only `last_seen_at` moves; when it passes
again the alert is resolved and a "resolved" e-mail goes out. Two workers running the
checks at once cannot both open the same alert.
"""

import shutil
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from staffrota.notifications.services import email_queue
from staffrota.ops import stats
from staffrota.ops.backup import backup_age_hours
from staffrota.ops.hooks import forecast_status
from staffrota.ops.models import Alert, Severity


@dataclass(frozen=True)
class CheckResult:
    failing: bool
    summary: str = ""


@dataclass(frozen=True)
class Check:
    name: str
    severity: str
    run: Callable[[], CheckResult | None]  # None: nothing to check (no data yet)


MIN_REQUESTS = 20  # below this many requests in the window an error rate means little


def check_error_rate() -> CheckResult | None:
    window = stats.window(minutes=15)
    if window.requests < MIN_REQUESTS:
        return None
    rate = window.error_rate
    return CheckResult(
        rate > settings.ALERT_ERROR_RATE,
        f"{rate:.1%} of {window.requests} requests failed (5xx) in the last 15 minutes",
    )


def check_slow_responses() -> CheckResult | None:
    window = stats.window(minutes=15)
    if window.requests < MIN_REQUESTS:
        return None
    mean = window.mean_seconds
    return CheckResult(
        mean > settings.ALERT_SLOW_SECONDS,
        f"mean response time {mean:.2f}s over {window.requests} requests in 15 minutes",
    )


def check_backup_age() -> CheckResult:
    age = backup_age_hours()
    limit = settings.BACKUP_MAX_AGE_HOURS
    if age is None:
        return CheckResult(True, "no successful backup has been taken")
    return CheckResult(age > limit, f"last good backup is {age:.0f} hours old (limit {limit})")


def check_forecast_drift() -> CheckResult | None:
    status = forecast_status()
    if status is None or status.mape is None:
        return None
    return CheckResult(
        status.mape > settings.ALERT_FORECAST_MAPE,
        f"forecast error (MAPE) is {status.mape:.0%}, limit {settings.ALERT_FORECAST_MAPE:.0%}",
    )


def check_disk_space() -> CheckResult:
    worst = None
    for path in {settings.VAR_DIR, settings.BACKUP_DIR, settings.MEDIA_ROOT}:
        existing = next((p for p in [path, *path.parents] if p.exists()), None)
        if existing is None:
            continue
        usage = shutil.disk_usage(existing)
        share = usage.used / usage.total
        if worst is None or share > worst[0]:
            worst = (share, existing)
    if worst is None:
        return CheckResult(False, "")
    return CheckResult(
        worst[0] > settings.ALERT_DISK_USED, f"disk holding {worst[1]} is {worst[0]:.0%} full"
    )


CHECKS = [
    Check("error_rate", Severity.HIGH, check_error_rate),
    Check("slow_responses", Severity.MEDIUM, check_slow_responses),
    Check("backup_age", Severity.MEDIUM, check_backup_age),
    Check("forecast_drift", Severity.LOW, check_forecast_drift),
    Check("disk_space", Severity.HIGH, check_disk_space),
]


def alert_open(*, check: str, severity: str, summary: str, now=None) -> Alert | None:
    """Open an alert for a failing check and e-mail it; None if one was already open."""
    now = now or timezone.now()
    updated = Alert.objects.filter(check_name=check, resolved_at__isnull=True)
    if updated.exists():
        updated.update(last_seen_at=now, summary=summary[:300], times_seen=F("times_seen") + 1)
        return None
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                check_name=check,
                severity=severity,
                summary=summary[:300],
                opened_at=now,
                last_seen_at=now,
            )
    except IntegrityError:  # another worker opened it a moment ago
        return None
    _email(f"[Staff Rota {severity.upper()}] {check}: {summary}", _body(alert, "opened"))
    return alert


def alert_resolve(*, check: str, now=None) -> Alert | None:
    """Resolve the open alert for a check that passes again; e-mail once."""
    now = now or timezone.now()
    alert = Alert.objects.filter(check_name=check, resolved_at__isnull=True).first()
    if alert is None:
        return None
    # Conditional update: only the worker that flips it sends the e-mail.
    if not Alert.objects.filter(pk=alert.pk, resolved_at__isnull=True).update(resolved_at=now):
        return None
    alert.resolved_at = now
    _email(f"[Staff Rota resolved] {check}", _body(alert, "resolved"))
    return alert


def _body(alert: Alert, what: str) -> str:
    lines = [
        f"Alert {what}: {alert.check_name} ({alert.get_severity_display()})",
        f"Summary: {alert.summary}",
        f"Opened: {alert.opened_at:%Y-%m-%d %H:%M %Z}",
    ]
    if alert.resolved_at:
        lines.append(f"Resolved: {alert.resolved_at:%Y-%m-%d %H:%M %Z}")
    lines.append("See docs/monitoring.md for what to do.")
    return "\n".join(lines)


def _email(subject: str, body: str) -> None:
    email_queue(to=list(settings.ALERT_EMAILS), subject=subject[:200], body=body)


def checks_run(*, checks: list[Check] | None = None) -> dict[str, str]:
    """Run every check once; returns each check's outcome (for the log and the tests)."""
    outcome = {}
    for check in checks or CHECKS:
        try:
            result = check.run()
        except Exception as error:  # a broken check is itself worth an alert
            result = CheckResult(True, f"check could not run: {error.__class__.__name__}")
        if result is None:
            outcome[check.name] = "skipped"
        elif result.failing:
            opened = alert_open(check=check.name, severity=check.severity, summary=result.summary)
            outcome[check.name] = "opened" if opened else "still failing"
        else:
            resolved = alert_resolve(check=check.name)
            outcome[check.name] = "resolved" if resolved else "ok"
    return outcome
