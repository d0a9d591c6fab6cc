"""A first roster built one person at a time, for problems too big for a quick full solve.

Every hard rule except a hard cover minimum concerns one person, so solving each person's
own small model (their rules, their requests, and what each shift is worth to the cover
still missing after the people before them) always gives a roster that keeps every
personal rule.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import replace

from ortools.sat.python import cp_model

from .cpmodel import RotaModel
from .model import Cover, Problem, Roster, Staff

#: Work (CP-SAT deterministic seconds, the same whatever else the machine is doing) one
#: person's schedule may take before the next try with twice as much.
FIRST_TRY = 0.2
#: Weight of a missing person below a hard minimum while building (it cannot be refused).
HARD_WEIGHT = 10**6


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
    for person in order:
        left = deadline - time.monotonic()
        if left <= 0 or (cancel is not None and cancel()):
            return None
        single = replace(
            problem,
            staff=(person,),
            covers=(),
            requests=tuple(r for r in problem.requests if r.staff == person.id),
            fairness=(),
            agency=None,
        )
        rota = RotaModel(single)
        # What working each shift is worth to the cover still open: a linear objective, so
        # the model has no cover variables at all.
        objective = sum(w * e for e, w in rota.objective_terms) + rota.objective_offset  # type: ignore[misc]
        chosen_role: dict[tuple[int, str], str] = {}
        for (_, d), lits in rota.x.items():
            for s, lit in lits.items():
                value, role = _worth(person, covers[(d, s)], staffed, d, s)
                if role is not None:
                    chosen_role[(d, s)] = role
                if value:
                    objective += value * rota.scale * lit
        rota.model.minimize(objective)
        # Over a long horizon CP-SAT's default search gets lost meeting a high minimum of
        # minutes; deciding "work" day by day, yes first, finds a schedule at once.
        work = [rota.work[key] for key in sorted(rota.work)]
        rota.model.add_decision_strategy(work, cp_model.CHOOSE_FIRST, cp_model.SELECT_MAX_VALUE)
        solver = cp_model.CpSolver()
        solver.parameters.search_branching = cp_model.FIXED_SEARCH
        solver.parameters.num_workers = 1
        # A short try first; one who needs longer (a year with a high minimum of minutes)
        # gets twice as much each time, up to the deadline.
        share = FIRST_TRY
        status = cp_model.UNKNOWN
        while status == cp_model.UNKNOWN:
            left = deadline - time.monotonic()
            if left <= 0.01 or (cancel is not None and cancel()):
                return None
            solver.parameters.max_time_in_seconds = left
            solver.parameters.max_deterministic_time = share
            status = solver.solve(rota.model)
            share *= 2
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        row = rota.roster(solver.value).shifts[person.id]
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
