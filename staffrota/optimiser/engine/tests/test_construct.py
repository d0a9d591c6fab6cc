import time

from staffrota.optimiser.engine import construct
from staffrota.optimiser.engine.benchmark import read_instance
from staffrota.optimiser.engine.evaluate import evaluate

from .factories import BENCHMARK, needs_benchmark

pytestmark = needs_benchmark


def test_greedy_construction_keeps_every_personal_rule():
    problem = read_instance(BENCHMARK / "instances" / "Instance2.txt")

    roster = construct.greedy(problem, time.monotonic() + 20)

    assert roster is not None
    assert evaluate(problem, roster).violations == []


def test_greedy_construction_gives_up_when_time_is_over():
    problem = read_instance(BENCHMARK / "instances" / "Instance2.txt")

    assert construct.greedy(problem, time.monotonic() - 1) is None


def test_greedy_builds_a_long_horizon_in_pieces_that_keep_every_rule():
    from bench.optimiser.tile import tile

    # 12 weeks: pieces of four weeks, the last of eight, joined with every rule exact.
    problem = tile(read_instance(BENCHMARK / "instances" / "Instance3.txt"), 84, 20)

    roster = construct.greedy(problem, time.monotonic() + 60)

    assert roster is not None
    assert evaluate(problem, roster).violations == []
