"""A first roster built one person at a time, for problems too big for a quick full solve.

Every hard rule except a hard cover minimum concerns one person, so solving each person's
own small model (their rules, their requests, and what each shift is worth to the cover
still missing after the people before them) always gives a roster that keeps every
personal rule.
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import replace

from ortools.sat.python import cp_model

from .cpmodel import RotaModel
from .model import Contract, Cover, Problem, Roster, Staff

log = logging.getLogger(__name__)

#: Work (CP-SAT deterministic seconds, the same whatever else the machine is doing) one
#: person's schedule may take before the next try with twice as much.
FIRST_TRY = 0.2
#: Weight of a missing person below a hard minimum while building (it cannot be refused).
HARD_WEIGHT = 10**6


#: Most work one piece of a long horizon may take before giving up on it.
MAX_TRY = 2.0
#: Long horizons are built a few weeks at a time per person (each piece solves at once).
CHUNK_DAYS = 28


def greedy(
    problem: Problem, deadline: float, cancel: Callable[[], bool] | None = None
) -> Roster | None:
    """Roster built person by person, or None if time runs out or a person has no schedule."""
    staffed: Counter[tuple[int, str, str | None]] = Counter()
    covers: dict[tuple[int, str], list[Cover]] = defaultdict(list)
    for c in problem.covers:
        covers[(c.day, c.shift)].append(c)
    shifts: dict[str, list[str | None]] = {}
    roles: dict[tuple[str, int], str] = {}
    # The least flexible people first: they have the fewest ways to help with cover.
    order = sorted(problem.staff, key=lambda p: len(p.unavailable) + len(p.fixed), reverse=True)
    # How much of each line the people not yet placed can be expected to staff. Only on
    # a horizon built in one piece: on a year of 150 people (Instance12 tiled, 30 shift
    # types) the weighted pieces gave no roster in 170 CPU s where plain ones take 127.
    weigh = problem.days <= 2 * CHUNK_DAYS
    supply: Counter[tuple[int, str]] = Counter()
    for person in order if weigh else ():
        supply.update(_shares(problem, person))
    for person in order:
        mine = _shares(problem, person) if weigh else {}
        supply.subtract(mine)
        if deadline - time.monotonic() <= 0 or (cancel is not None and cancel()):
            return None
        single = replace(
            problem,
            staff=(person,),
            covers=(),
            requests=tuple(r for r in problem.requests if r.staff == person.id),
            fairness=(),
            agency=None,
        )
        chosen_role: dict[tuple[int, str], str] = {}
        scarce = _scarcity(covers, staffed, supply, mine) if weigh else None
        row = _schedule(single, covers, staffed, chosen_role, deadline, cancel, scarce)
        if row is None:
            return None
        shifts[person.id] = row
        for d, s in enumerate(row):
            if s is None:
                continue
            staffed[(d, s, None)] += 1
            role = chosen_role.get((d, s))
            if role is None and len(person.roles) == 1:
                role = next(iter(person.roles))
            if role is not None:
                staffed[(d, s, role)] += 1
                if len(person.roles) > 1:
                    roles[(person.id, d)] = role
    return Roster(shifts={p.id: shifts[p.id] for p in problem.staff}, roles=roles)


def _schedule(
    single: Problem,
    covers: dict[tuple[int, str], list[Cover]],
    staffed: Counter[tuple[int, str, str | None]],
    chosen_role: dict[tuple[int, str], str],
    deadline: float,
    cancel: Callable[[], bool] | None,
    scarce: dict[tuple[int, str], float] | None = None,
) -> list[str | None] | None:
    """One person's schedule, a few weeks at a time on a long horizon.

    Each piece is the neighbourhood of the schedule so far (later days off), so every rule
    across the joins is exact; only the total minutes are bounded pro rata until the last
    piece, which must meet the contract. If a piece cannot be solved, it is solved again
    together with the piece before (and so on back to the whole horizon).
    """
    person = single.staff[0]
    h = single.days
    row: list[str | None] = [None] * h
    if h <= 2 * CHUNK_DAYS:
        pieces = [(0, h)]
    else:
        # The last piece is twice as long: it must meet the contract exactly.
        starts = list(range(0, h - CHUNK_DAYS - CHUNK_DAYS // 2, CHUNK_DAYS))
        pieces = [(a, b) for a, b in zip(starts, [*starts[1:], h], strict=True)]
    i = 0
    while i < len(pieces):
        a, b = pieces[i]
        whole = (a, b) == (0, h)
        for contract in _paces(single, b):
            if deadline - time.monotonic() <= 0.01 or (cancel is not None and cancel()):
                # Out of time: no piece failed, so nothing to take back.
                return None
            piece = replace(single, staff=(replace(person, contract=contract),))
            part = _solve(
                piece, row, (a, b), covers, staffed, chosen_role, deadline, cancel, whole, scarce
            )
            if part is not None:
                row = part
                i += 1
                break
        else:
            if i == 0:
                return None
            # No way on from here: take back the piece before and solve both together.
            pieces[i - 1 : i + 1] = [(pieces[i - 1][0], b)]
            i -= 1
            row[pieces[i][0] : b] = [None] * (b - pieces[i][0])
    return row


def _paces(single: Problem, end: int) -> list[Contract]:
    """Contracts for the days before ``end``: the real one on the last piece; before it,
    the horizon's limits pro rata (a little ahead on minutes at most, no more than a fair
    share of weekends and of each shift type), with a minimum of minutes ahead of pace,
    then on pace, then none."""
    c = single.staff[0].contract
    h = single.days
    if end >= h:
        return [c]
    share = end / h
    slack = 2 * max(s.minutes for s in single.shift_types)
    high = c.max_minutes
    if high is not None:
        high = min(high, round(high * share) + slack)
    weekends = c.max_weekends
    if weekends is not None:
        weekends = min(weekends, math.ceil(weekends * share) + 1)
    limits = {s: min(n, math.ceil(n * share) + 1) for s, n in c.max_shifts.items()}
    paced = replace(c, max_minutes=high, max_weekends=weekends, max_shifts=limits, windows=())
    # Ahead of the minimum's pace first (halfway to the maximum's): where the rules leave
    # little room, a person who falls behind early cannot catch up later.
    ahead = c.min_minutes if c.max_minutes is None else (c.min_minutes + c.max_minutes) // 2
    return [
        replace(paced, min_minutes=round(ahead * share)),
        replace(paced, min_minutes=round(c.min_minutes * share)),
        replace(paced, min_minutes=0),
    ]


def _solve(
    single: Problem,
    row: list[str | None],
    span: tuple[int, int],
    covers: dict[tuple[int, str], list[Cover]],
    staffed: Counter[tuple[int, str, str | None]],
    chosen_role: dict[tuple[int, str], str],
    deadline: float,
    cancel: Callable[[], bool] | None,
    unlimited: bool = False,
    scarce: dict[tuple[int, str], float] | None = None,
) -> list[str | None] | None:
    """The person's row with the days of ``span`` chosen, or None if none keeps the rules."""
    person = single.staff[0]
    context = Roster(shifts={person.id: row})
    rota = RotaModel(single, context=context, free={0: span})
    # What working each shift is worth to the cover still open: a linear objective, so
    # the model has no cover variables at all.
    objective = sum(w * e for e, w in rota.objective_terms) + rota.objective_offset  # type: ignore[misc]
    for (_, d), lits in rota.x.items():
        for s, lit in lits.items():
            value, role = _worth(person, covers[(d, s)], staffed, d, s)
            if role is not None:
                chosen_role[(d, s)] = role
            if value < 0 and scarce:
                # A line the people still to come can hardly staff is worth more now.
                value = round(value * (1 + scarce.get((d, s), 0.0)))
            if value:
                objective += value * rota.scale * lit
    rota.model.minimize(objective)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    # A short try first; a piece that needs longer gets twice as much each time.
    share = FIRST_TRY
    status = cp_model.UNKNOWN
    tried = time.process_time()
    while status == cp_model.UNKNOWN:
        left = deadline - time.monotonic()
        if left <= 0.01 or (cancel is not None and cancel()):
            return None
        if share > MAX_TRY and not unlimited:
            # Rather take back the piece before than search long for a way on.
            return None
        # Deterministic time does not depend on what else the machine runs; the wall
        # limit is a safety net for phases that do not count it.
        solver.parameters.max_time_in_seconds = left if unlimited else min(left, 10 * share)
        solver.parameters.max_deterministic_time = share
        status = solver.solve(rota.model)
        share *= 2
    log.debug(
        "construct %s days %s: %s after %.2f cpu s",
        person.id,
        span,
        solver.status_name(status),
        time.process_time() - tried,
    )
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return rota.roster(solver.value).shifts[person.id]


def _shares(problem: Problem, person: Staff) -> dict[tuple[int, str], float]:
    """Expected share of each (day, shift) the person would work if their shifts were
    spread evenly over their available days and allowed shift types."""
    c = person.contract
    allowed = [s for s in problem.shift_types if problem.can_work(person, s.id)]
    days = [d for d in range(problem.days) if d not in person.unavailable or d in person.fixed]
    if not allowed or not days:
        return {}
    mean = sum(s.minutes for s in allowed) / len(allowed)
    high = c.max_minutes if c.max_minutes is not None else mean * len(days)
    n = min(len(days), high / max(1, mean))
    caps = {s.id: min(n, c.max_shifts.get(s.id, n)) for s in allowed}
    total = sum(caps.values()) or 1
    return {(d, s): n * cap / total / len(days) for d in days for s, cap in caps.items()}


#: How much more a line is worth to a person when the people after them can hardly staff it.
SCARCITY = 1.0


def _scarcity(
    covers: dict[tuple[int, str], list[Cover]],
    staffed: Counter[tuple[int, str, str | None]],
    supply: Counter[tuple[int, str]],
    mine: dict[tuple[int, str], float],
) -> dict[tuple[int, str], float]:
    """Per line the person may work: a bonus growing with what is still missing against
    what the people after them can be expected to give (0 when they can give enough)."""
    out: dict[tuple[int, str], float] = {}
    for key in mine:
        need = sum(
            max(0, c.preferred - staffed[(key[0], key[1], c.role)])
            for c in covers.get(key, ())
            if c.role is None
        )
        if need <= 0:
            continue
        ratio = need / max(supply[key], 0.25)
        out[key] = SCARCITY * min(2.0, max(0.0, ratio - 0.5))
    return out


def _worth(
    person: Staff,
    lines: list[Cover],
    staffed: Counter[tuple[int, str, str | None]],
    day: int,
    shift: str,
) -> tuple[int, str | None]:
    """Change of the cover penalty if ``person`` also works ``shift`` on ``day``, and the
    role they would best fill there (None when no line asks for a role)."""
    total = 0
    by_role: dict[str, int] = {}
    for c in lines:
        have = staffed[(day, shift, c.role)]
        value = -c.under_weight if have < c.preferred else c.over_weight
        if have < c.minimum:
            value -= HARD_WEIGHT if c.hard else c.shortfall_weight
        if c.role is None:
            total += value
        elif c.role in person.roles:
            by_role[c.role] = by_role.get(c.role, 0) + value
    if not by_role:
        return total, None
    role = min(by_role, key=lambda r: by_role[r])
    return total + min(0, by_role[role]), role
