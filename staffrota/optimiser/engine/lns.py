"""Large-neighbourhood search: re-solve a few people or days exactly, keep the rest.

With two cores CP-SAT's own portfolio improves slowly on 30+ people, but a neighbourhood of
a handful of people over the whole horizon, or of everyone over a few days, is solved to
optimality by a single LP-heavy worker in a fraction of a second. Each step builds the
model of the neighbourhood only (``RotaModel`` with ``free``), so its size does not grow
with the horizon or the staff: the same search runs on a year of 150 people.

The objective of a neighbourhood model differs from the full objective by a constant, so a
step first solves it with every cell fixed to the incumbent (the incumbent's value there,
and a complete hint) and then freely; the difference is exact.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from .cpmodel import RotaModel
from .model import Roster

if TYPE_CHECKING:
    from .solver import Search

log = logging.getLogger(__name__)

#: Neighbourhood kinds.
KINDS = ("people", "days", "block", "cover", "weekly")
#: Sub-problems should take about this long; sizes grow below and shrink above it.
TARGET_SECONDS = 0.5
#: Free (person, day) cells of a first neighbourhood.
START_CELLS = 120
#: Bounds of the adapted neighbourhood size, in free cells.
MIN_CELLS, MAX_CELLS = 8, 5_000

#: Most weeks a "weekly" neighbourhood spans (the horizon, on the benchmark's four weeks).
WEEKLY_WEEKS = 8
#: Most free cells of a first "weekly" neighbourhood (the benchmark's 60 people: 480).
WEEKLY_START_MAX = 500

Free = dict[int, tuple[int, int] | frozenset[int]]


def sub_parameters(solver: cp_model.CpSolver, limit: float, seed: int) -> None:
    """Parameters for one neighbourhood: one worker with the full LP relaxation.

    The linear relaxation of cover plus sequence rules is nearly tight on these problems, so
    the LP proves small neighbourhoods optimal quickly; probing and symmetry detection cost
    more than they save on a small model.
    """
    p = solver.parameters
    p.max_time_in_seconds = limit
    p.num_workers = 1
    p.linearization_level = 2
    p.symmetry_level = 0
    p.cp_model_probing_level = 0
    p.random_seed = seed


def value_of(rota: RotaModel, roster: Roster, limit: float) -> tuple[list[int], int] | None:
    """Solve ``rota`` with every choice fixed as in ``roster``: (all values, objective)."""
    proto = rota.model.proto
    variables = proto.variables
    saved: list[tuple[int, int, int]] = []

    def fix(index: int, value: int) -> None:
        domain = variables[index].domain
        saved.append((index, domain[0], domain[1]))
        domain[0] = domain[1] = value

    staff = rota.problem.staff
    for (p, d), lits in rota.x.items():
        shift = roster.shifts[staff[p].id][d]
        for s, lit in lits.items():
            fix(lit.index, int(s == shift))
    for (p, d, shift), choice in rota.role_vars.items():
        role = roster.roles.get((staff[p].id, d))
        if roster.shifts[staff[p].id][d] == shift and role in choice:
            for r, lit in choice.items():
                fix(lit.index, int(r == role))
    for key, var in rota.agency.items():
        fix(var.index, roster.agency.get(key, 0))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, limit)
    solver.parameters.num_workers = 1
    status = solver.solve(rota.model)
    for index, lo, hi in saved:
        domain = variables[index].domain
        domain[0], domain[1] = lo, hi
    if status != cp_model.OPTIMAL:
        # Only the optimum is the roster's exact value (no slack in the penalty variables).
        return None
    return list(solver.response_proto.solution), round(solver.objective_value)


class _Worker:
    def __init__(self, search: Search, seed: int) -> None:
        self.search = search
        self.problem = search.problem
        self.rng = random.Random(seed)
        self.cells = dict.fromkeys(KINDS, float(START_CELLS))
        # Weekends are shared out among everyone: start with all of them for all people,
        # but not bigger than the benchmark's largest (a year of 150 people would start at
        # 1,500 cells, and each step that runs out of time only shrinks it by 15 %).
        weekend_days = sum(len(wk) for wk in self.problem.weekends()[: 2 * WEEKLY_WEEKS // 3])
        self.cells["weekly"] = float(
            min(WEEKLY_START_MAX, max(START_CELLS, weekend_days * len(self.problem.staff)))
        )
        problem = self.problem
        # Who could work each cover line: the people the "cover" neighbourhood frees.
        self.able: dict[tuple[int, str], list[int]] = {}
        for c in problem.covers:
            key = (c.day, c.shift)
            if key in self.able:
                continue
            self.able[key] = [
                p
                for p, person in enumerate(problem.staff)
                if problem.can_work(person, c.shift)
                and (c.day not in person.unavailable or c.day in person.fixed)
            ]
        self.stats: Counter[str] = Counter()
        #: Seconds spent per step of each kind outside the timed solve (slowly adapted).
        self.overhead = dict.fromkeys(KINDS, 0.0)

    def run(self, until: float, stop: Callable[[], bool] | None = None) -> None:
        s = self.search
        while time.monotonic() < until and s.remaining() > 0.05:
            if s.cancelled() or s.proven() or (stop is not None and not stop()):
                break
            kind = self.rng.choice(KINDS)
            # Building a neighbourhood and scoring the incumbent in it cannot be cut short:
            # do not start one that would not end before the deadline.
            if s.remaining() < 2 * self.overhead[kind] + 0.05:
                others = [k for k in KINDS if s.remaining() >= 2 * self.overhead[k] + 0.05]
                if not others:
                    break
                kind = self.rng.choice(others)
            self.step(kind, until)

    def step(self, kind: str, until: float) -> None:
        """Re-solve one neighbourhood of the best roster and offer the result."""
        s = self.search
        roster, value = s.snapshot()
        if roster is None or value is None:
            return
        started = time.monotonic()
        # Vary the size around the adapted one so some neighbourhoods are bigger than usual.
        cells = self.cells[kind] * self.rng.uniform(0.6, 1.5)
        free = self.neighbourhood(kind, cells, roster)
        rota = RotaModel(self.problem, context=roster, free=free)
        left = min(s.remaining(), until - time.monotonic())
        base = value_of(rota, roster, left)
        if base is None or s.remaining() < 0.05:
            self.cells[kind] = max(MIN_CELLS, self.cells[kind] * 0.85)
            return
        values, before = base
        spent = time.monotonic() - started
        self.overhead[kind] = max(spent, 0.8 * self.overhead[kind] + 0.2 * spent)
        hint = rota.model.proto.solution_hint
        hint.vars.clear()
        hint.values.clear()
        hint.vars.extend(range(len(values)))
        hint.values.extend(values)
        solver = cp_model.CpSolver()
        left = min(s.remaining(), until - time.monotonic())
        sub_parameters(
            solver, max(0.01, min(3 * TARGET_SECONDS, left)), self.rng.randrange(1 << 30)
        )
        solved = time.monotonic()
        status = solver.solve(rota.model)
        took = time.monotonic() - solved
        improved = False
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            after = round(solver.objective_value)
            if after <= before:
                solution = solver.response_proto.solution
                new = rota.roster(lambda v: solution[v.index])
                if status != cp_model.OPTIMAL:
                    # Stopped early, the penalty variables may still carry slack (under and
                    # over both positive): score the roster itself.
                    exact = value_of(rota, new, s.remaining())
                    after = exact[1] if exact is not None else before + 1
                if after <= before:
                    improved = s.offer(new, value + after - before, f"lns-{kind}")
        self.stats[f"{kind}:{solver.status_name(status)}"] += 1
        if improved:
            self.stats[f"{kind}:improved"] += 1
        log.debug(
            "lns %s cells %d status %s took %.3f total %.3f improved %s",
            kind,
            sum(len(c) if isinstance(c, frozenset) else c[1] - c[0] for c in free.values()),
            solver.status_name(status),
            took,
            time.monotonic() - started,
            improved,
        )
        # Grow a neighbourhood solved to optimality quickly, shrink one that timed out.
        if status == cp_model.OPTIMAL and took < TARGET_SECONDS:
            self.cells[kind] = min(MAX_CELLS, self.cells[kind] * 1.1)
        elif status != cp_model.OPTIMAL and not improved:
            self.cells[kind] = max(MIN_CELLS, self.cells[kind] * 0.85)

    def neighbourhood(self, kind: str, cells: float, roster: Roster) -> Free:
        """Free (person -> first day, end day): whole people, a run of days, or a block."""
        people, days = len(self.problem.staff), self.problem.days
        rng = self.rng
        if kind == "cover":
            chosen = self.cover_people(roster, cells)
            if chosen is not None:
                return chosen
            kind = "people"
        if kind == "weekly":
            return self.weekly(cells)
        if kind == "people":
            k = max(1, min(people, round(cells / days)))
            length = min(days, max(7, round(cells / k)))
        elif kind == "days":
            length = max(2, min(days, round(cells / people)))
            k = max(1, min(people, round(cells / length)))
        else:
            length = max(3, min(days, round(math.sqrt(cells * days / people))))
            k = max(1, min(people, round(cells / length)))
        start = rng.randrange(days - length + 1)
        return {p: (start, start + length) for p in rng.sample(range(people), k)}

    def weekly(self, cells: float) -> Free:
        """The same days of every week (mostly the weekends, with or without the Friday or
        Monday) for many people. Weekends are where cover runs short: each person may work
        only so many, and a weekend half worked spends one of them on a single shift.
        Mending that means moving weekends between people and weeks at once, which no run
        of days holds."""
        problem, rng = self.problem, self.rng
        # On a long horizon, a few weeks at a time (the weekends of a month or two).
        weeks = -(-problem.days // 7)
        span = min(weeks, rng.randint(4, WEEKLY_WEEKS))
        start = 7 * rng.randrange(weeks - span + 1)
        window = range(start, min(problem.days, start + 7 * span))
        weekends = [wk for wk in problem.weekends() if wk[0] in window]
        if weekends and rng.random() < 0.7:
            before, after = rng.choice(((0, 0), (1, 0), (0, 1), (1, 1)))
            days = {
                d
                for wk in weekends
                for d in range(wk[0] - before, wk[-1] + 1 + after)
                if 0 <= d < problem.days
            }
        else:
            first, length = rng.randrange(7), rng.randint(2, 4)
            days = {d for d in window if (d - first) % 7 < length} or set(window)
        people = len(problem.staff)
        k = max(1, min(people, round(cells / max(1, len(days)))))
        chosen = frozenset(days)
        return {p: chosen for p in rng.sample(range(people), k)}

    def cover_people(self, roster: Roster, cells: float) -> Free | None:
        """People who could mend a cover line that is off its preferred number."""
        problem = self.problem
        staffed: Counter[tuple[int, str]] = Counter()
        for row in roster.shifts.values():
            for d, sh in enumerate(row):
                if sh is not None:
                    staffed[(d, sh)] += 1
        wrong = [
            c
            for c in problem.covers
            if c.role is None
            and (
                staffed[(c.day, c.shift)] < c.preferred
                and c.under_weight
                or staffed[(c.day, c.shift)] > c.preferred
                and c.over_weight
            )
        ]
        if not wrong:
            return None
        line = self.rng.choice(wrong)
        candidates = list(self.able.get((line.day, line.shift), []))
        if not candidates:
            return None
        self.rng.shuffle(candidates)
        days = problem.days
        k = max(2, min(len(candidates), round(cells / days)))
        length = min(days, max(7, round(cells / k)))
        start = min(max(0, line.day - self.rng.randrange(length)), days - length)
        return {p: (start, start + length) for p in candidates[:k]}


def run(
    search: Search,
    threads: int,
    seed: int,
    until: float,
    stop: Callable[[], bool] | None = None,
) -> None:
    """Run ``threads`` LNS workers until ``until``, the deadline, a cancel or a proven optimum
    (or, given ``stop``, until it returns False)."""
    workers = [_Worker(search, seed * 1000 + t) for t in range(max(1, threads))]
    if len(workers) == 1:
        workers[0].run(until, stop)
    else:
        pool = [threading.Thread(target=w.run, args=(until, stop), daemon=True) for w in workers]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
    total: Counter[str] = Counter()
    for w in workers:
        total.update(w.stats)
    log.info("lns steps: %s", dict(sorted(total.items())))
