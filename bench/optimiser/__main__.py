"""Solve every benchmark instance in a folder and check each roster with the evaluator.

    python -m bench.optimiser --instances DIR --time-limit SECONDS --out DIR [--workers N]

Writes ``InstanceN.roster.csv`` per instance and ``results.csv`` into the out folder.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

from staffrota.optimiser.engine import solver
from staffrota.optimiser.engine.benchmark import (
    InstanceError,
    instance_files,
    read_instance,
    write_roster,
)
from staffrota.optimiser.engine.evaluate import evaluate
from staffrota.optimiser.engine.solver import solve

FIELDS = [
    "instance",
    "days",
    "staff",
    "shift_types",
    "status",
    "objective",
    "evaluator_objective",
    "best_known",
    "gap_pct",
    "time_s",
    "evaluator_agrees",
    "message",
]


def load_best_known(instances: Path, explicit: Path | None) -> dict[str, int]:
    """Best known objectives from ``best-known.csv`` next to (or inside) the instance folder."""
    candidates = (
        [explicit]
        if explicit
        else [instances / "best-known.csv", instances.parent / "best-known.csv"]
    )
    for path in candidates:
        if path is not None and path.is_file():
            with path.open(newline="", encoding="utf-8") as f:
                return {r["instance"]: int(r["best_known_upper"]) for r in csv.DictReader(f)}
    return {}


def run_one(path: Path, args: argparse.Namespace, best: dict[str, int]) -> dict[str, object]:
    """Solve and check one instance; returns its results row (never raises on bad input)."""
    row: dict[str, object] = dict.fromkeys(FIELDS, "")
    row["instance"] = path.stem
    row["best_known"] = best.get(path.stem, "")
    started = time.monotonic()
    try:
        problem = read_instance(path)
    except InstanceError as exc:
        row.update(status="BAD_INPUT", message=str(exc), time_s=f"{time.monotonic() - started:.1f}")
        return row
    row.update(days=problem.days, staff=len(problem.staff), shift_types=len(problem.shift_types))
    # The time limit covers reading the file too.
    left = max(0.0, args.time_limit - (time.monotonic() - started))
    solution = solve(problem, left, workers=args.workers, seed=args.seed)
    row["time_s"] = f"{time.monotonic() - started:.1f}"
    row["status"] = solution.status
    row["message"] = "; ".join(solution.messages)[:500]
    if solution.roster is None:
        return row
    write_roster(args.out / f"{path.stem}.roster.csv", problem, solution.roster)
    check = evaluate(problem, solution.roster)
    row["objective"] = _number(solution.objective)
    row["evaluator_objective"] = _number(check.total)
    agrees = check.feasible and solution.objective is not None
    agrees = agrees and abs(check.total - solution.objective) < 1e-6  # type: ignore[operator]
    row["evaluator_agrees"] = "yes" if agrees else "NO"
    if not check.feasible:
        row["message"] = "; ".join(v.message for v in check.violations[:5])
    if isinstance(row["best_known"], int) and solution.objective is not None:
        gap = 100 * (solution.objective - row["best_known"]) / row["best_known"]
        row["gap_pct"] = f"{gap:.2f}"
    return row


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m bench.optimiser", description=__doc__)
    parser.add_argument("--instances", type=Path, required=True, help="folder of InstanceN.txt")
    parser.add_argument("--time-limit", type=float, required=True, help="seconds per instance")
    parser.add_argument("--out", type=Path, required=True, help="folder for rosters and results")
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT workers (default 2)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--best-known", type=Path, default=None, help="best-known.csv")
    parser.add_argument("--only", nargs="*", default=None, help="instance names to run")
    parser.add_argument(
        "--polish",
        action="store_true",
        help="end mid-size solves with the polish, cover held fixed (off by default)",
    )
    args = parser.parse_args(argv)
    solver.POLISH = args.polish
    if not args.instances.is_dir():
        parser.error(f"--instances {args.instances} is not a folder")
    files = instance_files(args.instances)
    if args.only:
        files = [f for f in files if f.stem in set(args.only)]
    if not files:
        parser.error(f"no *.txt instance files in {args.instances}")
    args.out.mkdir(parents=True, exist_ok=True)
    best = load_best_known(args.instances, args.best_known)
    header = (
        f"{'instance':<12}{'objective':>10}{'best':>8}{'gap %':>8}{'time s':>8}  agrees  status"
    )
    print(header, flush=True)
    rows = []
    for path in files:
        row = run_one(path, args, best)
        rows.append(row)
        print(
            f"{row['instance']!s:<12}{row['objective']!s:>10}{row['best_known']!s:>8}"
            f"{row['gap_pct']!s:>8}{row['time_s']!s:>8}  {row['evaluator_agrees'] or '-':<6}  "
            f"{row['status']}",
            flush=True,
        )
        if row["message"] and row["evaluator_agrees"] != "yes":
            print(f"    {row['message']}", flush=True)
        with (args.out / "results.csv").open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=FIELDS)
            writer.writeheader()
            writer.writerows(rows)
    bad = [r for r in rows if r["evaluator_agrees"] != "yes"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
