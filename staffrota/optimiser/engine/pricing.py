"""One person's cheapest schedule by dynamic programming over the days (exact pricing).

The column thread prices every person once a round: given a value for each (day, shift)
worked, find the schedule that keeps that person's rules at least cost. A CP-SAT model
does it in 20-32 ms a person on instance 12 (60 people, 28 days) on a slow 2-core
machine, so a round of pricing took 1.3-1.9 s and the relaxation could not settle in
time. The rules of one person are those of a walk through the days whose state is
small: the kind of shift worked yesterday (only its forbidden successors matter), the
length of the run of work or of days off so far, the weekends worked, the minutes worked,
and the count of each shift type whose maximum can bind. The cheapest walk to every state,
day by day, is a few numpy operations on an array of those states, and the cheapest
final state that keeps the minimum minutes is the optimum, proved: there is no time limit
and no bound to report beside it.

Shifts that behave alike (the same forbidden successors, the same shifts forbidden before
them, the same minutes, no maximum that binds) share one state: on each day the cheapest
of them is the one to work. Where the states of every day together pass MAX_STATES (long
horizons with many rationed shift types, or a 17-week window, which this walk does not
count), ``Walk.applicable`` is false and CP-SAT prices that person as before.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .model import Problem

#: Most states of all days together (8 bytes each, all kept for the way back).
MAX_STATES = 3_000_000

Row = tuple[str | None, ...]


@dataclass
class _Kind:
    """Shifts that one state stands for: alike for every rule but their cost."""

    shifts: tuple[int, ...]  # indices into Walk.shifts
    units: int  # minutes, in units of the gcd of all the person's shift lengths
    counted: int | None  # axis of the rationed shift's count, if this kind is one
    #: States (1 + kind) whose shift may come the day before (not forbidden before it).
    after: list[int]


def _shortest(k: int, d: int) -> int:
    """The shortest run (as its index, length - 1) that may end on day d - 1: k days, or
    fewer where it began on day 0 or before (runs touching either end are exempt)."""
    return max(0, min(k, d) - 1)


class Walk:
    """The dynamic programme of one person, built once; ``best`` runs it for one set of
    values. ``applicable`` is false where the person's rules are not all counted here."""

    def __init__(self, problem: Problem, p: int) -> None:
        person = problem.staff[p]
        c = person.contract
        self.days = h = problem.days
        self.applicable = not c.windows
        ids = [s.id for s in problem.shift_types if problem.can_work(person, s.id)]
        ids += sorted({s for s in person.fixed.values() if s not in ids})
        self.shifts = ids
        self.index = {s: i for i, s in enumerate(ids)}
        by_id = problem.shift_by_id
        # Which shifts may be worked on each day: leave keeps a day off, a published shift
        # is the only choice (and no day off) on its day.
        self.options: list[list[int]] = []
        for d in range(h):
            if d in person.fixed:
                self.options.append([ids.index(person.fixed[d])])
            elif d in person.unavailable:
                self.options.append([])
            else:
                self.options.append(list(range(len(ids))))
        self.off_allowed = [d not in person.fixed for d in range(h)]
        if person.shift_before is not None:
            banned = by_id[person.shift_before].forbidden_next
            self.options[0] = [i for i in self.options[0] if ids[i] not in banned]

        minutes = [by_id[s].minutes for s in ids]
        self.unit = math.gcd(*minutes) or 1
        # Minutes: dropped above the maximum; without one, counted up to the minimum only.
        most = h * max(minutes, default=0) // self.unit  # (every day the longest shift)
        if c.max_minutes is not None:
            top, self.merge_minutes = min(c.max_minutes // self.unit, most), False
        elif c.min_minutes:
            top, self.merge_minutes = -(-c.min_minutes // self.unit), True
        else:
            top, self.merge_minutes = 0, True
        self.min_units = -(-c.min_minutes // self.unit)
        # Counts of the shift types whose maximum is below the days they could be worked.
        days_of = [sum(i in opts for opts in self.options) for i in range(len(ids))]
        rationed = [
            i for i, s in enumerate(ids) if s in c.max_shifts and c.max_shifts[s] < days_of[i]
        ]
        self.limits = [c.max_shifts[ids[i]] for i in rationed]
        self.weekends = problem.weekends()
        self.first_of_weekend = {wk[0] for wk in self.weekends}
        self.in_weekend = {d for wk in self.weekends for d in wk}
        mw = c.max_weekends
        self.max_weekends = mw if mw is not None and mw < len(self.weekends) else None
        self.kmin = max(1, c.min_consecutive_shifts)
        self.kmax = c.max_consecutive_shifts
        self.koff = max(1, c.min_consecutive_days_off)
        # (At least two run lengths: the first, and the longest that later ones merge into.)
        runs = max(2, self.kmin, self.koff, self.kmax or 1)
        self.before = (
            min(person.days_worked_before, self.kmax)
            if self.kmax is not None
            else min(person.days_worked_before, runs)
        )
        self.worked_before = person.days_worked_before > 0 or person.shift_before is not None

        # Kinds: shifts alike but for cost share a state (instance 12: 10 shifts, 4 kinds).
        forbidden = [by_id[s].forbidden_next & set(ids) for s in ids]
        forbidden_by = [
            frozenset(j for j in range(len(ids)) if ids[i] in forbidden[j]) for i in range(len(ids))
        ]
        groups: dict[tuple, list[int]] = {}
        for i in range(len(ids)):
            key = (
                frozenset(forbidden[i]),
                forbidden_by[i],
                minutes[i] // self.unit,
                i if i in rationed else None,
            )
            groups.setdefault(key, []).append(i)
        kinds = list(groups.values())
        self.kinds = []
        for members in kinds:
            i = members[0]
            after = [1 + k for k, others in enumerate(kinds) if ids[i] not in forbidden[others[0]]]
            self.kinds.append(
                _Kind(
                    shifts=tuple(members),
                    units=minutes[i] // self.unit,
                    counted=rationed.index(i) if i in rationed else None,
                    after=after,
                )
            )
        # The state of a day: (yesterday's kind, 0 for a day off; run length - 1;
        # weekends worked; minutes in units; count of each rationed shift).
        self.shape = (
            1 + len(self.kinds),
            runs,
            1 + (self.max_weekends if self.max_weekends is not None else 0),
            1 + top,
            *(1 + n for n in self.limits),
        )
        if h * math.prod(self.shape) > MAX_STATES:
            self.applicable = False

    # ----------------------------------------------------------------- the walk
    def best(self, cost: np.ndarray, many: int = 1) -> list[tuple[Row, float]]:
        """The cheapest schedules for ``cost[d, i]`` (the value of working shift i on day
        d), each with its cost, dearest first: the cheapest of all and, up to ``many`` in
        all, the cheapest of other lengths (minutes worked), which the relaxation needs to
        move (with the cheapest alone, instance 4's stood still for 12 rounds). Empty
        where the person's rules leave no schedule."""
        h = self.days
        choice = np.full((h, len(self.kinds)), -1, dtype=np.int64)
        kind_cost = np.full((h, len(self.kinds)), np.inf)
        for d in range(h):
            for k, kind in enumerate(self.kinds):
                members = [i for i in kind.shifts if i in self.options[d]]
                if members:
                    j = min(members, key=lambda i: cost[d, i])
                    choice[d, k] = j
                    kind_cost[d, k] = cost[d, j]
        values = [self._first()]
        for d in range(h):
            values.append(self._step(values[-1], d, kind_cost[d]))
        last = values[-1].copy()
        last[:, :, :, : self.min_units] = np.inf
        # The cheapest final state of each length, cheapest lengths first.
        by_length = np.moveaxis(last, 3, 0).reshape(last.shape[3], -1)
        ends = []
        for m in np.argsort(by_length.min(axis=1))[:many]:
            flat = int(np.argmin(by_length[m]))
            total = float(by_length[m, flat])
            if not math.isfinite(total):
                break
            rest = np.unravel_index(flat, last.shape[:3] + last.shape[4:])
            ends.append(((*rest[:3], int(m), *rest[3:]), total))
        found = []
        for state, total in ends:
            row: list[str | None] = [None] * h
            for d in range(h - 1, -1, -1):
                k = int(state[0]) - 1
                if k >= 0:
                    row[d] = self.shifts[int(choice[d, k])]
                if d:
                    state = self._back(values[d], values[d + 1], d, state, kind_cost[d])
            found.append((tuple(row), total))
        return found[::-1]

    def _first(self) -> np.ndarray:
        """The state before day 0: off for long enough, or at work for ``before`` days."""
        v = np.full(self.shape, np.inf)
        if self.worked_before and self.before > 0 and self.kinds:
            # The kind does not matter on day 0: the rest rule is in ``options``.
            v[(1, self.before - 1) + (0,) * (len(self.shape) - 2)] = 0.0
        else:
            v[(0, self.shape[1] - 1) + (0,) * (len(self.shape) - 2)] = 0.0
        return v

    def _step(self, v: np.ndarray, d: int, kind_cost: np.ndarray) -> np.ndarray:
        """The cheapest way to every state at the end of day d from those of day d-1."""
        nv = np.full(self.shape, np.inf)
        if self.off_allowed[d]:
            # Off again: the run of days off grows (the longest ones merge).
            nv[0, 1:] = v[0, :-1]
            nv[0, -1] = np.minimum(nv[0, -1], v[0, -1])
            # Off after work: only after a long enough run, or one begun by day 0.
            lo = _shortest(self.kmin, d)
            if self.kinds:
                nv[0, 0] = v[1:, lo:].min(axis=(0, 1))
        # At work after days off: only after enough of them, or days off since day 0.
        lo_off = _shortest(self.koff, d)
        from_off = v[0, lo_off:].min(axis=0)
        # A weekend is counted on its first day worked (only where its maximum can bind).
        weekend = self.max_weekends is not None and d in self.in_weekend
        first_of_weekend = weekend and d in self.first_of_weekend
        for k, kind in enumerate(self.kinds):
            if not math.isfinite(kind_cost[k]):
                continue
            # (Before day 0 the kind is a stand-in: the rest rule is in ``options``.)
            after = list(range(1, self.shape[0])) if d == 0 else kind.after
            # (runs, rest...); where every kind forbids this one next day, none.
            work = v[after].min(axis=0) if after else np.full(v.shape[1:], np.inf)
            cand = np.full(work.shape, np.inf)
            cand[1:] = work[:-1]
            if self.kmax is None:
                cand[-1] = np.minimum(cand[-1], work[-1])
            else:
                cand[self.kmax :] = np.inf
            if first_of_weekend:
                cand = self._shift(cand, 1, 1, merge=False)
            off = self._shift(from_off, 0, 1, merge=False) if weekend else from_off
            cand[0] = off
            cand = self._shift(cand, 2, kind.units, merge=self.merge_minutes)
            if kind.counted is not None:
                cand = self._shift(cand, 3 + kind.counted, 1, merge=False)
            nv[k + 1] = cand + kind_cost[k]
        return nv

    def _shift(self, a: np.ndarray, axis: int, by: int, merge: bool) -> np.ndarray:
        """``a`` moved ``by`` places up ``axis`` (a count grows): what passes the end is
        dropped, or with ``merge`` kept at the end (counted as "at least")."""
        if by == 0 or a.shape[axis] == 0:
            return a
        n = a.shape[axis]
        out = np.full(a.shape, np.inf)
        src = [slice(None)] * a.ndim
        dst = [slice(None)] * a.ndim
        if by < n:
            src[axis] = slice(0, n - by)
            dst[axis] = slice(by, n)
            out[tuple(dst)] = a[tuple(src)]
        if merge:
            src[axis] = slice(max(0, n - by), n)
            dst[axis] = slice(n - 1, n)
            out[tuple(dst)] = np.minimum(
                out[tuple(dst)], a[tuple(src)].min(axis=axis, keepdims=True)
            )
        return out

    def _back(
        self,
        v: np.ndarray,
        nv: np.ndarray,
        d: int,
        state: tuple,
        kind_cost: np.ndarray,
    ) -> tuple:
        """The state at the end of day d-1 that the cheapest way to ``state`` (end of day
        d) came from."""
        target = nv[state]
        k = int(state[0]) - 1
        r = int(state[1])
        rest = [int(x) for x in state[2:]]
        runs = self.shape[1]
        candidates: list[tuple] = []
        if k < 0:
            if r > 0:
                candidates.append((0, r - 1, *rest))
            if r == runs - 1:
                candidates.append((0, r, *rest))
            if r == 0:
                lo = _shortest(self.kmin, d)
                for a in range(1, self.shape[0]):
                    for rr in range(lo, runs):
                        candidates.append((a, rr, *rest))
            step = 0.0
        else:
            kind = self.kinds[k]
            step = float(kind_cost[k])
            weekend = self.max_weekends is not None and d in self.in_weekend
            first = weekend and d in self.first_of_weekend
            for prev_minutes in self._before(rest[1], kind.units):
                counts = list(rest[2:])
                if kind.counted is not None:
                    counts[kind.counted] -= 1
                    if counts[kind.counted] < 0:
                        continue
                if r == 0:
                    w = rest[0] - (1 if weekend else 0)
                    if w < 0:
                        continue
                    lo_off = _shortest(self.koff, d)
                    for rr in range(lo_off, runs):
                        candidates.append((0, rr, w, prev_minutes, *counts))
                else:
                    w = rest[0] - (1 if first else 0)
                    if w < 0:
                        continue
                    prev_runs = [r - 1]
                    if self.kmax is None and r == runs - 1:
                        prev_runs.append(r)
                    for a in kind.after:
                        for rr in prev_runs:
                            candidates.append((a, rr, w, prev_minutes, *counts))

        def miss(s: tuple) -> float:
            return abs(v[s] + step - target) if math.isfinite(v[s]) else math.inf

        return min(candidates, key=miss)

    def _before(self, units: int, by: int) -> list[int]:
        """The minutes (in units) a day of ``by`` units may have started from."""
        top = self.shape[3] - 1
        out = [units - by] if units - by >= 0 else []
        if self.merge_minutes and units == top:
            out = list(range(max(0, top - by), top + 1))
        return out

    def costs(
        self, wish: dict[tuple[int, str], float], price: dict[tuple[int, str], float]
    ) -> np.ndarray:
        """cost[d, i]: the wish broken less the price earned by working shift i on day d."""
        cost = np.zeros((self.days, len(self.shifts)))
        index = self.index
        for values, sign in ((wish, 1.0), (price, -1.0)):
            for (d, s), value in values.items():
                i = index.get(s)
                if value and i is not None and 0 <= d < self.days:
                    cost[d, i] += sign * value
        return cost
