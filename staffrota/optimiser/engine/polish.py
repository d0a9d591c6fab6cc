"""Polish: once the cover has settled, re-solve the whole model with every cover line held
at its count and let CP-SAT's own portfolio trade shifts between people.

On the benchmark's mid-size instances the search finds the cover it will keep well before
the end (instance 9: 4 shifts short after about 10 s) and then spends the rest on wishes
(requests), where our small neighbourhoods stall: each is solved to optimality and none
holds the chain of trades a better set of wishes needs. With the count of every (day,
shift) fixed, the whole model is small enough for CP-SAT's large neighbourhoods (most of
the variables free, a tenth of a second each) to work: from a roster of instance 9 at 453,
two workers found 444 in 8.5 s; the plain whole model from the same hint found nothing in
20 s.

Only for problems scored by penalties alone (no pay, no roles, no agency): there the cost
of a roster with the same cover is its wishes, and the counts are the cover lines.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from .cpmodel import RotaModel
from .model import Problem, Roster

if TYPE_CHECKING:
    from .solver import Search

log = logging.getLogger(__name__)

#: Polish in the last part of the time limit (this share of it)...
POLISH_SHARE = 0.3
#: ...once the cover has not changed for this share of it (a stalled search on instance 8
#: still found a shift more of cover 20 s after the last, so polishing from 35 s on, with
#: 14 shifts short, cost it 80 points: the cover is worth more than any wish)...
STALL_SHARE = 0.2
#: ...and while at least this share is left (less is too little for the whole model).
LEFT_SHARE = 0.1


def applicable(problem: Problem) -> bool:
    """Whether a roster's cost with its cover fixed is its requests alone."""
    return (
        not any(p.pay.hourly for p in problem.staff)
        and problem.agency is None
        and not problem.fairness
        and all(c.role is None for c in problem.covers)
    )


def counts(roster: Roster) -> Counter[tuple[int, str]]:
    """How many people work each (day, shift): what the polish holds fixed."""
    return Counter((d, s) for row in roster.shifts.values() for d, s in enumerate(row) if s)


def cover_penalty(problem: Problem, roster: Roster) -> int:
    """Under- and over-cover penalty of a roster (the evaluator's, for these problems)."""
    n = counts(roster)
    return sum(
        c.under_weight * max(0, c.preferred - n[(c.day, c.shift)])
        + c.over_weight * max(0, n[(c.day, c.shift)] - c.preferred)
        for c in problem.covers
    )


class CoverWatch:
    """When the best roster's cover penalty last changed. Its counts move all the time (a
    surplus shift changes day, a trade swaps lines) without the cover getting better."""

    def __init__(self, search: Search) -> None:
        self.search = search
        self.penalty: int | None = None
        self.since = time.monotonic()

    def stalled_for(self) -> float:
        """Seconds since the best roster's cover penalty last changed."""
        roster, _ = self.search.snapshot()
        if roster is not None:
            now = cover_penalty(self.search.problem, roster)
            if now != self.penalty:
                self.penalty, self.since = now, time.monotonic()
        return time.monotonic() - self.since


def due(search: Search, watch: CoverWatch, limit: float) -> bool:
    """Polish now: the cover has settled and there is still time for the whole model."""
    # Ask the watch first, every time: it sees the cover change only when asked.
    stalled = watch.stalled_for()
    left = search.remaining()
    return stalled >= STALL_SHARE * limit and LEFT_SHARE * limit <= left <= POLISH_SHARE * limit


def run(search: Search, workers: int, seed: int) -> None:
    """The whole model with the best roster's cover counts fixed, from that roster, until
    the deadline; every better roster is offered to the search."""
    roster, _ = search.snapshot()
    if roster is None:
        return
    # The LNS and the solver import this module: import them late.
    from .lns import value_of
    from .solver import _Callback

    rota = RotaModel(search.problem)
    fixed = counts(roster)
    lines: dict[tuple[int, str], list[cp_model.IntVar]] = {}
    for (_, d), lits in rota.x.items():
        for s, lit in lits.items():
            lines.setdefault((d, s), []).append(lit)
    for key, lits in lines.items():
        rota.model.add(sum(lits) == fixed[key])
    # A complete hint (derived variables too): with the assignment alone CP-SAT did not
    # get back to the roster within 15 s on instance 12.
    base = value_of(rota, roster, search.remaining())
    if base is None or search.remaining() < 1:
        return
    values, _ = base
    hint = rota.model.proto.solution_hint
    hint.vars.extend(range(len(values)))
    hint.values.extend(values)
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.max_time_in_seconds = max(0.01, search.remaining())
    # Two or more workers: CP-SAT's large neighbourhoods run beside its LP search (with
    # one worker there are none, and one worker found nothing on instance 9 in 20 s).
    p.num_workers = max(2, workers)
    p.linearization_level = 2
    p.random_seed = seed
    # Its bound is the fixed cover's, not the problem's: it must not raise the search's.
    status = solver.solve(rota.model, _Callback(search, rota, source="polish", bounds=False))
    log.info("polish %s after %.1f s", solver.status_name(status), solver.wall_time)
