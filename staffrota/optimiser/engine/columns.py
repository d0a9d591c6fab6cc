"""Column generation: rosters put together from whole schedules of one person each.

Where every hard rule belongs to one person (the benchmark, or any problem scored by
penalties alone), a roster is one schedule per person, and any choice of per-person
schedules that each keep that person's rules is a roster that keeps every rule. The
master problem chooses one schedule (a *column*) per person so that the cover penalty plus
the wishes broken is least. Its linear relaxation is far stronger than the cell model's
(on these instances it is close to the best known value), and its dual prices say what a
shift on a day is worth: a person's best schedule under those prices (*pricing*: a walk
over the days, ``pricing.Walk``, or where it cannot count a rule a small CP-SAT model of
that person's rules alone) is the column to add next.

The search uses it beside the neighbourhoods: every roster the search finds gives its
rows as columns, and an integer solve over all columns so far recombines schedules of
different rosters and of the relaxation, which no neighbourhood of a few people or days
can do. Once the relaxation settles, this thread rounds it to a roster (fixing people to
the schedules it leans on) and improves that roster with neighbourhoods of its own, beside
the neighbourhoods of the search's best: a second start, in the basin the relaxation
points to, where the search's best has often stalled in another. The relaxation's
value plus each person's most negative reduced cost is a lower bound of the whole
problem, which can prove a roster optimal.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from . import polish, pricing
from .cpmodel import RotaModel
from .model import Problem, Roster

if TYPE_CHECKING:
    from .solver import Search

log = logging.getLogger(__name__)

#: Dual prices are rounded to this many parts of a point for the integer pricing models
#: (the bound allows for the rounding, at most half a part per cell).
PRICE_SCALE = 100_000
#: Schedules one walk of pricing returns: the cheapest, and the cheapest of as many other
#: lengths.
WALK_SCHEDULES = 5
#: Longest one person's pricing solve may take (seconds).
PRICING_LIMIT = 0.5
#: Longest one integer solve over the columns may take (seconds).
MASTER_LIMIT = 3.0
#: ...and while the relaxation is still settling (every fifth round), when the dives
#: after it need the time more.
ROUND_MASTER_LIMIT = 1.0

#: Rounds the relaxation is given to settle (it took 20-28 on instances 4-8; the pace
#: counts the integer solves of every fifth round too). Where that many rounds at the pace
#: so far cannot end before ``until``, the thread goes back to the neighbourhoods: on a
#: slow 2-core machine, priced by CP-SAT, instances 4-7 kept it, 9 had it for about 8 s,
#: 8 and 12 for a round or two; priced by the walk, 8 and 12 keep it. (Counting pricing
#: alone, and keeping the other worker's neighbourhood sizes when it stops, measured worse
#: on instance 12 in two runs: 4305 and 4409.)
ROUNDS = 25
#: The relaxation counts as settled once its value is within this share of the bound.
SETTLED = 0.005
#: Past this many people, a round prices them a few at a time (PARTIAL a step), solving the
#: relaxation again between steps, so that later people are priced against prices that
#: already count the earlier ones' new schedules. On instance 12 (60 people), priced by
#: CP-SAT, the relaxation settled in 960 pricing solves, 22 s, at ten a step against 1,740
#: and 32 s a whole round at a time. Priced by the walk (5-7 ms a person), the LP solves
#: between steps cost more than the pricing: offline, twenty a step reached 4041 in 17.5 s
#: (and 4040, proved, in 19 s), ten a step 4041 in 21.8 s, a whole round 4049 in 15.9 s.
#: Such a round gives no bound (its people are priced against different prices), so it
#: counts as settled once it moves the relaxation less than SETTLED_MOVE of its value
#: (12: 0.1 % a round at 4044, where the relaxation ends at 4040).
PARTIAL_FROM = 20
PARTIAL = 20
SETTLED_MOVE = 0.001
#: ...and once it is at least this share below the best roster.
LEFT_ROSTERS = 0.01
#: Rounds the relaxation takes to settle when priced PARTIAL people a step (12: 19-22 in a
#: solve).
PARTIAL_ROUNDS = 20
#: Pricing rounds after each fixing of a dive, at most.
DIVE_ROUNDS = 3
#: Noise added to the relaxation's shares when a dive picks whom to fix next.
DIVE_NOISE = 0.05

#: Once the relaxation settles: round it to a roster and improve that one with
#: neighbourhoods of its own (instead of dives), until this share of the time. On instance
#: 8, 60 s, seeds 0-5: 1312, 1314, 1307, 1317, 1309, 1311 (best known 1300) against 1313,
#: 1346, 1331, 1336, 1432, 1337 with dives; the rounded rosters start at 1807-2019.
#: On instance 12 the rounding starts far worse (7,800-9,100 against the search's
#: 4,740-4,820), yet the restart is what the search needs: seeds 0-5 gave 4129, 4070,
#: 4212, 4075, 4064, 4076 (best known 4040) against 4103-4213 in seven runs where the
#: thread handed its core back to the neighbourhoods instead (session 19).
RESTART = True
RESTART_SHARE = 0.85
#: Before the restart, a dive where one is expected to take at most this share of the
#: time left.
DIVE_SHARE = 0.25
#: Roundings tried for a restart (the best is kept).
ROUNDINGS = 5
#: Seconds a restart searches between two rounds of pricing.
RESTART_SLICE = 5.0

Row = tuple[str | None, ...]


def applicable(problem: Problem) -> bool:
    """Whether every hard rule is one person's and the cost is penalties alone, so that any
    mix of valid schedules is a valid roster whose cost the master problem states exactly
    (the polish's test of penalties alone, with no hard cover and no weekly rest)."""
    return (
        polish.applicable(problem)
        and problem.weekly_rest is None
        and not any(c.hard for c in problem.covers)
    )


class _PersonModel(RotaModel):
    """One person's schedule under their own rules; the cover is priced, not modelled."""

    def _build_cover(self) -> None:
        pass

    def _build_fairness(self) -> None:
        pass

    def _build_pay(self) -> None:
        pass


class Pricer:
    """The pricing of one person, built once; each round only sets its values. The walk
    over the days (``pricing.Walk``) prices where it counts every rule of the person, a
    sixth of CP-SAT's time on instance 12; elsewhere (or with ``walk=False``, as the tests
    compare the two) a CP-SAT model of the person does."""

    def __init__(self, problem: Problem, p: int, context: Roster, walk: bool = True) -> None:
        self.p = p
        self.walk = pricing.Walk(problem, p)
        self.rota: _PersonModel | None = None
        self.cells: list[tuple[int, str, cp_model.IntVar]] = []
        if not (walk and self.walk.applicable):
            self.rota = _PersonModel(problem, context=context, free={p: (0, problem.days)})
            self.cells = [
                (d, s, lit) for (_, d), lits in self.rota.x.items() for s, lit in lits.items()
            ]
        #: Whether the last ``best`` was solved to optimality, and its proven bound.
        self.optimal = False
        self.bound = -math.inf

    @property
    def slack(self) -> float:
        """How far the rounding of the values to whole parts may move the optimum (CP-SAT
        only: the walk adds the values as they are)."""
        return 0.5 * len(self.cells) / PRICE_SCALE

    def best(
        self, wish: dict[tuple[int, str], float], price: dict[tuple[int, str], float], limit: float
    ) -> list[tuple[Row, float]]:
        """Schedules of this person found while minimising wishes broken minus prices
        earned, each with that value (wishes' constant left out); the last is the best,
        and it is optimal when ``self.optimal``."""
        if self.rota is None:
            found = self.walk.best(self.walk.costs(wish, price), many=WALK_SCHEDULES)
            # Where no schedule keeps the person's rules there is nothing to add, no bound.
            self.optimal = bool(found)
            self.bound = found[-1][1] if found else -math.inf
            return found
        model = self.rota.model
        terms = []
        for d, s, lit in self.cells:
            coef = round(PRICE_SCALE * (wish.get((d, s), 0.0) - price.get((d, s), 0.0)))
            if coef:
                terms.append(coef * lit)
        model.clear_objective()
        model.minimize(sum(terms))
        solver = cp_model.CpSolver()
        prm = solver.parameters
        prm.max_time_in_seconds = max(0.01, limit)
        prm.num_workers = 1
        prm.linearization_level = 2
        prm.symmetry_level = 0
        prm.cp_model_probing_level = 0
        found: list[tuple[Row, float]] = []
        collector = _Collect(self, found)
        status = solver.solve(model, collector)
        self.optimal = status == cp_model.OPTIMAL
        self.bound = solver.best_objective_bound / PRICE_SCALE
        return found

    def row(self, value: object) -> Row:
        days = self.walk.days
        row: list[str | None] = [None] * days
        for d, s, lit in self.cells:
            if value(lit):  # type: ignore[operator]
                row[d] = s
        return tuple(row)


class _Collect(cp_model.CpSolverSolutionCallback):
    def __init__(self, pricer: Pricer, found: list[tuple[Row, float]]) -> None:
        super().__init__()
        self.pricer = pricer
        self.found = found

    def on_solution_callback(self) -> None:
        self.found.append((self.pricer.row(self.boolean_value), self.objective_value / PRICE_SCALE))


class Master:
    """The restricted master problem: the columns so far, as a linear program (GLOP) for
    prices and bounds, and as an integer program (CP-SAT) for rosters."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.staff = [s.id for s in problem.staff]
        # Wishes as a constant per person plus a value per (day, shift) worked.
        self.wish_const = [0.0] * len(self.staff)
        self.wish: list[dict[tuple[int, str], float]] = [defaultdict(float) for _ in self.staff]
        index = {sid: i for i, sid in enumerate(self.staff)}
        shift_ids = [s.id for s in problem.shift_types]
        for r in problem.requests:
            p = index[r.staff]
            if r.on:
                self.wish_const[p] += r.weight
                self.wish[p][(r.day, r.shift)] -= r.weight  # type: ignore[index]
            else:
                for s in [r.shift] if r.shift is not None else shift_ids:
                    self.wish[p][(r.day, s)] += r.weight
        self.columns: list[list[Row]] = [[] for _ in self.staff]
        self.seen: list[set[Row]] = [set() for _ in self.staff]
        #: The relaxation's variable of each column, and the people a dive has fixed to one.
        self.vars: list[list[pywraplp.Variable]] = [[] for _ in self.staff]
        self.fixed: dict[int, int] = {}
        self.lines = list(problem.covers)
        self.lp = pywraplp.Solver.CreateSolver("GLOP")
        inf = self.lp.infinity()
        self.one = [self.lp.Constraint(1, 1, f"one[{sid}]") for sid in self.staff]
        self.cover_rows = []
        objective = self.lp.Objective()
        #: (day, shift) -> indices of the cover lines that count it.
        self.lines_of: dict[tuple[int, str], list[int]] = defaultdict(list)
        for i, c in enumerate(self.lines):
            self.lines_of[(c.day, c.shift)].append(i)
            row = self.lp.Constraint(c.preferred, c.preferred, f"cover[{i}]")
            under = self.lp.NumVar(0, inf, f"under[{i}]")
            over = self.lp.NumVar(0, inf, f"over[{i}]")
            row.SetCoefficient(under, 1)
            row.SetCoefficient(over, -1)
            objective.SetCoefficient(under, c.under_weight)
            objective.SetCoefficient(over, c.over_weight)
            short_row = None
            if c.minimum:
                short_row = self.lp.Constraint(c.minimum, inf, f"minimum[{i}]")
                short = self.lp.NumVar(0, inf, f"short[{i}]")
                short_row.SetCoefficient(short, 1)
                objective.SetCoefficient(short, c.shortfall_weight)
            self.cover_rows.append((row, short_row))
        objective.SetMinimization()
        self.lp_value = math.inf

    def cost(self, p: int, row: Row) -> float:
        """The wishes of person p this schedule breaks (points)."""
        wish = self.wish[p]
        return self.wish_const[p] + sum(wish.get((d, s), 0.0) for d, s in enumerate(row) if s)

    def add(self, p: int, row: Row) -> bool:
        """Add a schedule of person p unless it is there already."""
        if row in self.seen[p]:
            return False
        self.seen[p].add(row)
        self.columns[p].append(row)
        top = 0 if p in self.fixed else self.lp.infinity()
        var = self.lp.NumVar(0, top, f"col[{p},{len(self.columns[p])}]")
        self.vars[p].append(var)
        self.lp.Objective().SetCoefficient(var, self.cost(p, row))
        self.one[p].SetCoefficient(var, 1)
        for d, s in enumerate(row):
            if s is None:
                continue
            for i in self.lines_of.get((d, s), ()):
                row_ct, short_ct = self.cover_rows[i]
                row_ct.SetCoefficient(var, 1)
                if short_ct is not None:
                    short_ct.SetCoefficient(var, 1)
        return True

    def add_roster(self, roster: Roster) -> int:
        """Every row of a roster as a column; how many were new."""
        return sum(self.add(p, tuple(roster.shifts[sid])) for p, sid in enumerate(self.staff))

    def fix(self, p: int, k: int) -> None:
        """Hold person p to their column k in the relaxation (a dive's step)."""
        self.fixed[p] = k
        for j, var in enumerate(self.vars[p]):
            var.SetUb(1 if j == k else 0)

    def unfix(self) -> None:
        """Free every person a dive fixed."""
        inf = self.lp.infinity()
        for p in self.fixed:
            for var in self.vars[p]:
                var.SetUb(inf)
        self.fixed.clear()

    def shares(self, p: int) -> list[tuple[float, int]]:
        """The relaxation's (share, column) of person p's schedules it uses, largest first."""
        used = [(var.solution_value(), k) for k, var in enumerate(self.vars[p])]
        return sorted(((v, k) for v, k in used if v > 1e-6), reverse=True)

    def solve_lp(self) -> tuple[list[float], dict[tuple[int, str], float]] | None:
        """Solve the relaxation: (price of each person's one schedule, price of a shift)."""
        if self.lp.Solve() != pywraplp.Solver.OPTIMAL:
            return None
        self.lp_value = self.lp.Objective().Value()
        price: dict[tuple[int, str], float] = defaultdict(float)
        for i, c in enumerate(self.lines):
            row_ct, short_ct = self.cover_rows[i]
            price[(c.day, c.shift)] += row_ct.dual_value()
            if short_ct is not None:
                price[(c.day, c.shift)] += short_ct.dual_value()
        return [ct.dual_value() for ct in self.one], price

    def solve_integer(
        self, limit: float, seed: int, hint: Roster | None = None
    ) -> tuple[Roster, int] | None:
        """The best roster made of the columns so far, within ``limit`` seconds. (Only the
        columns the relaxation uses, as branch-and-price heuristics often take, proved
        useless here: they hold little more than the hint, which then comes back optimal.)"""
        m = cp_model.CpModel()
        columns = self.columns
        pick = [
            [m.new_bool_var(f"c[{p},{k}]") for k in range(len(cols))]
            for p, cols in enumerate(columns)
        ]
        terms: list[cp_model.LinearExprT] = []
        count: dict[tuple[int, str], list[cp_model.IntVar]] = defaultdict(list)
        for p, cols in enumerate(columns):
            m.add_exactly_one(pick[p])
            for k, row in enumerate(cols):
                c = round(self.cost(p, row))
                if c:
                    terms.append(c * pick[p][k])
                for d, s in enumerate(row):
                    if s is not None:
                        count[(d, s)].append(pick[p][k])
        for i, c in enumerate(self.lines):
            n = sum(count.get((c.day, c.shift), []))
            if c.under_weight or c.over_weight:
                under = m.new_int_var(0, max(0, c.preferred), f"under[{i}]")
                over = m.new_int_var(0, len(self.staff), f"over[{i}]")
                m.add(n + under - over == c.preferred)
                terms += [c.under_weight * under, c.over_weight * over]
            if c.minimum:
                short = m.new_int_var(0, c.minimum, f"short[{i}]")
                m.add(n + short >= c.minimum)
                terms.append(c.shortfall_weight * short)
        m.minimize(sum(terms))
        if hint is not None:
            for p, sid in enumerate(self.staff):
                row = tuple(hint.shifts[sid])
                for k, col in enumerate(columns[p]):
                    m.add_hint(pick[p][k], col == row)
        solver = cp_model.CpSolver()
        prm = solver.parameters
        prm.max_time_in_seconds = max(0.01, limit)
        prm.num_workers = 1
        prm.random_seed = seed
        prm.linearization_level = 2
        status = solver.solve(m)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        shifts = {}
        for p, sid in enumerate(self.staff):
            k = next(k for k, v in enumerate(pick[p]) if solver.boolean_value(v))
            shifts[sid] = list(columns[p][k])
        return Roster(shifts=shifts), round(solver.objective_value)


def run(search: Search, seed: int, until: float) -> None:
    """Generate columns, dive from the relaxation once it settles, and recombine the
    columns into rosters until ``until`` (or the deadline, a cancel, a proven optimum);
    every better roster is offered to the search."""
    problem = search.problem
    roster, _ = search.snapshot()
    if roster is None:
        return
    rng = random.Random(seed)
    master = Master(problem)
    pricers = [Pricer(problem, p, roster) for p in range(len(problem.staff))]
    rounds = 0
    settled = False
    began = time.monotonic()
    restart: _Restart | None = None
    stop_at = until
    partial = len(pricers) > PARTIAL_FROM
    step = PARTIAL if partial else len(pricers)

    def left() -> float:
        return min(stop_at, search.deadline) - time.monotonic()

    while left() > 0.1 and not search.cancelled() and not search.proven():
        best, _ = search.snapshot()
        if best is not None:
            master.add_roster(best)
        before = master.lp_value
        order = list(range(len(pricers)))
        rng.shuffle(order)
        pricing = time.monotonic()
        priced = _round_of_pricing(master, pricers, order, step, left)
        if priced is None:
            log.info("columns: the relaxation did not solve; stopping")
            return
        added, gap = priced
        rounds += 1
        per_person = (time.monotonic() - pricing) / max(1, len(order))
        exact = gap is not None
        bound = master.lp_value + (gap or 0.0)
        if exact:
            search.raise_bound(bound * search.scale)
        log.debug(
            "columns round %d: lp %.2f bound %s added %d columns %d",
            rounds,
            master.lp_value,
            f"{bound:.2f}" if exact else "-",
            added,
            sum(len(c) for c in master.columns),
        )
        # Settled: the relaxation is within SETTLED of its bound, and later rounds move it
        # by a point or less (instance 7: 1055.25 at round 20, 1054.08 at round 30). From
        # then on each round (which may still raise the bound: instance 4 is proved so)
        # is followed by a slice of the restart (or, without one, a dive and an integer
        # solve).
        # (A round cut short by the time limit adds nothing without having settled.)
        settled = (
            settled
            or (added == 0 and left() > 0.1)
            or (exact and master.lp_value - bound <= SETTLED * abs(master.lp_value))
            or (partial and _stalled(master, before, search))
        )
        if settled and restart is None and RESTART:
            log.debug(
                "columns: settled at %.2f after %.1f s, best roster %s",
                master.lp_value,
                time.monotonic() - search.started,
                search.snapshot()[1],
            )
            stop_at = max(
                until, search.started + RESTART_SHARE * (search.deadline - search.started)
            )
            # A dive first where it is quick (it prices about n**2 / 2 people, up to
            # DIVE_ROUNDS times; instance 9 took 10-20 s where once would be 5 s): on
            # instance 5 it finds 1148 in 3 s (best known 1143) where a restart needs
            # more than the time left; on 8 it would take half the restart's time.
            n = len(pricers)
            if DIVE_ROUNDS * per_person * n * n / 2 <= DIVE_SHARE * left():
                _dive(search, master, pricers, rng, left, priced=added == 0)
                _recombine(search, master, rng, left, MASTER_LIMIT)
            restart = _Restart(search, master, rng, seed, stop_at)
        if restart is not None and restart.ready:
            # The next round of pricing may still raise the bound (instance 4 is proved so).
            restart.run(time.monotonic() + RESTART_SLICE)
            continue
        if settled:
            _dive(search, master, pricers, rng, left, priced=added == 0)
            _recombine(search, master, rng, left, MASTER_LIMIT)
            continue
        # The relaxation settles after about ROUNDS whole rounds (20-25 on instance 5), or
        # PARTIAL_ROUNDS priced a few a step (12: 19-22; 8: 20-22): when they cannot fit
        # before ``until``, the thread serves the neighbourhoods better. (On 12 that limit
        # is about 1.5 s a round; priced by CP-SAT a slow machine took 2.0-3.2 s and ended
        # the thread early, priced by the walk 0.6-1.5 s.)
        pace = (time.monotonic() - began) / rounds
        if pace * (PARTIAL_ROUNDS if partial else ROUNDS) > until - began:
            log.info("columns: %.2f s a round, too slow to settle; stopping", pace)
            return
        # Past PARTIAL_FROM people, an integer solve of a second over columns not yet
        # settled never beat the best roster (traced runs: 8, 6 solves; 12, 15 solves, no
        # roster at all): that second goes to pricing instead, which must settle in time.
        # The settled columns still get their integer solve, after a dive.
        if rounds % 5 == 0 and not partial:
            _recombine(search, master, rng, left, ROUND_MASTER_LIMIT)
    if restart is not None:
        restart.report()
    log.info(
        "columns: %d rounds, %s, %d columns",
        rounds,
        "settled" if settled else "not settled",
        sum(len(c) for c in master.columns),
    )


def _stalled(master: Master, before: float, search: Search) -> bool:
    """Whether a round priced a few people at a time moved the relaxation less than
    SETTLED_MOVE of its value, once it is clear of the rosters it began from. (At first
    it can stand still for a round or two at the value of those rosters while the columns
    that lower it gather: instance 12 stood at 5293 for two rounds.)"""
    _, best = search.snapshot()
    clear = best is not None and master.lp_value * search.scale < (1 - LEFT_ROSTERS) * best
    return clear and before - master.lp_value <= SETTLED_MOVE * abs(before)


def _round_of_pricing(
    master: Master,
    pricers: list[Pricer],
    order: list[int],
    step: int,
    left: Callable[[], float],
) -> tuple[int, float | None] | None:
    """Price everyone in ``order``, ``step`` people at a time, solving the relaxation
    before each step: how many columns were added, and the bound's gap where every person
    was priced against the same prices (one step, or steps that added nothing); None if
    the relaxation did not solve."""
    added = 0
    gap: float | None = 0.0
    for i in range(0, len(order), step):
        duals = master.solve_lp()
        if duals is None:
            return None
        more, part = _price(master, pricers, duals, order[i : i + step], left)
        # (Once a step has added columns, the prices of the next are not those of this one.)
        gap = None if gap is None or part is None or added else gap + part
        added += more
        if left() <= 0.1:
            return added, None
    if step < len(order) and added:
        # The relaxation as this round leaves it, to measure how far the round moved it.
        if master.solve_lp() is None:
            return None
        gap = None
    return added, gap


def _price(
    master: Master,
    pricers: list[Pricer],
    duals: tuple[list[float], dict[tuple[int, str], float]],
    people: list[int],
    left: Callable[[], float],
) -> tuple[int, float | None]:
    """One round of pricing for ``people``: how many columns it added, and the sum of
    their least reduced costs less the rounding (None if any pricing was cut short)."""
    mu, price = duals
    added = 0
    gap: float | None = 0.0
    for p in people:
        if left() <= 0.1:
            return added, None
        pricer = pricers[p]
        found = pricer.best(master.wish[p], price, min(PRICING_LIMIT, left()))
        const = master.wish_const[p] - mu[p]
        if not pricer.optimal:
            gap = None
        elif gap is not None:
            slack = pricer.slack + 1e-6
            gap += min(0.0, pricer.bound + const) - slack
        for row, value in found:
            if value + const < -1e-6:
                added += master.add(p, row)
    return added, gap


def _dive(
    search: Search,
    master: Master,
    pricers: list[Pricer],
    rng: random.Random,
    left: Callable[[], float],
    priced: bool = False,
) -> None:
    """Diving, a branch-and-price heuristic: hold every person whose schedule the
    relaxation has chosen whole to it, and the one it leans on most, price the others
    again, and go on until each person has one schedule; that roster is offered. A dive is
    left once the relaxation with its fixings costs no less than the best roster.

    Where the relaxation is nearly tight the integer solve over the columns can still miss:
    on instance 6 it settles at 1949 (best known 1950), yet every integer solve over its
    795 columns stayed a shift of cover short (2044), as the schedules the relaxation
    mixes do not combine whole. Pricing again after each fixing finds the ones that do.

    The dive keeps to the time ``left``: where the steps so far say that fixing one person
    a step cannot end in time, each step fixes as many as it must, and once a round of
    pricing no longer fits, the rest is fixed from the relaxation alone (an LP solve, a
    hundredth of a second) in ten steps or so. On instance 8 a dive that began at 22 s
    was still pricing when the column phase ended 14 s later, and gave nothing.

    ``priced``: the round just before priced everyone against the relaxation as it stands
    and found nothing to add, so the first step fixes at once instead of pricing again.
    """
    n = len(master.staff)
    steps = priced_steps = 0
    began = time.monotonic()
    # Seconds spent pricing, and the free people each step priced, summed over the steps:
    # their ratio is what one free person costs a step.
    pricing = 0.0
    priced_people = 0
    try:
        while len(master.fixed) < n:
            if search.cancelled() or search.remaining() <= 0.1:
                return
            free = [p for p in range(n) if p not in master.fixed]
            per_person = pricing / priced_people if priced_people else 0.0
            # A round of pricing fits when the time left holds one at the pace so far.
            price_now = not priced and left() > 0.1 + per_person * len(free)
            started = time.monotonic()
            for _ in range(DIVE_ROUNDS):
                duals = master.solve_lp()
                if duals is None:
                    return
                if not price_now:
                    break
                added, _ = _price(master, pricers, duals, free, left)
                if not added:
                    break
            else:
                if master.solve_lp() is None:
                    return
            if price_now:
                pricing += time.monotonic() - started
                priced_people += len(free)
                priced_steps += 1
            _, best = search.snapshot()
            if best is not None and master.lp_value * search.scale >= best:
                # The fixings cost more than the best roster already does: give up on it.
                log.debug("columns: dive left at %.0f after %d steps", master.lp_value, steps)
                return
            # (A first step after a round that priced everyone has time to price later.)
            k = _fix_per_step(per_person, len(free), left(), can_price=price_now or priced)
            _fix_leaning(master, free, rng, k)
            steps += 1
            priced = False
        shifts = {
            sid: list(master.columns[p][master.fixed[p]]) for p, sid in enumerate(master.staff)
        }
    finally:
        master.unfix()
    roster = Roster(shifts=shifts)
    check = search.score(roster)
    log.debug(
        "columns: dive %.0f in %d steps (%d priced), %.1f s (best %s)",
        check.total,
        steps,
        priced_steps,
        time.monotonic() - began,
        search.snapshot()[1],
    )
    if check.feasible:
        search.offer(roster, round(check.total * search.scale), "columns-dive")


def _fix_leaning(master: Master, free: list[int], rng: random.Random, k: int) -> None:
    """A step of a dive or a rounding, from the relaxation just solved: fix every free
    person to whom it gives one schedule whole, and the ``k`` it leans on most to the
    schedule it leans on (ties between nearly equal shares broken at random, so dives
    differ)."""
    shares = {p: master.shares(p) for p in free}
    whole = {p for p in free if shares[p] and shares[p][0][0] > 1 - 1e-6}
    leaning = [p for p in free if shares[p] and p not in whole]
    leaning.sort(key=lambda q: shares[q][0][0] + DIVE_NOISE * rng.random(), reverse=True)
    for p in whole.union(leaning[:k]):
        master.fix(p, shares[p][0][1])


def _fix_per_step(per_person: float, free: int, left: float, can_price: bool) -> int:
    """How many leaning people a dive's step fixes: one, unless pricing the rest one
    person a step (each step prices those still free: about per_person * free**2 / 2
    seconds in all) would not end in the time left; then as many as make it fit. Out of
    time to price, a step is one LP solve, and ten of them end the dive."""
    if not can_price:
        return max(1, free // 10)
    need = per_person * free * free / 2
    return max(1, math.ceil(need / max(left, 0.1)))


def _recombine(
    search: Search,
    master: Master,
    rng: random.Random,
    left: Callable[[], float],
    limit: float,
) -> None:
    """The integer solve over every column and the best roster's rows; offers its roster."""
    best, _ = search.snapshot()
    if best is not None:
        master.add_roster(best)
    found = master.solve_integer(min(limit, left()), rng.randrange(1 << 30), hint=best)
    if found is None:
        log.debug("columns: integer solve found nothing")
        return
    roster, value = found
    log.debug("columns: integer solve %d (best %s)", value, search.snapshot()[1])
    check = search.score(roster)
    if check.feasible:
        search.offer(roster, round(check.total * search.scale), "columns")


def _round(master: Master, rng: random.Random) -> Roster:
    """A roster the relaxation nearly holds: fix people to the schedules it leans on, a
    tenth of them a step, with no pricing (a few LP solves)."""
    n = len(master.staff)
    try:
        while len(master.fixed) < n:
            if master.solve_lp() is None:
                break
            free = [p for p in range(n) if p not in master.fixed]
            _fix_leaning(master, free, rng, max(1, len(free) // 10))
        shifts = {
            sid: list(master.columns[p][master.fixed.get(p, 0)])
            for p, sid in enumerate(master.staff)
        }
    finally:
        master.unfix()
    return Roster(shifts=shifts)


class _Restart:
    """A roster rounded from the settled relaxation, improved by neighbourhoods of its own
    on this thread, in slices between rounds of pricing; every roster better than the
    search's best is offered to it."""

    def __init__(
        self, search: Search, master: Master, rng: random.Random, seed: int, until: float
    ) -> None:
        from .solver import Search as _Search

        self.seed = seed
        self.until = until
        began = time.monotonic()
        # Roundings differ by the noise in whom they fix first and cost a few LP solves
        # each: start from the best of a few, within a tenth of the time.
        roster, value = None, math.inf
        for _ in range(ROUNDINGS):
            candidate = _round(master, rng)
            check = search.score(candidate)
            if check.feasible and check.total < value:
                roster, value = candidate, check.total
            if time.monotonic() - began > 0.1 * (until - began):
                break
        self.child = _Search(
            search.problem,
            search.scale,
            min(until, search.deadline),
            search.started,
            None,
            _Stop(search),
            end=search.end,
            parent=search,
        )
        self.ready = roster is not None and self.child.adopt(roster)
        self.start_value = self.child.best.objective
        self.slices = 0

    def run(self, until: float) -> None:
        """Search the restart's neighbourhoods until ``until``."""
        from . import lns

        self.slices += 1
        lns.run(self.child, 1, self.seed * 7919 + self.slices, min(until, self.until))

    def report(self) -> None:
        scale = self.child.scale
        log.info(
            "columns: restart from %s at %s after %d slices",
            (self.start_value or 0) / scale,
            (self.child.best.objective or 0) / scale,
            self.slices,
        )


class _Stop:
    """A restart's cancel: the caller's, or the search proved optimal."""

    def __init__(self, search: Search) -> None:
        self.search = search

    def is_set(self) -> bool:
        return self.search.cancelled() or self.search.proven()
