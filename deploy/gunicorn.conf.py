"""Gunicorn settings for Staff Rota (systemd: deploy/systemd/staffrota-web.service).

gunicorn -c deploy/gunicorn.conf.py staffrota.wsgi
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# One process per core with a few threads each, not gunicorn's (2 x cores) + 1 sync
# workers: a sync worker closes the connection after every answer, so each page view
# pays a new TCP connection on both sides, while a threaded worker keeps it open for the
# browser's (or nginx's upstream keepalive's) next request; the threads overlap the
# waits on PostgreSQL and Redis. On the 300-user load test (bench/load/README.md,
# "Eighth round") this served more requests a second at less CPU each than 4 sync workers.
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", max(2, multiprocessing.cpu_count())))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
timeout = 60  # the 4-week rota is the slowest page; anything longer is stuck
graceful_timeout = 30
keepalive = 75  # longer than nginx's upstream keepalive_timeout (60 s), so nginx closes first
max_requests = 2000  # recycle workers now and then: caps slow memory growth
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"  # to journald; nginx keeps its own access log
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = (
    '{"remote": "%(h)s", "request": "%(r)s", "status": %(s)s, "bytes": "%(b)s", '
    '"duration_us": %(D)s, "request_id": "%({x-request-id}o)s"}'
)


def child_exit(server, worker):
    # Prometheus multi-process mode: forget a dead worker's live gauges.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
