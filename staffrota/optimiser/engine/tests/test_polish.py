"""The polish keeps every cover line's count and moves the objective exactly as the
evaluator does; it applies only where a roster's cost is its penalties."""

import time

from staffrota.optimiser.engine import polish
from staffrota.optimiser.engine.benchmark import read_instance, read_roster
from staffrota.optimiser.engine.evaluate import evaluate
from staffrota.optimiser.engine.solver import Search

from .factories import BENCHMARK, care_home, needs_benchmark


@needs_benchmark
def test_cover_penalty_is_the_evaluators():
    for n in (2, 5, 8):
        problem = read_instance(BENCHMARK / "instances" / f"Instance{n}.txt")
        roster = read_roster(BENCHMARK / "reference-rosters" / f"Instance{n}.roster.csv", problem)

        assert polish.cover_penalty(problem, roster) == evaluate(problem, roster).cover_penalty


@needs_benchmark
def test_polish_trades_wishes_without_touching_the_cover():
    problem = read_instance(BENCHMARK / "instances" / "Instance5.txt")
    start = read_roster(BENCHMARK / "reference-rosters" / "Instance5.roster.csv", problem)
    now = time.monotonic()
    search = Search(problem, 1, now + 5, now, None, None)
    search.offer(start, round(evaluate(problem, start).total), "start")

    polish.run(search, workers=2, seed=0)

    roster, objective = search.snapshot()
    check = evaluate(problem, roster)
    assert check.violations == []
    assert check.total == objective
    assert polish.counts(roster) == polish.counts(start)
    # The reference roster is a quick one (64 of requests): some wish can be granted.
    assert check.request_penalty < evaluate(problem, start).request_penalty


@needs_benchmark
def test_polish_applies_to_penalties_only():
    benchmark = read_instance(BENCHMARK / "instances" / "Instance5.txt")

    assert polish.applicable(benchmark)
    assert not polish.applicable(care_home(days=14))
