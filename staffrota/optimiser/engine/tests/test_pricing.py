"""Pricing by the walk over the days: on any person it counts, its cheapest schedule costs
what CP-SAT's optimum of the same person costs and keeps every rule of that person."""

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from staffrota.optimiser.engine import columns, pricing
from staffrota.optimiser.engine.benchmark import read_instance
from staffrota.optimiser.engine.evaluate import evaluate
from staffrota.optimiser.engine.model import (
    Contract,
    MinutesWindow,
    Problem,
    Roster,
    ShiftType,
    Staff,
)

from .factories import BENCHMARK, needs_benchmark


def _nobody_working(problem: Problem) -> Roster:
    return Roster(shifts={s.id: [None] * problem.days for s in problem.staff})


def _breaches(problem: Problem, p: int, row) -> list[str]:
    """The evaluator's violations of person p's rules by ``row``."""
    roster = _nobody_working(problem)
    person = problem.staff[p]
    roster.shifts[person.id] = list(row)
    return [v.message for v in evaluate(problem, roster).violations if v.staff == person.id]


def _both(problem: Problem, p: int, values: dict):
    """(the walk's schedules, CP-SAT's schedules and whether it proved its last optimal)."""
    context = _nobody_working(problem)
    walk = columns.Pricer(problem, p, context)
    assert walk.rota is None, "the walk should price this person"
    sat = columns.Pricer(problem, p, context, walk=False)
    return walk.best({}, values, 5.0), sat.best({}, values, 5.0), sat.optimal


@st.composite
def one_person(draw):
    """A person with every rule the walk counts, each drawn, and a value on every cell."""
    days = draw(st.integers(4, 16))
    minutes = [draw(st.sampled_from([240, 480, 720])) for _ in range(3)]
    ids = ["E", "L", "N"]
    shifts = tuple(
        ShiftType(
            s,
            minutes[i],
            forbidden_next=frozenset(draw(st.sets(st.sampled_from(ids), max_size=2))),
        )
        for i, s in enumerate(ids)
    )
    top = days * 720
    max_minutes = draw(st.none() | st.integers(0, top))
    contract = Contract(
        min_minutes=draw(st.integers(0, (max_minutes if max_minutes is not None else top) // 2)),
        max_minutes=max_minutes,
        max_shifts={
            s: draw(st.integers(0, days)) for s in draw(st.sets(st.sampled_from(ids), max_size=2))
        },
        min_consecutive_shifts=draw(st.integers(1, 3)),
        max_consecutive_shifts=draw(st.none() | st.integers(1, 6)),
        min_consecutive_days_off=draw(st.integers(1, 3)),
        max_weekends=draw(st.none() | st.integers(0, 2)),
    )
    leave = draw(st.sets(st.integers(0, days - 1), max_size=days // 3))
    free = [d for d in range(days) if d not in leave]
    fixed = {}
    if free and draw(st.booleans()):
        fixed[draw(st.sampled_from(free))] = draw(st.sampled_from(ids))
    before = draw(st.sampled_from([None, *ids]))
    person = Staff(
        "A",
        contract=contract,
        unavailable={d: "annual leave" for d in leave},
        fixed=fixed,
        shift_before=before,
        days_worked_before=draw(st.integers(1, 4)) if before else 0,
    )
    problem = Problem(
        days=days, shift_types=shifts, staff=(person,), first_weekday=draw(st.integers(0, 6))
    )
    values = {(d, s): float(draw(st.integers(-60, 40))) for d in range(days) for s in ids}
    return problem, values


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(one_person())
def test_the_walk_finds_what_cp_sat_proves_cheapest_and_keeps_every_rule(case):
    problem, values = case
    walk, sat, proved = _both(problem, 0, values)

    assert proved or not sat, "CP-SAT should settle a person this small"
    # Both find no schedule (the rules leave none) or both find the same least cost.
    assert bool(walk) == bool(sat)
    if walk:
        row, cost = walk[-1]
        assert abs(cost - sat[-1][1]) < 1e-6  # (CP-SAT's is its whole parts / 1e5)
        assert cost == sum(-values[(d, s)] for d, s in enumerate(row) if s)
        assert _breaches(problem, 0, row) == []
        # The others are the cheapest of other lengths: dearer, each its own minutes.
        minutes = problem.shift_by_id
        lengths = [sum(minutes[s].minutes for s in r if s) for r, _ in walk]
        assert len(set(lengths)) == len(walk) <= columns.WALK_SCHEDULES
        assert [c for _, c in walk] == sorted((c for _, c in walk), reverse=True)
        assert all(_breaches(problem, 0, r) == [] for r, _ in walk)


@needs_benchmark
def test_on_instance_12_the_walk_prices_as_cp_sat_does():
    # Ten shift types in four kinds by their rest rules, night shifts rationed, weekends.
    problem = read_instance(BENCHMARK / "instances" / "Instance12.txt")
    rng = random.Random(12)
    for p in rng.sample(range(len(problem.staff)), 4):
        values = {
            (d, s.id): rng.choice([0.0, rng.uniform(0, 200)])
            for d in range(problem.days)
            for s in problem.shift_types
        }
        walk, sat, proved = _both(problem, p, values)
        assert proved
        # CP-SAT rounds the values to 1e-5 of a point, a part per cell at most.
        assert abs(walk[-1][1] - sat[-1][1]) <= problem.days * 1e-5
        assert _breaches(problem, p, walk[-1][0]) == []


def test_a_window_of_weeks_is_priced_by_cp_sat():
    # The walk does not count minutes in a window (the 17-week average); CP-SAT does.
    week = MinutesWindow(0, 7, max_minutes=2 * 480)
    problem = Problem(
        days=14,
        shift_types=(ShiftType("E", 480),),
        staff=(Staff("A", contract=Contract(windows=(week,))),),
    )
    pricer = columns.Pricer(problem, 0, _nobody_working(problem))
    assert not pricer.walk.applicable and pricer.rota is not None

    row, cost = pricer.best({}, {(d, "E"): 1.0 for d in range(14)}, 5.0)[-1]
    assert sum(s is not None for s in row[:7]) == 2 and cost == -9.0


def test_too_many_states_falls_back_to_cp_sat(monkeypatch):
    monkeypatch.setattr(pricing, "MAX_STATES", 10)
    problem = Problem(days=7, shift_types=(ShiftType("E", 480),), staff=(Staff("A"),))
    pricer = columns.Pricer(problem, 0, _nobody_working(problem))
    assert pricer.rota is not None
    row, cost = pricer.best({}, {(d, "E"): 1.0 for d in range(7)}, 5.0)[-1]
    assert row == ("E",) * 7 and cost == -7.0
