"""Server time of every dashboard, p50 and p95, with a warm and a cold cache.

    python -m bench.compliance [--scale 1] [--repeat 20] [--out var/bench/compliance]

Builds a demo-scale care group in its own database (set DATABASE_URL to a PostgreSQL
database to measure there; default is a SQLite file under var/bench/), then requests each
dashboard through Django's test client as the user it is for. "Server time" is the whole
request inside Django: middleware, scope, queries, template. Cold: the cache is cleared
before each request. Warm: the figures are in the cache.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path


def _setup(scale: int) -> None:
    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staffrota.settings")
    if "DATABASE_URL" not in os.environ:
        folder = root / "var" / "bench"
        folder.mkdir(parents=True, exist_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{folder / f'compliance-x{scale}.sqlite3'}"
    import django

    django.setup()
    import logging

    from django.conf import settings

    logging.getLogger("staffrota.request").setLevel(logging.WARNING)  # one line per request
    # No collectstatic in a benchmark: serve names as they are (as the tests do).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--out", default="var/bench/compliance")
    parser.add_argument("--rebuild", action="store_true", help="drop and rebuild the data")
    args = parser.parse_args(argv)
    _setup(args.scale)

    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from bench.compliance import data
    from staffrota.accounts.models import User
    from staffrota.rota.models import Shift

    setup_test_environment()  # lets the test client through ALLOWED_HOSTS "testserver"
    if args.rebuild:
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    today = timezone.localdate()
    with scopes_disabled():
        built = Shift.objects.exists()
    started = time.perf_counter()
    if not built:
        try:
            call_command("demo_data", seed=42, scale=args.scale, verbosity=0)
            source = "manage.py demo_data"
        except Exception:  # the command is not on this branch yet: build our own
            data.build(scale=args.scale, today=today)
            source = "bench.compliance.data"
        print(f"built data ({source}) in {time.perf_counter() - started:.0f} s", flush=True)
    with scopes_disabled():
        shifts = Shift.objects.count()
    users = {
        "om": User.objects.filter(role="om").order_by("pk").first(),
        "sm": User.objects.filter(role="sm").order_by("pk").first(),
        "hos": User.objects.filter(role="hos").order_by("pk").first(),
    }
    results = {}
    for name, user in users.items():
        client = Client()
        client.force_login(user)
        url = f"/dashboard/{ {'om': 'operations', 'sm': 'service', 'hos': 'group'}[name] }/"
        for mode in ("cold", "warm"):
            times = []
            for _ in range(args.repeat if mode == "warm" else max(3, args.repeat // 2)):
                if mode == "cold":
                    cache.clear()
                connection.queries_log.clear()
                began = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - began) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            results[f"{name}/{mode}"] = {
                "p50_ms": round(_percentile(times, 0.5), 1),
                "p95_ms": round(_percentile(times, 0.95), 1),
                "n": len(times),
            }
            print(
                f"{name:4} {mode:5} p50 {results[f'{name}/{mode}']['p50_ms']:8.1f} ms  "
                f"p95 {results[f'{name}/{mode}']['p95_ms']:8.1f} ms  (n={len(times)})",
                flush=True,
            )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    summary = {
        "scale": args.scale,
        "database": connection.vendor,
        "cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
        "shifts": shifts,
        "results": results,
    }
    (out / f"dashboards-x{args.scale}-{connection.vendor}.json").write_text(
        json.dumps(summary, indent=2)
    )
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
