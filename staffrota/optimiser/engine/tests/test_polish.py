"""The polish keeps every cover line's count and moves the objective exactly as the
evaluator does; it applies only where a roster's cost is its penalties."""

import time
from dataclasses import replace

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


@needs_benchmark
def test_polish_is_due_late_once_the_cover_has_settled():
    problem = read_instance(BENCHMARK / "instances" / "Instance5.txt")
    roster = read_roster(BENCHMARK / "reference-rosters" / "Instance5.roster.csv", problem)
    now = time.monotonic()
    search = Search(problem, 1, now + 60, now, None, None)
    search.offer(roster, round(evaluate(problem, roster).total), "start")
    watch = polish.CoverWatch(search)

    assert not polish.due(search, watch, 60)  # plenty of time left: neighbourhoods first
    # The cover last changed 20 s ago, seen while it was still early.
    watch.since -= 20
    search._deadline = now + 15
    assert polish.due(search, watch, 60)
    # A better cover starts the wait again.
    cover = {sid: list(row) for sid, row in roster.shifts.items()}
    cover[problem.staff[0].id] = [None] * problem.days
    search.best.roster = replace(roster, shifts=cover)
    assert not polish.due(search, watch, 60)


@needs_benchmark
def test_the_bench_runs_without_the_polish_unless_asked(tmp_path, monkeypatch):
    from bench.optimiser.__main__ import main
    from staffrota.optimiser.engine import solver

    monkeypatch.setattr(solver, "POLISH", solver.POLISH)  # put back after the test
    common = ["--instances", str(BENCHMARK / "instances"), "--time-limit", "10"]
    assert main([*common, "--out", str(tmp_path / "a"), "--only", "Instance1"]) == 0
    assert solver.POLISH is False
    assert main([*common, "--out", str(tmp_path / "b"), "--only", "Instance1", "--polish"]) == 0
    assert solver.POLISH is True
    assert "Instance1" in (tmp_path / "b" / "results.csv").read_text()
