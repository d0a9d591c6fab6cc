"""Builds the CP-SAT model of a rota problem, whole or as a neighbourhood of a roster.

One Boolean ``x[p, d, s]`` per person, day and shift the person may work; everything else is
derived from it. Sequence rules are written as the tightest small linear inequalities we
know (sliding windows and "a run that starts here must go on" implications), because the
linear relaxation of this problem is strong and CP-SAT's LP workers profit from it.

Given a roster (``context``) and a run of days, or a set of days, per person (``free``),
the same builder makes the model of a neighbourhood: only the free cells get variables;
every other cell is the roster's constant. A rule enters only if it touches a free cell
(all others are already kept by the roster), so the model is small even on a year of 150
people, and its objective differs from the full objective by a constant.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from .model import Cover, Problem, Roster, Staff
from .weekly import add_weekly_rest

#: Money is in pence per hour, so minutes * hourly rate is 60 times pence; penalties are then
#: scaled by the same factor to keep the objective integral.
MONEY_SCALE = 60


@dataclass
class Assumptions:
    """Literals that switch groups of hard requirements on; used to explain infeasibility."""

    literals: list[cp_model.IntVar] = field(default_factory=list)
    meaning: dict[int, str] = field(default_factory=dict)

    def new(self, model: cp_model.CpModel, text: str) -> cp_model.IntVar:
        """A fresh literal standing for the requirement described by ``text``."""
        lit = model.new_bool_var(f"assume[{len(self.literals)}]")
        self.literals.append(lit)
        self.meaning[lit.index] = text
        return lit


class RotaModel:
    """The CP-SAT model of a Problem plus the maps back to people, days and shifts.

    Without ``free`` it is the whole problem. With ``free`` (person index -> (first day,
    end day), or a frozenset of days) and a complete ``context`` roster it is the
    neighbourhood of that roster in which only those cells may change; ``apply`` turns its
    solution into a full roster.
    """

    def __init__(
        self,
        problem: Problem,
        explain: bool = False,
        context: Roster | None = None,
        free: Mapping[int, tuple[int, int] | frozenset[int]] | None = None,
    ) -> None:
        self.problem = problem
        self.model = cp_model.CpModel()
        self.shifts = {s.id: s for s in problem.shift_types}
        self.money = any(p.pay.hourly for p in problem.staff) or bool(
            problem.agency and problem.agency.hourly
        )
        self.scale = MONEY_SCALE if self.money else 1
        self.assumptions = Assumptions() if explain else None
        h = problem.days
        #: person index -> the free days of a person whose free days are not one run.
        self.scattered: dict[int, frozenset[int]] = {}
        if free is None:
            self.span = {p: (0, h) for p in range(len(problem.staff))}
        else:
            if context is None:
                raise ValueError("a neighbourhood needs the roster it is a neighbourhood of")
            self.span = {}
            for p, cells in free.items():
                if isinstance(cells, frozenset):
                    days = frozenset(d for d in cells if 0 <= d < h)
                    if days:
                        # Scattered days (weekends, one weekday across weeks): the rules
                        # walk the run from the first to the last, and skip the days
                        # between that are not free.
                        self.span[p] = (min(days), max(days) + 1)
                        self.scattered[p] = days
                    continue
                a, b = cells
                if max(0, a) < min(h, b):
                    self.span[p] = (max(0, a), min(h, b))
        self.partial = free is not None
        self.context = context
        self._index = {person.id: i for i, person in enumerate(problem.staff)}
        self._rows: list[list[str | None]] = (
            [context.shifts[person.id] for person in problem.staff] if context else []
        )
        #: (person index, day) -> {shift id: literal}
        self.x: dict[tuple[int, int], dict[str, cp_model.IntVar]] = {}
        #: (person index, day) -> "works that day" literal, only where the person may work.
        self.work: dict[tuple[int, int], cp_model.IntVar] = {}
        #: (person index, day, shift) -> {role: literal} where a person chooses among roles.
        self.role_vars: dict[tuple[int, int, str], dict[str, cp_model.IntVar]] = {}
        self.agency: dict[tuple[int, str, str | None], cp_model.IntVar] = {}
        #: person index -> "works that weekend" literals or constants, one per weekend.
        self.weekend_vars: dict[int, list[cp_model.LinearExprT]] = {}
        self.objective_terms: list[tuple[cp_model.LinearExprT, int]] = []
        self.objective_offset = 0
        self._roles_needed = self._cover_roles()
        self._build()

    # ----------------------------------------------------------------- cells
    def is_free(self, p: int, d: int) -> bool:
        """Whether cell (p, d) has variables in this model (may change)."""
        span = self.span.get(p)
        if span is None or not span[0] <= d < span[1]:
            return False
        days = self.scattered.get(p)
        return days is None or d in days

    def const(self, p: int, d: int) -> str | None:
        """The roster's shift in a cell that is not free."""
        return self._rows[p][d] if self._rows else None

    def w(self, p: int, d: int) -> cp_model.LinearExprT:
        """Works that day: a literal on a free cell, else 0 or 1."""
        if self.is_free(p, d):
            return self.work.get((p, d), 0)
        return int(self.const(p, d) is not None)

    def xs(self, p: int, d: int, s: str) -> cp_model.LinearExprT:
        """Works shift s that day: a literal on a free cell, else 0 or 1."""
        if self.is_free(p, d):
            return self.x.get((p, d), {}).get(s, 0)
        return int(self.const(p, d) == s)

    # ----------------------------------------------------------------- building blocks
    def _cover_roles(self) -> dict[tuple[int, str], set[str]]:
        roles: dict[tuple[int, str], set[str]] = defaultdict(set)
        for c in self.problem.covers:
            if c.role is not None:
                roles[(c.day, c.shift)].add(c.role)
        return roles

    def _enforce(self, text: str) -> list[cp_model.IntVar]:
        """Enforcement literals for a group of hard constraints (none unless explaining)."""
        if self.assumptions is None:
            return []
        return [self.assumptions.new(self.model, text)]

    def _penalise(self, expr: cp_model.LinearExprT, weight: int) -> None:
        if weight:
            self.objective_terms.append((expr, weight))

    def _add(self, expr: object) -> cp_model.Constraint | None:
        """Add a constraint unless it is a plain truth about constants."""
        if isinstance(expr, bool):
            if not expr:
                # A constant that breaks a rule: only possible with a broken context.
                return self.model.add_bool_or([])
            return None
        return self.model.add(expr)  # type: ignore[arg-type]

    def _build(self) -> None:
        for p in sorted(self.span):
            self._build_person(p, self.problem.staff[p])
        self._build_cover()
        self._build_requests()
        self._build_fairness()
        self._build_pay()
        self.model.minimize(
            sum(w * e for e, w in self.objective_terms) + self.objective_offset  # type: ignore[misc]
        )

    def _build_person(self, p: int, person: Staff) -> None:
        m = self.model
        problem = self.problem
        c = person.contract
        h = problem.days
        a, b = self.span[p]
        allowed = [s.id for s in problem.shift_types if problem.can_work(person, s.id)]
        fixed_lits = self._enforce(f"the published shifts of {person.label}")
        for d in range(a, b):
            if not self.is_free(p, d):
                continue
            if d in person.unavailable and d not in person.fixed:
                continue
            options = allowed
            if d in person.fixed:
                # A published shift stays even if the contract says otherwise; the
                # diagnosis reports the conflict instead of silently dropping it.
                options = [person.fixed[d]]
            lits = {s: m.new_bool_var(f"x[{person.id},{d},{s}]") for s in options}
            if not lits:
                continue
            self.x[(p, d)] = lits
            if len(lits) == 1:
                work = next(iter(lits.values()))
            else:
                work = m.new_bool_var(f"w[{person.id},{d}]")
                m.add(sum(lits.values()) == work)
            self.work[(p, d)] = work
            if d in person.fixed:
                m.add(work == 1).only_enforce_if(fixed_lits)

        def w(d: int) -> cp_model.LinearExprT:
            return self.w(p, d)

        # Rest between shifts: a shift and any forbidden successor next day, as one clique.
        for d in range(max(0, a - 1), min(h - 1, b)):
            today = self.x.get((p, d), {})
            tomorrow = self.x.get((p, d + 1), {})
            if not today and not tomorrow:
                continue
            if not self.is_free(p, d):
                before = self.const(p, d)
                if before is not None:
                    for t in self.shifts[before].forbidden_next:
                        if t in tomorrow:
                            m.add(tomorrow[t] == 0)
                continue
            after = None if self.is_free(p, d + 1) else self.const(p, d + 1)
            for s, lit in today.items():
                if after is not None and after in self.shifts[s].forbidden_next:
                    m.add(lit == 0)
                bad = [tomorrow[t] for t in self.shifts[s].forbidden_next if t in tomorrow]
                if bad:
                    m.add(lit + sum(bad) <= 1)
        if person.shift_before is not None and a == 0:
            for t in self.shifts[person.shift_before].forbidden_next:
                if t in self.x.get((p, 0), {}):
                    m.add(self.x[(p, 0)][t] == 0).only_enforce_if(fixed_lits)

        outside = [d for d in range(h) if not self.is_free(p, d)]
        rows = self._rows[p] if self._rows else None
        for s, limit in c.max_shifts.items():
            lits = [self.x[(p, d)][s] for d in range(a, b) if s in self.x.get((p, d), {})]
            used = sum(1 for d in outside if rows[d] == s) if rows else 0
            if len(lits) > limit - used:
                m.add(sum(lits) <= limit - used)

        minutes = self.minutes_expr(p, range(h))
        low, high = c.min_minutes, c.max_minutes
        if high is not None:
            self._add(minutes <= high)
        if low:
            ct = self._add(minutes >= low)
            if ct is not None:
                ct.only_enforce_if(
                    self._enforce(f"the minimum of {low} minutes for {person.label}")
                )
        for win in c.windows:
            days = range(max(0, win.first_day), min(h, win.first_day + win.days))
            if not days or days.stop <= a or days.start >= b:
                continue
            expr = self.minutes_expr(p, days)
            if win.max_minutes is not None:
                self._add(expr <= win.max_minutes)
            if win.min_minutes:
                ct = self._add(expr >= win.min_minutes)
                if ct is not None:
                    ct.only_enforce_if(
                        self._enforce(f"the minimum minutes of {person.label} in days {days}")
                    )

        kmax = c.max_consecutive_shifts
        if kmax is not None:
            for d in range(max(0, a - kmax), min(h - kmax, b)):
                self._add(sum(w(d + j) for j in range(kmax + 1)) <= kmax)
            # (The run before day 0 counts even where the horizon is no longer than kmax.)
            before = min(person.days_worked_before, kmax)
            if before and a <= kmax - before:
                self._add(sum(w(j) for j in range(min(h, kmax - before + 1))) <= kmax - before)

        # A run of work starting on day d >= 1 that ends before the last day must last at
        # least kmin days; runs touching either end are exempt (benchmark rule H7).
        kmin = c.min_consecutive_shifts
        koff = c.min_consecutive_days_off
        for d in range(max(1, a - max(kmin, koff)), min(h, b + 1)):
            near = a <= d <= b  # day d-1 or d is free
            for j in range(1, kmin):
                if d + j <= h - 1 and (near or a <= d + j < b):
                    self._add(w(d) - w(d - 1) <= w(d + j))
            for j in range(1, koff):
                if d + j <= h - 1 and (near or a <= d + j < b):
                    self._add(w(d - 1) - w(d) + w(d + j) <= 1)

        if c.max_weekends is not None or any(g.kind == "weekends" for g in problem.fairness):
            weekend_vars: list[cp_model.LinearExprT] = []
            for wk in problem.weekends():
                if not any(a <= d < b for d in wk):
                    weekend_vars.append(int(any(w(d) for d in wk)))  # type: ignore[arg-type]
                    continue
                if any(not self.is_free(p, d) and self.const(p, d) is not None for d in wk):
                    weekend_vars.append(1)
                    continue
                lits = [self.work[(p, d)] for d in wk if (p, d) in self.work]
                if not lits:
                    weekend_vars.append(0)
                    continue
                if len(lits) == 1:
                    weekend_vars.append(lits[0])
                    continue
                v = m.new_bool_var(f"weekend[{person.id},{wk[0]}]")
                m.add_max_equality(v, lits)
                weekend_vars.append(v)
            self.weekend_vars[p] = weekend_vars
            if c.max_weekends is not None and len(weekend_vars) > c.max_weekends:
                self._add(sum(weekend_vars) <= c.max_weekends)

        add_weekly_rest(self, p)

    def minutes_expr(self, p: int, days: range) -> cp_model.LinearExprT:
        """Minutes person ``p`` works on ``days`` (constants outside the free cells)."""
        total: cp_model.LinearExprT = 0
        fixed = 0
        for d in days:
            if self.is_free(p, d):
                for s, lit in self.x.get((p, d), {}).items():
                    total += self.shifts[s].minutes * lit
            else:
                s = self.const(p, d)
                if s is not None:
                    fixed += self.shifts[s].minutes
        return total + fixed

    def _role_literal(self, p: int, d: int, s: str, role: str) -> cp_model.IntVar | None:
        """Literal for "person p fills role on shift s of day d", or None if they cannot."""
        person = self.problem.staff[p]
        lit = self.x.get((p, d), {}).get(s)
        if lit is None or role not in person.roles:
            return None
        needed = self._roles_needed[(d, s)] & person.roles
        if len(needed) <= 1:
            return lit
        key = (p, d, s)
        if key not in self.role_vars:
            choice = {r: self.model.new_bool_var(f"role[{person.id},{d},{s},{r}]") for r in needed}
            self.model.add(sum(choice.values()) == lit)
            self.role_vars[key] = choice
        return self.role_vars[key][role]

    def _context_role(self, p: int, d: int) -> str | None:
        """The role of a cell that is not free, counted as the evaluator counts it."""
        person = self.problem.staff[p]
        role = self.context.roles.get((person.id, d)) if self.context else None
        if role is None and len(person.roles) == 1:
            role = next(iter(person.roles))
        if role is None and len(person.roles) > 1:
            mine = self._roles_needed.get((d, self.const(p, d)), set()) & person.roles
            if len(mine) == 1:
                role = next(iter(mine))
        return role

    def _build_cover(self) -> None:
        m = self.model
        pool = self.problem.agency
        people = range(len(self.problem.staff))
        touched: set[tuple[int, str]] | None = None
        if self.partial:
            touched = {(d, s) for (_, d), lits in self.x.items() for s in lits}
        for cover in self.problem.covers:
            if touched is not None and (cover.day, cover.shift) not in touched:
                continue
            terms: list[cp_model.LinearExprT] = []
            fixed = 0
            top = 0
            for p in people:
                if self.partial and not self.is_free(p, cover.day):
                    if self.const(p, cover.day) == cover.shift and (
                        cover.role is None or self._context_role(p, cover.day) == cover.role
                    ):
                        fixed += 1
                    continue
                if cover.role is None:
                    lit = self.x.get((p, cover.day), {}).get(cover.shift)
                else:
                    lit = self._role_literal(p, cover.day, cover.shift, cover.role)
                if lit is not None:
                    terms.append(lit)
                    top += 1
            if pool is not None and (pool.roles is None or cover.role in pool.roles):
                cap = pool.max_per_shift
                if cap is None:
                    cap = max(cover.preferred, cover.minimum)
                if cap > 0:
                    key = (cover.day, cover.shift, cover.role)
                    a = m.new_int_var(0, cap, f"agency[{key}]")
                    self.agency[key] = a
                    terms.append(a)
                    top += cap
                    minutes = self.shifts[cover.shift].minutes
                    self._penalise(a, pool.hourly * minutes * self.scale // MONEY_SCALE)
            self._cover_terms(cover, terms, fixed, top + fixed)

    def _cover_terms(
        self, cover: Cover, terms: list[cp_model.LinearExprT], fixed: int, top: int
    ) -> None:
        m = self.model
        n = sum(terms) + fixed
        if cover.under_weight or cover.over_weight:
            under = m.new_int_var(
                0, max(0, cover.preferred - fixed), f"under[{cover.day},{cover.shift}]"
            )
            over = m.new_int_var(
                0, max(0, top - cover.preferred), f"over[{cover.day},{cover.shift}]"
            )
            m.add(n + under - over == cover.preferred)
            self._penalise(under, cover.under_weight * self.scale)
            self._penalise(over, cover.over_weight * self.scale)
        if cover.minimum:
            label = f"{self.problem.day_label(cover.day)} {cover.shift}"
            if cover.role:
                label += f", {cover.role}"
            if cover.hard:
                m.add(n >= cover.minimum).only_enforce_if(
                    self._enforce(f"the minimum cover of {cover.minimum} on {label}")
                )
            else:
                short = m.new_int_var(0, cover.minimum, f"short[{cover.day},{cover.shift}]")
                m.add(n + short >= cover.minimum)
                self._penalise(short, cover.shortfall_weight * self.scale)

    def _build_requests(self) -> None:
        staff_index = {p.id: i for i, p in enumerate(self.problem.staff)}
        for r in self.problem.requests:
            p = staff_index[r.staff]
            if not self.is_free(p, r.day):
                continue
            lits = self.x.get((p, r.day), {})
            if r.on:
                # Unmet unless the requested shift is worked: w * (1 - x).
                self.objective_offset += r.weight * self.scale
                if r.shift in lits:
                    self._penalise(lits[r.shift], -r.weight * self.scale)
            elif r.shift is None:
                if (p, r.day) in self.work:
                    self._penalise(self.work[(p, r.day)], r.weight * self.scale)
            elif r.shift in lits:
                self._penalise(lits[r.shift], r.weight * self.scale)

    def _build_fairness(self) -> None:
        m = self.model
        h = self.problem.days
        for g, goal in enumerate(self.problem.fairness):
            members = [
                p
                for p, person in enumerate(self.problem.staff)
                if not goal.staff or person.id in goal.staff
            ]
            if len(members) < 2:
                continue
            counts: list[cp_model.LinearExprT] = []
            for p in members:
                if goal.kind == "nights":
                    counts.append(
                        sum(
                            self.xs(p, d, s.id)
                            for d in range(h)
                            for s in self.problem.shift_types
                            if s.night
                        )
                    )
                elif p in self.weekend_vars:
                    counts.append(sum(self.weekend_vars[p]))
                else:
                    weekends = self.problem.weekends()
                    counts.append(sum(int(any(self.w(p, d) for d in wk)) for wk in weekends))  # type: ignore[arg-type]
            hi = m.new_int_var(0, h, f"fair_hi[{g}]")
            lo = m.new_int_var(0, h, f"fair_lo[{g}]")
            for count in counts:
                m.add(hi >= count)
                m.add(lo <= count)
            self._penalise(hi - lo, goal.weight * self.scale)

    def _build_pay(self) -> None:
        if not self.money:
            return
        m = self.model
        for p in sorted(self.span):
            person = self.problem.staff[p]
            pay = person.pay
            minutes = self.minutes_expr(p, range(self.problem.days))
            self._penalise(minutes, pay.hourly)
            ot_rate = pay.overtime_hourly
            if pay.source == "bank" or pay.contracted_minutes is None or ot_rate is None:
                continue
            if ot_rate > pay.hourly:
                extra = m.new_int_var(0, 60 * 24 * self.problem.days, f"overtime[{person.id}]")
                m.add(extra >= minutes - pay.contracted_minutes)
                self._penalise(extra, ot_rate - pay.hourly)

    # ----------------------------------------------------------------- reading back
    def roster(self, value: object) -> Roster:
        """Roster from a value function (``solver.boolean_value``-like, takes a literal).

        For a neighbourhood this is the context roster with the free cells replaced.
        """
        problem = self.problem
        if self.context is not None:
            shifts = dict(self.context.shifts)
            roles = {k: v for k, v in self.context.roles.items() if not self._free_id(*k)}
            agency = {k: v for k, v in self.context.agency.items() if k not in self.agency}
        else:
            shifts, roles, agency = {}, {}, {}
        for p, (a, b) in self.span.items():
            person = problem.staff[p]
            row: list[str | None] = (
                list(shifts[person.id]) if person.id in shifts else [None] * problem.days
            )
            for d in range(a, b):
                if not self.is_free(p, d):
                    continue
                row[d] = None
                for s, lit in self.x.get((p, d), {}).items():
                    if value(lit):  # type: ignore[operator]
                        row[d] = s
                        choice = self.role_vars.get((p, d, s))
                        if choice:
                            roles[(person.id, d)] = next(r for r, v in choice.items() if value(v))  # type: ignore[operator]
                        elif len(person.roles) > 1:
                            # One of their roles is asked for: the model counted them in it.
                            mine = self._roles_needed.get((d, s), set()) & person.roles
                            if len(mine) == 1:
                                roles[(person.id, d)] = next(iter(mine))
            shifts[person.id] = row
        for k, v in self.agency.items():
            n = int(value(v))  # type: ignore[operator]
            if n:
                agency[k] = n
        return Roster(shifts=shifts, roles=roles, agency=agency)

    def _free_id(self, staff_id: str, day: int) -> bool:
        p = self._index.get(staff_id)
        return p is not None and self.is_free(p, day)

    def x_indices(self) -> list[tuple[int, int, str, int]]:
        """(person, day, shift, variable index) of every assignment literal."""
        return [(p, d, s, lit.index) for (p, d), lits in self.x.items() for s, lit in lits.items()]

    def hint(self, roster: Roster) -> None:
        """Hint the assignment literals with a roster (the derived variables are left out)."""
        hint = self.model.proto.solution_hint
        hint.vars.clear()
        hint.values.clear()
        for (p, d), lits in self.x.items():
            shift = roster.shifts[self.problem.staff[p].id][d]
            for s, lit in lits.items():
                hint.vars.append(lit.index)
                hint.values.append(int(s == shift))
