"""Every request's time, kept by the locustfile and summarised whole and warm.

Each run starts on a fresh copy of the database and an empty Redis, so its first seconds
build every cache while 300 people are already asking. Locust's own percentiles mix that
cold start into the whole run (a 2-minute run gave p95 600 ms where the 3-minute run before
it gave 150 ms). A deployed server is warm; so the report gives the whole run and its warm
part (from `--warm-up` seconds after the first request) side by side, and the p95 of every
30 seconds, which shows whether the server kept up or fell behind as the run went on.
Percentiles here are exact (nearest rank), not Locust's two significant figures.

    python -m bench.load.timings OUT/timings.csv --warm-up 60
"""

import argparse
import csv
import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

FIELDS = ("at", "name", "ms", "ok")


class Recorder:
    """Keeps (seconds since start, request name, milliseconds, ok) in memory until written."""

    def __init__(self) -> None:
        self.rows: list[tuple[float, str, float, bool]] = []

    def add(self, at: float, name: str, ms: float, ok: bool) -> None:
        self.rows.append((at, name, ms, ok))

    def write(self, path: Path) -> None:
        started = min((row[0] for row in self.rows), default=0.0)
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(FIELDS)
            for at, name, ms, ok in self.rows:
                writer.writerow((f"{at - started:.3f}", name, f"{ms:.1f}", int(ok)))


def read(path: Path) -> list[tuple[float, str, float, bool]]:
    with path.open(newline="") as handle:
        return [
            (float(row["at"]), row["name"], float(row["ms"]), row["ok"] == "1")
            for row in csv.DictReader(handle)
        ]


def percentile(sorted_ms: list[float], share: float) -> float:
    """Nearest rank: the smallest time that at least `share` of the requests did not exceed."""
    if not sorted_ms:
        return math.nan
    return sorted_ms[max(math.ceil(share * len(sorted_ms)) - 1, 0)]


@dataclass(frozen=True)
class Summary:
    requests: int
    failures: int
    per_second: float
    average: float
    p50: float
    p95: float
    p99: float


def summarise(rows, start: float = 0.0, end: float = math.inf) -> Summary:
    """Figures of the requests that started in [start, end) seconds of the run."""
    chosen = [row for row in rows if start <= row[0] < end]
    ms = sorted(row[2] for row in chosen)
    if not chosen:
        return Summary(0, 0, 0.0, math.nan, math.nan, math.nan, math.nan)
    span = max(min(end, max(row[0] for row in rows)) - start, 1e-9)
    return Summary(
        requests=len(chosen),
        failures=sum(1 for row in chosen if not row[3]),
        per_second=len(chosen) / span,
        average=sum(ms) / len(ms),
        p50=percentile(ms, 0.50),
        p95=percentile(ms, 0.95),
        p99=percentile(ms, 0.99),
    )


def by_name(rows, start: float = 0.0) -> dict[str, Summary]:
    grouped = defaultdict(list)
    for row in rows:
        grouped[row[1]].append(row)
    return {name: summarise(group, start) for name, group in sorted(grouped.items())}


def p95_every(rows, seconds: float) -> list[tuple[float, float]]:
    """(window start, p95) of each window of `seconds`: the run's course over time."""
    last = max((row[0] for row in rows), default=0.0)
    windows, start = [], 0.0
    while start <= last:
        ms = sorted(row[2] for row in rows if start <= row[0] < start + seconds)
        if ms:
            windows.append((start, percentile(ms, 0.95)))
        start += seconds
    return windows


def _line(label: str, summary: Summary) -> str:
    return (
        f"{label:34} {summary.requests:>7} {summary.failures:>5} {summary.average:6.0f} "
        f"{summary.p50:6.0f} {summary.p95:6.0f} {summary.p99:6.0f} {summary.per_second:6.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("timings", type=Path)
    parser.add_argument(
        "--warm-up", type=float, default=60.0, help="seconds left out of the warm figures"
    )
    parser.add_argument("--window", type=float, default=30.0, help="seconds a p95 window")
    args = parser.parse_args()
    if args.warm_up < 0 or args.window <= 0:
        parser.error("--warm-up must be 0 or more and --window more than 0 seconds")
    try:
        rows = read(args.timings)
    except OSError as error:
        parser.error(f"cannot read {args.timings}: {error.strerror}")
    except (KeyError, ValueError):
        parser.error(
            f"{args.timings} is not a timings file: it needs the columns {', '.join(FIELDS)}"
            " (run.sh writes one as OUT/timings.csv)"
        )
    if not rows:
        raise SystemExit(f"{args.timings} holds no requests: did Locust run?")
    print(f"{'':34} {'n':>7} {'fail':>5} {'avg':>6} {'p50':>6} {'p95':>6} {'p99':>6} {'rps':>6}")
    print(_line("whole run", summarise(rows)))
    print(_line(f"warm (from {args.warm_up:.0f} s)", summarise(rows, args.warm_up)))
    print(f"-- warm, by request (from {args.warm_up:.0f} s)")
    for name, summary in by_name(rows, args.warm_up).items():
        print(_line(name, summary))
    windows = p95_every(rows, args.window)
    print(f"p95 every {args.window:.0f} s: " + ", ".join(f"{p95:.0f}" for _, p95 in windows))


if __name__ == "__main__":
    main()
