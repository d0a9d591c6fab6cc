import math
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django_scopes import scopes_disabled

from staffrota.organisation.models import DemandRecord


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def add_demand(unit, end, days: int, level: float = 60.0, *, zero_from: int | None = None):
    """`days` days of care hours ending on `end`: a weekly rhythm and a little wobble."""
    rows = []
    for i in range(days):
        day = end - timedelta(days=days - 1 - i)
        rhythm = (1.04, 1.01, 1.0, 1.0, 1.0, 0.96, 0.95)[day.weekday()]
        value = level * rhythm * (1 + 0.01 * math.sin(i))
        if zero_from is not None and i >= zero_from:
            value = 0
        rows.append(
            DemandRecord(
                care_home_id=unit.care_home_id,
                unit=unit,
                date=day,
                occupied_beds=18,
                dependency=Decimal("4.00"),
                care_hours_needed=Decimal(f"{value:.1f}"),
            )
        )
    with scopes_disabled():
        DemandRecord.objects.bulk_create(rows)
