"""The weekly rest (24 hours off a week, or 48 in the fortnight) in the model and the
evaluator, on a home whose own cap on days in a row would not keep it."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from ortools.sat.python import cp_model

from staffrota.optimiser.engine import weekly
from staffrota.optimiser.engine.cpmodel import RotaModel
from staffrota.optimiser.engine.evaluate import evaluate
from staffrota.optimiser.engine.model import (
    Contract,
    Cover,
    Pay,
    Problem,
    Roster,
    ShiftType,
    Staff,
    WeeklyRest,
)
from staffrota.optimiser.engine.solver import solve

H = 60
# The demo homes' shift types: an early and a late, a long day, a night to 07:30.
EARLY = ShiftType("E", 420, start_minute=7 * H, length_minutes=450)
LATE = ShiftType("L", 420, start_minute=14 * H, length_minutes=450)
LONG = ShiftType("LD", 690, start_minute=7 * H, length_minutes=720)
NIGHT = ShiftType(
    "N",
    630,
    start_minute=21 * H,
    length_minutes=630,
    forbidden_next=frozenset({"E", "LD", "L"}),
    night=True,
)
MONDAY = dt.date(2026, 3, 2)  # the second week of its fortnight (fortnights from 1 Jan 2024)


def home(days: int = 21, people: int = 5, busy: tuple = ()) -> Problem:
    """Cover nobody can give without working most days: the weekly rest must bite."""
    contract = Contract(max_consecutive_shifts=13)
    staff = tuple(
        Staff(
            id=f"p{i}",
            roles=frozenset({"carer"}),
            contract=contract,
            pay=Pay(hourly=1200, overtime_hourly=1200, contracted_minutes=10**6),
            busy=busy if i == 0 else (),
        )
        for i in range(people)
    )
    covers = tuple(
        Cover(d, s, preferred=n, role="carer", minimum=n, shortfall_weight=30000)
        for d in range(days)
        for s, n in (("E", 2), ("L", 1), ("N", 1))
    )
    return Problem(
        days=days,
        shift_types=(EARLY, LATE, LONG, NIGHT),
        staff=staff,
        covers=covers,
        start=MONDAY,
        weekly_rest=WeeklyRest(fortnight_start=-7),
    )


def rest_breaches(problem: Problem, roster: Roster) -> list:
    return [v for v in evaluate(problem, roster).violations if v.rule == "weekly_rest"]


def test_without_the_rule_the_cheapest_rota_breaks_weekly_rest():
    # The test below could fail: the same home without the rule works people every day.
    problem = home()
    loose = replace(problem, weekly_rest=None)
    solution = solve(loose, time_limit_s=5, workers=1)
    assert solution.roster is not None
    assert rest_breaches(problem, solution.roster)


def test_solver_drafts_over_three_weeks_keep_the_weekly_rest():
    problem = home()
    solution = solve(problem, time_limit_s=5, workers=1)
    assert solution.roster is not None
    assert evaluate(problem, solution.roster).violations == []
    # Everyone still works: the rule costs rest, not the whole rota.
    assert sum(s is not None for row in solution.roster.shifts.values() for s in row) > 60


def test_evaluator_counts_one_fortnight_the_way_the_law_does():
    problem = replace(home(days=14, people=1), weekly_rest=WeeklyRest(fortnight_start=0))
    person = problem.staff[0]
    # Nights every day of the fortnight (21:00-07:30): 13.5 hours off at most.
    assert weekly.breaches(problem, person, ["N"] * 14) == [(0, 0), (7, 0)]
    # Week 1: lates Monday to Wednesday, Thursday off, nights from Friday: 47.5 hours off
    # (21:30 Wednesday to 21:00 Friday). Week 2 nights only: the fortnight has one 24, not
    # two and not 48, so week 2 breaches...
    week_1 = ["L", "L", "L", None, "N", "N", "N"]
    assert weekly.breaches(problem, person, week_1 + ["N"] * 7) == [(7, 0)]
    # ...and a day off in week 2 as well makes two 24s: both weeks are fine.
    assert weekly.breaches(problem, person, week_1 + ["N", "N", "N", None, "N", "N", "N"]) == []
    # Nights in week 1 and one day off in week 2: week 1 breaches, and the evaluator puts
    # it on the first new shift of the fortnight.
    row = ["N"] * 10 + [None] + ["N"] * 3
    assert weekly.breaches(problem, person, row) == [(0, 0)]
    assert [v.day for v in rest_breaches(problem, Roster(shifts={"p0": row}))] == [0]


def test_a_stretch_of_exactly_24_hours_is_rest_and_a_minute_less_is_not():
    busy = [(0, 8 * H), (32 * H, 40 * H)]  # free from 08:00 Monday to 08:00 Tuesday
    assert weekly.free_gaps(busy, 0, 2 * 24 * H) == [24 * H, 8 * H]
    busy = [(0, 8 * H + 1), (32 * H, 40 * H)]
    assert max(weekly.free_gaps(busy, 0, 40 * H)) == 24 * H - 1


def test_published_shifts_before_the_period_count():
    # Day 0 is the Monday of a fortnight's second week. Person p0 worked nights all week
    # before (no 24 hours): the fortnight then needs 48 hours off in the period's week.
    first = -7
    nights = tuple((24 * H * d + 21 * H, 24 * H * (d + 1) + 7 * H + 30) for d in range(first, 0))
    problem = home(days=14, people=5, busy=nights)
    solution = solve(problem, time_limit_s=5, workers=1)
    assert solution.roster is not None
    assert rest_breaches(problem, solution.roster) == []
    busy = list(nights)
    times = {s.id: s for s in problem.shift_types}
    for d, s in enumerate(solution.roster.shifts["p0"][:7]):
        if s:
            start = 24 * H * d + (times[s].start_minute or 0)
            busy.append((start, start + times[s].span_minutes))
    gaps = weekly.free_gaps(busy, 24 * H * first, 24 * H * (first + 14))
    assert max(gaps) >= 48 * H


def test_model_stays_small():
    rota = RotaModel(home())
    proto = rota.model.proto
    rest = [v for v in proto.variables if v.name.startswith("rest[")]
    # Five people, one fortnight with free days that matter (the other one ends past
    # the horizon, free): about three literals per day and rule.
    assert 0 < len(rest) <= 5 * 80
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 5
    solver.parameters.num_workers = 1
    assert solver.solve(rota.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def test_the_hour_the_clocks_go_forward_does_not_count_as_rest():
    # Day shift 08:00-16:00 on Wednesday, a 16-hour night from 16:00 Thursday: 24 hours
    # off on the wall clock, the week's only 24. If the clocks go forward at 01:00 on the
    # Thursday, that is 23 real hours: no rest in the week.
    day = ShiftType("D", 480, start_minute=8 * H)
    night = ShiftType("N", 960, start_minute=16 * H, night=True)
    row = ["N", "N", "D", "N", "N", "N", "N"]
    person = Staff(id="p0", fixed=dict(enumerate(row)), busy=((7 * 24 * H, 14 * 24 * H),))

    def problem(skipped: tuple[int, ...]) -> Problem:
        return Problem(
            days=7,
            shift_types=(day, night),
            staff=(person,),
            weekly_rest=WeeklyRest(fortnight_start=0, skipped_hours=skipped),
        )

    thursday_1am = 3 * 24 * H + 1 * H
    assert weekly.breaches(problem(()), person, row) == [(7, 0)]
    assert weekly.breaches(problem((thursday_1am,)), person, row) == [(0, 0), (7, 0)]
    rota = RotaModel(problem(()))
    assert weekly._Rest(rota, 0).stretches(0, 7 * 24 * H, 24 * H) is None  # always free
    rota = RotaModel(problem((thursday_1am,)))
    assert weekly._Rest(rota, 0).stretches(0, 7 * 24 * H, 24 * H) == []  # never
