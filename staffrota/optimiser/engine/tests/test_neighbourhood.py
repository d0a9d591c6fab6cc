"""A neighbourhood model changes only its free cells, keeps every rule, and its objective
moves exactly as the evaluator's total does: the search relies on all three."""

import time
from dataclasses import replace

import pytest
from ortools.sat.python import cp_model

from staffrota.optimiser.engine import lns
from staffrota.optimiser.engine.benchmark import read_instance, read_roster
from staffrota.optimiser.engine.cpmodel import MONEY_SCALE, RotaModel
from staffrota.optimiser.engine.evaluate import evaluate
from staffrota.optimiser.engine.solver import Search, solve

from .factories import BENCHMARK, care_home, needs_benchmark


def resolve(problem, roster, free):
    """Solve the neighbourhood to optimality; the new roster and the model's change."""
    rota = RotaModel(problem, context=roster, free=free)
    values, before = lns.value_of(rota, roster, 10)
    rota.model.proto.solution_hint.vars.extend(range(len(values)))
    rota.model.proto.solution_hint.values.extend(values)
    solver = cp_model.CpSolver()
    lns.sub_parameters(solver, 10, 0)
    assert solver.solve(rota.model) == cp_model.OPTIMAL
    solution = solver.response_proto.solution
    return rota.roster(lambda v: solution[v.index]), round(solver.objective_value) - before


def frees(free, p, d):
    """Whether the neighbourhood ``free`` lets cell (p, d) change."""
    cells = free.get(p)
    if isinstance(cells, frozenset):
        return d in cells
    return cells is not None and cells[0] <= d < cells[1]


def changed_cells(problem, old, new):
    return {
        (p, d)
        for p, person in enumerate(problem.staff)
        for d in range(problem.days)
        if old.shifts[person.id][d] != new.shifts[person.id][d]
    }


@pytest.mark.parametrize(
    "free",
    [
        {0: (0, 28), 9: (0, 28), 12: (0, 28)},  # whole people
        {p: (10, 16) for p in range(16)},  # everyone, a week inside the horizon
        {p: (0, 5) for p in range(0, 16, 2)},  # touching the first day
        {p: (22, 28) for p in range(1, 16, 2)},  # touching the last day
        {3: (5, 19), 4: (12, 26), 7: (0, 9)},  # different days per person
        # every weekend with its Friday, for everyone: days scattered over the horizon
        dict.fromkeys(range(16), frozenset({4, 5, 6, 11, 12, 13, 18, 19, 20, 25, 26, 27})),
        {2: frozenset({0, 7, 14, 21}), 5: (3, 10), 6: frozenset({1, 2, 26})},  # mixed
    ],
)
@needs_benchmark
def test_benchmark_neighbourhood_moves_objective_as_evaluator(free):
    problem = read_instance(BENCHMARK / "instances" / "Instance5.txt")
    roster = read_roster(BENCHMARK / "reference-rosters" / "Instance5.roster.csv", problem)

    new, change = resolve(problem, roster, free)

    before, after = evaluate(problem, roster), evaluate(problem, new)
    assert after.violations == []
    assert after.total - before.total == change
    assert change <= 0
    assert all(frees(free, p, d) for p, d in changed_cells(problem, roster, new))


@pytest.mark.parametrize(
    "free",
    [
        {0: (0, 14), 4: (0, 14)},
        {p: (3, 8) for p in range(5)},
        {1: (9, 14), 2: (0, 6), 3: (4, 11)},
        {p: frozenset({1, 2, 5, 8, 9, 12}) for p in range(5)},  # scattered days
    ],
)
def test_care_home_neighbourhood_keeps_money_roles_and_fairness_exact(free):
    base = care_home(days=14)
    # A bank carer who can also work as a nurse makes the model choose a role per shift.
    staff = list(base.staff)
    staff[4] = replace(staff[4], roles=frozenset({"carer", "nurse"}))
    problem = replace(base, staff=tuple(staff))
    start = solve(problem, time_limit_s=2, workers=1)
    assert start.roster is not None

    new, change = resolve(problem, start.roster, free)

    before, after = evaluate(problem, start.roster), evaluate(problem, new)
    assert after.violations == []
    assert round((after.total - before.total) * MONEY_SCALE) == change
    assert change <= 0
    changed = changed_cells(problem, start.roster, new)
    assert all(frees(free, p, d) for p, d in changed)


def test_weekly_neighbourhood_frees_the_same_days_of_every_week_in_a_few_weeks():
    problem = care_home(days=140)
    now = time.monotonic()
    worker = lns._Worker(Search(problem, MONEY_SCALE, now + 60, now, None, None), seed=3)
    weekend_days = {d for wk in problem.weekends() for d in wk}

    frees = [worker.weekly(300) for _ in range(40)]

    for free in frees:
        assert len(set(free.values())) == 1  # everyone freed on the same days
        days = next(iter(free.values()))
        assert max(days) - min(days) < 7 * lns.WEEKLY_WEEKS
        # Periodic: a free day recurs a week later unless that is past the window.
        assert all(d + 7 in days or d + 7 > max(days) for d in days)
        assert all(d - 7 in days or d - 7 < min(days) for d in days)
    # Mostly weekends, and over the whole horizon, not only its start.
    assert sum(bool(set().union(*f.values()) & weekend_days) for f in frees) >= 20
    assert max(max(next(iter(f.values()))) for f in frees) >= 70
