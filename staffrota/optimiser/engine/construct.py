"""A first roster built one person at a time, for problems too big for a quick full solve.

Every hard rule except a hard cover minimum concerns one person, so solving each person's
own small model (their rules, their requests, and the cover still missing after the people
before them) always gives a roster that keeps every personal rule.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import replace

from ortools.sat.python import cp_model

from .cpmodel import RotaModel
from .model import Cover, Problem, Roster


def greedy(problem: Problem, deadline: float) -> Roster | None:
    """Roster built person by person, or None if time runs out or a person has no schedule."""
    staffed: Counter[tuple[int, str, str | None]] = Counter()
    shifts: dict[str, list[str | None]] = {}
    roles: dict[tuple[str, int], str] = {}
    # The least flexible people first: they have the fewest ways to help with cover.
    order = sorted(problem.staff, key=lambda p: len(p.unavailable) + len(p.fixed), reverse=True)
    for count, person in enumerate(order):
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        covers = tuple(_remaining(c, staffed[(c.day, c.shift, c.role)]) for c in problem.covers)
        single = replace(
            problem,
            staff=(person,),
            covers=covers,
            requests=tuple(r for r in problem.requests if r.staff == person.id),
            fairness=(),
            agency=None,
        )
        rota = RotaModel(single)
        # Over a long horizon CP-SAT's default search gets lost meeting a high minimum of
        # minutes; deciding "work" day by day, yes first, finds a schedule at once.
        work = [rota.work[key] for key in sorted(rota.work)]
        rota.model.add_decision_strategy(work, cp_model.CHOOSE_FIRST, cp_model.SELECT_MAX_VALUE)
        solver = cp_model.CpSolver()
        solver.parameters.search_branching = cp_model.FIXED_SEARCH
        # Share the time left fairly between the people still to place.
        solver.parameters.max_time_in_seconds = max(0.05, min(0.5, left / (len(order) - count)))
        solver.parameters.num_workers = 1
        status = solver.solve(rota.model)
        if status == cp_model.UNKNOWN:
            # No schedule within the share: any schedule that keeps the rules will do.
            rota.model.clear_objective()
            left = deadline - time.monotonic()
            solver.parameters.max_time_in_seconds = max(0.05, left / (len(order) - count))
            status = solver.solve(rota.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        roster = rota.roster(solver.value)
        shifts[person.id] = roster.shifts[person.id]
        roles.update(roster.roles)
        for d, s in enumerate(shifts[person.id]):
            if s is not None:
                staffed[(d, s, None)] += 1
                role = roles.get((person.id, d))
                if role is None and len(person.roles) == 1:
                    role = next(iter(person.roles))
                if role is not None:
                    staffed[(d, s, role)] += 1
    return Roster(shifts={p.id: shifts[p.id] for p in problem.staff}, roles=roles)


def _remaining(cover: Cover, have: int) -> Cover:
    """The part of a cover line still open once ``have`` people are placed.

    One more person costs the over weight once the preferred number is reached, so lowering
    the targets by ``have`` keeps the marginal cost of the next person exact.
    """
    return replace(
        cover,
        preferred=max(0, cover.preferred - have),
        minimum=max(0, cover.minimum - have),
        hard=False,
        shortfall_weight=10**6 if cover.hard else cover.shortfall_weight,
    )
