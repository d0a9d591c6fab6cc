"""Server time of the rota's heaviest pages on the demo data.

    DATABASE_URL=postgres://... python -m bench.rota [--repeat 30] [--out var/bench/rota]

Measures, through Django's test client in-process (so the figure is server time without
the network): the 4-week grid of the largest unit, and a whole home's vacancy list with
the ranked candidates of every vacancy. Reports p50/p95 and the query count of each, and
checks that the grid's query count does not change between 1 and 4 weeks.
"""

import argparse
import json
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def timed(repeat: int, action) -> tuple[list[float], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    action()  # warm caches and connections once
    times = []
    queries = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            action()
            times.append((time.perf_counter() - started) * 1000)
        queries = len(captured)
    return times, queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--out", default="var/bench/rota")
    args = parser.parse_args()
    if args.repeat < 1:
        sys.exit("--repeat must be at least 1")

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staffrota.settings")
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from staffrota.accounts.models import Role, User
    from staffrota.organisation.models import CareHome, Unit
    from staffrota.rota.vacancies import open_vacancies, vacancy_candidates

    with scopes_disabled():
        if not CareHome.objects.exists():
            sys.exit("No care homes: build the demo first (manage.py demo_data).")
        unit = (
            Unit.objects.annotate(staff=Count("home_staff"))
            .select_related("care_home")
            .order_by("-staff", "pk")
            .first()
        )
        home_units = list(
            Unit.objects.filter(care_home=unit.care_home).values_list("pk", flat=True)
        )
        viewer = User.objects.filter(role=Role.HEAD_OF_SERVICE, is_active=True).first()
        if viewer is None:
            sys.exit("The demo data has no Head of Service to view the pages as.")
    client = Client()
    client.force_login(viewer)
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    grid_url = reverse("unit_rota", args=[unit.pk])

    def grid(weeks):
        def get():
            response = client.get(grid_url, {"start": monday.isoformat(), "weeks": weeks})
            assert response.status_code == 200, response.status_code

        return get

    def home_vacancies():
        with scopes_disabled():
            vacancies = open_vacancies(unit_ids=home_units, start=today, days=28)
            for vacancy in vacancies:
                vacancy_candidates(vacancy.shift)
        return len(vacancies)

    grid_1_times, grid_1_queries = timed(args.repeat, grid(1))
    grid_4_times, grid_4_queries = timed(args.repeat, grid(4))
    with scopes_disabled():
        vacancy_count = len(open_vacancies(unit_ids=home_units, start=today, days=28))
    vacancy_times, vacancy_queries = timed(max(3, args.repeat // 5), home_vacancies)

    results = {
        "database": connection.vendor,
        "unit": f"{unit.name} ({unit.care_home.name}), {unit.staff} staff",
        "grid_1_week": {
            "p50_ms": percentile(grid_1_times, 0.5),
            "p95_ms": percentile(grid_1_times, 0.95),
            "queries": grid_1_queries,
        },
        "grid_4_weeks": {
            "p50_ms": percentile(grid_4_times, 0.5),
            "p95_ms": percentile(grid_4_times, 0.95),
            "queries": grid_4_queries,
        },
        "home_vacancies_with_candidates": {
            "vacancies": vacancy_count,
            "p50_ms": percentile(vacancy_times, 0.5),
            "p95_ms": percentile(vacancy_times, 0.95),
            "queries": vacancy_queries,
            "per_vacancy_ms": statistics.median(vacancy_times) / max(vacancy_count, 1),
        },
        "grid_queries_constant_in_days": grid_1_queries == grid_4_queries,
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    if not results["grid_queries_constant_in_days"]:
        sys.exit("The grid's query count grew with the number of days.")


if __name__ == "__main__":
    main()
