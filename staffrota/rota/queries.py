"""Reads of the rota that several pages share: the unit grid and a person's own shifts."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q

from staffrota.organisation.models import JobRole, ShiftType, StaffingRequirement, StaffMember, Unit
from staffrota.rota.models import Shift, ShiftSource, ShiftStatus


@dataclass
class CoverCell:
    scheduled: int
    minimum: int

    @property
    def state(self) -> str:
        if self.scheduled < self.minimum:
            return "under"
        if self.scheduled == self.minimum:
            return "at"
        return "over"


@dataclass
class CoverRow:
    shift_type: ShiftType
    job_role: JobRole
    cells: list[CoverCell]

    @property
    def short_days(self) -> int:
        return sum(1 for cell in self.cells if cell.state == "under")


@dataclass
class StaffRow:
    staff: StaffMember | None  # None is the row of vacancies
    cells: list[list[Shift]]
    hours: float = 0.0
    days: list[date] = field(default_factory=list)
    # Per day, (short label, "approved" or "pending") when the person is on leave or sick.
    leave: list[tuple[str, str] | None] = field(default_factory=list)

    def day_cells(self) -> list[tuple[date, list[Shift]]]:
        return list(zip(self.days, self.cells, strict=True))


@dataclass
class RotaGrid:
    unit: Unit
    days: list[date]
    staff_rows: list[StaffRow]
    vacancy_row: StaffRow
    agency_row: StaffRow
    cover_rows: list[CoverRow] = field(default_factory=list)
    # Built without leave: each person's cells carry a placeholder for the leave mark,
    # filled in by `grid_html.fill_leave` (the cached table outlives leave changes).
    leave_later: bool = False

    @property
    def vacancies(self) -> int:
        return sum(len(cell) for cell in self.vacancy_row.cells)

    @property
    def short_slots(self) -> int:
        return sum(
            cell.minimum - cell.scheduled
            for row in self.cover_rows
            for cell in row.cells
            if cell.state == "under"
        )


def rota_grid(
    *, unit: Unit, start: date, days: int, include_drafts: bool = True, with_leave: bool = True
) -> RotaGrid:
    """Staff rows by days for one unit, with cover against the minimum per shift type and role.

    A fixed number of queries whatever the number of staff or days: shifts, staff, shift
    types, roles and requirements are each read once and arranged in Python. Without
    `with_leave` the rows are left for `grid_html.fill_leave` to mark (no leave read here).
    """
    day_list = [start + timedelta(days=offset) for offset in range(days)]
    end = day_list[-1]
    statuses = [ShiftStatus.PUBLISHED] + ([ShiftStatus.DRAFT] if include_drafts else [])
    shifts = list(
        Shift.objects.filter(unit=unit, date__range=(start, end), status__in=statuses)
        .select_related("staff__user", "staff__job_role", "shift_type", "job_role")
        .order_by("starts_at", "pk")
    )
    home_staff = list(
        StaffMember.objects.filter(home_unit=unit)
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=start))
        .select_related("user", "job_role")
    )
    shift_types = list(ShiftType.objects.filter(care_home_id=unit.care_home_id))
    roles = {role.pk: role for role in JobRole.objects.all()}
    requirements = StaffingRequirement.objects.filter(unit=unit).values_list(
        "shift_type_id", "job_role_id", "weekday", "minimum"
    )

    index = {day: position for position, day in enumerate(day_list)}
    rows: dict[int, StaffRow] = {
        member.pk: StaffRow(staff=member, cells=[[] for _ in day_list], days=day_list)
        for member in home_staff
    }
    vacancy_row = StaffRow(staff=None, cells=[[] for _ in day_list], days=day_list)
    agency_row = StaffRow(staff=None, cells=[[] for _ in day_list], days=day_list)
    scheduled: dict[tuple[int, int, date], int] = defaultdict(int)
    for shift in shifts:
        position = index[shift.date]
        if shift.staff_id is None:
            if shift.source == ShiftSource.AGENCY:  # covered by a confirmed agency worker
                agency_row.cells[position].append(shift)
                agency_row.hours += float(shift.paid_hours)
                scheduled[(shift.shift_type_id, shift.job_role_id, shift.date)] += 1
            else:
                vacancy_row.cells[position].append(shift)
            continue
        row = rows.get(shift.staff_id)
        if row is None:  # someone from another unit covering here
            row = rows[shift.staff_id] = StaffRow(
                staff=shift.staff, cells=[[] for _ in day_list], days=day_list
            )
        row.cells[position].append(shift)
        row.hours += float(shift.paid_hours)
        scheduled[(shift.shift_type_id, shift.job_role_id, shift.date)] += 1

    minimum: dict[tuple[int, int, int], int] = {}
    for type_id, role_id, weekday, count in requirements:
        minimum[(type_id, role_id, weekday)] = count
    types_by_id = {st.pk: st for st in shift_types}
    cover_keys = sorted(
        {(t, r) for t, r, _ in minimum if t in types_by_id}
        | {(t, r) for t, r, _ in scheduled if t in types_by_id},
        key=lambda key: (types_by_id[key[0]].starts, roles[key[1]].rank),
    )
    cover_rows = [
        CoverRow(
            shift_type=types_by_id[type_id],
            job_role=roles[role_id],
            cells=[
                CoverCell(
                    scheduled=scheduled.get((type_id, role_id, day), 0),
                    minimum=minimum.get((type_id, role_id, day.weekday()), 0),
                )
                for day in day_list
            ],
        )
        for type_id, role_id in cover_keys
    ]
    # Leave and sickness show in each person's row, so a gap on the rota explains itself.
    if with_leave:
        from staffrota.leave.queries import absence_labels  # leave builds on the rota, not back

        labels = absence_labels(list(rows), start, end)
        for staff_id, row in rows.items():
            row.leave = [labels.get(staff_id, {}).get(day) for day in day_list]
    staff_rows = sorted(
        rows.values(),
        key=lambda row: (row.staff.job_role.rank, row.staff.user.last_name, row.staff.pk),
    )
    return RotaGrid(
        unit=unit,
        days=day_list,
        staff_rows=staff_rows,
        vacancy_row=vacancy_row,
        agency_row=agency_row,
        cover_rows=cover_rows,
        leave_later=not with_leave,
    )


def shifts_for_person(*, staff: StaffMember, start: date, days: int) -> list[Shift]:
    """A person's published shifts from `start` for `days` days, soonest first."""
    return list(
        Shift.objects.filter(
            staff=staff,
            status=ShiftStatus.PUBLISHED,
            date__range=(start, start + timedelta(days=days - 1)),
        )
        .select_related("unit", "shift_type", "job_role")
        .order_by("starts_at")
    )
