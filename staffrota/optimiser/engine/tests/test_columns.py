"""Column generation: every column keeps its person's rules, the relaxation's bound never
exceeds a known optimum, and the integer solve over columns is a roster the evaluator
scores as the master does."""

import random
import threading
import time
from dataclasses import replace

from staffrota.optimiser.engine import columns, construct
from staffrota.optimiser.engine.benchmark import read_instance, read_roster
from staffrota.optimiser.engine.evaluate import evaluate
from staffrota.optimiser.engine.model import Roster
from staffrota.optimiser.engine.solver import Search

from .factories import BENCHMARK, care_home, needs_benchmark


def _instance(n: int):
    problem = read_instance(BENCHMARK / "instances" / f"Instance{n}.txt")
    reference = read_roster(BENCHMARK / "reference-rosters" / f"Instance{n}.roster.csv", problem)
    return problem, reference


def _columns_from(problem, start: Roster) -> tuple[columns.Master, list[columns.Pricer]]:
    """A master holding ``start``'s rows as its columns, and everyone's pricer."""
    master = columns.Master(problem)
    master.add_roster(start)
    return master, [columns.Pricer(problem, p, start) for p in range(len(problem.staff))]


def _price_rounds(problem, start: Roster, rounds: int) -> columns.Master:
    master, pricers = _columns_from(problem, start)
    for _ in range(rounds):
        mu, price = master.solve_lp()
        for p, pricer in enumerate(pricers):
            for row, value in pricer.best(master.wish[p], price, 2.0):
                if value + master.wish_const[p] - mu[p] < -1e-6:
                    master.add(p, row)
    return master


def _ready_to_dive():
    """Instance 4 after 12 rounds of pricing from its reference roster: enough that the
    relaxation is well below that roster (1733)."""
    problem, reference = _instance(4)
    master = _price_rounds(problem, reference, rounds=12)
    pricers = [columns.Pricer(problem, p, reference) for p in range(len(problem.staff))]
    return problem, reference, master, pricers


def _searching_from(problem, roster: Roster, deadline: float):
    """A search whose best is ``roster``: (search, its value, the phases it reports)."""
    search = Search(problem, 1, deadline, time.monotonic(), None, None)
    start = round(evaluate(problem, roster).total)
    search.offer(roster, start, "start")
    phases = []
    search.progress = lambda p: phases.append(p.phase)
    return search, start, phases


@needs_benchmark
def test_columns_apply_to_penalties_only():
    problem, _ = _instance(5)

    assert columns.applicable(problem)
    assert not columns.applicable(care_home(days=14))
    # A hard cover line ties people together: a mix of valid schedules may break it.
    first, *rest = problem.covers
    hard = replace(problem, covers=(replace(first, hard=True, minimum=1), *rest))
    assert not columns.applicable(hard)


@needs_benchmark
def test_every_column_keeps_its_persons_rules():
    problem, reference = _instance(5)
    master = _price_rounds(problem, reference, rounds=3)

    staff = [s.id for s in problem.staff]
    assert sum(len(c) for c in master.columns) > len(staff)  # pricing added schedules
    for p, sid in enumerate(staff):
        for row in master.columns[p]:
            roster = Roster(shifts={**reference.shifts, sid: list(row)})
            assert evaluate(problem, roster).violations == []
            # The master's cost of a column is the wishes the evaluator finds broken.
            alone = evaluate(problem, roster).request_penalty
            others = evaluate(problem, reference).request_penalty
            mine = master.cost(p, tuple(reference.shifts[sid]))
            assert master.cost(p, row) == alone - others + mine


@needs_benchmark
def test_bound_of_the_relaxation_is_below_the_optimum_and_proves_it():
    # Instance 2's optimum is 828 (best_lower_bound in best-known.csv).
    problem, reference = _instance(2)
    now = time.monotonic()
    search = Search(problem, 1, now + 30, now, None, None)
    search.offer(reference, round(evaluate(problem, reference).total), "start")

    columns.run(search, seed=0, until=now + 30)

    roster, objective = search.snapshot()
    assert search.best.bound > float("-inf")  # every person priced exactly at least once
    assert search.best.bound <= 828
    check = evaluate(problem, roster)
    assert check.violations == []
    assert check.total == objective
    assert objective < evaluate(problem, reference).total


@needs_benchmark
def test_integer_solve_recombines_two_rosters_into_one_no_worse():
    problem, reference = _instance(5)
    greedy = construct.greedy(problem, time.monotonic() + 20)
    master = columns.Master(problem)
    master.add_roster(reference)
    master.add_roster(greedy)

    found = master.solve_integer(5.0, seed=0, hint=greedy)

    assert found is not None
    roster, value = found
    check = evaluate(problem, roster)
    assert check.violations == []
    assert check.total == value
    assert value <= min(evaluate(problem, reference).total, evaluate(problem, greedy).total)
    for sid, row in roster.shifts.items():
        assert row in (reference.shifts[sid], greedy.shifts[sid])


@needs_benchmark
def test_a_dive_from_the_relaxation_is_a_roster_and_frees_everyone_after():
    problem, reference, master, pricers = _ready_to_dive()
    now = time.monotonic()
    search, start, phases = _searching_from(problem, reference, now + 30)

    columns._dive(search, master, pricers, random.Random(0), lambda: now + 30 - time.monotonic())

    roster, objective = search.snapshot()
    check = evaluate(problem, roster)
    assert check.violations == [] and check.total == objective
    # Instance 4's relaxation is tight (its optimum 1716 was proved this way): the dive
    # beats the reference roster (1733) rather than giving up on the way.
    assert phases == ["columns-dive"] and objective < start
    assert master.fixed == {}
    inf = master.lp.infinity()
    assert all(var.ub() == inf for cols in master.vars for var in cols)


@needs_benchmark
def test_a_dive_after_a_round_that_added_nothing_fixes_before_it_prices(monkeypatch):
    problem, reference, master, pricers = _ready_to_dive()
    events = []
    price, fix = columns._price, columns.Master.fix

    def priced(*args):
        events.append("price")
        return price(*args)

    def fixed(*args):
        events.append("fix")
        return fix(*args)

    monkeypatch.setattr(columns, "_price", priced)
    monkeypatch.setattr(columns.Master, "fix", fixed)

    def first_step(priced: bool) -> str:
        events.clear()
        now = time.monotonic()
        search = Search(problem, 1, now + 30, now, None, None)
        search.offer(reference, round(evaluate(problem, reference).total), "start")
        left = lambda: now + 30 - time.monotonic()  # noqa: E731
        columns._dive(search, master, pricers, random.Random(0), left, priced=priced)
        return events[0]

    assert first_step(priced=False) == "price"  # the first step prices everyone
    assert first_step(priced=True) == "fix"  # the round before did: it fixes at once


@needs_benchmark
def test_a_dive_without_time_to_price_still_ends_in_a_roster(monkeypatch):
    problem, reference, master, pricers = _ready_to_dive()
    steps = []
    fix = columns.Master.fix
    monkeypatch.setattr(columns, "_price", lambda *a: steps.append("price") or (0, None))
    monkeypatch.setattr(columns.Master, "fix", lambda *a: steps.append("fix") or fix(*a))
    now = time.monotonic()
    search = Search(problem, 1, now + 30, now, None, None)

    # The column phase is over (no time left for a round), yet the search goes on: the dive
    # fixes everyone from the relaxation alone rather than leaving nothing.
    columns._dive(search, master, pricers, random.Random(0), lambda: 0.05)

    roster, objective = search.snapshot()
    assert roster is not None and "price" not in steps
    assert len(steps) == len(problem.staff)
    check = evaluate(problem, roster)
    assert check.violations == [] and check.total == objective
    assert master.fixed == {}


def test_a_dive_fixes_more_a_step_only_when_one_a_step_cannot_end_in_time():
    # 30 free people at 0.03 s each a step: about 13.5 s to fix them one a step.
    assert columns._fix_per_step(0.03, 30, left=14.0, can_price=True) == 1
    assert columns._fix_per_step(0.03, 30, left=5.0, can_price=True) == 3
    assert columns._fix_per_step(0.03, 30, left=0.0, can_price=True) == 135
    # No step measured yet (the first, even after a round that priced everyone): one.
    assert columns._fix_per_step(0.0, 30, left=1.0, can_price=True) == 1
    # Out of time to price: a tenth of those free a step.
    assert columns._fix_per_step(0.03, 30, left=0.05, can_price=False) == 3
    assert columns._fix_per_step(0.03, 5, left=0.05, can_price=False) == 1


@needs_benchmark
def test_a_rounding_of_the_relaxation_is_a_roster_of_its_columns_and_frees_everyone_after():
    problem, _, master, _ = _ready_to_dive()

    roster = columns._round(master, random.Random(0))

    assert evaluate(problem, roster).violations == []
    for p, sid in enumerate(master.staff):
        assert tuple(roster.shifts[sid]) in master.columns[p]
    assert master.fixed == {}
    inf = master.lp.infinity()
    assert all(var.ub() == inf for cols in master.vars for var in cols)


@needs_benchmark
def test_a_restart_hands_the_search_what_beats_its_best_and_nothing_worse():
    problem, reference, master, _ = _ready_to_dive()
    now = time.monotonic()
    search, start, phases = _searching_from(problem, reference, now + 30)

    restart = columns._Restart(search, master, random.Random(0), 0, now + 30)
    assert restart.ready and master.fixed == {}
    rounded = restart.child.best.objective
    restart.run(time.monotonic() + 3)

    mine = restart.child.best.objective
    assert mine <= rounded  # its own search only improves on the rounding
    roster, objective = search.snapshot()
    # The search has the better of its own best and the restart's, scored as it says.
    assert objective == min(start, mine)
    assert evaluate(problem, roster).total == objective
    assert (objective < start) == bool(phases)
    assert all(phase.startswith("lns-") for phase in phases)


@needs_benchmark
def test_a_restart_stops_when_the_solve_is_cancelled():
    problem, reference, master, _ = _ready_to_dive()
    cancel = threading.Event()
    now = time.monotonic()
    search = Search(problem, 1, now + 30, now, None, cancel)
    search.offer(reference, round(evaluate(problem, reference).total), "start")
    restart = columns._Restart(search, master, random.Random(0), 0, now + 30)
    cancel.set()

    began = time.monotonic()
    restart.run(now + 30)

    assert time.monotonic() - began < 1.0


def _settle(problem, start: Roster, step: int) -> tuple[columns.Master, float | None]:
    """Price rounds of ``step`` people a step from ``start`` until one adds nothing:
    (master, that round's bound gap)."""
    master, pricers = _columns_from(problem, start)
    order = list(range(len(pricers)))
    for _ in range(60):
        added, gap = columns._round_of_pricing(master, pricers, order, step, lambda: 100.0)
        if not added:
            return master, gap
    raise AssertionError("the relaxation did not settle in 60 rounds")


@needs_benchmark
def test_pricing_a_few_people_a_step_settles_to_the_same_relaxation():
    # Instance 2 (optimum 828): priced three people a step or all at once, column
    # generation ends at the one value of the relaxation over every possible schedule.
    problem, reference = _instance(2)
    whole, whole_gap = _settle(problem, reference, step=len(problem.staff))
    partial, partial_gap = _settle(problem, reference, step=3)

    assert abs(partial.lp_value - whole.lp_value) < 1e-4
    # A round that added nothing priced everyone against the same prices: it is a bound,
    # and the relaxation then is its own bound (within the rounding of the prices).
    for master, gap in ((whole, whole_gap), (partial, partial_gap)):
        # (The rounding of prices: half a part in 100,000 a cell, a few hundred cells.)
        assert gap is not None and -0.01 < gap <= 0
        assert master.lp_value + gap <= 828


@needs_benchmark
def test_a_round_that_adds_columns_a_few_people_a_step_gives_no_bound():
    problem, reference = _instance(2)
    master, pricers = _columns_from(problem, reference)
    order = list(range(len(pricers)))

    added, gap = columns._round_of_pricing(master, pricers, order, 3, lambda: 100.0)
    assert added > 0 and gap is None  # its steps priced against different prices
    # A whole round at once prices everyone against one set of prices: a bound, even
    # while it adds columns.
    added, gap = columns._round_of_pricing(master, pricers, order, len(order), lambda: 100.0)
    assert added > 0 and gap is not None and master.lp_value + gap <= 828


@needs_benchmark
def test_a_relaxation_priced_a_few_a_step_settles_only_once_clear_of_the_rosters():
    problem, reference = _instance(5)
    now = time.monotonic()
    search, start, _ = _searching_from(problem, reference, now + 30)
    master = columns.Master(problem)
    master.add_roster(reference)
    master.solve_lp()

    # Standing still at the reference roster's own value is not settling: the columns
    # that lower it are still to come.
    assert master.lp_value == start
    assert not columns._stalled(master, master.lp_value, search)

    settled, _ = _settle(problem, reference, step=4)
    assert settled.lp_value < 0.99 * start
    assert columns._stalled(settled, settled.lp_value, search)  # it no longer moves
    assert not columns._stalled(settled, settled.lp_value * 1.01, search)  # it moved 1 %


@needs_benchmark
def test_the_column_thread_pricing_a_few_a_step_still_improves_and_bounds(monkeypatch):
    # Instance 2's people priced three a step, as past PARTIAL_FROM people.
    monkeypatch.setattr(columns, "PARTIAL_FROM", 2)
    monkeypatch.setattr(columns, "PARTIAL", 3)
    problem, reference = _instance(2)
    now = time.monotonic()
    search, start, _ = _searching_from(problem, reference, now + 30)

    columns.run(search, seed=0, until=now + 30)

    roster, objective = search.snapshot()
    check = evaluate(problem, roster)
    assert check.violations == [] and check.total == objective
    assert objective < start
    # The round that found nothing to add priced everyone against the same prices.
    assert float("-inf") < search.best.bound <= 828


@needs_benchmark
def test_pricing_a_few_a_step_solves_no_integer_problem_before_it_settles(monkeypatch):
    # Instance 2's people priced two a step, as past PARTIAL_FROM people: its integer solves
    # over unsettled columns found nothing on 8 and 12, so they wait for the settled ones.
    monkeypatch.setattr(columns, "PARTIAL_FROM", 2)
    monkeypatch.setattr(columns, "PARTIAL", 2)
    monkeypatch.setattr(columns, "RESTART", False)
    events = []
    price, dive, integer = columns._round_of_pricing, columns._dive, columns.Master.solve_integer
    monkeypatch.setattr(
        columns, "_round_of_pricing", lambda *a: events.append("round") or price(*a)
    )
    monkeypatch.setattr(columns, "_dive", lambda *a, **k: events.append("dive") or dive(*a, **k))
    monkeypatch.setattr(
        columns.Master,
        "solve_integer",
        lambda *a, **k: events.append("integer") or integer(*a, **k),
    )
    problem, _ = _instance(2)
    start = construct.greedy(problem, time.monotonic() + 10)
    now = time.monotonic()
    search, _, _ = _searching_from(problem, start, now + 20)

    columns.run(search, seed=0, until=now + 20)

    assert "dive" in events, "the relaxation never settled"
    settled = events.index("dive")
    # Rounds enough that the whole-round rule would have solved one (every fifth round).
    assert events[:settled].count("round") >= 5
    assert "integer" not in events[:settled]
    assert "integer" in events[settled:]
