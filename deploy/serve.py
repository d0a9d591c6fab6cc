"""Staff Rota's web server: Granian serving the Django WSGI application.

    python deploy/serve.py        # systemd: deploy/systemd/staffrota-web.service

Why Granian and not gunicorn: Granian reads requests, keeps connections alive and writes
answers in Rust, and runs only the Django view in Python, on a pool of threads per
process. gunicorn does all of that in Python: measured here, its threaded workers spent
0.77 ms of CPU on the plain "ok" view against Granian's 0.47, and about 2.0 ms on a staff
member's shifts against 1.2 (bench/load/README.md, "Ninth round").

Settings come from the environment, so one file serves systemd, Docker and `dev.py run`:

    WEB_BIND              host:port to listen on (127.0.0.1:8000; nginx sits in front)
    WEB_WORKERS           processes: one per core, at least 2, so one can restart or stall
                          while the other serves; more processes than cores cost CPU
    WEB_THREADS           threads per process running views (4): they overlap the waits on
                          PostgreSQL and Redis
    WEB_WORKER_LIFETIME   seconds before a process is replaced by a fresh one (21600): caps
                          slow memory growth, as gunicorn's max_requests did
    WEB_ACCESS_LOG        1 (default) for one JSON line per request on stdout (journald);
                          0 where nginx's log is enough
"""

import os
import sys
from pathlib import Path

from granian.constants import HTTPModes, Interfaces
from granian.http import HTTP1Settings
from granian.log import LogLevels
from granian.server import Server

PROJECT = Path(__file__).resolve().parent.parent

# The request id is in the application's own log lines (staffrota/ops/middleware.py).
ACCESS_FORMAT = (
    '{"remote": "%(addr)s", "request": "%(method)s %(path)s %(protocol)s", '
    '"status": %(status)d, "duration_ms": %(dt_ms).3f}'
)


def _number(environ, name: str, default: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise SystemExit(f"{name} must be a whole number of at least 1, not {raw!r}")
    return int(raw)


def options(environ=os.environ) -> dict:
    """Granian's settings from the environment; a bad value stops with what to fix."""
    bind = environ.get("WEB_BIND", "127.0.0.1:8000")
    host, _, port = bind.rpartition(":")
    if not host or not port.isdigit():
        raise SystemExit(f"WEB_BIND must look like 127.0.0.1:8000, not {bind!r}")
    return {
        "target": "staffrota.wsgi:application",
        "address": host.strip("[]"),
        "port": int(port),
        "interface": Interfaces.WSGI,
        "http": HTTPModes.http1,  # nginx speaks HTTP/1.1 to its upstreams
        # An idle kept-alive connection outlives nginx's upstream keepalive_timeout (60 s),
        # so nginx closes it first and never sends a request down a closing connection.
        "http1_settings": HTTP1Settings(header_read_timeout=75_000),
        "websockets": False,
        "workers": _number(environ, "WEB_WORKERS", max(2, os.cpu_count() or 1)),
        "blocking_threads": _number(environ, "WEB_THREADS", 4),
        "backlog": 2048,
        "respawn_failed_workers": True,
        "workers_lifetime": _number(environ, "WEB_WORKER_LIFETIME", 6 * 3600),
        "workers_kill_timeout": 30,  # a stuck request does not hold a restart for ever
        "log_level": LogLevels.info,
        "log_access": environ.get("WEB_ACCESS_LOG", "1") != "0",
        "log_access_format": ACCESS_FORMAT,
        "working_dir": PROJECT,
    }


def main() -> None:
    sys.path.insert(0, str(PROJECT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staffrota.settings")
    Server(**options()).serve()


if __name__ == "__main__":
    main()
