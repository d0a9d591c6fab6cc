"""Whole lines (one person's shifts over the horizon) recombined: a small column generation.

Every line kept here keeps the person's hard rules by itself, so any choice of one line per
person is a roster that keeps them all; only the cover ties people together. The pool holds
the lines of the rosters the search has seen and lines priced against the duals of the
cover in the linear relaxation of "one line per person" (GLOP); a CP-SAT model over the
pool then picks one line per person. It reaches rosters that differ from the incumbent in
many people's whole month at once, which no neighbourhood that solves in a second holds.

Only for problems whose objective is cover and requests alone (the benchmark's): no pay,
roles, agency or fairness.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from .cpmodel import RotaModel
from .model import Problem, Roster

Line = tuple[str | None, ...]

#: Most lines kept per person (the oldest priced ones go first).
MAX_LINES = 300


def applies(problem: Problem) -> bool:
    """Whether the objective is cover and requests only, so lines can be priced alone."""
    return (
        problem.agency is None
        and not problem.fairness
        and problem.weekly_rest is None
        and not any(p.pay.hourly for p in problem.staff)
        and all(c.role is None and not c.minimum for c in problem.covers)
    )


class PatternPool:
    """Lines per person, their request costs, and the master problems over them."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.lines: list[dict[Line, int]] = [{} for _ in problem.staff]
        index = {p.id: i for i, p in enumerate(problem.staff)}
        #: person -> constant cost (on requests) and cost per (day, shift) cell.
        self.base = [0] * len(problem.staff)
        self.cell: list[dict[tuple[int, str | None], int]] = [{} for _ in problem.staff]
        for r in problem.requests:
            p = index[r.staff]
            if r.on:
                self.base[p] += r.weight
                key = (r.day, r.shift)
                self.cell[p][key] = self.cell[p].get(key, 0) - r.weight
            else:
                key = (r.day, r.shift)  # shift None: any shift that day
                self.cell[p][key] = self.cell[p].get(key, 0) + r.weight
        self.covers = [c for c in problem.covers if c.under_weight or c.over_weight]
        self.duals: dict[tuple[int, str], float] = {}
        self.mu: list[float] = [0.0] * len(problem.staff)

    def cost(self, p: int, line: Line) -> int:
        """Request penalty of a line."""
        cell = self.cell[p]
        total = self.base[p]
        for d, s in enumerate(line):
            if s is not None:
                total += cell.get((d, s), 0) + cell.get((d, None), 0)
        return total

    def add(self, p: int, line: Line) -> bool:
        """Keep a line; False if it was there already."""
        pool = self.lines[p]
        if line in pool:
            return False
        if len(pool) >= MAX_LINES:
            pool.pop(next(iter(pool)))
        pool[line] = self.cost(p, line)
        return True

    def add_roster(self, roster: Roster) -> None:
        """Keep every line of a roster."""
        for p, person in enumerate(self.problem.staff):
            self.add(p, tuple(roster.shifts[person.id]))

    # ------------------------------------------------------------- relaxation and pricing
    def relax(self) -> float | None:
        """Solve the linear relaxation over the pool; keeps the duals. Its value, or None."""
        lp = pywraplp.Solver.CreateSolver("GLOP")
        if lp is None:
            return None
        objective = lp.Objective()
        rows = {}
        for c in self.covers:
            row = lp.Constraint(c.preferred, c.preferred)
            rows[(c.day, c.shift)] = row
            under = lp.NumVar(0, c.preferred, "")
            over = lp.NumVar(0, lp.infinity(), "")
            row.SetCoefficient(under, 1)
            row.SetCoefficient(over, -1)
            objective.SetCoefficient(under, c.under_weight)
            objective.SetCoefficient(over, c.over_weight)
        convex = []
        for pool in self.lines:
            one = lp.Constraint(1, 1)
            convex.append(one)
            for line, cost in pool.items():
                v = lp.NumVar(0, 1, "")
                one.SetCoefficient(v, 1)
                objective.SetCoefficient(v, cost)
                for d, s in enumerate(line):
                    row = rows.get((d, s)) if s is not None else None
                    if row is not None:
                        row.SetCoefficient(v, 1)
        objective.SetMinimization()
        if lp.Solve() != pywraplp.Solver.OPTIMAL:
            return None
        self.duals = {key: row.dual_value() for key, row in rows.items()}
        self.mu = [one.dual_value() for one in convex]
        return objective.Value()

    def price(self, p: int, roster: Roster, limit: float, seed: int) -> bool:
        """Add person ``p``'s line of least reduced cost if it is negative."""
        rota = RotaModel(self.problem, context=roster, free={p: (0, self.problem.days)})
        cell = self.cell[p]
        terms = []
        for (_, d), lits in rota.x.items():
            for s, lit in lits.items():
                coef = cell.get((d, s), 0) + cell.get((d, None), 0) - self.duals.get((d, s), 0.0)
                terms.append((lit, round(coef * 1000)))
        rota.model.minimize(sum(c * lit for lit, c in terms))
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.01, limit)
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = seed
        status = solver.solve(rota.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return False
        reduced = solver.objective_value / 1000 + self.base[p] - self.mu[p]
        if reduced > -1e-6:
            return False
        values = solver.response_proto.solution
        line = tuple(rota.roster(lambda v: values[v.index]).shifts[self.problem.staff[p].id])
        return self.add(p, line)

    # ------------------------------------------------------------- the integer master
    def master(self, incumbent: Roster, limit: float, seed: int) -> tuple[Roster, int] | None:
        """One line per person from the pool, cover and requests minimal, hinted with the
        incumbent: (roster, objective) if solved."""
        m = cp_model.CpModel()
        staff = self.problem.staff
        choice: list[list[tuple[Line, cp_model.IntVar]]] = []
        count: dict[tuple[int, str], list[cp_model.IntVar]] = {}
        objective = []
        for p, pool in enumerate(self.lines):
            mine = []
            current = tuple(incumbent.shifts[staff[p].id])
            for line, cost in pool.items():
                v = m.new_bool_var("")
                m.add_hint(v, line == current)
                mine.append((line, v))
                if cost:
                    objective.append(cost * v)
                for d, s in enumerate(line):
                    if s is not None:
                        count.setdefault((d, s), []).append(v)
            m.add_exactly_one(v for _, v in mine)
            choice.append(mine)
        for c in self.covers:
            lits = count.get((c.day, c.shift), [])
            under = m.new_int_var(0, c.preferred, "")
            over = m.new_int_var(0, max(0, len(lits) - c.preferred), "")
            m.add(sum(lits) + under - over == c.preferred)
            objective.append(c.under_weight * under + c.over_weight * over)
        m.minimize(sum(objective))
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.01, limit)
        solver.parameters.num_workers = 1
        solver.parameters.linearization_level = 2
        solver.parameters.random_seed = seed
        status = solver.solve(m)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        shifts = {}
        for p, mine in enumerate(choice):
            line = next(line for line, v in mine if solver.boolean_value(v))
            shifts[staff[p].id] = list(line)
        return Roster(shifts=shifts), round(solver.objective_value)

    def generate(
        self, roster: Roster, until: float, seed: int, order: Callable[[int], list[int]]
    ) -> int:
        """Rounds of relaxation and pricing until no person has a better line or ``until``:
        how many lines were added."""
        added = 0
        while time.monotonic() < until:
            if self.relax() is None:
                break
            new = 0
            for p in order(len(self.lines)):
                left = until - time.monotonic()
                if left <= 0.02:
                    break
                new += self.price(p, roster, min(0.5, left), seed)
            added += new
            if not new:
                break
        return added
