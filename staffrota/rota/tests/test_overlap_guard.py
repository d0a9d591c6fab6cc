"""One person, one place at a time: the database and the service agree on every case.

The same table of cases runs on SQLite (triggers) and on PostgreSQL (exclusion
constraint); CI runs the suite on both, so the two guards are shown to agree.
"""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from staffrota.rota.models import Shift, ShiftStatus
from staffrota.rota.services import RotaError, shift_create

pytestmark = pytest.mark.django_db


def _at(hour: int, day_offset: int = 5) -> datetime:
    base = timezone.localdate() + timedelta(days=day_offset)
    tz = timezone.get_current_timezone()
    return timezone.make_aware(datetime.combine(base, datetime.min.time()), tz) + timedelta(
        hours=hour
    )


def _raw_shift(world, staff, start_hour, end_hour, status=ShiftStatus.PUBLISHED) -> Shift:
    """Write a shift straight through the ORM, past every check in the services."""
    starts_at, ends_at = _at(start_hour), _at(end_hour)
    return Shift.objects.create(
        care_home=world.home,
        unit=world.unit,
        date=starts_at.date(),
        starts_at=starts_at,
        ends_at=ends_at,
        shift_type=world.early,
        job_role=world.carer.job_role,
        staff=staff,
        paid_hours=Decimal("6"),
        status=status,
    )


CASES = [
    # (first shift hours, second shift hours, second status, second vacant?, allowed?)
    ((8, 14), (13, 20), ShiftStatus.PUBLISHED, False, False),  # overlaps by an hour
    ((8, 14), (8, 14), ShiftStatus.DRAFT, False, False),  # the same shift twice
    ((8, 20), (10, 12), ShiftStatus.PUBLISHED, False, False),  # inside another
    ((8, 14), (14, 20), ShiftStatus.PUBLISHED, False, True),  # back to back: touching is fine
    ((8, 14), (13, 20), ShiftStatus.CANCELLED, False, True),  # a cancelled shift holds no one
    ((8, 14), (13, 20), ShiftStatus.PUBLISHED, True, True),  # a vacancy belongs to no one
]


@pytest.mark.parametrize("first, second, status, vacant, allowed", CASES)
def test_database_rejects_overlapping_shifts_for_one_person(
    home_a, first, second, status, vacant, allowed
):
    with scopes_disabled():
        _raw_shift(home_a, home_a.nurse, *first)
        staff = None if vacant else home_a.nurse
        if allowed:
            _raw_shift(home_a, staff, *second, status=status)
        else:
            clash = pytest.raises(IntegrityError, match="shift_no_overlap_per_person")
            with clash, transaction.atomic():
                _raw_shift(home_a, staff, *second, status=status)
        count = Shift.objects.filter(staff=home_a.nurse).count()
    assert count == (2 if allowed and not vacant else 1), connection.vendor


def test_database_rejects_moving_a_shift_onto_another(home_a):
    with scopes_disabled():
        _raw_shift(home_a, home_a.nurse, 8, 14)
        later = _raw_shift(home_a, home_a.nurse, 14, 20)
        later.starts_at = _at(12)
        with pytest.raises(IntegrityError), transaction.atomic():
            later.save()
        # Un-cancelling into an overlap is caught too.
        clash = _raw_shift(home_a, home_a.nurse, 9, 10, status=ShiftStatus.CANCELLED)
        clash.status = ShiftStatus.PUBLISHED
        with pytest.raises(IntegrityError), transaction.atomic():
            clash.save()


def test_service_refuses_overlap_with_a_message_naming_person_and_shift(home_a):
    with scopes_disabled():
        day = home_a.shift.date
        with pytest.raises(RotaError) as refused:
            shift_create(
                unit=home_a.unit,
                day=day,
                shift_type=home_a.early,
                job_role=home_a.carer.job_role,
                staff=home_a.carer,
            )
    message = str(refused.value)
    assert home_a.carer.full_name in message
    assert "overlaps" in message and f"{day.day} {day:%b}" in message


@pytest.mark.parametrize(
    "field, value, constraint",
    [
        ("ends_at", -1, "shift_ends_after_start"),
        ("paid_hours", Decimal("0"), "shift_paid_hours_positive"),
    ],
)
def test_database_refuses_impossible_shifts(home_a, field, value, constraint):
    with scopes_disabled():
        shift = _raw_shift(home_a, None, 8, 14)
        if field == "ends_at":
            shift.ends_at = shift.starts_at + timedelta(hours=value)
        else:
            shift.paid_hours = value
        with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
            shift.save()


def test_night_shift_ends_the_next_morning(home_a):
    with scopes_disabled():
        assert home_a.vacancy.ends_at - home_a.vacancy.starts_at == timedelta(hours=12)
        assert timezone.localtime(home_a.vacancy.ends_at).date() == home_a.vacancy.date + timedelta(
            days=1
        )
