"""What the rules engine is given: each shift's day on the home's clock, each absence."""

from datetime import date, time, timedelta

import pytest
from django_scopes import scopes_disabled

from staffrota.leave.models import LeaveRequest, LeaveStatus, SicknessAbsence
from staffrota.rota.eligibility import load_absences, load_worked
from staffrota.rota.models import Shift, ShiftStatus
from staffrota.rota.rules import LOCAL
from staffrota.rota.services import shift_create
from staffrota.testing import factories as f

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("day", [date(2026, 7, 1), date(2027, 1, 12), date(2026, 3, 28)])
def test_each_worked_shift_starts_on_its_day_on_the_homes_clock(home_a, day):
    """Around midnight in summer time the day in UTC is another day: the rules must get
    the home's day, as `starts_at` on the rules' own clock gives it."""
    with scopes_disabled():
        kinds = [
            f.shift_type(home_a.home, "A", time(0, 30), time(7, 30), "7"),
            f.shift_type(home_a.home, "Z", time(23, 30), time(7, 30), "8", night=True),
            home_a.night,
        ]
        for offset, kind in enumerate(kinds):
            shift_create(
                unit=home_a.unit,
                day=day + timedelta(days=offset * 2),
                shift_type=kind,
                job_role=home_a.carer.job_role,
                staff=home_a.carer,
                status=ShiftStatus.PUBLISHED,
            )
        worked = load_worked([home_a.carer.pk], day)[home_a.carer.pk]
    assert len(worked) >= 3
    for shift in worked:
        assert shift.date == shift.starts_at.astimezone(LOCAL).date()
    assert {shift.label for shift in worked} >= {"a on Ashgrove Rowan", "z on Ashgrove Rowan"}


def test_absences_are_approved_leave_named_by_type_and_sickness(home_a, today):
    with scopes_disabled():
        for kind, status, offset in [
            ("compassionate", LeaveStatus.APPROVED, 3),
            ("annual", LeaveStatus.PENDING, 5),
            ("annual", LeaveStatus.APPROVED, 8),
        ]:
            LeaveRequest.objects.create(
                care_home=home_a.home,
                staff=home_a.carer,
                leave_type=kind,
                start_date=today + timedelta(days=offset),
                end_date=today + timedelta(days=offset + 1),
                hours=12,
                status=status,
            )
        SicknessAbsence.objects.create(
            care_home=home_a.home, staff=home_a.carer, start_date=today, reason="other"
        )
        absences = load_absences([home_a.carer.pk, home_a.nurse.pk], today)
    assert home_a.nurse.pk not in absences
    found = [(a.first_day, a.last_day, a.kind, a.label) for a in absences[home_a.carer.pk]]
    assert found == [
        (today + timedelta(days=8), today + timedelta(days=9), "leave", "annual leave"),
        (today + timedelta(days=3), today + timedelta(days=4), "leave", "compassionate leave"),
        (today, None, "sickness", "sick leave"),
    ]


def test_worked_shifts_keep_their_exact_start_and_end(home_a, today):
    """Start and end come from the database as microseconds since 1970: the same moments
    as the model reads, to the microsecond, in summer and winter time."""
    with scopes_disabled():
        made = [
            shift_create(
                unit=home_a.unit,
                day=day,
                shift_type=home_a.night,
                job_role=home_a.carer.job_role,
                staff=home_a.carer,
                status=ShiftStatus.PUBLISHED,
            )
            for day in (today + timedelta(days=2), today + timedelta(days=100))
        ]
        # Imported shifts need not start on a whole minute.
        odd = made[0].starts_at + timedelta(seconds=7, microseconds=123456)
        Shift.objects.filter(pk=made[0].pk).update(starts_at=odd)
        expected = {
            pk: (starts_at, ends_at)
            for pk, starts_at, ends_at in Shift.objects.filter(
                pk__in=[s.pk for s in made]
            ).values_list("pk", "starts_at", "ends_at")
        }
        worked = load_worked([home_a.carer.pk], today + timedelta(days=50))[home_a.carer.pk]
    found = {w.shift_id: (w.starts_at, w.ends_at) for w in worked if w.shift_id in expected}
    assert found == expected
    assert expected[made[0].pk][0] == odd
    for shift in worked:
        assert shift.week == shift.date - timedelta(days=shift.date.weekday())
