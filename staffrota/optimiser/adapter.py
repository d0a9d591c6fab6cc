"""Maps the database onto the engine's Problem, and the engine's roster back to shifts.

Shift ids in the problem are one per (unit, shift type), so one model covers a whole home:
a person may only work the units they belong to (home unit and cover units). Roles are
named by their display name so the engine's messages read as a manager would write them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q

from staffrota.forecasting.staffing import requirement_for
from staffrota.optimiser.engine.model import (
    Contract,
    Cover,
    MinutesWindow,
    Pay,
    Problem,
    ShiftType,
    Staff,
)
from staffrota.organisation.models import (
    JobRole,
    StaffingRequirement,
    StaffMember,
    Unit,
    UnitCover,
)
from staffrota.organisation.models import ShiftType as DbShiftType
from staffrota.rota.eligibility import load_absences
from staffrota.rota.models import Shift, ShiftSource, ShiftStatus
from staffrota.rota.rules import ROLE_COVERS

MIN_REST = 11 * 60
WEEK_LIMIT = 48 * 60
#: Penalty (pence) per person below a minimum: far above any pay, so cover comes first.
SHORTFALL_WEIGHT = 100_000


def pence(amount: Decimal) -> int:
    return int((Decimal(amount) * 100).quantize(Decimal("1")))


@dataclass
class Mapping:
    """The problem plus what is needed to turn its roster back into database rows."""

    problem: Problem
    start: date
    units: list[Unit]
    #: Engine shift id -> (unit, shift type).
    slots: dict[str, tuple[Unit, DbShiftType]]
    staff: dict[str, StaffMember]
    roles: dict[str, JobRole]
    #: Engine staff id -> day -> shift id that was fixed (published or already held).
    fixed: dict[str, dict[int, str]] = field(default_factory=dict)

    def day(self, index: int) -> date:
        return self.start + timedelta(days=index)


def _minutes(value) -> int:
    return value.hour * 60 + value.minute


def _length(st: DbShiftType) -> int:
    return (_minutes(st.ends) - _minutes(st.starts)) % 1440 or 1440


def slot_id(unit: Unit, st: DbShiftType) -> str:
    return f"{unit.name} {st.name}"


def build_problem(*, units: list[Unit], start: date, weeks: int) -> Mapping:
    """Everything the solver needs about `units` for `weeks` weeks from `start`.

    Call inside the home's scope.
    """
    home = units[0].care_home
    days = 7 * weeks
    end = start + timedelta(days=days - 1)
    unit_ids = [u.pk for u in units]
    types = list(DbShiftType.objects.filter(care_home=home).order_by("starts", "code"))
    slots: dict[str, tuple[Unit, DbShiftType]] = {}
    for unit in units:
        for st in types:
            slots[slot_id(unit, st)] = (unit, st)
    slot_of = {(u.pk, st.pk): sid for sid, (u, st) in slots.items()}

    shift_types = []
    for sid, (_unit, st) in slots.items():
        ends = _minutes(st.starts) + _length(st)
        forbidden = frozenset(
            other
            for other, (_u2, st2) in slots.items()
            if 1440 + _minutes(st2.starts) - ends < MIN_REST
        )
        shift_types.append(
            ShiftType(
                id=sid,
                minutes=int(st.paid_hours * 60),
                start_minute=_minutes(st.starts),
                forbidden_next=forbidden,
                night=st.is_night,
            )
        )

    roles = {r.name: r for r in JobRole.objects.all()}
    role_by_code = {r.code: r for r in roles.values()}

    cover_units = defaultdict(set)
    for staff_id, unit_id in UnitCover.objects.filter(unit_id__in=unit_ids).values_list(
        "staff_id", "unit_id"
    ):
        cover_units[staff_id].add(unit_id)
    people = list(
        StaffMember.objects.filter(care_home=home)
        .filter(Q(home_unit_id__in=unit_ids) | Q(pk__in=list(cover_units)))
        .exclude(left_on__lt=start)
        .exclude(started_on__gt=end)
        .select_related("user", "job_role")
        .order_by("pk")
    )
    ids = [p.pk for p in people]
    absences = load_absences(ids, start, end)
    history_start = start - timedelta(days=17 * 7)
    held = (
        Shift.objects.filter(staff_id__in=ids, date__range=(history_start, end))
        .exclude(status=ShiftStatus.CANCELLED)
        .values_list("staff_id", "date", "unit_id", "shift_type_id", "paid_hours", "status")
    )
    by_person: dict[int, list[tuple]] = defaultdict(list)
    for row in held:
        by_person[row[0]].append(row)

    staff: list[Staff] = []
    members: dict[str, StaffMember] = {}
    fixed_all: dict[str, dict[int, str]] = {}
    for person in people:
        sid = str(person.pk)
        members[sid] = person
        allowed_units = {person.home_unit_id} | cover_units.get(person.pk, set())
        max_shifts = {s: 0 for s, (u, _) in slots.items() if u.pk not in allowed_units}
        unavailable: dict[int, str] = {}
        fixed: dict[int, str] = {}
        outside_minutes: dict[int, int] = defaultdict(int)  # day offset (may be < 0) -> minutes
        shift_before = None
        worked_days: set[int] = set()
        for _, day, unit_id, type_id, hours, _status in by_person.get(person.pk, []):
            offset = (day - start).days
            minutes = int(hours * 60)
            worked_days.add(offset)
            in_problem = slot_of.get((unit_id, type_id))
            if offset >= 0:
                if in_problem and offset not in fixed:
                    fixed[offset] = in_problem
                else:
                    unavailable.setdefault(offset, "on a shift on another unit")
                    outside_minutes[offset] += minutes
            else:
                outside_minutes[offset] += minutes
                if offset == -1 and in_problem:
                    shift_before = in_problem
        before = 0
        while -(before + 1) in worked_days:
            before += 1
        for offset in range(days):
            day = start + timedelta(days=offset)
            for absence in absences.get(person.pk, []):
                if absence.covers(day):
                    unavailable.setdefault(offset, absence.label)
            if day < person.started_on or (person.left_on and day > person.left_on):
                unavailable.setdefault(offset, "not employed then")
            role = person.job_role
            if role.requires_registration and (
                not person.registration_number
                or person.registration_expiry is None
                or person.registration_expiry < day
            ):
                unavailable.setdefault(offset, "registration expired or missing")
        for offset in fixed:
            unavailable.pop(offset, None)
        windows: list[MinutesWindow] = []
        if not person.wtr_opt_out:
            monday = -start.weekday()
            while monday < days:
                used = sum(m for d, m in outside_minutes.items() if monday <= d < monday + 7)
                first = max(0, monday)
                windows.append(
                    MinutesWindow(first, min(days, monday + 7) - first, max(0, WEEK_LIMIT - used))
                )
                monday += 7
            history = sum(m for d, m in outside_minutes.items() if d >= -(17 * 7 - days))
            windows.append(MinutesWindow(0, days, max(0, 17 * WEEK_LIMIT - history)))
        is_bank = person.contract_type == "bank"
        rate = pence(person.hourly_rate)
        pay = Pay(
            source="bank" if is_bank else "contracted",
            hourly=rate,
            overtime_hourly=None if is_bank else pence(person.hourly_rate * home.overtime_premium),
            contracted_minutes=None if is_bank else int(person.contracted_hours * 60 * weeks),
        )
        covers_codes = ROLE_COVERS.get(person.job_role.code, {person.job_role.code})
        staff.append(
            Staff(
                id=sid,
                name=person.full_name,
                roles=frozenset(role_by_code[c].name for c in covers_codes if c in role_by_code),
                contract=Contract(
                    max_shifts=max_shifts,
                    max_consecutive_shifts=home.max_consecutive_days,
                    windows=tuple(windows),
                ),
                pay=pay,
                fixed=fixed,
                unavailable=unavailable,
                shift_before=shift_before,
                days_worked_before=before,
            )
        )
        fixed_all[sid] = fixed

    # Confirmed agency cover already in place counts towards the minimum.
    agency = defaultdict(int)
    for row in (
        Shift.objects.filter(unit_id__in=unit_ids, date__range=(start, end), staff__isnull=True)
        .filter(source=ShiftSource.AGENCY)
        .exclude(status=ShiftStatus.CANCELLED)
        .values_list("unit_id", "shift_type_id", "job_role_id", "date")
    ):
        agency[row] += 1
    covers: list[Cover] = []
    needed = (
        StaffingRequirement.objects.filter(unit_id__in=unit_ids)
        .values_list("unit_id", "shift_type_id", "job_role_id")
        .distinct()
    )
    units_by_id = {u.pk: u for u in units}
    role_by_id = {r.pk: r for r in roles.values()}
    for unit_id, type_id, role_id in sorted(set(needed)):
        sid = slot_of.get((unit_id, type_id))
        if sid is None:
            continue
        for offset in range(days):
            day = start + timedelta(days=offset)
            minimum = requirement_for(units_by_id[unit_id], type_id, role_id, day)
            minimum -= agency.get((unit_id, type_id, role_id, day), 0)
            if minimum <= 0:
                continue
            covers.append(
                Cover(
                    day=offset,
                    shift=sid,
                    preferred=minimum,
                    role=role_by_id[role_id].name,
                    minimum=minimum,
                    shortfall_weight=SHORTFALL_WEIGHT,
                )
            )
    problem = Problem(
        days=days,
        shift_types=tuple(shift_types),
        staff=tuple(staff),
        covers=tuple(covers),
        start=start,
        name=", ".join(u.name for u in units),
    )
    return Mapping(
        problem=problem,
        start=start,
        units=units,
        slots=slots,
        staff=members,
        roles=roles,
        fixed=fixed_all,
    )


@dataclass(frozen=True)
class Proposal:
    """One assignment the roster adds: a person on a (unit, shift type, role) on a day."""

    day: date
    unit: Unit
    shift_type: DbShiftType
    role: JobRole
    staff: StaffMember


def proposals(mapping: Mapping, roster) -> list[Proposal]:
    """The assignments of `roster` that are not already on the rota, in date order."""
    found = []
    for sid, row in roster.shifts.items():
        person = mapping.staff[sid]
        fixed = mapping.fixed.get(sid, {})
        for offset, shift in enumerate(row):
            if shift is None or fixed.get(offset) == shift:
                continue
            unit, st = mapping.slots[shift]
            role_name = roster.roles.get((sid, offset))
            if (
                role_name is None
                and len(problem_roles := mapping.problem.staff_by_id[sid].roles) == 1
            ):
                role_name = next(iter(problem_roles))
            role = mapping.roles.get(role_name) if role_name else person.job_role
            found.append(Proposal(mapping.day(offset), unit, st, role or person.job_role, person))
    found.sort(key=lambda p: (p.day, p.shift_type.starts, p.unit.name, p.staff.pk))
    return found
