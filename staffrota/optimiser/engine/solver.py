"""Solve a rota problem: CP-SAT on the whole model, then our own large-neighbourhood search."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Protocol

from ortools.sat.python import cp_model

from . import construct, diagnose, lns
from .cpmodel import RotaModel
from .evaluate import evaluate
from .model import Problem, Progress, Roster, Solution

log = logging.getLogger(__name__)

#: Share of the time limit given to the whole-model solve before the LNS takes over.
FULL_SHARE = 0.15
#: Person-days above which a first roster is built person by person before CP-SAT starts.
LARGE_CELLS = 20_000


class CancelToken(Protocol):
    """Anything with ``is_set()``, such as ``threading.Event``."""

    def is_set(self) -> bool: ...


ProgressCallback = Callable[[Progress], None]


class _Best:
    def __init__(self) -> None:
        self.values: list[int] | None = None
        self.objective: float | None = None  # internal (scaled) units
        self.bound = float("-inf")
        self.proven = False


class Search:
    """State shared by the phases and LNS threads: the best roster so far and the clock."""

    def __init__(
        self,
        rota: RotaModel,
        deadline: float,
        started: float,
        progress: ProgressCallback | None,
        cancel: CancelToken | None,
    ) -> None:
        self.rota = rota
        self.deadline = deadline
        self.started = started
        self.progress = progress
        self.cancel = cancel
        self.best = _Best()
        self.lock = threading.Lock()
        proto = rota.model.proto
        self.n_vars = len(proto.variables)
        self.domains = [tuple(v.domain) for v in proto.variables]
        # Assignment literals by (person, day), the unit neighbourhoods are made of.
        self.by_cell: dict[tuple[int, int], list[int]] = {}
        for p, d, _, index in rota.x_indices():
            self.by_cell.setdefault((p, d), []).append(index)
        self.people = len(rota.problem.staff)
        self.days = rota.problem.days
        self.cover_lines = rota.cover_lines

    def cancelled(self) -> bool:
        """True once the caller asked to stop."""
        return bool(self.cancel is not None and self.cancel.is_set())

    def remaining(self) -> float:
        """Seconds left before the deadline."""
        return self.deadline - time.monotonic()

    def snapshot(self) -> tuple[list[int] | None, float | None]:
        """The best full assignment and its objective."""
        with self.lock:
            return self.best.values, self.best.objective

    def offer(self, values: list[int], objective: float, phase: str) -> bool:
        """Keep a roster that is at least as good as the best (ties move the search on)."""
        with self.lock:
            best = self.best.objective
            if best is not None and objective > best:
                return False
            self.best.values = values
            self.best.objective = objective
            if self.best.objective <= self.best.bound:
                self.best.proven = True
        if best is None or objective < best:
            self.report(objective, phase)
            return True
        return False

    def raise_bound(self, bound: float) -> None:
        """Record a proven lower bound of the objective."""
        with self.lock:
            self.best.bound = max(self.best.bound, _bound(bound))
            if self.best.objective is not None and self.best.objective <= self.best.bound:
                self.best.proven = True

    def report(self, objective: float, phase: str) -> None:
        """Tell the caller about a better roster; a failing callback must not stop a solve."""
        if self.progress is None:
            return
        scale = self.rota.scale
        bound = self.best.bound / scale if self.best.bound > float("-inf") else float("nan")
        try:
            self.progress(
                Progress(time.monotonic() - self.started, objective / scale, bound, phase)
            )
        except Exception:
            log.exception("progress callback failed")

    def full_solve(self, limit: float, workers: int, seed: int) -> int:
        """CP-SAT on the whole model; proves small problems optimal and gives a lower bound."""
        solver = cp_model.CpSolver()
        p = solver.parameters
        p.max_time_in_seconds = max(0.01, min(limit, self.remaining()))
        p.num_workers = max(1, workers)
        # The LP relaxation is strong for cover + sequence rules: use all of it.
        p.linearization_level = 2
        p.random_seed = seed
        values, _ = self.snapshot()
        if values is not None:
            self.set_hint(values)
        status = solver.solve(self.rota.model, _Callback(self))
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            with self.lock:
                self.best.bound = max(self.best.bound, _bound(solver.best_objective_bound))
            self.offer(list(solver.response_proto.solution), round(solver.objective_value), "full")
        if status == cp_model.OPTIMAL:
            self.best.proven = True
        return status

    def adopt(self, roster: Roster) -> None:
        """Make a roster the incumbent: fix every assignment to it and let CP-SAT fill in the
        derived variables (a pure propagation, unlike a hint it cannot get lost)."""
        rota = self.rota
        proto = rota.model.proto
        fixed = []
        for (p, d), lits in rota.x.items():
            shift = roster.shifts[rota.problem.staff[p].id][d]
            for s, lit in lits.items():
                fixed.append(lit.index)
                domain = proto.variables[lit.index].domain
                domain[0] = domain[1] = int(s == shift)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.05, self.remaining())
        solver.parameters.num_workers = 1
        status = solver.solve(rota.model)
        for i in fixed:
            domain = proto.variables[i].domain
            domain[0], domain[1] = self.domains[i]
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            self.offer(
                list(solver.response_proto.solution), round(solver.objective_value), "greedy"
            )

    def set_hint(self, values: list[int]) -> None:
        """Hint every variable of the main model."""
        hint = self.rota.model.proto.solution_hint
        hint.vars.clear()
        hint.values.clear()
        hint.vars.extend(range(len(values)))
        hint.values.extend(values)


class _Callback(cp_model.CpSolverSolutionCallback):
    """Reports improving solutions and stops the search on cancel or deadline."""

    def __init__(self, search: Search) -> None:
        super().__init__()
        self.search = search
        self.last: float | None = None

    def on_solution_callback(self) -> None:
        s = self.search
        if s.cancelled() or time.monotonic() > s.deadline:
            self.stop_search()
        obj = round(self.objective_value)
        if self.last is None or obj < self.last:
            self.last = obj
            with s.lock:
                s.best.bound = max(s.best.bound, _bound(self.best_objective_bound))
            s.report(obj, "full")


def _bound(value: float) -> float:
    # The objective is integral; CP-SAT's float bound can sit a hair below a proven optimum.
    return float(math.ceil(value - 1e-6))


def solve(
    problem: Problem,
    time_limit_s: float,
    workers: int = 2,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    seed: int = 0,
    hint: Roster | None = None,
) -> Solution:
    """Find a low-cost roster within ``time_limit_s`` seconds of wall time (always respected).

    ``workers`` is the number of CPU threads used. ``progress`` is called with every better
    roster; ``cancel.is_set()`` stops early with the best roster so far. The result always has
    a status and, when there is no roster, messages saying which requirement cannot be met.
    """
    started = time.monotonic()
    # Keep a little time back for reading the roster out and scoring it.
    deadline = started + max(0.0, time_limit_s - min(1.0, 0.05 + 0.005 * time_limit_s))
    fatal, warnings = diagnose.precheck(problem)
    if fatal:
        return Solution("INFEASIBLE", None, None, None, time.monotonic() - started, fatal)

    rota = RotaModel(problem)
    search = Search(rota, deadline, started, progress, cancel)
    if hint is not None:
        _hint_roster(search, hint)
        # A hint that keeps every rule is the incumbent from the start: the result is never
        # worse than it, and the search improves on it even when the full solve finds none.
        search.adopt(hint)
    elif len(search.by_cell) > LARGE_CELLS:
        # On a year of 150 people the whole-model solve rarely finds a first roster in its
        # share of the time; building one person at a time always does, given enough time.
        roster = construct.greedy(problem, started + 0.7 * (deadline - started))
        if roster is not None:
            search.adopt(roster)
    status = search.full_solve(max(1.0, FULL_SHARE * search.remaining()), workers, seed)
    if status == cp_model.INFEASIBLE:
        why = diagnose.explain_infeasible(problem, search.remaining())
        return Solution("INFEASIBLE", None, None, None, time.monotonic() - started, why)
    if search.best.values is None and search.remaining() > 0.5 and not search.cancelled():
        # No roster yet: build one person at a time, then let CP-SAT complete it.
        roster = construct.greedy(problem, search.deadline)
        if roster is not None:
            search.adopt(roster)
    if search.best.values is not None and not search.best.proven and not search.cancelled():
        lns.run(search, workers, seed, search.deadline)
    return _finish(search, warnings, started)


def _hint_roster(search: Search, roster: Roster) -> None:
    """Use a roster as the solution hint of the next full solve (assignments only)."""
    rota = search.rota
    index = {p.id: i for i, p in enumerate(rota.problem.staff)}
    on: set[int] = set()
    for sid, row in roster.shifts.items():
        p = index.get(sid)
        for d, s in enumerate(row[: rota.problem.days]):
            lit = rota.x.get((p, d), {}).get(s) if p is not None and s else None
            if lit is not None:
                on.add(lit.index)
    hint = rota.model.proto.solution_hint
    hint.vars.clear()
    hint.values.clear()
    indices = [i for _, _, _, i in rota.x_indices()]
    hint.vars.extend(indices)
    hint.values.extend(int(i in on) for i in indices)


def _finish(search: Search, warnings: list[str], started: float) -> Solution:
    rota = search.rota
    wall = time.monotonic() - started
    values, objective = search.snapshot()
    if values is None or objective is None:
        if search.cancelled():
            return Solution(
                "CANCELLED", None, None, None, wall, ["cancelled before a rota was found"]
            )
        why = "no rota found within the time limit; allow more time"
        return Solution("UNKNOWN", None, None, None, wall, [why, *warnings])
    roster = rota.roster(lambda v: values[v.index])
    scale = rota.scale
    bound = search.best.bound / scale if search.best.bound > float("-inf") else None
    status = "FEASIBLE"
    if search.best.proven:
        status = "OPTIMAL"
    elif search.cancelled():
        status = "CANCELLED"
    messages = list(warnings)
    evaluation = evaluate(rota.problem, roster)
    messages += [f"below minimum cover: {u}" for u in evaluation.unmet]
    return Solution(status, roster, objective / scale, bound, wall, messages)
