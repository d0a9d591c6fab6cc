"""The linear relaxation of a whole rota model, solved once with GLOP.

Its solution tells the neighbourhood search where to look: cells where the relaxation and
the roster disagree (RINS, "relaxation induced neighbourhood search"). On these problems
the relaxation is close to the best rosters (instance 8: a bound of 1,2xx against a best
known 1,300), and the cells where it differs from a stalled roster are few enough to free
together, however far apart in the month they are.
"""

from __future__ import annotations

import logging

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

log = logging.getLogger(__name__)


def relaxation(model: cp_model.CpModel, limit: float) -> list[float] | None:
    """Values of every variable in an optimal solution of the model's linear relaxation,
    or None if GLOP does not solve it within ``limit`` seconds.

    Only linear, max and clause constraints are carried over (enough for RotaModel);
    any other constraint, and every constraint with an enforcement literal, is dropped,
    which only loosens the relaxation.
    """
    proto = model.proto
    lp = pywraplp.Solver.CreateSolver("GLOP")
    if lp is None:
        return None
    inf = lp.infinity()
    xs = [lp.NumVar(float(v.domain[0]), float(_last(v.domain)), "") for v in proto.variables]

    def lit(index: int) -> pywraplp.LinearExpr:
        return xs[index] if index >= 0 else 1 - xs[-index - 1]

    def bounds(lo: int, hi: int) -> tuple[float, float]:
        big = 1 << 60
        return (-inf if lo <= -big else float(lo)), (inf if hi >= big else float(hi))

    for c in proto.constraints:
        if len(c.enforcement_literal):
            continue
        if c.has_linear():
            lin = c.linear
            lo, hi = bounds(lin.domain[0], _last(lin.domain))
            row = lp.Constraint(lo, hi)
            for v, k in zip(lin.vars, lin.coeffs, strict=True):
                row.SetCoefficient(xs[v], row.GetCoefficient(xs[v]) + float(k))
        elif c.has_lin_max():
            target = c.lin_max.target
            t = sum(float(k) * xs[v] for v, k in zip(target.vars, target.coeffs, strict=True))
            t = t + float(target.offset)
            parts = []
            for e in c.lin_max.exprs:
                expr = sum(float(k) * xs[v] for v, k in zip(e.vars, e.coeffs, strict=True))
                parts.append(expr + float(e.offset))
                lp.Add(t >= parts[-1])
            # max of 0/1 literals is at most their sum.
            if all(
                len(e.vars) == 1 and e.coeffs[0] == 1 and e.offset == 0 and _boolean(proto, e.vars[0])
                for e in c.lin_max.exprs
            ):
                lp.Add(t <= sum(parts))
        elif c.has_bool_or():
            lp.Add(sum(lit(i) for i in c.bool_or.literals) >= 1)
        elif c.has_at_most_one():
            lp.Add(sum(lit(i) for i in c.at_most_one.literals) <= 1)
        elif c.has_exactly_one():
            lp.Add(sum(lit(i) for i in c.exactly_one.literals) == 1)
    obj = proto.objective
    lp.Minimize(sum(float(k) * xs[v] for v, k in zip(obj.vars, obj.coeffs, strict=True)))
    lp.SetTimeLimit(max(1, int(limit * 1000)))
    status = lp.Solve()
    if status != pywraplp.Solver.OPTIMAL:
        log.info("relaxation not solved (status %s)", status)
        return None
    log.info("relaxation %.1f", lp.Objective().Value() + obj.offset)
    return [x.solution_value() for x in xs]


def _boolean(proto: object, index: int) -> bool:
    domain = proto.variables[index].domain  # type: ignore[attr-defined]
    return domain[0] >= 0 and _last(domain) <= 1


def _last(values: object) -> int:
    # The protobuf lists of OR-Tools 9.15 do not take negative indices (-1 reads item 0).
    return values[len(values) - 1]  # type: ignore[index, arg-type]
