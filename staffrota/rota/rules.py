"""The Working Time Regulations and the home's own rota rules, as one engine.

Plain Python with no Django import: the grid, vacancy filling, open shifts, swaps, the
optimiser, the API and imports all ask `check_shift` before a person is put on a shift.
Every refusal names the person, the dates and the rule in words a manager uses.

Statutory rules (Working Time Regulations 1998, registration law) cannot be overridden;
the 48-hour average is lifted only by a signed opt-out. The home's own rules (consecutive
days, role fit, leave and sickness) may be overridden by a manager with a reason.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cached_property, lru_cache
from itertools import repeat
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Europe/London")
HOUR = timedelta(hours=1)

# Which slot roles a person of a given role may fill without an override.
# A senior carer can work a carer's shift; nobody steps up into a role by default.
ROLE_COVERS = {
    "rn": {"rn"},
    "senior": {"senior", "carer"},
    "carer": {"carer"},
    "ancillary": {"ancillary"},
}


@dataclass(frozen=True)
class RotaRules:
    """Limits, per home where the home may choose (the statutory ones are fixed by law)."""

    min_daily_rest: timedelta = timedelta(hours=11)
    weekly_limit_hours: Decimal = Decimal(48)
    reference_weeks: int = 17
    night_limit_hours_per_day: Decimal = Decimal(8)
    max_consecutive_days: int = 6
    night_worker_share: Decimal = Decimal("0.34")  # at least a third of shifts are nights


@dataclass(frozen=True)
class WorkedShift:
    """A shift someone holds or is proposed for. `date` is the day it starts."""

    starts_at: datetime
    ends_at: datetime
    paid_hours: Decimal
    is_night: bool
    shift_id: int | None = None
    label: str = ""

    @cached_property
    def date(self) -> date:
        # Cached: the rules ask every shift its date many times per check.
        return self.starts_at.astimezone(LOCAL).date()

    @cached_property
    def week(self) -> date:
        """The Monday of the week it starts in: the hours rules ask it of every shift."""
        return _monday(self.date)


@dataclass(frozen=True)
class WeekHours:
    """A person's shifts of one week (from its Monday), summed: what the average-hours
    rule needs of the weeks far from the shift, without reading each of those shifts."""

    hours: Decimal
    shifts: int
    nights: int


@dataclass(frozen=True)
class Absence:
    first_day: date
    last_day: date | None  # open sickness has no end yet
    kind: str  # "leave" or "sickness"
    label: str  # "annual leave", "sickness"

    def covers(self, day: date) -> bool:
        return self.first_day <= day and (self.last_day is None or day <= self.last_day)


@dataclass(frozen=True)
class Person:
    staff_id: int
    name: str
    role_code: str
    role_name: str
    registration_required: bool
    registration_number: str
    registration_expiry: date | None
    wtr_opt_out: bool
    contracted_hours: Decimal
    is_bank: bool


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str
    statutory: bool

    @property
    def overridable(self) -> bool:
        return not self.statutory


@dataclass
class Verdict:
    violations: list[Violation] = field(default_factory=list)
    source: str = "contracted"  # contracted, overtime or bank: how the hours are paid
    week_hours_before: Decimal = Decimal(0)

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def statutory(self) -> list[Violation]:
        return [v for v in self.violations if v.statutory]

    def allowed_with_override(self) -> bool:
        """True when only non-statutory rules object, so a manager may override with a reason."""
        return bool(self.violations) and not self.statutory

    def summary(self) -> str:
        return " ".join(v.message for v in self.violations)


def _fmt_day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def _fmt_time(moment: datetime) -> str:
    local = moment.astimezone(LOCAL)
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.1f}".rstrip("0").rstrip(".")


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def check_shift(
    *,
    person: Person,
    shift: WorkedShift,
    slot_role_code: str,
    slot_role_name: str,
    others: list[WorkedShift],
    absences: list[Absence],
    rules: RotaRules = RotaRules(),
    far_weeks: dict[date, WeekHours] | None = None,
) -> Verdict:
    """Every rule for putting `person` on `shift`, given their other shifts and absences.

    `others` are the person's live shifts around the date (at least the reference period
    before and after); the shift being checked must not be among them. Or, with
    `far_weeks`, `others` are only the shifts touching the weeks `near_span` gives and
    `far_weeks` sums the rest by week: only the hours rules look that far, and only at
    weekly totals (the consecutive-days rule too, unless `run_reaches_edge` says so).
    """
    others = [s for s in others if s.shift_id is None or s.shift_id != shift.shift_id]
    verdict = Verdict()
    add = verdict.violations.append
    for check in (
        _overlap,
        _daily_rest,
        _registration,
    ):
        check(person, shift, others, rules, add)
    _role_fit(person, slot_role_code, slot_role_name, shift, add)
    _absence(person, shift, absences, add)
    _consecutive_days(person, shift, others, rules, add)
    _weekly_rest(person, shift, others, rules, add)
    _average_hours(person, shift, others, rules, add, far_weeks or {})
    verdict.week_hours_before, verdict.source = _pay_source(person, shift, others, far_weeks)
    return verdict


def near_span(shift: WorkedShift) -> tuple[datetime, datetime]:
    """From the Monday a week before the shift's week to the Monday two weeks after the
    week it ends in: every shift the overlap, rest and weekly-rest rules can weigh
    touches this span (the weekly rest looks at most at the fortnights the shift is in)."""
    return _near_span(shift.date, shift.ends_at.astimezone(LOCAL).date())


@lru_cache(maxsize=512)
def _near_span(first_day: date, last_day: date) -> tuple[datetime, datetime]:
    # Kept: a check asks it of the same shift once for each of its forty-odd candidates.
    first = _monday(first_day) - timedelta(weeks=1)
    last = _monday(last_day) + timedelta(weeks=2)
    return _period(first, (last - first).days)


def consecutive_run(worked: set[date], day: date) -> tuple[date, date]:
    """The first and last day of the unbroken run of worked days through `day`."""
    first = last = day
    while first - timedelta(days=1) in worked:
        first -= timedelta(days=1)
    while last + timedelta(days=1) in worked:
        last += timedelta(days=1)
    return first, last


def run_reaches_edge(shift: WorkedShift, near: list[WorkedShift]) -> bool:
    """True when the days worked in a row through the shift, as far as the shifts within
    `near_span` show them, reach its first or last day: the run may go on beyond, and
    only all of the person's shifts can tell how far."""
    low, high = near_span(shift)
    first, last = consecutive_run({other.date for other in near} | {shift.date}, shift.date)
    return first <= low.date() or last >= (high - timedelta(days=1)).date()


def _overlap(person, shift, others, rules, add):
    for other in others:
        if other.starts_at < shift.ends_at and shift.starts_at < other.ends_at:
            add(
                Violation(
                    "overlap",
                    f"{person.name} already works {other.label or 'a shift'} "
                    f"{_fmt_time(other.starts_at)}–{other.ends_at.astimezone(LOCAL):%H:%M}, "
                    "which overlaps this shift.",
                    statutory=True,
                )
            )
            return


def _daily_rest(person, shift, others, rules, add):
    """Regulation 10: 11 hours' rest between the end of one shift and the start of the next."""
    for other in others:
        if other.ends_at <= shift.starts_at:
            gap, before, after = shift.starts_at - other.ends_at, other, shift
        elif shift.ends_at <= other.starts_at:
            gap, before, after = other.starts_at - shift.ends_at, shift, other
        else:
            continue  # overlapping: reported by the overlap rule
        if gap < rules.min_daily_rest:
            add(
                Violation(
                    "daily_rest",
                    f"{person.name} would have only {_hours(gap)} hours' rest between the "
                    f"shift ending {_fmt_time(before.ends_at)} and the one starting "
                    f"{_fmt_time(after.starts_at)}; the Working Time Regulations require "
                    f"{_hours(rules.min_daily_rest)}.",
                    statutory=True,
                )
            )
            return


def _registration(person, shift, others, rules, add):
    if not person.registration_required:
        return
    day = shift.date
    if not person.registration_number or person.registration_expiry is None:
        add(
            Violation(
                "registration",
                f"{person.name} has no professional registration on record, which a "
                f"{person.role_name.lower()} needs to be rostered.",
                statutory=True,
            )
        )
    elif person.registration_expiry < day:
        add(
            Violation(
                "registration",
                f"{person.name}'s registration ({person.registration_number}) expired on "
                f"{_fmt_day(person.registration_expiry)}, before this shift on {_fmt_day(day)}.",
                statutory=True,
            )
        )


def _role_fit(person, slot_role_code, slot_role_name, shift, add):
    if slot_role_code in ROLE_COVERS.get(person.role_code, {person.role_code}):
        return
    add(
        Violation(
            "role",
            f"{person.name} is a {person.role_name.lower()}; this shift on "
            f"{_fmt_day(shift.date)} needs a {slot_role_name.lower()}.",
            statutory=False,
        )
    )


def _absence(person, shift, absences, add):
    for absence in absences:
        if absence.covers(shift.date):
            until = f" to {_fmt_day(absence.last_day)}" if absence.last_day else ", not yet back"
            add(
                Violation(
                    absence.kind,
                    f"{person.name} is on {absence.label} on {_fmt_day(shift.date)} "
                    f"({_fmt_day(absence.first_day)}{until}).",
                    statutory=False,
                )
            )
            return


def _consecutive_days(person, shift, others, rules, add):
    first, last = consecutive_run({other.date for other in others} | {shift.date}, shift.date)
    run = (last - first).days + 1
    if run > rules.max_consecutive_days:
        add(
            Violation(
                "consecutive_days",
                f"{person.name} would work {run} days in a row ({_fmt_day(first)} to "
                f"{_fmt_day(last)}); this home allows at most {rules.max_consecutive_days}.",
                statutory=False,
            )
        )


def _free_gaps(busy: list[tuple[datetime, datetime]], start: datetime, end: datetime):
    """Lengths of the free stretches inside [start, end) between the busy intervals.

    In UTC: two times of one zone subtract as wall-clock times, which would make the week
    the clocks change an hour too long or too short."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    gaps, cursor = [], start
    for begin, finish in sorted((b.astimezone(UTC), f.astimezone(UTC)) for b, f in busy):
        begin, finish = max(begin, start), min(finish, end)
        if finish <= start or begin >= end:
            continue
        if begin > cursor:
            gaps.append(begin - cursor)
        cursor = max(cursor, finish)
    if end > cursor:
        gaps.append(end - cursor)
    return gaps


# Kept, as the fortnights below: the weekly-rest rule asks each candidate of a check for
# the same few periods of the shift's weeks (four each), and working out the local
# midnights again was a third of the rule.
@lru_cache(maxsize=1024)
def _period(monday: date, days: int) -> tuple[datetime, datetime]:
    start = datetime.combine(monday, datetime.min.time(), LOCAL)
    return start, datetime.combine(monday + timedelta(days=days), datetime.min.time(), LOCAL)


# Weeks run from midnight between Sunday and Monday (regulation 2); fortnights for the
# 48-hours-in-14-days alternative run in pairs of weeks from a fixed Monday.
_FORTNIGHT_EPOCH = date(2024, 1, 1)
WEEKLY_REST = timedelta(hours=24)
FORTNIGHTLY_REST = timedelta(hours=48)


@lru_cache(maxsize=1024)
def fortnight_start(day: date) -> date:
    """The Monday the fixed fortnight containing `day` starts on."""
    monday = _monday(day)
    return monday - timedelta(days=7 * (((monday - _FORTNIGHT_EPOCH).days // 7) % 2))


def weekly_rest_breaches(busy: list[tuple[datetime, datetime]], first: date) -> list[date]:
    """The Mondays of the fortnight starting `first` whose week has no 24 hours off in one
    piece while the fortnight has neither 48 hours off in one piece nor two 24s."""
    fortnight = [gap for gap in _free_gaps(busy, *_period(first, 14)) if gap >= WEEKLY_REST]
    if len(fortnight) >= 2 or any(gap >= FORTNIGHTLY_REST for gap in fortnight):
        return []
    return [
        monday
        for monday in (first, first + timedelta(days=7))
        if all(gap < WEEKLY_REST for gap in _free_gaps(busy, *_period(monday, 7)))
    ]


def _weekly_rest(person, shift, others, rules, add):
    """Regulation 11: 24 hours off in each week, or 48 hours (or two 24s) in each fortnight.

    Both weeks of every fortnight the shift touches are checked: a shift can take away the
    48 hours off that the fortnight's other week (perhaps already published, or on another
    unit) relied on for its rest."""
    firsts = {fortnight_start(shift.date), fortnight_start(shift.ends_at.astimezone(LOCAL).date())}
    low, high = _period(min(firsts), 14)[0], _period(max(firsts), 14)[1]
    busy = [(s.starts_at, s.ends_at) for s in others if s.starts_at < high and s.ends_at > low]
    busy.append((shift.starts_at, shift.ends_at))
    for first in sorted(firsts):
        for monday in weekly_rest_breaches(busy, first):
            add(
                Violation(
                    "weekly_rest",
                    f"{person.name} would have no 24-hour break in the week starting "
                    f"{_fmt_day(monday)} nor 48 hours off in the fortnight starting "
                    f"{_fmt_day(first)}, as the Working Time Regulations require.",
                    statutory=True,
                )
            )
            return


def _average_hours(person, shift, others, rules, add, far_weeks):
    """Regulations 4 and 6: 48 hours a week on average over the reference period (unless
    opted out), and for night workers 8 hours in 24 on average, which no opt-out lifts."""
    weeks = rules.reference_weeks
    shift_week = shift.week
    reference_start = shift_week - timedelta(weeks=weeks - 1)
    # One pass over the shifts (every candidate's 40-odd, for each vacancy and leave
    # request): hours per week, and the shifts and nights in the reference period.
    totals: dict[date, Decimal] = defaultdict(Decimal)
    nights = in_reference = 0
    for item in others + [shift]:
        week = item.week
        totals[week] += Decimal(item.paid_hours)
        if reference_start <= week <= shift_week:
            in_reference += 1
            nights += 1 if item.is_night else 0
    for week, far in far_weeks.items():
        totals[week] += far.hours
        if reference_start <= week <= shift_week:
            in_reference += far.shifts
            nights += far.nights
    night_worker = shift.is_night and nights >= rules.night_worker_share * in_reference
    limits = []
    if not person.wtr_opt_out:
        limits.append(("weekly_hours", rules.weekly_limit_hours * weeks))
    if night_worker:
        # 8 hours for each day of the period that is not a weekly rest day.
        limits.append(("night_hours", rules.night_limit_hours_per_day * (weeks * 7 - weeks)))
    if not limits:
        return
    # Every reference period that contains the shift's week must stay within the limit:
    # slide a window of `weeks` weeks across the 2 * weeks - 1 weeks around the shift.
    first = shift_week - timedelta(weeks=weeks - 1)
    mondays = _mondays_from(first, 2 * weeks - 1)
    weekly = list(map(totals.get, mondays, repeat(_NONE, len(mondays))))
    total = sum(weekly[:weeks], _NONE)
    for end_offset in range(weeks):
        if end_offset:
            total += weekly[end_offset + weeks - 1] - weekly[end_offset - 1]
        for rule, limit in limits:
            if total > limit:
                first_week = mondays[end_offset]
                last_week = mondays[end_offset + weeks - 1]
                add(_hours_violation(person, rule, total, weeks, first_week, last_week, rules))
                return


_NONE = Decimal(0)


@lru_cache(maxsize=512)
def _mondays_from(first: date, count: int) -> tuple[date, ...]:
    """`count` Mondays from `first`: the same few dozen for every candidate of a check."""
    return tuple(first + timedelta(weeks=n) for n in range(count))


def _hours_violation(person, rule, total, weeks, first_week, last_week, rules) -> Violation:
    span = f"{_fmt_day(first_week)} to {_fmt_day(last_week + timedelta(days=6))}"
    if rule == "weekly_hours":
        average = (total / weeks).quantize(Decimal("0.1"))
        message = (
            f"{person.name} would average {average} hours a week over the {weeks} weeks "
            f"{span}, above the {rules.weekly_limit_hours}-hour limit of the Working Time "
            "Regulations (no opt-out signed)."
        )
    else:
        per_day = (total / (weeks * 7 - weeks)).quantize(Decimal("0.1"))
        message = (
            f"{person.name} works nights and would average {per_day} hours in 24 over the "
            f"{weeks} weeks {span}, above the {rules.night_limit_hours_per_day}-hour limit "
            "for night workers (an opt-out does not lift this one)."
        )
    return Violation(rule, message, statutory=True)


def _pay_source(person, shift, others, far_weeks=None) -> tuple[Decimal, str]:
    """Bank staff are paid as bank; others' hours past their contract in a week are overtime."""
    week = shift.week
    before = sum((Decimal(s.paid_hours) for s in others if s.week == week), Decimal(0))
    if far_weeks and week in far_weeks:  # never, with `near_span`: kept for other callers
        before += far_weeks[week].hours
    if person.is_bank:
        return before, "bank"
    if before + Decimal(shift.paid_hours) > person.contracted_hours:
        return before, "overtime"
    return before, "contracted"
