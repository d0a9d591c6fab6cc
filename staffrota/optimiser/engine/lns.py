"""Large-neighbourhood search: re-solve a few people or days exactly, keep the rest fixed.

With two cores CP-SAT's own portfolio improves slowly on 30+ people, but a neighbourhood of
a handful of people over the whole horizon is solved to optimality by a single LP-heavy
worker in a fraction of a second. Each thread owns a copy of the model; a neighbourhood is
imposed by narrowing the domains of the fixed assignment literals and undone afterwards.
Every personal rule involves one person only, so any such neighbourhood stays consistent.
"""

from __future__ import annotations

import random
import threading
import time
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

if TYPE_CHECKING:
    from .solver import Search

#: Neighbourhood kinds and the starting share of people / days each one frees.
KINDS = ("people", "days", "block", "cover")
#: Sub-problems should take about this long; sizes grow below and shrink above it.
TARGET_SECONDS = 0.6
#: Whether one thread restarts CP-SAT on the whole model instead of running neighbourhoods.
WHOLE_MODEL_THREAD = False
#: Free cells of a first neighbourhood (about four people over four weeks).
START_CELLS = 112
#: First time slice of the whole-model thread; each restart gets 1.5 times more.
CHUNK = 10.0


def sub_parameters(solver: cp_model.CpSolver, limit: float, seed: int) -> None:
    """Parameters for one neighbourhood: one worker with the full LP relaxation.

    The linear relaxation of cover plus sequence rules is nearly tight on these problems, so
    the LP proves small neighbourhoods optimal quickly; probing and symmetry detection cost
    more than they save on a mostly fixed model.
    """
    p = solver.parameters
    p.max_time_in_seconds = limit
    p.num_workers = 1
    p.linearization_level = 2
    p.symmetry_level = 0
    p.cp_model_probing_level = 0
    p.random_seed = seed


class _Worker:
    def __init__(self, search: Search, seed: int) -> None:
        self.search = search
        self.rng = random.Random(seed)
        self.model = search.rota.model.clone()
        self.proto = self.model.proto
        # Start every kind at about START_CELLS free (person, day) cells, then adapt.
        people, days = search.people, search.days
        per_person = min(1.0, max(1, START_CELLS // days) / people)
        per_day = min(1.0, max(2, START_CELLS // people) / days)
        block = min(1.0, (START_CELLS / (people * days)) ** 0.5)
        self.size = {"people": per_person, "days": per_day, "block": block, "cover": per_person}

    def run(self, until: float) -> None:
        s = self.search
        while time.monotonic() < until and s.remaining() > 0.05:
            if s.cancelled() or s.best.proven:
                break
            self.step(self.rng.choice(KINDS), until)

    def step(self, kind: str, until: float) -> None:
        """Re-solve one neighbourhood of the best roster and offer the result."""
        s = self.search
        values, _ = s.snapshot()
        if values is None:
            return
        # Vary the size around the adapted one so some neighbourhoods are bigger than usual.
        share = self.size[kind] * self.rng.uniform(0.6, 1.5)
        free = self.neighbourhood(kind, share, values)
        fixed = [i for cell, idx in s.by_cell.items() if cell not in free for i in idx]
        variables = self.proto.variables
        for i in fixed:
            # Assignment literals are Booleans, so a domain is exactly [lo, hi].
            domain = variables[i].domain
            domain[0] = domain[1] = values[i]
        hint = self.proto.solution_hint
        hint.vars.clear()
        hint.values.clear()
        hint.vars.extend(range(len(values)))
        hint.values.extend(values)
        solver = cp_model.CpSolver()
        limit = min(3 * TARGET_SECONDS, s.remaining(), max(0.05, until - time.monotonic()))
        sub_parameters(solver, max(0.01, limit), self.rng.randrange(1 << 30))
        started = time.monotonic()
        status = solver.solve(self.model)
        took = time.monotonic() - started
        for i in fixed:
            domain = variables[i].domain
            domain[0], domain[1] = s.domains[i]
        improved = False
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            objective = round(solver.objective_value)
            improved = s.offer(list(solver.response_proto.solution), objective, f"lns-{kind}")
        # Grow a neighbourhood solved to optimality quickly, shrink one that timed out.
        if status == cp_model.OPTIMAL and took < TARGET_SECONDS:
            self.size[kind] = min(1.0, self.size[kind] * 1.1)
        elif status != cp_model.OPTIMAL and not improved:
            self.size[kind] = max(0.01, self.size[kind] * 0.85)

    def neighbourhood(self, kind: str, share: float, values: list[int]) -> set[tuple[int, int]]:
        """Cells (person, day) left free: whole people, a run of days, or a block of both."""
        people, days = self.search.people, self.search.days
        if kind == "cover":
            chosen = self.cover_people(values, max(1, round(people * share)))
            if chosen:
                return {(p, d) for p in chosen for d in range(days)}
            kind = "people"
        if kind == "people":
            k = max(1, round(people * share))
            chosen = self.rng.sample(range(people), min(people, k))
            return {(p, d) for p in chosen for d in range(days)}
        if kind == "days":
            length = max(2, round(days * share))
            start = self.rng.randrange(max(1, days - length + 1))
            return {(p, d) for p in range(people) for d in range(start, start + length)}
        # A block: about the same number of free cells as the others, more people, fewer days.
        k = max(1, round(people * min(1.0, share * 1.5)))
        length = max(3, round(days * min(1.0, share)))
        chosen = self.rng.sample(range(people), min(people, k))
        start = self.rng.randrange(max(1, days - length + 1))
        return {(p, d) for p in chosen for d in range(start, start + length)}

    def cover_people(self, values: list[int], k: int) -> list[int]:
        """People who could mend a cover line that is off its preferred number."""
        wrong = []
        for line in self.search.cover_lines:
            n = sum(values[i] for _, i in line.cells)
            if n < line.preferred and line.under or n > line.preferred and line.over:
                wrong.append(line)
        if not wrong:
            return []
        line = self.rng.choice(wrong)
        # Both those working this line and those who could: the moves that mend it.
        candidates = list({p for p, _ in line.cells})
        self.rng.shuffle(candidates)
        return candidates[:k]


class _WholeModel:
    """Restarts CP-SAT on the whole model from the best roster, one thread.

    It finds the moves that no neighbourhood of ours contains, and its LP bound can prove
    the roster optimal; the LNS threads pick up whatever it finds.
    """

    def __init__(self, search: Search, seed: int) -> None:
        self.search = search
        self.rng = random.Random(seed)
        self.model = search.rota.model.clone()
        self.proto = self.model.proto

    def run(self, until: float) -> None:
        s = self.search
        chunk = CHUNK
        while time.monotonic() < until and s.remaining() > 0.2:
            if s.cancelled() or s.best.proven:
                break
            values, _ = s.snapshot()
            hint = self.proto.solution_hint
            hint.vars.clear()
            hint.values.clear()
            if values is not None:
                hint.vars.extend(range(len(values)))
                hint.values.extend(values)
            solver = cp_model.CpSolver()
            p = solver.parameters
            p.max_time_in_seconds = max(0.05, min(chunk, s.remaining(), until - time.monotonic()))
            p.num_workers = 1
            p.linearization_level = 2
            # One thread, but CP-SAT's whole portfolio (its own LNS included) takes turns in it.
            p.interleave_search = True
            p.random_seed = self.rng.randrange(1 << 30)
            status = solver.solve(self.model, _Share(s))
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                s.raise_bound(solver.best_objective_bound)
                s.offer(
                    list(solver.response_proto.solution), round(solver.objective_value), "cp-sat"
                )
            if status == cp_model.OPTIMAL:
                s.best.proven = True
            chunk *= 1.5


class _Share(cp_model.CpSolverSolutionCallback):
    """Hands every better roster of the whole-model thread to the LNS threads at once."""

    def __init__(self, search: Search) -> None:
        super().__init__()
        self.search = search

    def on_solution_callback(self) -> None:
        s = self.search
        if s.cancelled() or s.remaining() < 0:
            self.stop_search()
            return
        objective = round(self.objective_value)
        _, best = s.snapshot()
        if best is None or objective < best:
            values = [int(v) for v in self.response_proto.solution]
            s.offer(values, objective, "cp-sat")


def run(search: Search, threads: int, seed: int, until: float) -> None:
    """Run ``threads`` LNS workers until ``until``, the deadline, a cancel or a proven optimum."""
    if threads <= 1:
        _Worker(search, seed).run(until)
        return
    workers: list[_Worker | _WholeModel] = [
        _Worker(search, seed * 1000 + t) for t in range(threads)
    ]
    if WHOLE_MODEL_THREAD:
        # One thread restarts CP-SAT on the whole model, the others run our neighbourhoods.
        workers[0] = _WholeModel(search, seed)
    pool = [threading.Thread(target=w.run, args=(until,), daemon=True) for w in workers]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
