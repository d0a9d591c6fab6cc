"""Server time of every dashboard, p50 and p95, with a warm and a cold cache, on demo data.

    python -m bench.compliance --database-url postgres://postgres@127.0.0.1:5432/COPY \\
        --redis-url redis://127.0.0.1:6379/13 [--repeat 20] [--out var/bench/compliance]

The database is one `manage.py demo_data [--scale N]` built (use a copy: the benchmark logs
in, which writes `last_login`). Each page is requested through Django's test client, logged
in with the password as the demo user it is for. "Server time" is the whole request inside
Django: middleware, scope, queries, cache, template. Modes:

  first    nothing cached and no completed month stored (HomeMonth emptied): once after a
           deployment or a demo build, before the nightly job has run
  cold     the whole cache is cleared before each request; completed months are stored
  changed  one home's data changed before each request (the invalidation a shift saved
           today in that home causes), so that home's current figures are recomputed
  warm     everything comes from the cache

The Redis database given is cleared (FLUSHDB) by the cold runs: give one nobody else uses.
The first runs empty the stored months (dashboards_homemonth) of the database given.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

DEMO_USERS = {"om": "SAP900003", "sm": "SAP900012", "hos": "SAP900015"}
# (name, user, url, modes); the training matrix is computed on every request (no cache).
PAGES = [
    ("OM dashboard", "om", "/dashboard/operations/", ("first", "cold", "changed", "warm")),
    ("SM dashboard", "sm", "/dashboard/service/", ("first", "cold", "changed", "warm")),
    ("HOS dashboard", "hos", "/dashboard/group/", ("first", "cold", "changed", "warm")),
    ("Training matrix (OM)", "om", "/compliance/training/", ("uncached",)),
    ("Training matrix (HOS)", "hos", "/compliance/training/", ("uncached",)),
]


def _setup(database_url: str, redis_url: str) -> None:
    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root))
    os.environ["DJANGO_SETTINGS_MODULE"] = "staffrota.settings"
    os.environ["DATABASE_URL"] = database_url
    os.environ["REDIS_URL"] = redis_url
    os.environ["SESSION_STORE"] = "db"  # the cold runs clear the cache, sessions must survive
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


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _check_database() -> str | None:
    """None if the database is migrated and holds demo data, else what is wrong."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django_scopes import scopes_disabled

    from staffrota.accounts.models import User

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in plan[:5])
        return f"the database needs migrations ({names}...): run `manage.py migrate` on it"
    with scopes_disabled():
        found = set(
            User.objects.filter(username__in=DEMO_USERS.values()).values_list("username", flat=True)
        )
    missing = sorted(set(DEMO_USERS.values()) - found)
    if missing:
        return f"no demo users {', '.join(missing)}: build it with `manage.py demo_data`"
    return None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", ""))
    parser.add_argument("--repeat", type=int, default=20, help="warm requests per page")
    parser.add_argument("--cold-repeat", type=int, default=10, help="cold requests per page")
    parser.add_argument("--first-repeat", type=int, default=3, help="first requests per page")
    parser.add_argument("--only", default="", help="comma-separated page names to run (om,...)")
    parser.add_argument("--out", default="var/bench/compliance")
    args = parser.parse_args(argv)
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url must be a PostgreSQL database built by manage.py demo_data")
    if not args.redis_url.startswith("redis://"):
        parser.error("--redis-url must be a Redis database (it is cleared by the cold runs)")
    _setup(args.database_url, args.redis_url)

    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from staffrota.dashboards.models import HomeMonth
    from staffrota.demo.build import DEMO_PASSWORD
    from staffrota.organisation.models import CareHome, StaffMember, Unit
    from staffrota.rota.models import Shift

    problem = _check_database()
    if problem:
        print(f"bench.compliance: {problem}", file=sys.stderr)
        return 2
    setup_test_environment()  # lets the test client through ALLOWED_HOSTS "testserver"
    today = timezone.localdate()
    with scopes_disabled():
        sizes = {
            "homes": CareHome.objects.count(),
            "units": Unit.objects.count(),
            "staff": StaffMember.objects.count(),
            "shifts": Shift.objects.count(),
        }
        changed_home = CareHome.objects.order_by("pk").values_list("pk", flat=True).first()
        changed_shift = (
            Shift.objects.filter(care_home_id=changed_home, date__lte=today)
            .order_by("-date", "pk")
            .first()
        )
    print(f"{connection.settings_dict['NAME']}: {sizes}, today {today}", flush=True)
    clients = {}
    for who, username in DEMO_USERS.items():
        clients[who] = Client()
        assert clients[who].login(username=username, password=DEMO_PASSWORD), username

    def change_one_home():
        # What saving one of today's shifts in one home does to the cache (the signal handler
        # the save runs; outside a transaction its on-commit part runs at once).
        from staffrota.dashboards.signals import _changed

        _changed(sender=Shift, instance=changed_shift)

    only = {name.strip() for name in args.only.split(",") if name.strip()}
    results = {}
    for name, who, url, modes in PAGES:
        key = name.split(" ")[0].lower() if "matrix" not in name else f"matrix-{who}"
        if only and key not in only:
            continue
        client = clients[who]
        client.get(url)  # fill the cache, and the database's buffers, once
        for mode in modes:
            repeat = args.cold_repeat if mode in ("cold", "changed") else args.repeat
            if mode == "first":
                repeat = args.first_repeat
            if mode == "uncached":
                repeat = max(3, args.cold_repeat)
            load_before = _load()
            times = []
            for _ in range(repeat):
                if mode == "first":
                    with scopes_disabled():
                        HomeMonth.objects.all().delete()
                    cache.clear()
                elif mode == "cold":
                    cache.clear()
                elif mode == "changed":
                    change_one_home()
                began = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - began) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            result = {
                "page": name,
                "user": DEMO_USERS[who],
                "url": url,
                "mode": mode,
                "p50_ms": round(_percentile(times, 0.5), 1),
                "p95_ms": round(_percentile(times, 0.95), 1),
                "mean_ms": round(statistics.fmean(times), 1),
                "n": len(times),
                "load_before": load_before,
                "load_after": _load(),
            }
            results[f"{key}/{mode}"] = result
            print(
                f"{name:22} {mode:8} p50 {result['p50_ms']:8.1f} ms  p95 {result['p95_ms']:8.1f} ms"
                f"  (n={len(times)}, load {load_before} -> {result['load_after']})",
                flush=True,
            )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    database = connection.settings_dict["NAME"]
    summary = {
        "database": database,
        "today": today.isoformat(),
        "sizes": sizes,
        "results": results,
    }
    (out / f"dashboards-{database}.json").write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
