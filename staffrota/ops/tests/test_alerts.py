"""The seed's alerts: each check e-mails once per incident, and once when resolved."""

from collections import namedtuple
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from staffrota.ops import alerts, stats
from staffrota.ops.alerts import Check, CheckResult, checks_run
from staffrota.ops.hooks import ForecastStatus
from staffrota.ops.models import Alert, BackupRun
from staffrota.schedule import BEAT_SCHEDULE

pytestmark = pytest.mark.django_db

_forecast = None


def fake_forecast_status():
    return _forecast


@pytest.fixture(autouse=True)
def _recipients(settings):
    settings.ALERT_EMAILS = ["support@example.org"]
    cache.clear()


def _run(checks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return checks_run(checks=checks)


def test_alert_is_emailed_once_per_incident_then_once_resolved(
    django_capture_on_commit_callbacks,
):
    state = {"failing": True}
    check = Check("disk_space", "high", lambda: CheckResult(state["failing"], "disk 95% full"))
    assert _run([check], django_capture_on_commit_callbacks) == {"disk_space": "opened"}
    assert _run([check], django_capture_on_commit_callbacks) == {"disk_space": "still failing"}
    assert _run([check], django_capture_on_commit_callbacks) == {"disk_space": "still failing"}
    assert [m.subject for m in mail.outbox] == ["[Staff Rota HIGH] disk_space: disk 95% full"]
    assert Alert.objects.get().times_seen == 3
    state["failing"] = False
    assert _run([check], django_capture_on_commit_callbacks) == {"disk_space": "resolved"}
    assert _run([check], django_capture_on_commit_callbacks) == {"disk_space": "ok"}
    assert len(mail.outbox) == 2 and "resolved" in mail.outbox[1].subject
    state["failing"] = True
    _run([check], django_capture_on_commit_callbacks)
    assert Alert.objects.count() == 2 and len(mail.outbox) == 3  # a new incident


def test_alert_database_allows_only_one_open_alert_per_check():
    now = timezone.now()
    Alert.objects.create(
        check_name="backup_age", severity="medium", summary="a", opened_at=now, last_seen_at=now
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(
            check_name="backup_age", severity="medium", summary="b", opened_at=now, last_seen_at=now
        )


def test_alert_error_rate_over_five_percent(django_capture_on_commit_callbacks):
    now = timezone.now().timestamp()
    for n in range(100):
        stats.request_record(duration_seconds=0.1, error=n < 6, now=now)
    result = alerts.check_error_rate()
    assert result.failing and "6.0% of 100 requests" in result.summary
    cache.clear()
    for n in range(100):
        stats.request_record(duration_seconds=0.1, error=n < 4, now=now)
    assert not alerts.check_error_rate().failing


def test_alert_checks_skip_when_too_few_requests():
    stats.request_record(duration_seconds=30, error=True)
    assert alerts.check_error_rate() is None
    assert alerts.check_slow_responses() is None


def test_alert_slow_responses_mean_over_two_seconds():
    for _ in range(25):
        stats.request_record(duration_seconds=2.5, error=False)
    result = alerts.check_slow_responses()
    assert result.failing and "2.50s" in result.summary


def test_alert_backup_age_over_36_hours_or_never():
    assert alerts.check_backup_age().summary == "no successful backup has been taken"
    done = timezone.now() - timedelta(hours=37)
    BackupRun.objects.create(started_at=done, finished_at=done, ok=True, path="x")
    assert alerts.check_backup_age().failing
    fresh = timezone.now() - timedelta(hours=3)
    BackupRun.objects.create(started_at=fresh, finished_at=fresh, ok=True, path="y")
    assert not alerts.check_backup_age().failing


def test_alert_forecast_drift_only_when_forecasts_exist(settings):
    global _forecast
    settings.FORECAST_STATUS_HOOK = "staffrota.forecasting.status.forecast_status_missing"
    assert alerts.check_forecast_drift() is None
    settings.FORECAST_STATUS_HOOK = f"{__name__}.fake_forecast_status"
    _forecast = ForecastStatus(generated_at=timezone.now(), mape=0.45)
    try:
        assert alerts.check_forecast_drift().failing
        _forecast = ForecastStatus(generated_at=timezone.now(), mape=0.25)
        assert not alerts.check_forecast_drift().failing
    finally:
        _forecast = None


def test_alert_disk_space_over_ninety_percent(monkeypatch):
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(alerts.shutil, "disk_usage", lambda path: usage(100, 95, 5))
    assert alerts.check_disk_space().failing
    monkeypatch.setattr(alerts.shutil, "disk_usage", lambda path: usage(100, 50, 50))
    assert not alerts.check_disk_space().failing


def test_alert_a_check_that_crashes_raises_an_alert(django_capture_on_commit_callbacks):
    def broken():
        raise OSError("no disk")

    outcome = _run([Check("disk_space", "high", broken)], django_capture_on_commit_callbacks)
    assert outcome == {"disk_space": "opened"}
    assert "could not run: OSError" in Alert.objects.get().summary


def test_schedule_registers_every_periodic_job_once(settings):
    from staffrota.celery import app

    tasks = [entry["task"] for entry in BEAT_SCHEDULE.values()]
    assert len(tasks) == len(set(tasks))
    assert settings.CELERY_BEAT_SCHEDULE is BEAT_SCHEDULE
    app.loader.import_default_modules()
    assert set(tasks) <= set(app.tasks)
    assert BEAT_SCHEDULE["ops-checks"]["schedule"].minute == set(range(0, 60, 15))
