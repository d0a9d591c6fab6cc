"""Make a large stand-in instance by tiling a small one (for the size and memory target).

    python -m bench.optimiser.tile --instance Instance12.txt --days 364 --staff 150 \
        [--shift-copies 3] [--min-share 0.95] --out Big.txt

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
    parser.add_argument("--instance", type=Path, required=True)
    parser.add_argument("--days", type=int, required=True, help="a multiple of 7")
    parser.add_argument("--staff", type=int, required=True)
    parser.add_argument("--shift-copies", type=int, default=1)
    parser.add_argument("--min-share", type=float, default=1.0, help="scale minimum minutes")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.days < 7 or args.days % 7:
        parser.error("--days must be a positive multiple of 7")
    big = tile(
        read_instance(args.instance), args.days, args.staff, args.shift_copies, args.min_share
    )
    args.out.write_text(write_instance(big), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
