"""/metrics, request statistics for the alerts, request ids and JSON logs."""

import json
import logging

import pytest
from django.core.cache import cache
from django.urls import reverse

from staffrota.ops import stats
from staffrota.ops.logs import JsonFormatter, RequestIdFilter, request_id_var
from staffrota.ops.metrics import queue_depth
from staffrota.ops.models import JobFailure

pytestmark = pytest.mark.django_db


def _sample(text: str, name: str, **labels) -> float:
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_requests_and_errors_by_view(client, home_a):
    before = client.get(reverse("metrics")).content.decode()
    client.force_login(home_a.staff_user)
    client.get(reverse("my_shifts"))
    client.get(reverse("my_shifts"))
    after = client.get(reverse("metrics")).content.decode()
    name = "staffrota_http_requests_total"
    labels = {"view": "my_shifts", "method": "GET", "status": "200"}
    assert _sample(after, name, **labels) - _sample(before, name, **labels) == 2
    assert "staffrota_http_request_duration_seconds_bucket" in after


def test_metrics_server_errors_are_counted_by_view(client, db, monkeypatch):
    from staffrota.ops import health

    def broken():
        raise RuntimeError("boom")

    before = client.get(reverse("metrics")).content.decode()
    monkeypatch.setattr(health, "health_report", broken)
    client.raise_request_exception = False
    assert client.get(reverse("healthz")).status_code == 500
    after = client.get(reverse("metrics")).content.decode()
    name = "staffrota_http_errors_total"
    assert _sample(after, name, view="healthz") - _sample(before, name, view="healthz") == 1


def test_metrics_unmatched_paths_share_one_label(client, db):
    client.get("/no/such/page/1")
    client.get("/no/such/page/2")
    text = client.get(reverse("metrics")).content.decode()
    assert _sample(text, "staffrota_http_requests_total", view="<unmatched>", status="404") >= 2
    assert "/no/such/page" not in text


def test_metrics_report_job_queue_depth_and_failures(client, db, settings, tmp_path):
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path)}
    for n in range(3):
        (tmp_path / f"{n}_x.msg").write_text("{}")
    JobFailure.objects.create(task="staffrota.notifications.tasks.send_email", error="SMTP")
    text = client.get(reverse("metrics")).content.decode()
    assert _sample(text, "staffrota_job_queue_depth", queue="celery") == 3
    task = "staffrota.notifications.tasks.send_email"
    assert _sample(text, "staffrota_job_failures", task=task) == 1


def test_metrics_redis_queue_depth_is_the_list_length(settings):
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/13"
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379: the file-system broker test covers depth")
    settings.CELERY_BROKER_URL = url
    settings.CELERY_TASK_DEFAULT_QUEUE = "staffrota-test-depth"
    client.delete("staffrota-test-depth")
    client.rpush("staffrota-test-depth", "a", "b")
    try:
        assert queue_depth() == {"staffrota-test-depth": 2}
    finally:
        client.delete("staffrota-test-depth")


def test_metrics_refuse_other_addresses_unless_token(client, db, settings):
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get(reverse("metrics"), REMOTE_ADDR="203.0.113.9").status_code == 403
    ok = client.get(
        reverse("metrics"), REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret-token"
    )
    assert ok.status_code == 200
    wrong = client.get(
        reverse("metrics"), REMOTE_ADDR="127.0.0.1", HTTP_AUTHORIZATION="Bearer nope"
    )
    assert wrong.status_code == 403


def test_stats_window_adds_up_requests_errors_and_time(db):
    cache.clear()
    now = 1_800_000_000.0
    for n in range(10):
        stats.request_record(duration_seconds=0.5, error=n < 2, now=now - 60 * n)
    stats.request_record(duration_seconds=9, error=True, now=now - 60 * 30)  # outside
    window = stats.window(minutes=15, now=now)
    assert window.requests == 10
    assert window.errors == 2
    assert window.error_rate == 0.2
    assert window.mean_seconds == 0.5


def test_request_id_is_generated_or_kept_and_returned(client, db):
    fresh = client.get(reverse("login"))
    assert len(fresh["X-Request-ID"]) == 32
    kept = client.get(reverse("login"), HTTP_X_REQUEST_ID="nginx-abc12345")
    assert kept["X-Request-ID"] == "nginx-abc12345"
    forged = client.get(reverse("login"), HTTP_X_REQUEST_ID="<script>")
    assert forged["X-Request-ID"] != "<script>"


def test_json_log_lines_carry_the_request_id_and_extras():
    record = logging.LogRecord("staffrota.x", logging.INFO, __file__, 1, "hello %s", ("you",), None)
    record.status = 201
    token = request_id_var.set("req-12345678")
    try:
        RequestIdFilter().filter(record)
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token)
    assert line["message"] == "hello you"
    assert line["request_id"] == "req-12345678"
    assert line["status"] == 201 and line["level"] == "INFO"


def test_request_log_line_is_json_with_view_and_status(client, db, caplog):
    caplog.set_level(logging.INFO, logger="staffrota.request")
    response = client.get(reverse("login"))
    record = next(r for r in caplog.records if r.name == "staffrota.request")
    line = json.loads(JsonFormatter().format(record))
    assert line["view"] == "login" and line["status"] == 200
    assert line["request_id"] == response["X-Request-ID"]


def test_requests_noted_in_one_second_reach_the_window_together(db):
    now = 1_900_000_000.0
    stats.request_note(duration_seconds=0.1, error=False, now=now)  # first: written at once
    for n in range(4):
        stats.request_note(duration_seconds=0.1, error=False, now=now + 0.1 * (n + 1))
    assert stats.window(minutes=0, now=now + 0.5).requests == 1
    stats.request_note(duration_seconds=0.1, error=False, now=now + 1.2)
    assert stats.window(minutes=0, now=now + 1.2).requests == 6


def test_a_server_error_is_counted_at_once(db):
    now = 1_900_000_600.0
    stats.request_note(duration_seconds=0.1, error=False, now=now)
    stats.request_note(duration_seconds=0.1, error=False, now=now + 0.1)
    stats.request_note(duration_seconds=0.2, error=True, now=now + 0.2)
    window = stats.window(minutes=0, now=now + 0.2)
    assert window.requests == 3
    assert window.errors == 1


def test_observations_of_a_kept_series_all_count_and_errors_only_for_5xx():
    from staffrota.ops.metrics import ERRORS, REQUESTS, observe_request

    def counts():
        return (
            REQUESTS.labels(view="kept_view", method="GET", status="500")._value.get(),
            REQUESTS.labels(view="kept_view", method="GET", status="200")._value.get(),
            ERRORS.labels(view="kept_view")._value.get(),
        )

    before = counts()
    for status in (200, 500, 200, 500, 500):
        observe_request(view="kept_view", method="GET", status=status, duration=0.01)
    after = counts()
    assert [a - b for a, b in zip(after, before, strict=True)] == [3, 2, 3]
