"""Independent scoring of a roster: hard violations, soft penalties and cost.

Written straight from the rules, without the solver's variables or numbers, so that it can
check the solver (and anyone else's roster file).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from . import weekly
from .model import Problem, Roster, Staff


@dataclass(frozen=True)
class Violation:
    """One broken hard rule, with a sentence a manager can read."""

    rule: str
    message: str
    staff: str | None = None
    day: int | None = None


@dataclass
class Evaluation:
    """Score of a roster. ``total`` is defined for any roster but only means something
    when ``violations`` is empty."""

    violations: list[Violation] = field(default_factory=list)
    #: cover_under, cover_over, cover_shortfall, request_on, request_off, fairness (points).
    penalties: dict[str, int] = field(default_factory=dict)
    #: contracted, overtime, bank, agency (pence).
    cost: dict[str, float] = field(default_factory=dict)
    #: Cover lines below their minimum, as sentences.
    unmet: list[str] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        """True when no hard rule is broken."""
        return not self.violations

    @property
    def cover_penalty(self) -> int:
        """Under, over and shortfall penalties of all cover lines."""
        p = self.penalties
        return p["cover_under"] + p["cover_over"] + p["cover_shortfall"]

    @property
    def request_penalty(self) -> int:
        """Penalties of unmet on and off requests."""
        return self.penalties["request_on"] + self.penalties["request_off"]

    @property
    def total(self) -> float:
        """Penalty points plus money in pence: the objective the solver minimises."""
        return sum(self.penalties.values()) + sum(self.cost.values())


def evaluate(problem: Problem, roster: Roster) -> Evaluation:
    """Score ``roster`` against ``problem``; never raises for a bad roster, lists it instead."""
    result = Evaluation()
    shifts = problem.shift_by_id
    grid: dict[str, list[str | None]] = {}
    for person in problem.staff:
        row = list(roster.shifts.get(person.id, []))
        if len(row) != problem.days:
            result.violations.append(
                Violation(
                    "shape",
                    f"{person.label}: roster has {len(row)} days, expected {problem.days}",
                    person.id,
                )
            )
            row = (row + [None] * problem.days)[: problem.days]
        for d, s in enumerate(row):
            if s is not None and s not in shifts:
                result.violations.append(
                    Violation("shape", f"{person.label}: unknown shift {s!r}", person.id, d)
                )
                row[d] = None
        grid[person.id] = row
    for sid in roster.shifts:
        if sid not in grid:
            result.violations.append(Violation("shape", f"unknown staff id {sid!r}", sid))

    for person in problem.staff:
        result.violations += _check_person(problem, person, grid[person.id], roster)
    _score_cover(problem, roster, grid, result)
    _score_requests(problem, grid, result)
    _score_fairness(problem, grid, result)
    _score_cost(problem, roster, grid, result)
    return result


def _runs(row: list[str | None], working: bool) -> list[tuple[int, int]]:
    """Maximal runs of working (or off) days as (first day, length)."""
    runs: list[tuple[int, int]] = []
    start = None
    for d, s in enumerate([*row, "edge" if not working else None]):
        if (s is not None) == working:
            if start is None:
                start = d
        elif start is not None:
            runs.append((start, d - start))
            start = None
    return runs


def _check_person(
    problem: Problem, person: Staff, row: list[str | None], roster: Roster
) -> list[Violation]:
    out: list[Violation] = []
    name = person.label
    c = person.contract
    shifts = problem.shift_by_id
    h = problem.days

    def add(rule: str, message: str, day: int | None = None) -> None:
        out.append(Violation(rule, f"{name}: {message}", person.id, day))

    previous = person.shift_before
    for d, s in enumerate(row):
        if s is not None and previous is not None and s in shifts[previous].forbidden_next:
            add("rest", f"{s} on {problem.day_label(d)} may not follow {previous}", d)
        previous = s
    for d, s in enumerate(row):
        if s is not None and d in person.unavailable:
            add("unavailable", f"works {s} on {problem.day_label(d)}: {person.unavailable[d]}", d)
        if d in person.fixed and person.fixed[d] != s:
            want = person.fixed[d]
            add("fixed", f"published shift {want} on {problem.day_label(d)} was changed", d)
        if s is not None:
            role = roster.roles.get((person.id, d))
            if role is not None and role not in person.roles:
                add("role", f"cannot work as {role} on {problem.day_label(d)}", d)
    counts = Counter(s for s in row if s is not None)
    for s, limit in c.max_shifts.items():
        if counts[s] > limit:
            add("max_shifts", f"{counts[s]} {s} shifts, at most {limit} allowed")
    minutes = sum(shifts[s].minutes for s in row if s is not None)
    if c.max_minutes is not None and minutes > c.max_minutes:
        add("max_minutes", f"works {minutes} minutes, at most {c.max_minutes} allowed")
    if minutes < c.min_minutes:
        add("min_minutes", f"works {minutes} minutes, at least {c.min_minutes} required")
    for w in c.windows:
        days = range(max(0, w.first_day), min(h, w.first_day + w.days))
        m = sum(shifts[row[d]].minutes for d in days if row[d] is not None)  # type: ignore[index]
        span = f"days {w.first_day}-{w.first_day + w.days - 1}"
        if w.max_minutes is not None and m > w.max_minutes:
            add("window", f"works {m} minutes in {span}, at most {w.max_minutes} allowed")
        if m < w.min_minutes:
            add("window", f"works {m} minutes in {span}, at least {w.min_minutes} required")
    for start, length in _runs(row, working=True):
        total = length + (person.days_worked_before if start == 0 else 0)
        if c.max_consecutive_shifts is not None and total > c.max_consecutive_shifts:
            add(
                "max_consecutive",
                f"{total} shifts in a row from {problem.day_label(start)}, "
                f"at most {c.max_consecutive_shifts} allowed",
                start,
            )
        # Runs touching either end of the horizon are exempt (the benchmark's rule).
        if start > 0 and start + length < h and length < c.min_consecutive_shifts:
            add(
                "min_consecutive",
                f"only {length} shift(s) in a row from {problem.day_label(start)}, "
                f"at least {c.min_consecutive_shifts} required",
                start,
            )
    for start, length in _runs(row, working=False):
        if start > 0 and start + length < h and length < c.min_consecutive_days_off:
            add(
                "min_days_off",
                f"only {length} day(s) off in a row from {problem.day_label(start)}, "
                f"at least {c.min_consecutive_days_off} required",
                start,
            )
    if c.max_weekends is not None:
        worked = sum(any(row[d] is not None for d in wk) for wk in problem.weekends())
        if worked > c.max_weekends:
            add("max_weekends", f"works {worked} weekends, at most {c.max_weekends} allowed")
    for week, first in weekly.breaches(problem, person, row):
        # A breach among shifts that cannot change is the published rota's, not the
        # roster's: it is reported against the roster's first new shift of the fortnight.
        new = [
            d
            for d in range(max(0, first - 1), min(h, first + 14))
            if row[d] is not None and person.fixed.get(d) != row[d]
        ]
        if new:
            add(
                "weekly_rest",
                f"no 24 hours off in the week from {problem.day_label(week)} nor 48 in "
                f"the fortnight from {problem.day_label(first)}",
                new[0],
            )
    return out


def _role_of(person: Staff, day: int, roster: Roster, needed: set[str] | None = None) -> str | None:
    """The role a person fills: the roster's, else their only role, else the only one of
    their roles the shift's cover lines ask for (as the solver's model counts it)."""
    role = roster.roles.get((person.id, day))
    if role is None and len(person.roles) == 1:
        role = next(iter(person.roles))
    if role is None and needed:
        mine = needed & person.roles
        if len(mine) == 1:
            role = next(iter(mine))
    return role


def _score_cover(
    problem: Problem, roster: Roster, grid: dict[str, list[str | None]], result: Evaluation
) -> None:
    needed: dict[tuple[int, str], set[str]] = {}
    for c in problem.covers:
        if c.role is not None:
            needed.setdefault((c.day, c.shift), set()).add(c.role)
    staffed: Counter[tuple[int, str, str | None]] = Counter()
    for person in problem.staff:
        for d, s in enumerate(grid[person.id]):
            if s is not None:
                staffed[(d, s, None)] += 1
                role = _role_of(person, d, roster, needed.get((d, s)))
                if role is not None:
                    staffed[(d, s, role)] += 1
    agency: Counter[tuple[int, str, str | None]] = Counter()
    for (d, s, role), n in roster.agency.items():
        if n <= 0:
            continue
        pool = problem.agency
        if pool is None or (pool.roles is not None and role not in pool.roles):
            result.violations.append(
                Violation("agency", f"agency booked for {s} on {problem.day_label(d)} ({role})")
            )
        elif pool.max_per_shift is not None and n > pool.max_per_shift:
            result.violations.append(
                Violation("agency", f"{n} agency staff on {s} {problem.day_label(d)}, too many")
            )
        agency[(d, s, role)] += n
        if role is not None:
            agency[(d, s, None)] += n
    under = over = shortfall = 0
    for cover in problem.covers:
        key = (cover.day, cover.shift, cover.role)
        n = staffed[key] + agency[key]
        under += cover.under_weight * max(0, cover.preferred - n)
        over += cover.over_weight * max(0, n - cover.preferred)
        missing = max(0, cover.minimum - n)
        if missing:
            where = f"{problem.day_label(cover.day)} {cover.shift}"
            if cover.role:
                where += f", {cover.role}"
            text = f"{where}: {n} of minimum {cover.minimum}"
            if cover.hard:
                result.violations.append(Violation("cover_minimum", text, day=cover.day))
            else:
                shortfall += cover.shortfall_weight * missing
                result.unmet.append(text)
    result.penalties.update(cover_under=under, cover_over=over, cover_shortfall=shortfall)


def _score_requests(
    problem: Problem, grid: dict[str, list[str | None]], result: Evaluation
) -> None:
    on = off = 0
    for r in problem.requests:
        worked = grid[r.staff][r.day]
        if r.on and worked != r.shift:
            on += r.weight
        elif not r.on and worked is not None and r.shift in (None, worked):
            off += r.weight
    result.penalties.update(request_on=on, request_off=off)


def _score_fairness(
    problem: Problem, grid: dict[str, list[str | None]], result: Evaluation
) -> None:
    shifts = problem.shift_by_id
    penalty = 0
    for goal in problem.fairness:
        members = [p.id for p in problem.staff if not goal.staff or p.id in goal.staff]
        if not members:
            continue
        if goal.kind == "nights":
            counts = [sum(1 for s in grid[m] if s and shifts[s].night) for m in members]
        else:
            weekends = problem.weekends()
            counts = [sum(any(grid[m][d] for d in wk) for wk in weekends) for m in members]
        penalty += goal.weight * (max(counts) - min(counts))
    result.penalties["fairness"] = penalty


def _score_cost(
    problem: Problem, roster: Roster, grid: dict[str, list[str | None]], result: Evaluation
) -> None:
    shifts = problem.shift_by_id
    cost = dict.fromkeys(("contracted", "overtime", "bank", "agency"), 0.0)
    for person in problem.staff:
        minutes = sum(shifts[s].minutes for s in grid[person.id] if s is not None)
        pay = person.pay
        if pay.source == "bank":
            cost["bank"] += pay.hourly * minutes / 60
            continue
        base = minutes if pay.contracted_minutes is None else min(minutes, pay.contracted_minutes)
        extra = minutes - base
        ot_rate = pay.hourly if pay.overtime_hourly is None else pay.overtime_hourly
        cost["contracted"] += pay.hourly * base / 60
        cost["overtime"] += ot_rate * extra / 60
    if problem.agency is not None:
        for (_, s, _), n in roster.agency.items():
            cost["agency"] += problem.agency.hourly * shifts[s].minutes * max(0, n) / 60
    result.cost = cost
