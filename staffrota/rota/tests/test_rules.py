"""The rules engine at its boundaries, without a database."""

from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from staffrota.rota.rules import (
    LOCAL,
    Absence,
    Person,
    RotaRules,
    WeekHours,
    WorkedShift,
    check_shift,
    near_span,
    run_reaches_edge,
)

MONDAY = date(2026, 3, 2)
ANNA = Person(
    staff_id=1,
    name="Anna Byrne",
    role_code="carer",
    role_name="Carer",
    registration_required=True,
    registration_number="SSSC1234",
    registration_expiry=date(2030, 1, 1),
    wtr_opt_out=False,
    contracted_hours=Decimal(36),
    is_bank=False,
)


def at(day: date, hour: float) -> datetime:
    return datetime.combine(day, datetime.min.time(), LOCAL) + timedelta(hours=hour)


def shift(day: date, start: float, length: float, night=False, sid=None) -> WorkedShift:
    starts = at(day, start)
    return WorkedShift(starts, starts + timedelta(hours=length), Decimal(str(length)), night, sid)


DEFAULT_RULES = RotaRules()


def check(new, others=(), person=ANNA, slot="carer", absences=(), rules=DEFAULT_RULES):
    return check_shift(
        person=person,
        shift=new,
        slot_role_code=slot,
        slot_role_name=slot.title(),
        others=list(others),
        absences=list(absences),
        rules=rules,
    )


def rules_broken(verdict) -> set[str]:
    return {v.rule for v in verdict.violations}


def test_exactly_eleven_hours_rest_passes():
    late = shift(MONDAY, 14, 6)  # ends 20:00
    assert check(shift(MONDAY + timedelta(days=1), 7, 6), [late]).ok  # starts 07:00: 11 h


def test_ten_hours_fifty_nine_minutes_rest_fails_with_names_and_times():
    late = shift(MONDAY, 14, 6)
    early = shift(MONDAY + timedelta(days=1), 6 + 59 / 60, 6)
    verdict = check(early, [late])
    assert rules_broken(verdict) == {"daily_rest"}
    message = verdict.violations[0].message
    assert "Anna Byrne" in message and "11 hours" in message
    assert "Mon 2 Mar 20:00" in message and "Tue 3 Mar 06:59" in message
    assert verdict.violations[0].statutory


def test_rest_before_an_earlier_shift_counts_too():
    later = shift(MONDAY + timedelta(days=1), 7, 6)
    assert "daily_rest" in rules_broken(check(shift(MONDAY, 15, 6), [later]))


def test_overlap_is_refused():
    assert "overlap" in rules_broken(check(shift(MONDAY, 10, 6), [shift(MONDAY, 8, 6)]))


def _weeks_of(total_hours_per_week: list[float], start_week: date) -> list[WorkedShift]:
    """Shifts of up to 12 hours, Monday onwards, giving each week the hours asked for."""
    shifts = []
    for n, hours in enumerate(total_hours_per_week):
        day = start_week + timedelta(weeks=n)
        remaining = hours
        while remaining > 0:
            length = min(12.0, remaining)
            shifts.append(shift(day, 7, length))
            remaining -= length
            day += timedelta(days=1)
    return shifts


def test_48_hour_average_at_the_limit_passes_and_just_over_fails():
    first_week = MONDAY - timedelta(weeks=16)
    # 16 weeks of 48 h, and the 17th week has 36 h before the new 12-hour shift: exactly 816.
    history = _weeks_of([48.0] * 16 + [36.0], first_week)
    new = shift(MONDAY + timedelta(days=4), 7, 12)
    assert check(new, history, rules=replace(RotaRules(), max_consecutive_days=7)).ok
    longer = shift(MONDAY + timedelta(days=4), 7, 12.5)
    verdict = check(longer, history, rules=replace(RotaRules(), max_consecutive_days=7))
    assert rules_broken(verdict) == {"weekly_hours"}
    assert "48.0 hours a week over the 17 weeks" in verdict.violations[0].message


def test_48_hour_average_counts_later_reference_periods_too():
    # Heavy weeks after the shift: the 17 weeks starting at the shift's week go over.
    future = _weeks_of([37.0] + [48.0] * 16, MONDAY)
    sunday = shift(MONDAY + timedelta(days=6), 7, 12)
    verdict = check(sunday, future)
    assert rules_broken(verdict) == {"weekly_hours"}
    assert "over the 17 weeks Mon 2 Mar 2026 to" in verdict.summary()


def test_opt_out_lifts_the_48_hour_average_only():
    history = _weeks_of([60.0] * 17, MONDAY - timedelta(weeks=16))
    day_shift = shift(MONDAY + timedelta(days=6), 7, 12)
    relaxed = replace(RotaRules(), max_consecutive_days=7)
    opted_out = replace(ANNA, wtr_opt_out=True)
    assert "weekly_hours" not in rules_broken(check(day_shift, history, opted_out, rules=relaxed))


def test_night_worker_limit_applies_even_when_opted_out():
    first_week = MONDAY - timedelta(weeks=16)
    # Four 12-hour nights a week for 17 weeks: 816 hours, the most a night worker may do.
    nights = [
        shift(first_week + timedelta(days=n), 20, 12, night=True)
        for n in range(17 * 7)
        if n % 7 < 4
    ]
    opted_out = replace(ANNA, wtr_opt_out=True)
    friday_night = shift(MONDAY + timedelta(days=4), 20, 12, night=True)
    verdict = check(friday_night, nights, opted_out)
    assert rules_broken(verdict) == {"night_hours"}
    assert "opt-out does not lift" in verdict.summary()
    # The same Friday as a day shift is not night work: an opted-out person may do it.
    friday_day = shift(MONDAY + timedelta(days=4), 9, 8)
    assert "night_hours" not in rules_broken(check(friday_day, nights, opted_out))


def test_seventh_day_in_a_row_breaks_the_home_rule_but_can_be_overridden():
    week = [shift(MONDAY + timedelta(days=n), 7, 6) for n in range(6)]
    verdict = check(shift(MONDAY + timedelta(days=6), 7, 6), week[:5])
    assert verdict.ok  # six days in a row is the default limit
    verdict = check(shift(MONDAY + timedelta(days=6), 7, 6), week)
    assert "consecutive_days" in rules_broken(verdict)
    breach = next(v for v in verdict.violations if v.rule == "consecutive_days")
    assert breach.overridable and "7 days in a row" in breach.message


def test_no_24_hour_break_in_a_week_or_48_in_the_fortnight_fails():
    # Long days every day with under 24 h between, for a fortnight: no weekly rest at all.
    # Fortnights run from a fixed Monday; 2 Mar 2026 is the second week of its fortnight.
    fortnight = [shift(MONDAY - timedelta(days=7 - n), 8, 12) for n in range(14)]
    relaxed = replace(RotaRules(), max_consecutive_days=30, weekly_limit_hours=Decimal(100))
    verdict = check(fortnight[-1], fortnight[:-1], rules=relaxed)
    assert "weekly_rest" in rules_broken(verdict)


def test_48_hours_off_in_the_fortnight_makes_up_for_a_week_without_24():
    days = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13]  # 10 and 11 off: 60 hours' rest
    fortnight_start = MONDAY - timedelta(days=7)  # 2 Mar 2026 is its fortnight's second week
    shifts = [shift(fortnight_start + timedelta(days=n), 8, 12) for n in days]
    relaxed = replace(RotaRules(), max_consecutive_days=30, weekly_limit_hours=Decimal(100))
    assert "weekly_rest" not in rules_broken(
        check(shifts[6], shifts[:6] + shifts[7:], rules=relaxed)
    )


# The fortnight of 23 Feb 2026 (week A) and 2 Mar 2026 (week B, MONDAY).
WEEK_A = MONDAY - timedelta(days=7)


def days_08_to_20(first: date, days: int, skip=()) -> list[WorkedShift]:
    """A 12-hour day shift every day but `skip`: 12 hours off between shifts, never 24."""
    return [shift(first + timedelta(days=n), 8, 12) for n in range(days) if n not in skip]


def test_exactly_24_hours_off_in_the_week_passes_and_23_59_fails():
    # Week A: day shifts but Wednesday, whose shift is a night that starts when Tuesday's
    # day shift has been over 24 hours (or a minute less). Week B: 36 hours off once, so
    # the fortnight has neither 48 hours nor two 24s and week A needs its own 24.
    others = days_08_to_20(WEEK_A, 7, skip={2}) + days_08_to_20(MONDAY, 7, skip={2})
    exactly = shift(WEEK_A + timedelta(days=2), 20, 12)
    assert "weekly_rest" not in rules_broken(check(exactly, others))
    short = shift(WEEK_A + timedelta(days=2), 20 - 1 / 60, 12 + 1 / 60)
    verdict = check(short, others)
    assert "weekly_rest" in rules_broken(verdict)
    breach = next(v for v in verdict.violations if v.rule == "weekly_rest")
    assert breach.statutory
    assert "week starting Mon 23 Feb 2026" in breach.message
    assert "fortnight starting Mon 23 Feb 2026" in breach.message


def test_a_shift_that_takes_the_fortnights_48_hours_refuses_for_the_other_week():
    # Week A (say, published already) has no 24 hours off; it relies on week B's 60 hours
    # off (Tue 20:00 to Fri 08:00). A day shift on the Thursday leaves week B 36 hours, its
    # own 24, but the fortnight no 48: week A is then in breach, though the shift is not in it.
    week_a = days_08_to_20(WEEK_A, 7)
    week_b = days_08_to_20(MONDAY, 7, skip={2, 3})
    assert "weekly_rest" not in rules_broken(check(week_a[0], week_a[1:] + week_b))
    verdict = check(shift(MONDAY + timedelta(days=3), 8, 12), week_a + week_b)
    breach = next(v for v in verdict.violations if v.rule == "weekly_rest")
    assert "week starting Mon 23 Feb 2026" in breach.message


def test_two_24_hour_breaks_in_the_fortnight_make_up_for_a_week_without_one():
    week_a = days_08_to_20(WEEK_A, 7)
    week_b = days_08_to_20(MONDAY, 7, skip={1, 3})  # 36 hours off twice
    verdict = check(shift(MONDAY + timedelta(days=5), 8, 12), week_a + week_b[:-2] + week_b[-1:])
    assert "weekly_rest" not in rules_broken(verdict)
    # The same fortnight with the second break taken away breaches in week A.
    verdict = check(shift(MONDAY + timedelta(days=3), 8, 12), week_a + week_b)
    assert "weekly_rest" in rules_broken(verdict)


def test_the_weekly_rest_counts_real_hours_in_the_week_the_clocks_go_forward():
    # Clocks go forward at 01:00 on Sun 29 Mar 2026: Sat 20:00 to Sun 21:00 is 24 hours.
    # (The test's times are wall-clock.) The fortnight's other week has 36 hours off once.
    monday = date(2026, 3, 23)  # first week of its fortnight
    others = days_08_to_20(monday, 6) + days_08_to_20(monday + timedelta(days=7), 7, skip={2})
    sunday = monday + timedelta(days=6)
    assert "weekly_rest" not in rules_broken(check(shift(sunday, 21, 2), others))
    assert "weekly_rest" in rules_broken(check(shift(sunday, 20.5, 2), others))  # 23.5 hours


def test_registration_expiring_on_the_day_passes_and_the_day_before_fails():
    new = shift(MONDAY, 7, 6)
    assert check(new, person=replace(ANNA, registration_expiry=MONDAY)).ok
    lapsed = replace(ANNA, registration_expiry=MONDAY - timedelta(days=1))
    verdict = check(new, person=lapsed)
    assert rules_broken(verdict) == {"registration"} and verdict.violations[0].statutory
    assert "expired on Sun 1 Mar 2026" in verdict.summary()


@pytest.mark.parametrize(
    "role, slot, fits", [("senior", "carer", True), ("carer", "senior", False)]
)
def test_role_fit(role, slot, fits):
    verdict = check(shift(MONDAY, 7, 6), person=replace(ANNA, role_code=role), slot=slot)
    assert ("role" not in rules_broken(verdict)) is fits


def test_leave_and_open_sickness_block_but_are_overridable():
    new = shift(MONDAY + timedelta(days=2), 7, 6)
    leave = Absence(MONDAY, MONDAY + timedelta(days=4), "leave", "annual leave")
    verdict = check(new, absences=[leave])
    assert rules_broken(verdict) == {"leave"} and verdict.allowed_with_override()
    sick = Absence(MONDAY, None, "sickness", "sick leave")
    assert "not yet back" in check(new, absences=[sick]).summary()


def test_hours_past_the_contract_are_overtime_and_bank_staff_are_bank():
    week = [shift(MONDAY + timedelta(days=n), 7, 6) for n in range(5)]  # 30 h
    assert check(shift(MONDAY + timedelta(days=5), 7, 6), week).source == "contracted"  # 36
    assert check(shift(MONDAY + timedelta(days=5), 7, 6.5), week).source == "overtime"
    bank = replace(ANNA, is_bank=True)
    assert check(shift(MONDAY, 7, 6), person=bank).source == "bank"


SHIFT_TYPES = [(7, 7.5, False), (14, 7, False), (8, 12, False), (20, 12, True)]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 41), st.sampled_from(SHIFT_TYPES)), max_size=40))
def test_no_sequence_of_accepted_shifts_breaks_a_rule(requests):
    """Accept each request the engine passes; afterwards every accepted shift still passes
    against all the others. No order of calls can build a rota that breaks a rule."""
    accepted: list[WorkedShift] = []
    for n, (offset, (start, length, night)) in enumerate(requests):
        new = replace(shift(MONDAY + timedelta(days=offset), start, length, night), shift_id=n)
        if check(new, accepted).ok:
            accepted.append(new)
    for item in accepted:
        assert check(item, [s for s in accepted if s is not item]).ok


# Far weeks summed (`check_shift(far_weeks=...)`): the same verdict as every shift given.

HISTORY_TYPES = [(7, 7.5, False), (8, 12, False), (20, 12, True), (22, 10, True), (7, 13, False)]


def _split(new: WorkedShift, history: list[WorkedShift]):
    """As `eligibility.check_candidates` reads them: the shifts touching `near_span` one
    by one, the rest summed by week."""
    low, high = near_span(new)
    near = [s for s in history if s.starts_at < high and s.ends_at > low]
    far: dict[date, WeekHours] = {}
    for item in history:
        if item in near:
            continue
        week = far.get(item.week, WeekHours(Decimal(0), 0, 0))
        far[item.week] = WeekHours(
            week.hours + item.paid_hours, week.shifts + 1, week.nights + int(item.is_night)
        )
    return near, far


def _same(a, b) -> bool:
    return (a.violations, a.source, str(a.week_hours_before)) == (
        b.violations,
        b.source,
        str(b.week_hours_before),
    )


@settings(max_examples=300, deadline=None)
@given(
    days=st.lists(st.tuples(st.integers(-126, 126), st.sampled_from(HISTORY_TYPES)), max_size=120),
    slot=st.tuples(st.integers(-3, 3), st.sampled_from(HISTORY_TYPES)),
    opted_out=st.booleans(),
    dense=st.integers(0, 3),
)
def test_far_weeks_summed_give_the_verdict_of_every_shift(days, slot, opted_out, dense):
    """Whatever the person's 36 weeks hold: unless their days in a row reach the edge of
    the near weeks (then `check_candidates` reads every shift), the near shifts and the
    far weeks' totals give the very verdict, reasons and pay source all shifts give."""
    centre = MONDAY + timedelta(days=130)
    person = replace(ANNA, wtr_opt_out=opted_out)
    # Some people work nearly every day for months: the hours rules must bite sometimes.
    busy = [(n, HISTORY_TYPES[dense]) for n in range(-120, 120) if dense and n % 7 < 5]
    history = []
    for n, (offset, (start, length, night)) in enumerate(sorted(set(days + busy))):
        history.append(
            replace(shift(centre + timedelta(days=offset), start, length, night), shift_id=n)
        )
    new = replace(shift(centre + timedelta(days=slot[0]), *slot[1]), shift_id=10_000)
    everything = check(new, history, person=person)
    near, far = _split(new, history)
    if run_reaches_edge(new, near):
        return
    summed = check_shift(
        person=person,
        shift=new,
        slot_role_code="carer",
        slot_role_name="Carer",
        others=near,
        absences=[],
        far_weeks=far,
    )
    assert _same(summed, everything)


def test_far_weeks_carry_an_average_above_48_hours():
    """Sixty hours a week, all of it more than a week before the shift: only the weekly
    totals show it, and they refuse the shift as all the shifts would."""
    new = shift(MONDAY, 8, 6)
    history = [
        shift(MONDAY - timedelta(weeks=w, days=d), 8, 12) for w in range(2, 17) for d in range(5)
    ]
    near, far = _split(new, history)
    assert not near
    summed = check_shift(
        person=ANNA,
        shift=new,
        slot_role_code="carer",
        slot_role_name="Carer",
        others=near,
        absences=[],
        far_weeks=far,
    )
    assert rules_broken(summed) == {"weekly_hours"}
    assert _same(summed, check(new, history))


def test_a_run_of_days_to_the_edge_of_the_near_weeks_needs_every_shift():
    new = shift(MONDAY, 8, 6)
    run = [shift(MONDAY - timedelta(days=d), 8, 6) for d in range(1, 9)]
    assert run_reaches_edge(new, run)
    assert not run_reaches_edge(new, run[:5])


def test_kept_periods_and_fortnights_are_the_ones_worked_out_afresh():
    """The weekly-rest periods, fortnights and near spans are kept per process: asked
    again (the clocks changing inside some of these weeks), each is what working it out
    afresh gives."""
    from staffrota.rota import rules

    start = date(2026, 3, 2)  # the clocks go forward on 29 March and back on 25 October
    for offset in range(0, 280, 3):
        day = start + timedelta(days=offset)
        monday = day - timedelta(days=day.weekday())
        for days in (7, 14, 35):
            assert rules._period(monday, days) == rules._period.__wrapped__(monday, days)
            assert rules._period(monday, days) == rules._period(monday, days)
        assert rules.fortnight_start(day) == rules.fortnight_start.__wrapped__(day)
        shift = rules.WorkedShift(
            starts_at=datetime.combine(day, datetime.min.time(), rules.LOCAL) + timedelta(hours=20),
            ends_at=datetime.combine(day, datetime.min.time(), rules.LOCAL) + timedelta(hours=32),
            paid_hours=12,
            is_night=True,
        )
        assert rules.near_span(shift) == rules._near_span.__wrapped__(
            shift.date, shift.ends_at.astimezone(rules.LOCAL).date()
        )
        low, high = rules.near_span(shift)
        assert low.utcoffset() == rules._period.__wrapped__(low.date(), 0)[0].utcoffset()
        assert (high.date() - low.date()).days in (21, 28)
