"""Prometheus metrics: requests, latency and errors by view; job queue depth and failures.

Under a web server with several processes set PROMETHEUS_MULTIPROC_DIR (deploy/ does): each
worker writes its counters there and /metrics adds them up (prometheus_client's
multiprocess mode). Queue depth and job failures are read when scraped, from the broker
and the database, so they are the same whichever process answers.
"""

import os
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from staffrota.ops.memo import ProcessMemo

_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

REQUESTS = Counter(
    "staffrota_http_requests_total",
    "HTTP requests answered, by view, method and status code.",
    ["view", "method", "status"],
)
LATENCY = Histogram(
    "staffrota_http_request_duration_seconds",
    "Time to answer a request, by view.",
    ["view"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0),
)
ERRORS = Counter(
    "staffrota_http_errors_total",
    "Requests answered with a 5xx status, by view.",
    ["view"],
)


# The labelled series of each (view, method, status), found once per process: `labels()`
# checks and sorts its arguments and takes a lock on every call (some 20 Python calls of
# every request), then hands back the same child it made the first time. Views are the
# project's URL names (or "<unmatched>"), methods eight and statuses few, so this stays
# small; ProcessMemo bounds it all the same.
_series = ProcessMemo(most=2000)


def observe_request(*, view: str, method: str, status: int, duration: float) -> None:
    method = method if method in _METHODS else "OTHER"
    key = (view, method, status)
    series = _series.get(key)
    if series is None:
        series = _series.keep(
            key,
            (
                REQUESTS.labels(view=view, method=method, status=str(status)),
                LATENCY.labels(view=view),
                ERRORS.labels(view=view) if status >= 500 else None,
            ),
        )
    requests, latency, errors = series
    requests.inc()
    latency.observe(duration)
    if errors is not None:
        errors.inc()


def queue_depth() -> dict[str, int]:
    """Messages waiting per queue: Redis list lengths, or files in the file-system broker."""
    from django.conf import settings

    url = settings.CELERY_BROKER_URL
    queues = getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")
    if url.startswith("filesystem://"):
        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("data_folder_in", "."))
        if not folder.is_dir():
            return {queues: 0}
        return {queues: sum(1 for item in folder.iterdir() if item.suffix == ".msg")}
    if url.startswith(("redis://", "rediss://")):
        import redis

        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        try:
            return {queues: int(client.llen(queues))}
        finally:
            client.close()
    return {}


class JobCollector:
    """Read at scrape time: queue depth from the broker, failures from the database."""

    def collect(self):
        depth = GaugeMetricFamily(
            "staffrota_job_queue_depth", "Background jobs waiting in the queue.", labels=["queue"]
        )
        try:
            for queue, count in queue_depth().items():
                depth.add_metric([queue], count)
        except Exception:  # noqa: S110 (an unreachable broker shows as a missing sample)
            pass
        yield depth
        from django.db.models import Count

        from staffrota.ops.models import JobFailure

        failures = GaugeMetricFamily(
            "staffrota_job_failures",
            "Background jobs that failed (kept 30 days), by task.",
            labels=["task"],
        )
        for row in JobFailure.objects.values("task").annotate(n=Count("pk")).order_by("task"):
            failures.add_metric([row["task"]], row["n"])
        yield failures


def render() -> tuple[bytes, str]:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY

        registry = REGISTRY
    output = generate_latest(registry)
    jobs = CollectorRegistry()
    jobs.register(JobCollector())
    return output + generate_latest(jobs), CONTENT_TYPE_LATEST
