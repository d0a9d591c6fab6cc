"""A unit with a published rota a month out: three carers on the early, two required."""

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django_scopes import scopes_disabled

from staffrota.leave.models import LeaveAllowance
from staffrota.rota.models import ShiftStatus
from staffrota.rota.services import shift_create
from staffrota.testing import factories as f


@dataclass
class Ward:
    world: object
    day: date
    carers: list
    shifts: list


def rostered(world, staff, day, shift_type=None, status=ShiftStatus.PUBLISHED):
    with scopes_disabled():
        return shift_create(
            unit=world.unit,
            day=day,
            shift_type=shift_type or world.early,
            job_role=staff.job_role,
            staff=staff,
            status=status,
        )


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Leave pages, balances and absence labels are kept by ids, and ids repeat between
    # tests once a test's rows roll back (SQLite): what one test kept must not reach the next.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def ward(home_a, home_b, today) -> Ward:
    """Home B exists too, so any leak across homes has something to leak."""
    day = today + timedelta(days=30)
    with scopes_disabled():
        carer_role = f.job_role("carer")
        for weekday in range(7):
            if weekday != (today + timedelta(days=1)).weekday():
                f.requirement(home_a.unit, home_a.early, carer_role, 2, weekday)
        extra = [
            f.staff_member(home_a.unit, "carer", first_name=name, last_name="Ward")
            for name in ("Rhona", "Iain")
        ]
        # The home plans for two carers away at once (the default for three carers is one):
        # these tests are about cover, the allowance has its own (test_allowance.py).
        LeaveAllowance.objects.create(
            care_home=home_a.home, unit=home_a.unit, job_role=carer_role, places=2
        )
    carers = [home_a.carer, *extra]
    shifts = [rostered(home_a, carer, day) for carer in carers]
    return Ward(world=home_a, day=day, carers=carers, shifts=shifts)
