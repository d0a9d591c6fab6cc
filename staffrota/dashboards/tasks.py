"""Periodic job: every home's dashboard figures ready before the first manager looks.

Registered in `staffrota/schedule.py`. Idempotent: only months missing or changed since they
were stored are computed, and today's figures only where not cached, so a second run or a
second worker does next to nothing.
"""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.utils import timezone

from staffrota.dashboards.cache import home_stats_many
from staffrota.dashboards.months import months_fill
from staffrota.dashboards.stats import TREND_MONTHS
from staffrota.organisation.models import CareHome
from staffrota.tenancy import home_scope, scopes_disabled


@shared_task
def dashboards_prepare(today: str | None = None) -> int:
    """Store the completed months of the 12-month trend and cache today's figures, for every
    home: the day's first dashboards would otherwise compute all of them (cached figures are
    per day)."""
    day = date.fromisoformat(today) if today else timezone.localdate()
    with scopes_disabled():
        home_ids = list(CareHome.objects.order_by("pk").values_list("pk", flat=True))
    with home_scope(home_ids):
        months_fill(home_ids=home_ids, today=day, count=TREND_MONTHS - 1)
        home_stats_many(home_ids, day)
    return len(home_ids)
