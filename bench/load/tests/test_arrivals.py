"""The load test's arrival models: what a person's clock asks them to wait."""

import random
import statistics

import pytest

from bench.load.arrivals import Beat, mode_from, rate_from


def test_poisson_people_ask_at_the_rate_on_average_with_random_gaps():
    beat = Beat("poisson", rate=2.0, now=0.0, rng=random.Random(7))
    assert 0.0 <= beat.first_wait(0.0) <= 0.5
    now, moments = beat.due, []
    for _ in range(20_000):
        now += beat.next_wait(now)  # each task answered at once
        moments.append(now)
    gaps = [b - a for a, b in zip(moments, moments[1:], strict=False)]
    assert statistics.mean(gaps) == pytest.approx(0.5, rel=0.03)
    # Exponential gaps: the spread equals the mean (a steady beat would have none).
    assert statistics.stdev(gaps) == pytest.approx(0.5, rel=0.05)


def test_people_started_together_do_not_ask_together():
    firsts = [Beat("steady", 1.0, 10.0, random.Random(seed)).due for seed in range(300)]
    # Spread over the whole first second, not bunched at its start.
    assert min(firsts) < 10.1 and max(firsts) > 10.9
    assert len({round(first, 3) for first in firsts}) > 250


def test_steady_keeps_its_beat_and_a_slow_answer_delays_without_bunching():
    beat = Beat("steady", 1.0, 0.0, random.Random(1))
    start = beat.due
    assert beat.next_wait(start + 0.2) == pytest.approx(0.8)
    # A task that overran its second: the next one starts at once, and the one after
    # keeps a whole interval from it rather than catching up.
    assert beat.next_wait(start + 3.5) == 0.0
    assert beat.next_wait(start + 3.6) == pytest.approx(0.9)


def test_lockstep_counts_from_the_start_as_locust_constant_throughput_does():
    beats = [Beat("lockstep", 1.0, 5.0, random.Random(seed)) for seed in range(30)]
    assert {beat.first_wait(5.0) for beat in beats} == {0.0}
    assert [beat.next_wait(5.01) for beat in beats] == [pytest.approx(0.99)] * 30


def test_a_wrong_mode_or_rate_says_what_to_use():
    assert mode_from(None) == "poisson"
    assert mode_from(" steady ") == "steady"
    with pytest.raises(SystemExit, match="poisson, steady, lockstep, not 'burst'"):
        mode_from("burst")
    assert rate_from(None) == 1.0
    assert rate_from(" 1.5 ") == 1.5
    for bad in ("0", "-2", "fast", "nan", "inf"):
        with pytest.raises(SystemExit, match="LOAD_PACE must be a number of requests a second"):
            rate_from(bad)
