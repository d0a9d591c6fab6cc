"""The weekly rest (regulation 11) in the CP-SAT model, and its check for the evaluator.

A week has its 24 hours off when some stretch of 24 hours inside it is free of work. Such
a stretch can always be slid back until it starts at the week's start or at the end of a
shift, so those are the only places to look: for each, the stretch is free when none of
the shifts that would overlap it is worked. In the model every such place gets one literal
("this stretch is free") that implies the overlapping cells are off; the week needs one of
its literals, or one of its fortnight's 48-hour literals. A stretch that needs everything
another one needs and more is left out, so a person-week has a handful of literals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .model import Problem, Staff, WeeklyRest

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

    from .cpmodel import RotaModel

DAY = 24 * 60
WEEK_REST = 24 * 60
FORTNIGHT_REST = 48 * 60


def fortnights(rule: WeeklyRest, first_day: int, end_day: int) -> list[int]:
    """First days of the fortnights that overlap days [first_day, end_day)."""
    day = first_day - (first_day - rule.fortnight_start) % 14
    found = []
    while day < end_day:
        found.append(day)
        day += 14
    return found


def _times(problem: Problem) -> dict[str, tuple[int, int]]:
    """Shift id -> (start, end) in minutes from its day's midnight."""
    return {
        s.id: (s.start_minute or 0, (s.start_minute or 0) + s.span_minutes)
        for s in problem.shift_types
    }


def free_gaps(
    busy: list[tuple[int, int]], start: int, end: int, skipped: tuple[int, ...] = ()
) -> list[int]:
    """Lengths of the stretches inside [start, end) that no busy interval touches, in real
    minutes (an hour less for each time in `skipped` the clocks go forward inside one)."""
    spans, cursor = [], start
    for begin, finish in sorted(busy):
        begin, finish = max(begin, start), min(finish, end)
        if finish <= start or begin >= end:
            continue
        if begin > cursor:
            spans.append((cursor, begin))
        cursor = max(cursor, finish)
    if end > cursor:
        spans.append((cursor, end))
    return [b - a - 60 * sum(1 for m in skipped if a <= m < b) for a, b in spans]


def breaches(problem: Problem, person: Staff, row: list[str | None]) -> list[tuple[int, int]]:
    """(first day of the week, first day of its fortnight) of each week of the horizon with
    no 24 hours off while its fortnight has neither 48 hours off nor two 24s (the law)."""
    rule = problem.weekly_rest
    if rule is None:
        return []
    times = _times(problem)
    busy = list(person.busy)
    busy += [(DAY * d + times[s][0], DAY * d + times[s][1]) for d, s in enumerate(row) if s]
    skipped = rule.skipped_hours
    found = []
    for first in fortnights(rule, 0, problem.days):
        gaps = free_gaps(busy, DAY * first, DAY * (first + 14), skipped)
        rests = [g for g in gaps if g >= WEEK_REST]
        if len(rests) >= 2 or any(g >= FORTNIGHT_REST for g in rests):
            continue
        for week in (first, first + 7):
            gaps = free_gaps(busy, DAY * week, DAY * (week + 7), skipped)
            if all(g < WEEK_REST for g in gaps):
                found.append((week, first))
    return found


class _Rest:
    """The weekly rest of one person in a RotaModel."""

    def __init__(self, rota: RotaModel, p: int) -> None:
        self.rota = rota
        self.p = p
        self.person = rota.problem.staff[p]
        self.times = _times(rota.problem)
        self.longest = max(end for _, end in self.times.values())
        self.literals: dict[frozenset[tuple[int, str]], cp_model.IntVar] = {}
        self.by_time: dict[tuple[int, tuple[int, int]], cp_model.IntVar] = {}
        rule = rota.problem.weekly_rest
        self.skipped = rule.skipped_hours if rule is not None else ()

    def cell(self, d: int) -> tuple[str | None, dict[str, cp_model.IntVar]]:
        """(the shift a cell holds for certain, or None; the literals it may choose from)."""
        rota = self.rota
        if d < 0 or d >= rota.problem.days:
            return None, {}  # outside the horizon: in `busy`
        if not rota.is_free(self.p, d):
            return rota.const(self.p, d), {}
        if d in self.person.fixed:
            return self.person.fixed[d], {}
        return None, rota.x.get((self.p, d), {})

    def stretches(self, start: int, end: int, need: int) -> list[cp_model.IntVar] | None:
        """Literals "this stretch of `need` minutes inside [start, end) is free", or None
        when one of them is free whatever the free cells hold."""
        days = range((start - self.longest) // DAY, -(-end // DAY) + 1)
        cells = {d: self.cell(d) for d in days}
        busy = [(b, e) for b, e in self.person.busy if b < end and e > start]
        places = {start} | {e for _, e in busy}
        for d, (held, options) in cells.items():
            for s in [held, *options] if held else options:
                places.add(DAY * d + self.times[s][1])
        sets: set[frozenset[tuple[int, str]]] = set()
        for t in sorted(p for p in places if start <= p <= end - need):
            stop = t + need
            for moment in self.skipped:
                if t <= moment < stop:
                    stop += 60  # the clocks go forward: an hour more on the wall clock
            if stop > end:
                continue
            if any(b < stop and e > t for b, e in busy):
                continue
            blocked: list[tuple[int, str]] = []
            possible = True
            for d in range((t - self.longest) // DAY, -(-stop // DAY) + 1):
                held, options = cells.get(d) or self.cell(d)
                if held is not None:
                    b, e = self.times[held]
                    if DAY * d + b < stop and DAY * d + e > t:
                        possible = False
                        break
                    continue
                blocked += [
                    (d, s)
                    for s in options
                    if DAY * d + self.times[s][0] < stop and DAY * d + self.times[s][1] > t
                ]
            if not possible:
                continue
            if not blocked:
                return None
            sets.add(frozenset(blocked))
        # A stretch that needs every cell another one needs off, and more, adds nothing.
        kept: list[frozenset[tuple[int, str]]] = []
        for cells_off in sorted(sets, key=len):
            if not any(k <= cells_off for k in kept):
                kept.append(cells_off)
        return [self.free_literal(cells_off) for cells_off in kept]

    def free_literal(self, cells_off: frozenset[tuple[int, str]]) -> cp_model.IntVar:
        """ "These cells are off": the negation of one literal, or a new literal that
        implies each day's "works" literal (whole days) or shift literals off."""
        by_day: dict[int, list[str]] = {}
        for d, s in cells_off:
            by_day.setdefault(d, []).append(s)
        blocked = []
        for d, shifts in sorted(by_day.items()):
            options = self.rota.x[(self.p, d)]
            if len(shifts) == len(options):
                blocked.append(self.rota.work[(self.p, d)])
                continue
            # Shifts of one time on several units: one literal for the time.
            by_time: dict[tuple[int, int], list[str]] = {}
            for s in sorted(shifts):
                by_time.setdefault(self.times[s], []).append(s)
            for times, same in sorted(by_time.items()):
                blocked.append(self.at_time(d, times, same))
        if len(blocked) == 1:
            return blocked[0].Not()
        if cells_off not in self.literals:
            m = self.rota.model
            lit = m.new_bool_var(f"rest[{self.person.id},{len(self.literals)}]")
            for other in blocked:
                m.add_implication(lit, other.Not())
            self.literals[cells_off] = lit
        return self.literals[cells_off]

    def at_time(self, d: int, times: tuple[int, int], shifts: list[str]) -> cp_model.IntVar:
        """ "Works a shift of these times on day d", for shifts that all are of those times."""
        options = self.rota.x[(self.p, d)]
        if len(shifts) == 1:
            return options[shifts[0]]
        key = (d, times)
        if key not in self.by_time:
            lit = self.rota.model.new_bool_var(f"at[{self.person.id},{d},{times[0]}]")
            self.rota.model.add(sum(options[s] for s in shifts) == lit)
            self.by_time[key] = lit
        return self.by_time[key]

    def forbid(self, start: int, end: int) -> None:
        """Keep every free cell that would work inside [start, end) off."""
        for d in range((start - self.longest) // DAY, -(-end // DAY) + 1):
            held, options = self.cell(d)
            for s, lit in options.items():
                if DAY * d + self.times[s][0] < end and DAY * d + self.times[s][1] > start:
                    self.rota.model.add(lit == 0)


def add_weekly_rest(rota: RotaModel, p: int) -> None:
    """Each week of person ``p`` that a free cell touches gets its 24 hours off, or its
    fortnight 48. Where the shifts that cannot change already leave a week without (a
    breach on the published rota), no new shift goes into that fortnight: the rules
    engine would refuse any."""
    rule = rota.problem.weekly_rest
    if rule is None or p not in rota.span:
        return
    a, b = rota.span[p]
    rest = _Rest(rota, p)
    enforce = rota._enforce(f"the weekly rest of {rest.person.label}")
    reach = -(-rest.longest // DAY)  # a shift on day d may still be on on day d + reach - 1
    for first in fortnights(rule, a, b + reach - 1):
        fortnight = rest.stretches(DAY * first, DAY * (first + 14), FORTNIGHT_REST)
        if fortnight is None:
            continue
        for week in (first, first + 7):
            own = rest.stretches(DAY * week, DAY * (week + 7), WEEK_REST)
            if own is None:
                continue
            if own or fortnight:
                rota.model.add_bool_or(own + fortnight).only_enforce_if(enforce)
            else:
                rest.forbid(DAY * first, DAY * (first + 14))
                break
