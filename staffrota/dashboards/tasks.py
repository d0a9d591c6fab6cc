"""Periodic job: store every home's completed months before the first dashboard needs them.

Registered in `staffrota/schedule.py`. Idempotent: only months missing or changed since they
were stored are computed, so a second run or a second worker does next to nothing.
"""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.utils import timezone

from staffrota.dashboards.months import months_fill
from staffrota.dashboards.stats import TREND_MONTHS
from staffrota.organisation.models import CareHome
from staffrota.tenancy import home_scope, scopes_disabled


@shared_task
def dashboard_months_fill(today: str | None = None) -> int:
    """The completed months of the dashboards' 12-month trend, for every home."""
    day = date.fromisoformat(today) if today else timezone.localdate()
    with scopes_disabled():
        home_ids = list(CareHome.objects.order_by("pk").values_list("pk", flat=True))
    with home_scope(home_ids):
        return months_fill(home_ids=home_ids, today=day, count=TREND_MONTHS - 1)
