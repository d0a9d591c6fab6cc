"""Filling a period's cover: the rules every draft must pass, the cost of a rota, a greedy
fill, and the plan the product runs (greedy, then the solver, checked by the rules engine).

The rules are checked twice over, by different code: the engine's own model of a person's
working time (rest between shifts, days in a row, weekly hours, the weekly rest, one shift a
day, units and roles) and the rota's rules engine (`staffrota.rota.rules`, the one every
manual change goes through), against every shift the person holds on the rota before,
during and after the period. A draft shift either passes both or is not proposed.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from staffrota.optimiser.adapter import Mapping
from staffrota.optimiser.engine.evaluate import evaluate
from staffrota.optimiser.engine.model import Roster, Solution
from staffrota.optimiser.engine.solver import solve
from staffrota.rota.eligibility import load_worked, person_of, rules_for
from staffrota.rota.rules import Verdict, WorkedShift, check_shift

COST_KEYS = ("contracted", "overtime", "bank", "agency")


def copy_roster(roster: Roster) -> Roster:
    return Roster(
        shifts={k: list(v) for k, v in roster.shifts.items()},
        roles=dict(roster.roles),
        agency=dict(roster.agency),
    )


def fixed_roster(mapping: Mapping) -> Roster:
    """The rota as it stands: only the shifts people already hold."""
    days = mapping.problem.days
    shifts = {}
    for person in mapping.problem.staff:
        row: list[str | None] = [None] * days
        for d, s in person.fixed.items():
            row[d] = s
        shifts[person.id] = row
    return Roster(shifts=shifts)


class RuleBook:
    """The rules engine's view of everyone in a mapping, loaded once (three queries)."""

    def __init__(self, mapping: Mapping) -> None:
        self.mapping = mapping
        ids = [int(sid) for sid in mapping.staff]
        self.worked = {str(k): v for k, v in load_worked(ids, mapping.start, mapping.end).items()}
        self.persons = {sid: person_of(member) for sid, member in mapping.staff.items()}
        self.rules = rules_for(mapping.home)
        self._times: dict[tuple[int, str], tuple] = {}

    def shift(self, offset: int, shift: str) -> WorkedShift:
        key = (offset, shift)
        if key not in self._times:
            starts, ends = self.mapping.times(offset, shift)
            st = self.mapping.slots[shift][1]
            self._times[key] = (starts, ends, st.paid_hours, st.is_night)
        starts, ends, hours, night = self._times[key]
        return WorkedShift(starts, ends, hours, night, label=shift.lower())

    def check(self, sid: str, offset: int, shift: str, role, added: list[WorkedShift]) -> Verdict:
        """Every rule of the rules engine for `sid` on `shift`, given the draft's `added`."""
        return check_shift(
            person=self.persons[sid],
            shift=self.shift(offset, shift),
            slot_role_code=role.code,
            slot_role_name=role.name,
            others=self.worked.get(sid, []) + added,
            absences=self.mapping.absences.get(sid, []),
            rules=self.rules,
        )

    def new_shifts(self, roster: Roster, sid: str) -> list[tuple[int, str]]:
        fixed = self.mapping.fixed.get(sid, {})
        return [
            (d, s)
            for d, s in enumerate(roster.shifts[sid][: self.mapping.period_days])
            if s is not None and fixed.get(d) != s
        ]

    def breaches(self, roster: Roster) -> dict[tuple[str, int], list[str]]:
        """Rule breaches of the new shifts in `roster`, by (staff id, day): the rules
        engine's refusals and the engine evaluator's hard violations, each in words."""
        found: dict[tuple[str, int], list[str]] = defaultdict(list)
        for sid in roster.shifts:
            new = self.new_shifts(roster, sid)
            worked = [self.shift(d, s) for d, s in new]
            for i, (d, s) in enumerate(new):
                others = worked[:i] + worked[i + 1 :]
                verdict = self.check(sid, d, s, self.mapping.role_of(roster, sid, d), others)
                if not verdict.ok:
                    found[(sid, d)].extend(v.message for v in verdict.violations)
        for v in evaluate(self.mapping.problem, roster).violations:
            if v.staff is not None and v.day is not None:
                found[(v.staff, v.day)].append(v.message)
            else:
                found[(v.staff or "", -1)].append(v.message)
        return dict(found)


def repair(book: RuleBook, roster: Roster) -> tuple[Roster, dict[tuple[str, int], list[str]]]:
    """Drop every new shift that breaks a rule. Fewer shifts never break a rule that more
    shifts kept (rest, days in a row and hours only get easier), so one pass is enough,
    except for a whole-person violation of the engine, where the person's new shifts go."""
    breaches = book.breaches(roster)
    if not breaches:
        return roster, {}
    fixed_roster_ = copy_roster(roster)
    for sid, day in breaches:
        if sid not in fixed_roster_.shifts:
            continue
        fixed = book.mapping.fixed.get(sid, {})
        days = [day] if day >= 0 else range(book.mapping.period_days)
        for d in days:
            if d not in fixed:
                fixed_roster_.shifts[sid][d] = None
                fixed_roster_.roles.pop((sid, d), None)
    return fixed_roster_, breaches


def cover_count(mapping: Mapping, roster: Roster) -> Counter:
    """People per (day, engine shift id, role name) in the period."""
    staffed: Counter = Counter()
    for sid, row in roster.shifts.items():
        for d, s in enumerate(row[: mapping.period_days]):
            if s is not None:
                staffed[(d, s, mapping.role_of(roster, sid, d).name)] += 1
    return staffed


def period_cost(mapping: Mapping, roster: Roster) -> dict[str, int]:
    """Cost of the period in pence by source, and `total`, for every plan alike.

    Per person over the period: contracted staff are paid their rate up to their contracted
    hours for the period's weeks and the rate times the home's overtime premium beyond;
    bank staff their rate; each person a cover line lacks is bought from an agency at the
    role's agency rate. Shifts after the period are not counted.
    """
    weeks = mapping.period_days // 7
    shifts = mapping.problem.shift_by_id
    cost = dict.fromkeys(COST_KEYS, 0.0)
    for person in mapping.problem.staff:
        minutes = sum(
            shifts[s].minutes for s in roster.shifts[person.id][: mapping.period_days] if s
        )
        pay = person.pay
        if pay.source == "bank":
            cost["bank"] += pay.hourly * minutes / 60
            continue
        member = mapping.staff[person.id]
        limit = int(member.contracted_hours * 60 * weeks)
        cost["contracted"] += pay.hourly * min(minutes, limit) / 60
        cost["overtime"] += (pay.overtime_hourly or pay.hourly) * max(0, minutes - limit) / 60
    staffed = cover_count(mapping, roster)
    for key, need in mapping.needs.items():
        cost["agency"] += need.agency_pence * max(0, need.minimum - staffed[key])
    result = {k: round(v) for k, v in cost.items()}
    result["total"] = sum(result.values())
    return result


def cover_achieved(mapping: Mapping, roster: Roster) -> tuple[int, int]:
    """(people rostered towards the minimums, people the minimums ask for)."""
    staffed = cover_count(mapping, roster)
    needed = sum(n.minimum for n in mapping.needs.values())
    have = sum(min(n.minimum, staffed[k]) for k, n in mapping.needs.items())
    return have, needed


@dataclass
class _State:
    """A roster being filled, with what the engine's rules need to check one more shift."""

    mapping: Mapping
    roster: Roster
    minutes: dict[str, int] = field(default_factory=dict)
    added: dict[str, list[WorkedShift]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        shifts = self.mapping.problem.shift_by_id
        for sid, row in self.roster.shifts.items():
            self.minutes[sid] = sum(shifts[s].minutes for s in row[: self.mapping.period_days] if s)


def _engine_allows(state: _State, person, d: int, s: str) -> bool:
    """The engine's hard rules for one more shift (mirrors `engine.cpmodel`)."""
    problem = state.mapping.problem
    row = state.roster.shifts[person.id]
    if row[d] is not None or d in person.unavailable or not problem.can_work(person, s):
        return False
    shifts = problem.shift_by_id
    minutes = shifts[s].minutes
    prev = row[d - 1] if d > 0 else person.shift_before
    if prev is not None and s in shifts[prev].forbidden_next:
        return False
    if d + 1 < problem.days and row[d + 1] is not None and row[d + 1] in shifts[s].forbidden_next:
        return False
    c = person.contract
    if c.max_consecutive_shifts is not None:
        left = 0
        while d - left - 1 >= 0 and row[d - left - 1] is not None:
            left += 1
        if d - left == 0:
            left += person.days_worked_before
        right = 0
        while d + right + 1 < problem.days and row[d + right + 1] is not None:
            right += 1
        if left + 1 + right > c.max_consecutive_shifts:
            return False
    limit = c.max_shifts.get(s)
    if limit is not None and sum(1 for x in row if x == s) >= limit:
        return False
    for w in c.windows:
        if w.max_minutes is None or not w.first_day <= d < w.first_day + w.days:
            continue
        days = range(max(0, w.first_day), min(problem.days, w.first_day + w.days))
        used = sum(shifts[row[x]].minutes for x in days if row[x] is not None)
        if used + minutes > w.max_minutes:
            return False
    return True


def marginal_cost(mapping: Mapping, person, minutes_before: int, minutes: int) -> float:
    """Pence one more shift of `minutes` costs, under `period_cost`'s rules."""
    pay = person.pay
    if pay.source == "bank":
        return pay.hourly * minutes / 60
    limit = int(mapping.staff[person.id].contracted_hours * 60 * (mapping.period_days // 7))
    ot = pay.overtime_hourly or pay.hourly

    def cost(m: int) -> float:
        return pay.hourly * min(m, limit) / 60 + ot * max(0, m - limit) / 60

    return cost(minutes_before + minutes) - cost(minutes_before)


@dataclass(frozen=True)
class Candidate:
    """Someone who could take one more place on a cover line, at a cost (pence)."""

    sid: str
    cost: float


def candidates(
    book: RuleBook, state: _State, key: tuple[int, str, str], limit: int | None = None
) -> tuple[list[Candidate], Counter]:
    """People who may take one more place on cover line `key` given `state`, cheapest first,
    checked by both rule sets; and why the others may not (reason -> people)."""
    mapping = state.mapping
    d, s, role_name = key
    need = mapping.needs[key]
    minutes = mapping.problem.shift_by_id[s].minutes
    priced = []
    why: Counter = Counter()
    for person in mapping.problem.staff:
        if role_name not in person.roles:
            continue
        row = state.roster.shifts[person.id]
        if row[d] is not None:
            why["already on a shift that day"] += 1
            continue
        if d in person.unavailable:
            why[person.unavailable[d]] += 1
            continue
        if not _engine_allows(state, person, d, s):
            why["kept off by rest, days in a row or weekly hours"] += 1
            continue
        priced.append((marginal_cost(mapping, person, state.minutes[person.id], minutes), person))
    priced.sort(key=lambda item: (item[0], int(item[1].id)))
    found = []
    for cost, person in priced:
        verdict = book.check(person.id, d, s, need.role, state.added.get(person.id, []))
        if not verdict.ok:
            why[verdict.violations[0].rule.replace("_", " ")] += 1
            continue
        found.append(Candidate(person.id, cost))
        if limit is not None and len(found) >= limit:
            break
    return found, why


def _place(state: _State, book: RuleBook, sid: str, key: tuple[int, str, str]) -> None:
    d, s, role_name = key
    state.roster.shifts[sid][d] = s
    state.roster.roles[(sid, d)] = role_name
    state.minutes[sid] += state.mapping.problem.shift_by_id[s].minutes
    state.added.setdefault(sid, []).append(book.shift(d, s))


def _line_order(mapping: Mapping) -> list[tuple[int, str, str]]:
    def order(key):
        need = mapping.needs[key]
        return (key[0], need.shift_type.starts, need.unit.name, need.role.rank)

    return sorted(mapping.needs, key=order)


def greedy_fill(
    mapping: Mapping, book: RuleBook, start: Roster | None = None, deadline: float | None = None
) -> Roster:
    """Each missing person of each cover line in date order gets the cheapest eligible
    candidate, or stays a gap for an agency when that is cheaper or nobody may."""
    roster = copy_roster(start or fixed_roster(mapping))
    state = _State(mapping, roster)
    if start is not None:
        for sid in roster.shifts:
            state.added[sid] = [book.shift(d, s) for d, s in book.new_shifts(roster, sid)]
    staffed = cover_count(mapping, roster)
    for key in _line_order(mapping):
        need = mapping.needs[key]
        while staffed[key] < need.minimum:
            if deadline is not None and time.monotonic() > deadline:
                return roster
            found, _ = candidates(book, state, key, limit=1)
            if not found or found[0].cost >= need.agency_pence:
                break
            _place(state, book, found[0].sid, key)
            staffed[key] += 1
    return roster


@dataclass
class Plan:
    """What the product proposes, and how it got there."""

    roster: Roster
    greedy: Roster
    solution: Solution | None
    #: Breaches the rules found in the solver's roster and removed before proposing it.
    removed: dict[tuple[str, int], list[str]]
    chosen: str  # "optimiser" or "greedy"
    seconds: dict[str, float]


def plan(
    mapping: Mapping,
    *,
    time_limit_s: float,
    workers: int = 2,
    progress: Callable | None = None,
    cancel=None,
    book: RuleBook | None = None,
) -> Plan:
    """Greedy fill, then the solver from it, then the rules engine over the result; the
    cheaper of the two checked rosters wins. The whole takes at most `time_limit_s`."""
    started = time.monotonic()
    deadline = started + time_limit_s
    book = book or RuleBook(mapping)
    seconds = {}
    # A greedy fill is quick; it bounds how much time it may take on a huge home.
    greedy = greedy_fill(mapping, book, deadline=started + 0.3 * time_limit_s)
    seconds["greedy"] = time.monotonic() - started
    # Leave time for the rules engine to check the solver's roster and top it up.
    reserve = min(10.0, 0.15 * time_limit_s)
    solution = None
    roster, removed, chosen = greedy, {}, "greedy"
    left = deadline - time.monotonic() - reserve
    if left > 1 and not (cancel is not None and cancel.is_set()):
        t = time.monotonic()
        solution = solve(
            mapping.problem,
            time_limit_s=left,
            workers=workers,
            progress=progress,
            cancel=cancel,
            hint=greedy,
        )
        seconds["solver"] = time.monotonic() - t
        if solution.roster is not None:
            t = time.monotonic()
            repaired, removed = repair(book, solution.roster)
            if removed:
                repaired = greedy_fill(mapping, book, start=repaired, deadline=deadline)
            seconds["check"] = time.monotonic() - t
            if period_cost(mapping, repaired)["total"] < period_cost(mapping, greedy)["total"]:
                roster, chosen = repaired, "optimiser"
    seconds["total"] = time.monotonic() - started
    return Plan(roster, greedy, solution, removed, chosen, seconds)
