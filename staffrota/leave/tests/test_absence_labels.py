"""The leave marks of the rota and the leave calendar (`queries.absence_labels`), read
through kept SQL: the same rows as the ORM's queries under each home's scope, on the first
run and on the kept one, and the same marks as the rules give them."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope, scopes_disabled

from staffrota.leave import queries
from staffrota.leave.models import LeaveRequest, SicknessAbsence
from staffrota.rota.kept_sql import kept_rows
from staffrota.testing import factories as f

pytestmark = pytest.mark.django_db


def _leave(world, staff, first, last, status, kind="annual"):
    return LeaveRequest.objects.create(
        care_home=world.home,
        staff=staff,
        leave_type=kind,
        start_date=first,
        end_date=last,
        hours=Decimal("6"),
        status=status,
    )


@pytest.fixture
def absent(home_a, home_b, today):
    """Leave of each state and sickness ended, open and expected to end, in both homes;
    the people of home A in order."""
    with scopes_disabled():
        people = {}
        for world in (home_a, home_b):
            extra = f.staff_member(world.unit, "carer", first_name="Ola", last_name="Off")
            _leave(
                world, world.carer, today + timedelta(days=2), today + timedelta(days=4), "approved"
            )
            _leave(
                world, world.carer, today + timedelta(days=9), today + timedelta(days=9), "pending"
            )
            _leave(
                world, world.carer, today + timedelta(days=6), today + timedelta(days=7), "rejected"
            )
            _leave(
                world,
                world.nurse,
                today - timedelta(days=3),
                today + timedelta(days=1),
                "approved",
                "training",
            )
            _leave(
                world,
                extra,
                today + timedelta(days=20),
                today + timedelta(days=40),
                "pending",
                "toil",
            )
            SicknessAbsence.objects.create(
                care_home=world.home,
                staff=world.nurse,
                start_date=today + timedelta(days=1),
                end_date=today + timedelta(days=2),
                reason="other",
            )
            SicknessAbsence.objects.create(
                care_home=world.home,
                staff=extra,
                start_date=today + timedelta(days=12),
                expected_end_date=today + timedelta(days=14),
                reason="other",
            )
            SicknessAbsence.objects.create(
                care_home=world.home,
                staff=world.carer,
                start_date=today + timedelta(days=20),
                reason="other",
            )
            people[world.home.pk] = [world.carer.pk, world.nurse.pk, extra.pk]
    return people


def _expected(people, start, end):
    """The marks by the rules, from every row: leave approved or pending by its kind's
    short label, then sickness over it (to its end, else the expected end, else `end`)."""
    found = {}
    with scopes_disabled():
        for leave in LeaveRequest.objects.filter(staff_id__in=people).order_by("-start_date"):
            if leave.status not in ("approved", "pending"):
                continue
            day = max(leave.start_date, start)
            while day <= min(leave.end_date, end):
                label = queries.SHORT_LABELS[leave.leave_type]
                found.setdefault(leave.staff_id, {})[day] = (label, leave.status)
                day += timedelta(days=1)
        for sick in SicknessAbsence.objects.filter(staff_id__in=people).order_by("-start_date"):
            day = max(sick.start_date, start)
            while day <= min(sick.end_date or sick.expected_end_date or end, end):
                found.setdefault(sick.staff_id, {})[day] = ("S", "approved")
                day += timedelta(days=1)
    return found


def test_the_kept_reads_give_the_rows_of_their_querysets(home_a, home_b, absent, today):
    found = 0
    for world in (home_a, home_b, home_a):  # the second time in home A: the kept SQL
        everyone = absent[home_a.home.pk] + absent[home_b.home.pk]
        with scope(care_home=[world.home.pk]):
            for ids in (everyone, everyone[:1], everyone[:5]):  # lists padded differently
                for build in (queries._leave_rows, queries._sickness_rows):
                    values = {"ids": ids, "start": today, "end": today + timedelta(days=27)}
                    orm = list(build(**values))
                    assert kept_rows(build, **values) == orm, build.__name__
                    found += len(orm)
    assert found > 20


def test_the_marks_are_the_rules_marks_and_stay_in_the_home(home_a, home_b, absent, today):
    ours, theirs = absent[home_a.home.pk], absent[home_b.home.pk]
    for start, days in (
        (today, 7),
        (today - timedelta(days=2), 28),
        (today + timedelta(days=13), 1),
    ):
        end = start + timedelta(days=days - 1)
        for _ in range(2):  # written, then kept
            with scope(care_home=[home_a.home.pk]):
                marks = queries.absence_labels(ours + theirs, start, end)
            assert dict(marks) == _expected(ours, start, end)
    with scope(care_home=[home_a.home.pk]):
        marks = queries.absence_labels(ours, today, today + timedelta(days=27))
    assert marks[home_a.carer.pk][today + timedelta(days=9)] == ("AL", "pending")
    assert marks[home_a.carer.pk][today + timedelta(days=27)] == ("S", "approved")  # still off
    assert today + timedelta(days=6) not in marks[home_a.carer.pk]  # refused: no mark
    assert marks[home_a.nurse.pk][today + timedelta(days=1)] == ("S", "approved")  # over training


def test_the_marks_take_two_queries_for_any_number_of_people(home_a, absent, today):
    with scope(care_home=[home_a.home.pk]):
        queries.absence_labels(absent[home_a.home.pk], today, today + timedelta(days=27))
        with CaptureQueriesContext(connection) as ran:
            queries.absence_labels(absent[home_a.home.pk][:2], today, today + timedelta(days=6))
    assert len(ran) == 2
