"""Cover after a leave: for each shift the person would miss, who is left against the minimum.

Only the published rota binds: a draft is the manager's working copy, not a promise to the
home. A day whose rota is drafted but not published is judged like a day with no rota (the
unit's people against the requirement, `DayEstimate`), and the person's draft shift that day
is listed in `Coverage.drafts`: approving the leave makes it a vacancy on the draft for the
manager to fill before publishing.

Reads a fixed number of queries whatever the length of the leave: the shifts of the units
involved, absences in the home, requirements and the unit's staff. The result is plain
data for the rules in `engine.py` and the impact analysis in `impact.py`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Q

from staffrota.leave.models import LeaveRequest, LeaveStatus, SicknessAbsence
from staffrota.organisation.models import (
    ContractType,
    JobRole,
    ShiftType,
    StaffingRequirement,
    StaffMember,
    Unit,
)
from staffrota.rota.kept_sql import kept_rows
from staffrota.rota.models import Shift, ShiftSource, ShiftStatus

# The hook for forecast-raised requirements: each callable gets (unit_id, shift_type_id,
# job_role_id, day, minimum) and returns the minimum it wants; the highest wins. The
# forecaster registers itself here when it lands; until then the requirement table rules.
REQUIREMENT_RAISERS: list[Callable[[int, int, int, date, int], int]] = []

# Beyond the rota, the unit's own overtime and bank hours count as available at the daily
# rate they ran at over these weeks before the request (agency does not: it is not the
# home's staff, and it is the cover of last resort).
RECENT_WEEKS = 8


def days_between(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


@dataclass(frozen=True)
class SlotCheck:
    """One published shift the person would miss, and the cover left on its slot."""

    day: date
    unit_id: int
    unit_name: str
    shift_type_id: int
    shift_type_name: str
    job_role_id: int
    job_role_name: str
    shift_id: int
    remaining: int  # people still on the slot once this person is off
    minimum: int

    @property
    def short(self) -> int:
        return max(0, self.minimum - self.remaining)


@dataclass(frozen=True)
class DraftShift:
    """A shift the person holds on a draft rota: approving the leave vacates it."""

    day: date
    unit_name: str
    shift_type_name: str
    shift_id: int

    def describe(self) -> str:
        from staffrota.leave.entitlement import fmt_day

        return f"{fmt_day(self.day)} ({self.shift_type_name}, {self.unit_name})"


@dataclass(frozen=True)
class DayEstimate:
    """A day with no rota yet: hours the unit's people of the role can give that day,
    against the hours the requirement asks of that role.

    `contracted_hours`: a seventh of the contracted week of each of the unit's permanent
    people of the role who is employed, not on approved leave and not sick that day (the
    requester excluded). `extra_hours`: the overtime and bank hours a day the unit's shifts
    of that role were given over the `RECENT_WEEKS` weeks before the request."""

    day: date
    unit_id: int
    unit_name: str
    job_role_id: int
    job_role_name: str
    available_hours: Decimal
    required_hours: Decimal
    contracted_hours: Decimal = Decimal(0)
    extra_hours: Decimal = Decimal(0)
    own_hours: Decimal = Decimal(0)  # what the requester would give that day (a seventh)
    # The unit's own bank of the role (bank staff based on it or covering it, not away that
    # day) and the longest shift the role works that day: what one call to the bank gives.
    bank_people: int = 0
    bank_shift_hours: Decimal = Decimal(0)

    @property
    def short_hours(self) -> Decimal:
        """Short of the requirement once the person is off."""
        return max(Decimal(0), self.required_hours - self.available_hours)

    @property
    def short_before(self) -> Decimal:
        """Short of the requirement even with the person at work: the unit's own people
        cannot staff the day and the rota will fill it from bank or agency anyway."""
        return max(Decimal(0), self.required_hours - self.available_hours - self.own_hours)

    @property
    def made_short(self) -> bool:
        """The leave itself turns a day the unit's people cover into a short one."""
        return self.short_hours > 0 and self.short_before == 0

    @property
    def bank_fills(self) -> bool:
        """One shift from one of the unit's own bank people makes up what the leave takes."""
        return self.bank_people > 0 and self.short_hours <= self.bank_shift_hours

    @property
    def blocks(self) -> bool:
        """The leave turns a covered day into a short one beyond what the unit's bank gives."""
        return self.made_short and not self.bank_fills


@dataclass
class Coverage:
    slots: list[SlotCheck] = field(default_factory=list)
    estimates: list[DayEstimate] = field(default_factory=list)
    days_off: list[date] = field(default_factory=list)  # rota exists, person not on it
    affected_shift_ids: list[int] = field(default_factory=list)
    drafts: list[DraftShift] = field(default_factory=list)  # vacated on approval

    @property
    def short_slots(self) -> list[SlotCheck]:
        return [slot for slot in self.slots if slot.short]

    @property
    def short_estimates(self) -> list[DayEstimate]:
        return [estimate for estimate in self.estimates if estimate.short_hours > 0]

    @property
    def blocking_estimates(self) -> list[DayEstimate]:
        """Days with no published rota that this leave itself makes short, by more than a
        shift of the unit's own bank: the only estimate days that fail the cover rule
        (within the planned leave allowance, a unit short before the leave is the rota's
        to fill from bank or agency, as budgeted)."""
        return [estimate for estimate in self.estimates if estimate.blocks]


def minimum_for(base: dict, unit_id: int, type_id: int, role_id: int, day: date) -> int:
    minimum = base.get((unit_id, type_id, role_id, day.weekday()), 0)
    for raiser in REQUIREMENT_RAISERS:
        minimum = max(minimum, raiser(unit_id, type_id, role_id, day, minimum))
    return minimum


def absent_on(home_id: int, start: date, end: date, *, exclude_request: int | None = None):
    """{staff_id: set of days} for approved whole-day leave and sickness in the home."""
    absent: dict[int, set[date]] = defaultdict(set)
    values = {"home_id": home_id, "start": start, "end": end}
    if exclude_request is not None:
        values["exclude_request"] = exclude_request
    for staff_id, first, last in kept_rows(_leave_rows, **values):
        absent[staff_id].update(days_between(max(first, start), min(last, end)))
    values.pop("exclude_request", None)
    for staff_id, first, last, expected in kept_rows(_sickness_rows, **values):
        last = last or expected or end  # still off: assume through the period asked about
        absent[staff_id].update(days_between(max(first, start), min(last, end)))
    return absent


def _leave_rows(home_id, start, end, exclude_request=None):
    leave = LeaveRequest.objects.filter(
        care_home_id=home_id,
        status=LeaveStatus.APPROVED,
        part_day=False,
        start_date__lte=end,
        end_date__gte=start,
    )
    if exclude_request is not None:
        leave = leave.exclude(pk=exclude_request)
    return leave.values_list("staff_id", "start_date", "end_date")


def _sickness_rows(home_id, start, end):
    sickness = SicknessAbsence.objects.filter(care_home_id=home_id, start_date__lte=end).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=start)
    )
    return sickness.values_list("staff_id", "start_date", "end_date", "expected_end_date")


def _own_rows(staff_id, start, end):
    return (
        Shift.objects.filter(staff_id=staff_id, date__range=(start, end))
        .exclude(status=ShiftStatus.CANCELLED)
        .values_list("pk", "date", "unit_id")
    )


def _unit_rows(unit_ids, start, end):
    return (
        Shift.objects.filter(unit_id__in=unit_ids, date__range=(start, end))
        .exclude(status=ShiftStatus.CANCELLED)
        .values_list(
            "pk", "unit_id", "date", "shift_type_id", "job_role_id", "staff_id", "status", "source"
        )
    )


class TypeHours(NamedTuple):
    """What the cover reads of a shift type."""

    name: str
    paid_hours: Decimal


def _type_rows(home_id):
    return ShiftType.objects.filter(care_home_id=home_id).values_list("pk", "name", "paid_hours")


def _role_rows():
    return JobRole.objects.values_list("pk", "name")


def _requirement_rows(unit_ids):
    return StaffingRequirement.objects.filter(unit_id__in=unit_ids).values_list(
        "unit_id", "shift_type_id", "job_role_id", "weekday", "minimum"
    )


def present_on_slot(rows, *, unit_id, day, type_id, role_id, counted, absent, without=None):
    """People on a slot: a staff member who is not away that day, or confirmed agency
    (a rota shift covered by an agency worker has no staff record)."""
    return sum(
        1
        for _, u, d, t, r, holder, status, source in rows
        if u == unit_id
        and d == day
        and t == type_id
        and r == role_id
        and status in counted
        and (
            (holder is None and source == ShiftSource.AGENCY)
            or (holder is not None and holder != without and day not in absent.get(holder, ()))
        )
    )


def coverage_after_leave(
    *, staff: StaffMember, start: date, end: date, today: date | None = None
) -> Coverage:
    """What the rota looks like on each day of the leave once `staff` is off; `today` (the
    day of the request) sets the weeks whose overtime and bank hours count beyond the rota."""
    days = days_between(start, end)
    home_unit = staff.home_unit
    # Read through `kept_rows`: the SQL of these five queries is written once per process,
    # not built again for every request (each cost some 3,000 Python calls).
    own = kept_rows(_own_rows, staff_id=staff.pk, start=start, end=end)
    unit_ids = {home_unit.pk} | {unit_id for _, _, unit_id in own}
    if unit_ids == {home_unit.pk}:  # rostered on their own unit only, as mostly
        units = {home_unit.pk: home_unit.name}
    else:
        units = {unit.pk: unit.name for unit in Unit.objects.filter(pk__in=unit_ids)}
    rows = kept_rows(_unit_rows, unit_ids=sorted(unit_ids), start=start, end=end)
    drafted = {(unit_id, day) for _, unit_id, day, *_ in rows}
    counted = {"published"}
    absent = absent_on(staff.care_home_id, start, end)
    base = {
        (unit_id, type_id, role_id, weekday): minimum
        for unit_id, type_id, role_id, weekday, minimum in kept_rows(
            _requirement_rows, unit_ids=sorted(unit_ids)
        )
    }
    types = {
        pk: TypeHours(name, paid_hours)
        for pk, name, paid_hours in kept_rows(_type_rows, home_id=staff.care_home_id)
    }
    roles = dict(kept_rows(_role_rows))

    coverage = Coverage()
    by_row = {row[0]: row for row in rows}
    own_by_day: dict[date, list[int]] = defaultdict(list)
    for pk, day, _ in own:
        own_by_day[day].append(pk)
    estimate_days = []
    for day in days:
        if own_by_day.get(day):
            for shift_id in own_by_day[day]:
                _, unit_id, _, type_id, role_id, _, status, _ = by_row[shift_id]
                coverage.affected_shift_ids.append(shift_id)
                if status != "published":
                    # The manager's to refill: judged like a day with no rota.
                    coverage.drafts.append(
                        DraftShift(
                            day=day,
                            unit_name=units.get(unit_id, ""),
                            shift_type_name=types[type_id].name if type_id in types else "",
                            shift_id=shift_id,
                        )
                    )
                    if not estimate_days or estimate_days[-1] != day:
                        estimate_days.append(day)
                    continue
                remaining = present_on_slot(
                    rows,
                    unit_id=unit_id,
                    day=day,
                    type_id=type_id,
                    role_id=role_id,
                    counted=counted,
                    absent=absent,
                    without=staff.pk,
                )
                coverage.slots.append(
                    SlotCheck(
                        day=day,
                        unit_id=unit_id,
                        unit_name=units.get(unit_id, ""),
                        shift_type_id=type_id,
                        shift_type_name=types[type_id].name if type_id in types else "",
                        job_role_id=role_id,
                        job_role_name=roles.get(role_id, ""),
                        shift_id=shift_id,
                        remaining=remaining,
                        minimum=minimum_for(base, unit_id, type_id, role_id, day),
                    )
                )
        elif (home_unit.pk, day) in drafted:
            coverage.days_off.append(day)
        else:
            estimate_days.append(day)
    if estimate_days:
        extra = _recent_extra_hours(home_unit.pk, staff.job_role_id, today or start)
        coverage.estimates = _estimates(staff, home_unit, estimate_days, absent, base, types, extra)
    return coverage


def _recent_extra_hours(unit_id: int, role_id: int, today: date) -> Decimal:
    """Overtime and bank hours a day on the unit's shifts of this role, over the
    `RECENT_WEEKS` weeks before `today`: what its own people have been giving on top of
    their contracts."""
    days = RECENT_WEEKS * 7
    total = kept_rows(
        _extra_rows,
        unit_id=unit_id,
        role_id=role_id,
        first=today - timedelta(days=days),
        last=today - timedelta(days=1),
    )
    return sum((paid for (paid,) in total), Decimal(0)) / days


def _extra_rows(unit_id, role_id, first, last):
    return (
        Shift.objects.filter(
            unit_id=unit_id,
            job_role_id=role_id,
            date__range=(first, last),
            staff__isnull=False,
            source__in=(ShiftSource.OVERTIME, ShiftSource.BANK),
        )
        .exclude(status=ShiftStatus.CANCELLED)
        .values_list("paid_hours")
    )


def _pool_rows(unit_id, role_id, staff_id, first, last):
    return (
        StaffMember.objects.filter(
            home_unit_id=unit_id,
            job_role_id=role_id,
            contract_type=ContractType.PERMANENT,
            started_on__lte=last,
        )
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=first))
        .exclude(pk=staff_id)
        .values_list("pk", "contracted_hours", "started_on", "left_on")
    )


def _bank_rows(home_id, unit_id, role_id, staff_id, first, last):
    return (
        StaffMember.objects.filter(
            care_home_id=home_id,
            job_role_id=role_id,
            contract_type=ContractType.BANK,
            started_on__lte=last,
        )
        .filter(Q(home_unit_id=unit_id) | Q(other_units=unit_id))
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=first))
        .exclude(pk=staff_id)
        .distinct()
        .values_list("pk", "started_on", "left_on")
    )


def _estimates(staff, home_unit, days, absent, base, types, extra) -> list[DayEstimate]:
    """No rota yet: the hours the unit's people of this role can give that day (a seventh of
    each present person's contracted week, plus the recent overtime and bank a day) against
    the hours the requirement, raised by the forecast, asks of the role."""
    role_id = staff.job_role_id
    first, last = days[0], days[-1]
    # Through `kept_rows`, as the rota's reads above: the SQL written once per process.
    people = {"unit_id": home_unit.pk, "role_id": role_id, "staff_id": staff.pk}
    pool = kept_rows(_pool_rows, **people, first=first, last=last)
    bank = kept_rows(_bank_rows, home_id=staff.care_home_id, **people, first=first, last=last)
    estimates = []
    for day in days:
        # Once per shift type and day: each raiser reads the unit's forecast from the cache.
        minimums = {
            type_id: minimum_for(base, home_unit.pk, type_id, role_id, day) for type_id in types
        }
        required = sum(
            (
                Decimal(minimums[type_id]) * Decimal(shift_type.paid_hours)
                for type_id, shift_type in types.items()
            ),
            Decimal(0),
        )
        if not required:
            continue
        contracted = sum(
            (
                Decimal(weekly) / 7
                for pk, weekly, started, left in pool
                if started <= day
                and (left is None or left >= day)
                and day not in absent.get(pk, ())
            ),
            Decimal(0),
        )
        tenth = Decimal("0.1")
        own = Decimal(staff.contracted_hours) / 7
        longest = max(
            (
                Decimal(shift_type.paid_hours)
                for type_id, shift_type in types.items()
                if minimums[type_id]
            ),
            default=Decimal(0),
        )
        on_bank = sum(
            1
            for pk, started, left in bank
            if started <= day and (left is None or left >= day) and day not in absent.get(pk, ())
        )
        estimates.append(
            DayEstimate(
                day=day,
                unit_id=home_unit.pk,
                unit_name=home_unit.name,
                job_role_id=role_id,
                job_role_name=staff.job_role.name,
                available_hours=(contracted + extra).quantize(tenth),
                required_hours=required,
                contracted_hours=contracted.quantize(tenth),
                extra_hours=extra.quantize(tenth),
                own_hours=own.quantize(tenth),
                bank_people=on_bank,
                bank_shift_hours=longest,
            )
        )
    return estimates
