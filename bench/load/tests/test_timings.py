"""The whole-and-warm report of a load run's request times."""

import math
import subprocess
import sys

import pytest

from bench.load.timings import Recorder, by_name, p95_every, percentile, read, summarise


def test_nearest_rank_percentiles():
    ms = [float(value) for value in range(1, 101)]  # 1..100
    assert percentile(ms, 0.50) == 50
    assert percentile(ms, 0.95) == 95
    assert percentile(ms, 0.99) == 99
    assert percentile([7.0], 0.95) == 7
    assert math.isnan(percentile([], 0.95))


def test_the_warm_part_leaves_the_cold_start_out(tmp_path):
    recorder = Recorder()
    # A cold first 10 seconds at 500 ms, then 20 seconds at 10 ms, one request every 0.1 s;
    # absolute clock times, as Locust gives them.
    for tenth in range(300):
        at = 1_700_000_000 + tenth / 10
        recorder.add(at, "staff: my shifts", 500.0 if tenth < 100 else 10.0, tenth != 250)
    path = tmp_path / "timings.csv"
    recorder.write(path)
    rows = read(path)
    assert rows[0][0] == 0.0 and rows[-1][0] == pytest.approx(29.9)

    whole = summarise(rows)
    assert whole.requests == 300 and whole.failures == 1
    assert whole.p95 == 500 and whole.p50 == 10

    warm = summarise(rows, start=10.0)
    assert warm.requests == 200 and warm.failures == 1
    assert warm.p95 == 10 and warm.average == 10
    assert warm.per_second == pytest.approx(200 / 19.9)

    assert [p95 for _, p95 in p95_every(rows, 10.0)] == [500, 10, 10]
    assert by_name(rows, 10.0)["staff: my shifts"].requests == 200


def test_the_command_prints_both_and_refuses_bad_options(tmp_path):
    recorder = Recorder()
    for second in range(120):
        recorder.add(float(second), "trivial: ping", 2.0 if second >= 60 else 300.0, True)
    path = tmp_path / "timings.csv"
    recorder.write(path)
    command = [sys.executable, "-m", "bench.load.timings", str(path), "--warm-up", "60"]
    shown = subprocess.run(  # noqa: S603 (our own interpreter and module)
        command, capture_output=True, text=True, check=True
    ).stdout
    assert "whole run" in shown and "warm (from 60 s)" in shown
    warm_line = next(line for line in shown.splitlines() if line.startswith("warm"))
    assert warm_line.split()[-3] == "2"  # the warm p95: cold requests left out

    refused = subprocess.run(  # noqa: S603 (our own interpreter and module)
        [*command[:-1], "-5"], capture_output=True, text=True, check=False
    )
    assert refused.returncode == 2 and "--warm-up must be 0 or more" in refused.stderr


def test_a_missing_or_foreign_file_says_what_is_wrong(tmp_path):
    foreign = tmp_path / "stats.csv"
    foreign.write_text("Name,Request Count\nALL,5\n")
    for path, says in (
        (tmp_path / "none.csv", "cannot read"),
        (foreign, "is not a timings file: it needs the columns at, name, ms, ok"),
    ):
        shown = subprocess.run(  # noqa: S603 (our own interpreter and module)
            [sys.executable, "-m", "bench.load.timings", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert shown.returncode == 2 and says in shown.stderr, shown.stderr
        assert "Traceback" not in shown.stderr
