"""Problem and solution dataclasses of the rota optimiser.

The same model carries a public benchmark instance (see ``benchmark.py``) and a care
home's rota (filled by the Django adapter). Days are integers ``0 .. days-1`` counted from
``Problem.start``; money is in pence and every other weight is in penalty points, where one
point is worth one penny, so the objective adds both without conversion.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

#: Sources of paid hours, in the order the cost summary shows them.
SOURCES = ("contracted", "overtime", "bank", "agency")


class ProblemError(ValueError):
    """The problem is malformed (unknown ids, negative numbers, ...); the message says where."""


@dataclass(frozen=True)
class ShiftType:
    """A kind of shift: its length, start time, and which shifts may not follow it next day."""

    id: str
    minutes: int
    #: Start time in minutes after midnight; only used to derive rest rules and for display.
    start_minute: int | None = None
    #: Shift ids that must not be worked on the day after this one (rest between shifts).
    forbidden_next: frozenset[str] = frozenset()
    #: Counts towards the fair share of nights.
    night: bool = False
    #: Minutes from start to end, unpaid breaks included (``minutes`` when not given);
    #: only the weekly rest looks at it.
    length_minutes: int | None = None

    @property
    def span_minutes(self) -> int:
        """How long the shift keeps the person from resting, in minutes."""
        return self.minutes if self.length_minutes is None else self.length_minutes


@dataclass(frozen=True)
class MinutesWindow:
    """At most ``max_minutes`` (and at least ``min_minutes``) worked in days [first, first+days).

    A 48-hour week is ``MinutesWindow(first, 7, 2880)``; the 17-week average is one window of
    119 days whose maximum has the minutes already worked before the period taken off.
    """

    first_day: int
    days: int
    max_minutes: int | None = None
    min_minutes: int = 0


@dataclass(frozen=True)
class Contract:
    """Working-time rules of one person. ``None`` means no limit."""

    min_minutes: int = 0
    max_minutes: int | None = None
    #: Maximum number of shifts of a type over the horizon; 0 means never that type.
    max_shifts: Mapping[str, int] = field(default_factory=dict)
    min_consecutive_shifts: int = 1
    max_consecutive_shifts: int | None = None
    min_consecutive_days_off: int = 1
    max_weekends: int | None = None
    windows: tuple[MinutesWindow, ...] = ()


@dataclass(frozen=True)
class Pay:
    """Hourly cost in pence. ``contracted_minutes`` are paid at ``hourly``, beyond at ``overtime``.

    A bank worker has ``source="bank"`` and no overtime. The benchmark uses zero pay.
    """

    source: str = "contracted"
    hourly: int = 0
    overtime_hourly: int | None = None
    contracted_minutes: int | None = None


@dataclass(frozen=True)
class Staff:
    """One person who can be rostered."""

    id: str
    name: str = ""
    #: Roles this person may fill, e.g. {"nurse"}; a cover line with role None accepts anyone.
    roles: frozenset[str] = frozenset()
    contract: Contract = field(default_factory=Contract)
    pay: Pay = field(default_factory=Pay)
    #: Day -> shift id that is already published and must not change.
    fixed: Mapping[int, str] = field(default_factory=dict)
    #: Day -> reason the person cannot work ("annual leave", "registration expired", ...).
    unavailable: Mapping[int, str] = field(default_factory=dict)
    #: Shift worked the day before the period (rest rule on day 0) and the run of worked days
    #: ending that day (maximum consecutive shifts across the boundary).
    shift_before: str | None = None
    days_worked_before: int = 0
    #: Times the person works outside the roster's cells, as (start, end) in minutes from
    #: midnight at the start of day 0 (negative before it, past the horizon after it):
    #: shifts before the period, after the horizon, a second shift on one day. Only the
    #: weekly rest looks at them.
    busy: tuple[tuple[int, int], ...] = ()

    @property
    def label(self) -> str:
        """Name for messages: the name if known, else the id."""
        return self.name or self.id


@dataclass(frozen=True)
class Cover:
    """How many people a shift needs on a day, optionally of one role.

    Below ``preferred`` costs ``under_weight`` per missing person, above it ``over_weight`` per
    extra person. Below ``minimum`` additionally costs ``shortfall_weight`` per person, or is
    impossible when ``hard`` is set.
    """

    day: int
    shift: str
    preferred: int
    role: str | None = None
    minimum: int = 0
    under_weight: int = 0
    over_weight: int = 0
    shortfall_weight: int = 0
    hard: bool = False


@dataclass(frozen=True)
class Request:
    """A wish of one person: work ``shift`` (on) or not work it (off) on ``day``.

    ``shift=None`` on an off request means "any shift", i.e. a day off request.
    """

    staff: str
    day: int
    shift: str | None
    weight: int
    on: bool


@dataclass(frozen=True)
class Agency:
    """An unlimited pool of agency workers for the given roles (None: any role) at a cost."""

    hourly: int
    roles: frozenset[str] | None = None
    max_per_shift: int | None = None


@dataclass(frozen=True)
class FairnessGoal:
    """Spread nights or weekends evenly: ``weight`` per unit of (most - fewest) in the group."""

    kind: str  # "nights" or "weekends"
    weight: int
    #: Staff ids in the group; empty means everyone.
    staff: frozenset[str] = frozenset()


@dataclass(frozen=True)
class WeeklyRest:
    """Regulation 11 of the Working Time Regulations: 24 hours off in one piece in each
    week, or else 48 hours in one piece in the fortnight the week belongs to.

    Weeks and fortnights are fixed: a fortnight starts on day ``fortnight_start`` (any day
    of that fortnightly rhythm, negative allowed) and its second week seven days later.
    Rest is measured inside the week or fortnight, from shift start and end times (every
    shift type needs ``start_minute``). The law also accepts two separate 24 hours in the
    fortnight; the solver does not count on that, so what it proposes is always legal.

    Times are wall-clock minutes. ``skipped_hours`` lists the minutes (from midnight at
    the start of day 0) at which the clocks go forward an hour: a stretch over one is an
    hour shorter than its wall-clock length.
    """

    fortnight_start: int = 0
    skipped_hours: tuple[int, ...] = ()


@dataclass(frozen=True)
class Problem:
    """Everything the solver and the evaluator need to build and score a rota."""

    days: int
    shift_types: tuple[ShiftType, ...]
    staff: tuple[Staff, ...]
    covers: tuple[Cover, ...] = ()
    requests: tuple[Request, ...] = ()
    agency: Agency | None = None
    fairness: tuple[FairnessGoal, ...] = ()
    #: Date of day 0 for messages; the weekday of day 0 decides which days are weekends.
    start: dt.date | None = None
    #: Weekday of day 0 (0 = Monday) when ``start`` is not given.
    first_weekday: int = 0
    name: str = ""
    #: The weekly rest rule, when the problem has one (care homes do; the benchmark not).
    weekly_rest: WeeklyRest | None = None

    def __post_init__(self) -> None:
        validate(self)

    # Lookups used by the solver, the evaluator and the messages.
    @property
    def shift_by_id(self) -> dict[str, ShiftType]:
        """Shift types by id."""
        return {s.id: s for s in self.shift_types}

    @property
    def staff_by_id(self) -> dict[str, Staff]:
        """Staff by id."""
        return {s.id: s for s in self.staff}

    def weekday(self, day: int) -> int:
        """Weekday of a day, 0 = Monday."""
        first = self.start.weekday() if self.start else self.first_weekday
        return (first + day) % 7

    def weekends(self) -> list[tuple[int, ...]]:
        """Calendar weekends inside the horizon, each as its Saturday/Sunday day numbers."""
        result: dict[int, list[int]] = {}
        for day in range(self.days):
            if self.weekday(day) >= 5:
                # Key a weekend by its Saturday so a Sunday on day 0 is a weekend of its own.
                sat = day - (self.weekday(day) - 5)
                result.setdefault(sat, []).append(day)
        return [tuple(v) for _, v in sorted(result.items())]

    def day_label(self, day: int) -> str:
        """Human label, "Tue 3 Mar" when the start date is known, else "day 12 (Sat)"."""
        names = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
        if self.start:
            date = self.start + dt.timedelta(days=day)
            return f"{names[date.weekday()]} {date.day} {date.strftime('%b')}"
        return f"day {day} ({names[self.weekday(day)]})"

    def can_work(self, staff: Staff, shift: str) -> bool:
        """Whether the contract allows this shift type at all."""
        return staff.contract.max_shifts.get(shift, 1) > 0


def validate(problem: Problem) -> None:
    """Raise ProblemError naming the first inconsistent item; called on construction."""
    if problem.days < 1:
        raise ProblemError(f"the horizon must be at least one day, got {problem.days}")
    shifts = _unique((s.id for s in problem.shift_types), "shift type")
    if not shifts:
        raise ProblemError("the problem has no shift types")
    _unique((s.id for s in problem.staff), "staff member")
    for s in problem.shift_types:
        if s.minutes <= 0:
            raise ProblemError(f"shift {s.id!r} must last a positive number of minutes")
        _known(s.forbidden_next, shifts, f"shift {s.id!r} forbidden successors")
    if problem.weekly_rest is not None:
        for s in problem.shift_types:
            if s.start_minute is None:
                raise ProblemError(f"shift {s.id!r} needs a start time for the weekly rest")
    staff_ids = {s.id for s in problem.staff}
    for person in problem.staff:
        where = f"staff {person.id!r}"
        c = person.contract
        _known(c.max_shifts, shifts, f"{where} maximum shifts")
        _known(person.fixed.values(), shifts, f"{where} fixed shifts")
        if person.shift_before is not None:
            _known([person.shift_before], shifts, f"{where} shift before the period")
        for day in [*person.fixed, *person.unavailable]:
            _day(problem, day, where)
        if c.max_minutes is not None and c.min_minutes > c.max_minutes:
            raise ProblemError(
                f"{where}: minimum {c.min_minutes} minutes is above maximum {c.max_minutes}"
            )
        if any(v < 0 for v in c.max_shifts.values()) or c.min_minutes < 0:
            raise ProblemError(f"{where}: limits must not be negative")
        if c.max_consecutive_shifts is not None and c.max_consecutive_shifts < 1:
            raise ProblemError(f"{where}: maximum consecutive shifts must be at least 1")
    for cover in problem.covers:
        where = f"cover on day {cover.day} shift {cover.shift!r}"
        _day(problem, cover.day, where)
        _known([cover.shift], shifts, where)
        if min(cover.preferred, cover.minimum) < 0:
            raise ProblemError(f"{where}: numbers of staff must not be negative")
    for req in problem.requests:
        where = f"request of {req.staff!r} on day {req.day}"
        _known([req.staff], staff_ids, where)
        _day(problem, req.day, where)
        if req.shift is not None:
            _known([req.shift], shifts, where)
        elif req.on:
            raise ProblemError(f"{where}: an on request must name a shift")
    for goal in problem.fairness:
        if goal.kind not in ("nights", "weekends"):
            raise ProblemError(f"unknown fairness goal {goal.kind!r}; use nights or weekends")
        _known(goal.staff, staff_ids, f"fairness goal {goal.kind}")


def _unique(ids: Iterable[str], what: str) -> set[str]:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise ProblemError(f"{what} id {i!r} appears twice")
        seen.add(i)
    return seen


def _known(ids: Iterable[str], known: set[str], where: str) -> None:
    for i in ids:
        if i not in known:
            raise ProblemError(f"{where}: unknown id {i!r}")


def _day(problem: Problem, day: int, where: str) -> None:
    if not 0 <= day < problem.days:
        raise ProblemError(f"{where}: day {day} is outside the horizon 0..{problem.days - 1}")


@dataclass
class Roster:
    """A solution: for each staff id, one entry per day, a shift id or None for off.

    ``roles`` says which role a person fills when they could fill several; ``agency`` counts
    agency workers booked per (day, shift, role).
    """

    shifts: dict[str, list[str | None]]
    roles: dict[tuple[str, int], str] = field(default_factory=dict)
    agency: dict[tuple[int, str, str | None], int] = field(default_factory=dict)


@dataclass
class Progress:
    """Reported to the progress callback on every improving solution."""

    elapsed_s: float
    objective: float
    bound: float
    phase: str


@dataclass
class Solution:
    """What ``solve`` returns. ``roster`` is None only when no feasible roster was found."""

    status: str  # OPTIMAL, FEASIBLE, INFEASIBLE, UNKNOWN (time out before any roster), CANCELLED
    roster: Roster | None
    objective: float | None
    bound: float | None
    wall_time_s: float
    #: Plain sentences for the manager: why no roster, or which requirements stay unmet.
    messages: list[str] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        """True when a roster satisfying every hard rule was found."""
        return self.roster is not None
