"""What the rules engine is given: each shift's day on the home's clock, each absence."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django_scopes import scope, scopes_disabled

from staffrota.leave.models import LeaveRequest, LeaveStatus, SicknessAbsence
from staffrota.rota.eligibility import (
    WINDOW,
    _worked_rows,
    check_candidates,
    load_absences,
    load_worked,
    person_of,
    rules_for,
    worked_shift,
)
from staffrota.rota.kept_sql import kept_rows
from staffrota.rota.models import Shift, ShiftStatus
from staffrota.rota.rules import LOCAL, check_shift
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


# check_candidates reads the near shifts one by one and the far weeks summed: the verdicts
# must be the ones every shift of the window gives, read the plain way.


def _add_shifts(world, person, days, kind, hours="12"):
    """Shifts written straight to the table: histories the rules would refuse to build."""
    made = []
    for day in days:
        starts = datetime.combine(day, kind.starts, LOCAL)
        ends = datetime.combine(day + timedelta(days=kind.ends <= kind.starts), kind.ends, LOCAL)
        made.append(
            Shift.objects.create(
                care_home=world.home,
                unit=world.unit,
                date=day,
                starts_at=starts,
                ends_at=ends,
                shift_type=kind,
                job_role=person.job_role,
                staff=person,
                paid_hours=Decimal(hours),
                status=ShiftStatus.PUBLISHED,
            )
        )
    return made


def _verdicts_on_every_shift(shift, people, releasing=None):
    """The check as it was: model rows of the whole window, nothing summed or kept."""
    releasing = releasing or {}
    verdicts = {}
    for person in people:
        rows = (
            Shift.objects.filter(
                staff=person, date__range=(shift.date - WINDOW, shift.date + WINDOW)
            )
            .exclude(status=ShiftStatus.CANCELLED)
            .exclude(pk=releasing.get(person.pk, 0))
            .select_related("shift_type", "unit")
            .order_by("starts_at", "pk")
        )
        verdicts[person.pk] = check_shift(
            person=person_of(person),
            shift=worked_shift(shift),
            slot_role_code=shift.job_role.code,
            slot_role_name=shift.job_role.name,
            others=[worked_shift(row) for row in rows],
            absences=load_absences([person.pk], shift.date).get(person.pk, []),
            rules=rules_for(shift.care_home),
        )
    return verdicts


def _as_compared(verdicts):
    return {pk: (v.violations, v.source, str(v.week_hours_before)) for pk, v in verdicts.items()}


def _weekdays(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def test_candidates_get_the_verdicts_all_their_shifts_give(home_a, today):
    """Sixty hours a week months before the slot, nights enough to be a night worker
    (opted out of the 48 hours), twenty days in a row up to the slot, a quiet
    colleague: far weeks summed give the same reasons, word for word."""
    with scopes_disabled():
        slot_day = today + timedelta(days=40)
        monday = slot_day - timedelta(days=slot_day.weekday())
        heavy = f.staff_member(home_a.unit, "carer", first_name="Hal", last_name="Heavy")
        owl = f.staff_member(home_a.unit, "carer", first_name="Olu", last_name="Owl")
        owl.wtr_opt_out = True
        owl.save()
        runner = f.staff_member(home_a.unit, "carer", first_name="Rae", last_name="Runner")
        quiet = f.staff_member(home_a.unit, "carer", first_name="Quin", last_name="Quiet")
        long_day = f.shift_type(home_a.home, "LD", time(8), time(20), "12")
        far_days = [
            day
            for day in _weekdays(monday - timedelta(weeks=16), monday - timedelta(weeks=2))
            if day.weekday() < 5
        ]
        _add_shifts(home_a, heavy, far_days, long_day)
        _add_shifts(home_a, owl, far_days, home_a.night)
        _add_shifts(
            home_a,
            runner,
            _weekdays(slot_day - timedelta(days=20), slot_day - timedelta(days=1)),
            home_a.early,
            "6",
        )
        _add_shifts(
            home_a,
            quiet,
            [monday - timedelta(weeks=5), slot_day + timedelta(days=3)],
            home_a.early,
            "6",
        )
        day_slot = shift_create(
            unit=home_a.unit, day=slot_day, shift_type=home_a.early, job_role=heavy.job_role
        )
        night_slot = shift_create(
            unit=home_a.unit, day=slot_day, shift_type=home_a.night, job_role=heavy.job_role
        )
        people = [heavy, owl, runner, quiet]
        for slot in (day_slot, night_slot):
            slot = Shift.objects.select_related("care_home", "job_role", "unit", "shift_type").get(
                pk=slot.pk
            )
            found = check_candidates(slot, people)
            assert _as_compared(found) == _as_compared(_verdicts_on_every_shift(slot, people))
            broken = {pk: {v.rule for v in verdict.violations} for pk, verdict in found.items()}
            assert "weekly_hours" in broken[heavy.pk]
            assert "consecutive_days" in broken[runner.pk]
            assert not broken[quiet.pk]
        assert "night_hours" in broken[owl.pk]


def test_a_swap_leaves_out_the_shift_given_away_even_weeks_away(home_a, today):
    """The shift a person gives up, and the row of the shift being checked (moved to
    another day), count neither among the near shifts nor in the far weeks."""
    with scopes_disabled():
        slot_day = today + timedelta(days=40)
        person = f.staff_member(home_a.unit, "carer", first_name="Sam", last_name="Swapper")
        long_day = f.shift_type(home_a.home, "LD", time(8), time(20), "12")
        days = [slot_day - timedelta(days=n) for n in range(14, 120) if n % 7 < 5]
        made = _add_shifts(home_a, person, days, long_day, "13")
        slot = Shift.objects.select_related("care_home", "job_role", "unit", "shift_type").get(
            pk=home_a.vacancy.pk
        )
        slot.job_role = person.job_role
        slot.date = slot_day
        slot.starts_at, slot.ends_at = (
            datetime.combine(slot_day, time(8), LOCAL),
            datetime.combine(slot_day, time(20), LOCAL),
        )
        releasing = {person.pk: made[10].pk}
        found = check_candidates(slot, [person], releasing=releasing)
        assert _as_compared(found) == _as_compared(
            _verdicts_on_every_shift(slot, [person], releasing)
        )
        # The moved shift's own row, far away, is left out too.
        moved = made[30]
        moved.date, moved.starts_at, moved.ends_at = slot.date, slot.starts_at, slot.ends_at
        moved.job_role = person.job_role
        assert _as_compared(check_candidates(moved, [person])) == _as_compared(
            _verdicts_on_every_shift(moved, [person])
        )


def test_checking_candidates_costs_the_same_queries_for_one_or_many(
    home_a, today, django_assert_num_queries
):
    with scopes_disabled():
        people = [
            f.staff_member(home_a.unit, "carer", first_name="P", last_name=str(n)) for n in range(3)
        ]
        shift = Shift.objects.select_related("care_home", "job_role", "unit", "shift_type").get(
            pk=home_a.vacancy.pk
        )
        for crowd in (people[:1], people):
            with django_assert_num_queries(4):
                check_candidates(shift, crowd)


def test_kept_sql_runs_with_each_calls_values(home_a, home_b, today):
    """The second call of a shape runs the first one's SQL: with its own ids and days."""
    with scopes_disabled():
        shifts = {}
        for world in (home_a, home_b):
            shifts[world.carer.pk] = _add_shifts(
                world, world.carer, [today + timedelta(days=n) for n in (20, 60)], world.early
            )
        for world, day in (
            (home_a, today + timedelta(days=20)),
            (home_b, today + timedelta(days=60)),
        ):
            ids = [world.carer.pk]
            values = {"ids": ids, "first": day - timedelta(days=1), "last": day + timedelta(days=1)}
            rows = kept_rows(_worked_rows, **values)
            assert rows == list(_worked_rows(**values))
            assert [row[5] for row in rows] == [
                s.pk for s in shifts[world.carer.pk] if s.date == day
            ]
        # Lists are made up to a few lengths by repeating their last id: 5 ids run the
        # SQL written for 6, and give the rows of those 5.
        everyone = [home_a.carer.pk, home_a.nurse.pk, home_b.nurse.pk, 0, home_b.carer.pk]
        for ids in (everyone[:4], everyone, everyone[::-1]):
            values = {"ids": ids, "first": today, "last": today + timedelta(days=90)}
            assert kept_rows(_worked_rows, **values) == list(_worked_rows(**values))


def test_kept_sql_holds_to_the_scope_it_runs_in(home_a, home_b, today):
    """SQL written under one home's scope is never run under another's: each scope gets
    the SQL the ORM writes for it, and another home's people stay out of sight."""
    with scopes_disabled():
        for world in (home_a, home_b):
            LeaveRequest.objects.create(
                care_home=world.home,
                staff=world.carer,
                leave_type="annual",
                start_date=today + timedelta(days=3),
                end_date=today + timedelta(days=4),
                hours=12,
                status=LeaveStatus.APPROVED,
            )
    both = [home_a.carer.pk, home_b.carer.pk]
    for world in (home_a, home_b, home_a):
        with scope(care_home=[world.home.pk]):
            found = load_absences(both, today)
        assert set(found) == {world.carer.pk}


def test_shifts_and_weekly_totals_from_rows_are_the_dataclasses_init_makes(home_a, today):
    """Made without `__init__` (all fields at once): equal to, hashing as and reading as
    the instances their constructor makes, the shifts with their day and Monday."""
    from staffrota.rota.eligibility import load_far_weeks
    from staffrota.rota.rules import WeekHours, WorkedShift, near_span

    with scopes_disabled():
        for offset in (3, 5, 60):
            shift_create(
                unit=home_a.unit,
                day=today + timedelta(days=offset),
                shift_type=home_a.early,
                job_role=home_a.carer.job_role,
                staff=home_a.carer,
                status=ShiftStatus.PUBLISHED,
            )
        shifts = list(Shift.objects.filter(staff=home_a.carer).select_related("shift_type", "unit"))
        worked = load_worked([home_a.carer.pk], today + timedelta(days=30))[home_a.carer.pk]
        near = near_span(worked_shift(shifts[0]))
        far = load_far_weeks([home_a.carer.pk], today + timedelta(days=3), apart_from=near)
    by_id = {shift.pk: worked_shift(shift) for shift in shifts}
    assert len(worked) == len(shifts) >= 4
    for made in worked:
        built = by_id[made.shift_id]
        assert type(made) is WorkedShift
        assert made == built and hash(made) == hash(built) and repr(made) == repr(built)
        assert (made.date, made.week) == (built.date, built.week)
    weeks = far[home_a.carer.pk]
    assert weeks
    for week, totals in weeks.items():
        again = WeekHours(totals.hours, totals.shifts, totals.nights)
        assert type(totals) is WeekHours and totals == again and hash(totals) == hash(again)
        assert week.weekday() == 0
