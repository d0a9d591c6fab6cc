"""Shared fixtures: two homes, so that every test has another home's data that could leak."""

from dataclasses import dataclass
from datetime import date, time, timedelta

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from staffrota.accounts.models import Role
from staffrota.rota.models import ShiftStatus
from staffrota.rota.services import shift_create
from staffrota.testing import factories as f
from staffrota.testing.browser import browser  # noqa: F401 (a shared fixture)


@dataclass
class HomeWorld:
    home: object
    unit: object
    other_unit: object
    early: object
    night: object
    carer: object
    nurse: object
    manager: object  # OM of `unit` only
    staff_user: object
    shift: object
    vacancy: object


def build_home(name: str) -> HomeWorld:
    home = f.care_home(name)
    unit = f.unit(home, f"{name} Rowan")
    other_unit = f.unit(home, f"{name} Birch")
    early = f.shift_type(home, "E", time(8), time(14), "6")
    night = f.shift_type(home, "N", time(20), time(8), "12", night=True)
    carer = f.staff_member(unit, "carer", first_name="Casey", last_name=f"{name}carer")
    nurse = f.staff_member(unit, "rn", first_name="Nia", last_name=f"{name}nurse")
    manager = f.operational_manager(unit)
    today = timezone.localdate()
    with scopes_disabled():
        f.requirement(unit, early, f.job_role("carer"), 2, (today + timedelta(days=1)).weekday())
        shift = shift_create(
            unit=unit,
            day=today + timedelta(days=1),
            shift_type=early,
            job_role=carer.job_role,
            staff=carer,
            status=ShiftStatus.PUBLISHED,
        )
        vacancy = shift_create(
            unit=unit, day=today + timedelta(days=2), shift_type=night, job_role=nurse.job_role
        )
    return HomeWorld(
        home=home,
        unit=unit,
        other_unit=other_unit,
        early=early,
        night=night,
        carer=carer,
        nurse=nurse,
        manager=manager,
        staff_user=carer.user,
        shift=shift,
        vacancy=vacancy,
    )


@pytest.fixture
def home_a(db) -> HomeWorld:
    return build_home("Ashgrove")


@pytest.fixture
def home_b(db) -> HomeWorld:
    return build_home("Bellfield")


@pytest.fixture
def head_of_service(db):
    return f.user(role=Role.HEAD_OF_SERVICE, first_name="Hannah", last_name="Head")


@pytest.fixture
def today() -> date:
    return timezone.localdate()
