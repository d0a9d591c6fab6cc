"""/healthz: critical checks decide 200 or 503; details only for system admins."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from staffrota.accounts.models import Role
from staffrota.ops import health
from staffrota.ops.hooks import ForecastStatus
from staffrota.ops.models import BackupRun
from staffrota.testing.factories import user

pytestmark = pytest.mark.django_db

_forecast = None


def fake_forecast_status():
    return _forecast


@pytest.fixture
def admin_client(client):
    client.force_login(user(role=Role.SYSTEM_ADMIN, is_staff=True, is_superuser=True))
    return client


def _good_backup(hours_ago: float):
    finished = timezone.now() - timedelta(hours=hours_ago)
    return BackupRun.objects.create(started_at=finished, finished_at=finished, ok=True, path="x")


def test_health_anonymous_sees_status_only(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert set(response.json()) == {"status"}


def test_health_staff_see_status_only(client, home_a):
    client.force_login(home_a.staff_user)
    assert "checks" not in client.get(reverse("healthz")).json()


def test_health_admin_sees_every_check(admin_client):
    _good_backup(hours_ago=2)
    body = admin_client.get(reverse("healthz")).json()
    assert body["status"] == "ok"
    assert {"database", "cache", "broker", "backup", "disk"} <= set(body["checks"])
    assert body["checks"]["backup"]["age_hours"] == 2.0
    assert "forecasts" not in body["checks"]  # no forecasts yet: left out


def test_health_stale_backup_is_degraded_not_503(admin_client):
    _good_backup(hours_ago=40)
    response = admin_client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["backup"]["ok"] is False


def test_health_database_failure_answers_503(admin_client, monkeypatch):
    def broken():
        raise ConnectionError("down")

    monkeypatch.setitem(health.CRITICAL, "database", broken)
    response = admin_client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["status"] == "unhealthy"
    assert response.json()["checks"]["database"] == {"ok": False, "error": "ConnectionError"}


def test_health_broker_unreachable_answers_503(admin_client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    from staffrota.celery import app

    app.conf.broker_url = settings.CELERY_BROKER_URL
    try:
        response = admin_client.get(reverse("healthz"))
    finally:
        app.conf.broker_url = None
        app.config_from_object("django.conf:settings", namespace="CELERY")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False


def test_health_reports_forecast_age_when_forecasts_exist(admin_client, settings):
    global _forecast
    settings.FORECAST_STATUS_HOOK = f"{__name__}.fake_forecast_status"
    _forecast = ForecastStatus(generated_at=timezone.now() - timedelta(days=9), mape=0.2)
    try:
        body = admin_client.get(reverse("healthz")).json()
    finally:
        _forecast = None
    assert body["checks"]["forecasts"] == {"ok": False, "age_days": 9.0, "mape": 0.2}
