"""Maps the database onto the engine's Problem, and the engine's roster back to shifts.

Shift ids in the problem are one per (unit, shift type), so one model covers a whole home:
a person may only work the units they belong to (home unit and cover units). Roles are
named by their display name so the engine's messages read as a manager would write them.

What the engine cannot see directly is brought in as fixed shifts:

- shifts a person holds elsewhere (another unit, in a unit-only run) become fixed shifts of
  an "elsewhere" shift type with the same times, so rest and consecutive days count them;
- the horizon runs `tail` days past the period, where only the shifts people already hold
  are fixed and every other day is unavailable, so a draft cannot break the rest or
  consecutive-day rules against a shift published after the period;
- the shift the day before and the run of days worked up to the period come from history,
  and so do the hours already worked in the weeks the 48-hour limits look at.

A minimum that nobody fills is costed at the agency rate of its role (`JobRole.agency_hourly_rate`
or the default), which is what the home pays when the gap is left to an agency.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Q

from staffrota.leave.coverage import minimum_for
from staffrota.optimiser.engine.model import (
    Contract,
    Cover,
    MinutesWindow,
    Pay,
    Problem,
    ShiftType,
    Staff,
    WeeklyRest,
)
from staffrota.organisation.models import (
    CareHome,
    JobRole,
    StaffingRequirement,
    StaffMember,
    Unit,
    UnitCover,
)
from staffrota.organisation.models import ShiftType as DbShiftType
from staffrota.rota.costs import agency_rate
from staffrota.rota.eligibility import load_absences
from staffrota.rota.models import Shift, ShiftSource, ShiftStatus
from staffrota.rota.rules import LOCAL, ROLE_COVERS, Absence, fortnight_start
from staffrota.rota.services import shift_times

MIN_REST = 11 * 60
WEEK_LIMIT = 48 * 60
REFERENCE_WEEKS = 17
FORTNIGHT = timedelta(days=14)
ELSEWHERE = "elsewhere: "


def pence(amount: Decimal) -> int:
    return int((Decimal(amount) * 100).quantize(Decimal("1")))


@dataclass(frozen=True)
class Need:
    """One cover line of the period in database terms."""

    day: int
    unit: Unit
    shift_type: DbShiftType
    role: JobRole
    minimum: int
    #: Open vacancies (no person, no agency) already on the rota for this line, by id.
    vacancies: tuple[int, ...] = ()
    #: What one missing person costs in pence: the role's agency rate for the shift.
    agency_pence: int = 0


@dataclass
class Mapping:
    """The problem plus what is needed to turn its roster back into database rows."""

    problem: Problem
    home: CareHome
    start: date
    #: Days of the period the manager asked for; the problem may run `tail` days longer.
    period_days: int
    units: list[Unit]
    #: Engine shift id -> (unit, shift type); "elsewhere" ids map to (None, shift type).
    slots: dict[str, tuple[Unit | None, DbShiftType]]
    staff: dict[str, StaffMember]
    roles: dict[str, JobRole]
    #: Engine staff id -> day -> shift id that was fixed (published or already held).
    fixed: dict[str, dict[int, str]] = field(default_factory=dict)
    #: Engine staff id -> day -> the database shift behind the fixed entry.
    fixed_shift_ids: dict[str, dict[int, int]] = field(default_factory=dict)
    #: (day, engine shift id, role name) -> the cover line's database terms.
    needs: dict[tuple[int, str, str], Need] = field(default_factory=dict)
    #: Approved leave and sickness by engine staff id (for explanations and the rules).
    absences: dict[str, list[Absence]] = field(default_factory=dict)

    @property
    def tail(self) -> int:
        return self.problem.days - self.period_days

    @property
    def end(self) -> date:
        return self.start + timedelta(days=self.period_days - 1)

    def tail_pay(self) -> float:
        """Pence the shifts already held after the period cost: the solver's objective is
        the period's cost (`fill.period_cost`) plus this constant."""
        shifts = self.problem.shift_by_id
        return sum(
            person.pay.hourly * shifts[s].minutes / 60
            for person in self.problem.staff
            for d, s in person.fixed.items()
            if d >= self.period_days
        )

    def day(self, index: int) -> date:
        return self.start + timedelta(days=index)

    def times(self, offset: int, shift: str) -> tuple[datetime, datetime]:
        return shift_times(shift_type=self.slots[shift][1], day=self.day(offset))

    def role_of(self, roster, sid: str, offset: int) -> JobRole:
        """The role a person fills on a day of `roster`."""
        name = roster.roles.get((sid, offset))
        if name is None:
            roles = self.problem.staff_by_id[sid].roles
            shift = roster.shifts[sid][offset]
            # Of the roles the person may fill, the one this shift's cover asks for.
            for candidate in sorted(roles, key=lambda r: self.roles[r].rank):
                if (offset, shift, candidate) in self.needs:
                    name = candidate
                    break
            else:
                return self.staff[sid].job_role
        return self.roles[name]


def _minutes(value) -> int:
    return value.hour * 60 + value.minute


def _length(st: DbShiftType) -> int:
    return (_minutes(st.ends) - _minutes(st.starts)) % 1440 or 1440


def skipped_hours(first: date, last: date, origin: date) -> tuple[int, ...]:
    """Wall-clock minutes from midnight of `origin` at which the clocks go forward, for the
    days first..last (the weekly rest counts real hours; the engine's times are wall-clock)."""
    found = []
    day = first
    while day <= last:
        midnight = datetime.combine(day, time.min, LOCAL)
        before = midnight.utcoffset()
        if datetime.combine(day + timedelta(days=1), time.min, LOCAL).utcoffset() > before:
            instant = midnight.astimezone(UTC)
            for _ in range(25):
                instant += timedelta(hours=1)
                local = instant.astimezone(LOCAL)
                if local.utcoffset() > before:
                    jump = (local.utcoffset() - before) // timedelta(minutes=1)
                    wall = local.hour * 60 + local.minute - jump
                    found.append(1440 * (day - origin).days + wall)
                    break
        day += timedelta(days=1)
    return tuple(found)


def slot_id(unit: Unit, st: DbShiftType) -> str:
    return f"{unit.name} {st.name}"


def build_problem(*, units: list[Unit], start: date, weeks: int) -> Mapping:
    """Everything the solver needs about `units` for `weeks` weeks from `start`.

    Call inside the home's scope.
    """
    home = units[0].care_home
    period_days = 7 * weeks
    tail = max(1, home.max_consecutive_days)
    days = period_days + tail
    end = start + timedelta(days=period_days - 1)
    horizon_end = start + timedelta(days=days - 1)
    unit_ids = [u.pk for u in units]
    types = list(DbShiftType.objects.filter(care_home=home).order_by("starts", "code"))
    slots: dict[str, tuple[Unit | None, DbShiftType]] = {}
    for unit in units:
        for st in types:
            slots[slot_id(unit, st)] = (unit, st)
    for st in types:
        slots[ELSEWHERE + st.name] = (None, st)
    slot_of = {(u.pk, st.pk): sid for sid, (u, st) in slots.items() if u is not None}
    elsewhere_of = {st.pk: ELSEWHERE + st.name for st in types}
    types_by_id = {st.pk: st for st in types}

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
                length_minutes=_length(st),
            )
        )

    roles = {r.name: r for r in JobRole.objects.all()}
    role_by_code = {r.code: r for r in roles.values()}
    role_by_id = {r.pk: r for r in roles.values()}

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
    absences = load_absences(ids, start, horizon_end)
    history_start = start - timedelta(days=REFERENCE_WEEKS * 7)
    # Shifts up to a fortnight past the horizon share a fortnight's weekly rest with it.
    held = (
        Shift.objects.filter(staff_id__in=ids, date__range=(history_start, horizon_end + FORTNIGHT))
        .exclude(status=ShiftStatus.CANCELLED)
        .order_by("starts_at", "pk")
        .values_list("staff_id", "date", "unit_id", "shift_type_id", "paid_hours", "pk")
    )
    by_person: dict[int, list[tuple]] = defaultdict(list)
    for row in held:
        by_person[row[0]].append(row)

    staff: list[Staff] = []
    members: dict[str, StaffMember] = {}
    fixed_all: dict[str, dict[int, str]] = {}
    fixed_ids_all: dict[str, dict[int, int]] = {}
    absences_by_sid: dict[str, list[Absence]] = {}
    for person in people:
        sid = str(person.pk)
        members[sid] = person
        absences_by_sid[sid] = absences.get(person.pk, [])
        allowed_units = {person.home_unit_id} | cover_units.get(person.pk, set())
        max_shifts = {s: 0 for s, (u, _) in slots.items() if u and u.pk not in allowed_units}
        unavailable: dict[int, str] = {}
        fixed: dict[int, str] = {}
        fixed_ids: dict[int, int] = {}
        history_minutes: dict[int, int] = defaultdict(int)  # day offset < 0 -> minutes
        extra_minutes: dict[int, int] = defaultdict(int)  # second shift of a day in the horizon
        shift_before = None
        worked_days: set[int] = set()
        busy: list[tuple[int, int]] = []
        for _, day, unit_id, type_id, hours, pk in by_person.get(person.pk, []):
            offset = (day - start).days
            minutes = int(hours * 60)
            worked_days.add(offset)
            shift = slot_of.get((unit_id, type_id)) or elsewhere_of.get(type_id)
            st = types_by_id[type_id]
            at = 1440 * offset + _minutes(st.starts)
            if offset >= days:
                busy.append((at, at + _length(st)))
                continue
            # Before the period (as far back as a fortnight can reach) and a second shift
            # of a day are not cells of the problem; the weekly rest still counts them.
            if (offset < 0 or offset in fixed) and offset >= -FORTNIGHT.days:
                busy.append((at, at + _length(st)))
            if offset < 0:
                history_minutes[offset] += minutes
                if offset == -1:
                    shift_before = shift
            elif offset not in fixed and shift is not None:
                fixed[offset] = shift
                fixed_ids[offset] = pk
            else:
                # A second shift on one day: the engine holds one a day, so the day is
                # kept off and its hours count against the weekly limits.
                extra_minutes[offset] += minutes
                unavailable.setdefault(offset, "already on two shifts that day")
        for s in elsewhere_of.values():
            max_shifts[s] = 0
        for s, n in Counter(fixed.values()).items():
            # Elsewhere shifts, and shifts held on a unit the person does not belong to,
            # are only ever the ones already held.
            if max_shifts.get(s) == 0:
                max_shifts[s] = n
        before = 0
        while -(before + 1) in worked_days:
            before += 1
        for offset in range(days):
            day = start + timedelta(days=offset)
            if offset >= period_days:
                unavailable.setdefault(offset, "after the period")
                continue
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
            if unavailable.get(offset) != "already on two shifts that day":
                unavailable.pop(offset, None)
        windows: list[MinutesWindow] = []
        if not person.wtr_opt_out:
            monday = -start.weekday()
            outside = {**history_minutes}
            for offset, minutes in extra_minutes.items():
                outside[offset] = outside.get(offset, 0) + minutes
            while monday < days:
                used = sum(m for d, m in outside.items() if monday <= d < monday + 7)
                first = max(0, monday)
                windows.append(
                    MinutesWindow(first, min(days, monday + 7) - first, max(0, WEEK_LIMIT - used))
                )
                monday += 7
            history = sum(m for d, m in outside.items() if d >= -(REFERENCE_WEEKS * 7 - days))
            windows.append(MinutesWindow(0, days, max(0, REFERENCE_WEEKS * WEEK_LIMIT - history)))
        is_bank = person.contract_type == "bank"
        rate = pence(person.hourly_rate)
        # Shifts already held after the period are paid there, not in this period.
        tail_minutes = sum(
            int(slots[s][1].paid_hours * 60) for d, s in fixed.items() if d >= period_days
        )
        pay = Pay(
            source="bank" if is_bank else "contracted",
            hourly=rate,
            overtime_hourly=None if is_bank else pence(person.hourly_rate * home.overtime_premium),
            contracted_minutes=None
            if is_bank
            else int(person.contracted_hours * 60 * weeks) + tail_minutes,
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
                busy=tuple(busy),
            )
        )
        fixed_all[sid] = fixed
        fixed_ids_all[sid] = fixed_ids

    # Confirmed agency cover already in place counts towards the minimum; open vacancies
    # say the manager wants someone there, so the line needs at least that many.
    agency: Counter = Counter()
    open_vacancies: dict[tuple, list[int]] = defaultdict(list)
    staffed: Counter = Counter()
    for unit_id, type_id, role_id, day, staff_id, source, pk in (
        Shift.objects.filter(unit_id__in=unit_ids, date__range=(start, end))
        .exclude(status=ShiftStatus.CANCELLED)
        .values_list("unit_id", "shift_type_id", "job_role_id", "date", "staff_id", "source", "pk")
    ):
        key = (unit_id, type_id, role_id, day)
        if staff_id is not None:
            staffed[key] += 1
        elif source == ShiftSource.AGENCY:
            agency[key] += 1
        else:
            open_vacancies[key].append(pk)
    base = {
        (unit_id, type_id, role_id, weekday): minimum
        for unit_id, type_id, role_id, weekday, minimum in StaffingRequirement.objects.filter(
            unit_id__in=unit_ids
        ).values_list("unit_id", "shift_type_id", "job_role_id", "weekday", "minimum")
    }
    lines = {(u, t, r) for u, t, r, _ in base} | {(u, t, r) for u, t, r, _ in open_vacancies}
    units_by_id = {u.pk: u for u in units}
    covers: list[Cover] = []
    needs: dict[tuple[int, str, str], Need] = {}
    for unit_id, type_id, role_id in sorted(lines):
        sid = slot_of.get((unit_id, type_id))
        if sid is None:
            continue
        role = role_by_id[role_id]
        st = types_by_id[type_id]
        agency_pence = pence(agency_rate(role) * st.paid_hours)
        for offset in range(period_days):
            day = start + timedelta(days=offset)
            key = (unit_id, type_id, role_id, day)
            vacancies = tuple(open_vacancies.get(key, ()))
            minimum = minimum_for(base, unit_id, type_id, role_id, day)
            minimum = max(minimum, staffed[key] + len(vacancies)) - agency[key]
            if minimum <= 0:
                continue
            covers.append(
                Cover(
                    day=offset,
                    shift=sid,
                    preferred=minimum,
                    role=role.name,
                    minimum=minimum,
                    shortfall_weight=agency_pence,
                )
            )
            needs[(offset, sid, role.name)] = Need(
                offset, units_by_id[unit_id], st, role, minimum, vacancies, agency_pence
            )
    problem = Problem(
        days=days,
        shift_types=tuple(shift_types),
        staff=tuple(staff),
        covers=tuple(covers),
        start=start,
        name=", ".join(u.name for u in units),
        weekly_rest=WeeklyRest(
            fortnight_start=(fortnight_start(start) - start).days,
            skipped_hours=skipped_hours(start - FORTNIGHT, horizon_end + FORTNIGHT, start),
        ),
    )
    return Mapping(
        problem=problem,
        home=home,
        start=start,
        period_days=period_days,
        units=units,
        slots=slots,
        staff=members,
        roles=roles,
        fixed=fixed_all,
        fixed_shift_ids=fixed_ids_all,
        needs=needs,
        absences=absences_by_sid,
    )


@dataclass(frozen=True)
class Proposal:
    """One assignment the roster adds: a person on a (unit, shift type, role) on a day.

    `vacancy` is the id of an open vacancy on the rota that the assignment fills, if any.
    """

    day: date
    unit: Unit
    shift_type: DbShiftType
    role: JobRole
    staff: StaffMember
    offset: int = 0
    vacancy: int | None = None


def proposals(mapping: Mapping, roster) -> list[Proposal]:
    """The assignments of `roster` that are not already on the rota, in date order.

    Each open vacancy of a cover line is filled by one of the line's new assignments.
    """
    found = []
    for sid, row in roster.shifts.items():
        person = mapping.staff[sid]
        fixed = mapping.fixed.get(sid, {})
        for offset, shift in enumerate(row[: mapping.period_days]):
            if shift is None or fixed.get(offset) == shift:
                continue
            unit, st = mapping.slots[shift]
            if unit is None:  # never proposed: elsewhere shifts are only the held ones
                continue
            role = mapping.role_of(roster, sid, offset)
            found.append(Proposal(mapping.day(offset), unit, st, role, person, offset))
    found.sort(key=lambda p: (p.day, p.shift_type.starts, p.unit.name, p.staff.pk))
    free: dict[tuple, list[int]] = {
        (need.day, need.unit.pk, need.shift_type.pk, need.role.pk): list(need.vacancies)
        for need in mapping.needs.values()
        if need.vacancies
    }
    result = []
    for p in found:
        waiting = free.get((p.offset, p.unit.pk, p.shift_type.pk, p.role.pk))
        if waiting:
            p = Proposal(p.day, p.unit, p.shift_type, p.role, p.staff, p.offset, waiting.pop(0))
        result.append(p)
    return result
