"""Make a large stand-in instance by tiling a small one (for the size and memory target).

    python -m bench.optimiser.tile --instance Instance12.txt --days 364 --staff 150 \
        [--shift-copies 3] [--min-share 0.95] --out Big.txt
    python -m bench.optimiser.tile --stand-ins INSTANCES_DIR --out DIR

The second writes the ten stand-ins of ``STAND_INS`` (from 28 days x 120 staff to a year
x 50, the range of the benchmark's larger instances) into DIR, for the bench command.

The days repeat the instance's horizon (days off, requests and cover); people are copied
round-robin with new ids; horizon limits (minutes, shifts per type, weekends) grow with the
horizon and cover grows with the staff. ``--shift-copies k`` splits every shift type into k
copies (same length and rest rules, cover shared out, each person allowed two copies) to
reach as many shift types as the largest benchmark instances. The held-out instances of the
benchmark are not used: this only makes something of the same shape and size.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from staffrota.optimiser.engine.benchmark import read_instance, write_instance
from staffrota.optimiser.engine.model import Contract, Cover, Problem, ShiftType, Staff

#: (instance tiled, days, staff, shift copies): shapes between the twelve instances and a
#: year, each made with ``min_share`` 0.95 (session 14 solved all ten at 60 s).
STAND_INS = (
    ("Instance12", 28, 120, 2),
    ("Instance8", 42, 32, 1),
    ("Instance11", 42, 45, 1),
    ("Instance5", 56, 20, 1),
    ("Instance8", 56, 32, 1),
    ("Instance6", 84, 22, 1),
    ("Instance10", 84, 40, 1),
    ("Instance11", 182, 50, 1),
    ("Instance12", 182, 100, 1),
    ("Instance12", 364, 50, 1),
)


def stand_in_name(instance: str, days: int, staff: int, copies: int) -> str:
    """``Tile5-56x20`` for Instance5 tiled to 56 days and 20 staff (``x2`` if split)."""
    return f"Tile{instance.removeprefix('Instance')}-{days}x{staff}" + (
        f"x{copies}" if copies > 1 else ""
    )


def write_stand_ins(instances: Path, out: Path) -> list[Path]:
    """Write every stand-in of ``STAND_INS`` into ``out``; the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for instance, days, staff, copies in STAND_INS:
        big = tile(read_instance(instances / f"{instance}.txt"), days, staff, copies, 0.95)
        path = out / f"{stand_in_name(instance, days, staff, copies)}.txt"
        path.write_text(write_instance(big), encoding="utf-8")
        written.append(path)
    return written


def tile(
    problem: Problem, days: int, staff: int, shift_copies: int = 1, min_share: float = 1.0
) -> Problem:
    """A ``days`` x ``staff`` problem made of copies of ``problem``.

    ``min_share`` scales the minimum minutes: a small instance's minimum can rely on the
    exemption of runs that touch its ends, which tiling takes away, so an exact tiling can
    leave a person with almost no schedule that meets it (or none).
    """
    h0, n0, k = problem.days, len(problem.staff), max(1, shift_copies)
    factor = days / h0

    def copies(sid: str) -> list[str]:
        return [sid] + [f"{sid}{j + 1}" for j in range(1, k)]

    shift_types = tuple(
        ShiftType(
            id=c,
            minutes=s.minutes,
            forbidden_next=frozenset(x for f in s.forbidden_next for x in copies(f)),
        )
        for s in problem.shift_types
        for c in copies(s.id)
    )
    people: list[Staff] = []
    for i in range(staff):
        base = problem.staff[i % n0]
        suffix = "" if i < n0 else f"x{i // n0}"
        c = base.contract
        allowed = {i % k, (i + 1) % k}
        limits = {}
        for s in problem.shift_types:
            for j, cid in enumerate(copies(s.id)):
                limit = c.max_shifts.get(s.id, h0)
                limits[cid] = min(days, round(limit * factor)) if j in allowed else 0
        contract = Contract(
            min_minutes=round(c.min_minutes * factor * min_share),
            max_minutes=round((c.max_minutes or 0) * factor),
            max_shifts=limits,
            max_consecutive_shifts=c.max_consecutive_shifts,
            min_consecutive_shifts=c.min_consecutive_shifts,
            min_consecutive_days_off=c.min_consecutive_days_off,
            max_weekends=min(days // 7, round((c.max_weekends or 0) * factor)),
        )
        unavailable = {
            d: base.unavailable[d % h0] for d in range(days) if d % h0 in base.unavailable
        }
        people.append(Staff(id=base.id + suffix, contract=contract, unavailable=unavailable))
    requests = []
    for i, person in enumerate(people):
        base = problem.staff[i % n0]
        allowed = sorted({i % k, (i + 1) % k})
        for r in problem.requests:
            if r.staff != base.id:
                continue
            for d in range(r.day, days, h0):
                shift = copies(r.shift)[allowed[0]] if r.shift else None
                requests.append(replace(r, staff=person.id, day=d, shift=shift))
    covers = []
    for c in problem.covers:
        total = round(c.preferred * staff / n0)
        for d in range(c.day, days, h0):
            for j, cid in enumerate(copies(c.shift)):
                need = total // k + (j < total % k)
                covers.append(
                    Cover(d, cid, need, under_weight=c.under_weight, over_weight=c.over_weight)
                )
    covers.sort(key=lambda c: (c.day, c.shift))
    return Problem(
        days=days,
        shift_types=shift_types,
        staff=tuple(people),
        covers=tuple(covers),
        requests=tuple(sorted(requests, key=lambda r: (r.staff, r.day))),
        name=f"{problem.name}x{days}x{staff}",
    )


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m bench.optimiser.tile", description=__doc__)
    parser.add_argument("--instance", type=Path)
    parser.add_argument("--days", type=int, help="a multiple of 7")
    parser.add_argument("--staff", type=int)
    parser.add_argument("--shift-copies", type=int, default=1)
    parser.add_argument("--min-share", type=float, default=1.0, help="scale minimum minutes")
    parser.add_argument(
        "--stand-ins",
        type=Path,
        metavar="INSTANCES_DIR",
        help="write the ten mid-sized stand-ins made from this folder's instances into --out",
    )
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.stand_ins is not None:
        if args.instance or args.days or args.staff:
            parser.error("--stand-ins makes its own ten: leave out --instance, --days, --staff")
        if args.out.exists() and not args.out.is_dir():
            parser.error(f"--out {args.out} is a file; with --stand-ins it names a folder")
        missing = sorted(
            {i for i, *_ in STAND_INS} - {p.stem for p in args.stand_ins.glob("*.txt")}
        )
        if missing:
            parser.error(f"--stand-ins {args.stand_ins} lacks {', '.join(missing)}")
        for path in write_stand_ins(args.stand_ins, args.out):
            print(path)
        return 0
    if args.instance is None or args.days is None or args.staff is None:
        parser.error("give --instance, --days and --staff (or --stand-ins)")
    if args.days < 7 or args.days % 7:
        parser.error("--days must be a positive multiple of 7")
    big = tile(
        read_instance(args.instance), args.days, args.staff, args.shift_copies, args.min_share
    )
    args.out.write_text(write_instance(big), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
