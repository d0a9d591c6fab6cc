"""Reads of the rota that several pages share: the unit grid and a person's own shifts."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q
from django_scopes import scopes_disabled

from staffrota.organisation.models import JobRole, ShiftType, StaffingRequirement, StaffMember, Unit
from staffrota.rota.kept_sql import kept_rows
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
    # A minimum is set for it (on some weekday): shown even on days nobody is scheduled.
    required: bool = False

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


_SOURCE_LABELS = dict(ShiftSource.choices)


class GridShift:
    """A shift as the cached rota table shows it, made from a row of plain values with its
    shift type and role taken from those the grid reads anyway: building a model instance
    and three related ones per shift was most of a table's rebuild."""

    __slots__ = (
        "pk",
        "date",
        "staff_id",
        "staff",
        "source",
        "paid_hours",
        "shift_type_id",
        "shift_type",
        "job_role_id",
        "job_role",
        "status",
        "starts_at",
        "ends_at",
    )

    def get_source_display(self) -> str:
        return str(_SOURCE_LABELS.get(self.source, self.source))  # as Django's get_..._display


_GRID_COLUMNS = (
    "pk",
    "date",
    "staff_id",
    "source",
    "paid_hours",
    "shift_type_id",
    "job_role_id",
    "status",
    "starts_at",
    "ends_at",
)


def _in_period(*, unit: int, first: date, last: date, statuses: list[str]):
    """The shifts of `unit` from `first` to `last` with one of `statuses`, in the grid's
    order: the query of `rota_grid`, for both of its readings."""
    return Shift.objects.filter(
        unit_id=unit, date__range=(first, last), status__in=statuses
    ).order_by("starts_at", "pk")


def _grid_rows(*, unit: int, first: date, last: date, statuses: list[str]):
    return _in_period(unit=unit, first=first, last=last, statuses=statuses).values_list(
        *_GRID_COLUMNS
    )


def period_rows(
    *, unit_id: int, first: date, last: date, statuses: list[str] | None = None
) -> list[tuple]:
    """The shifts of a unit from `first` to `last` (drafts included unless `statuses`
    says otherwise) as rows of `_GRID_COLUMNS`, in the grid's order, through kept SQL:
    building and compiling the queryset was some 1,500 of the 2,250 Python calls of
    reading a rebuilt week's shifts."""
    if statuses is None:
        statuses = [ShiftStatus.PUBLISHED.value, ShiftStatus.DRAFT.value]
    return kept_rows(_grid_rows, unit=unit_id, first=first, last=last, statuses=statuses)


def _grid_shifts(
    rows: list[tuple], types_by_id: dict, roles: dict, staff_by_id: dict
) -> list[GridShift]:
    """`rows` (of `_GRID_COLUMNS`, in order) as GridShifts; shift types, roles and people
    not already known are read once each."""
    types = set(types_by_id)
    missing_types = {row[5] for row in rows} - types
    if missing_types:  # a shift type of another home: not expected, read as the join did
        with scopes_disabled():
            types_by_id = {**types_by_id, **ShiftType.objects.in_bulk(missing_types)}
    missing_roles = {row[6] for row in rows} - set(roles)
    if missing_roles:
        roles = {**roles, **JobRole.objects.in_bulk(missing_roles)}
    others = {row[2] for row in rows if row[2] is not None} - set(staff_by_id)
    people = dict(staff_by_id)
    if others:
        # People from other units covering here: their records as the shifts' join read
        # them (the shifts are this unit's, read in the request's scope).
        with scopes_disabled():
            people.update(StaffMember.objects.select_related("user", "job_role").in_bulk(others))
    found = []
    for pk, day, staff_id, source, hours, type_id, role_id, status, starts, ends in rows:
        shift = GridShift()
        shift.pk, shift.date, shift.staff_id, shift.source = pk, day, staff_id, source
        shift.paid_hours, shift.status, shift.starts_at, shift.ends_at = hours, status, starts, ends
        shift.shift_type_id, shift.shift_type = type_id, types_by_id[type_id]
        shift.job_role_id, shift.job_role = role_id, roles[role_id]
        shift.staff = people.get(staff_id) if staff_id is not None else None
        found.append(shift)
    return found


def cover_order(shift_type: ShiftType, role: JobRole) -> tuple:
    """Where a cover row goes: by the shift's start, then the role's rank (then ids, so
    two shift types starting at the same time keep one order)."""
    return (shift_type.starts, role.rank, shift_type.pk, role.pk)


@dataclass
class UnitInputs:
    """What a unit's grid needs besides its shifts: its people (those who had not left by
    `since`), the home's shift types, every role and the unit's minimums. They change far
    less often than shifts, so `grid_cache` keeps them for the rebuilds of its weeks."""

    since: date
    staff: list[StaffMember]
    shift_types: list[ShiftType]
    roles: dict[int, JobRole]
    requirements: list[tuple[int, int, int, int]]
    # People of the home who may cover the unit (UnitCover): their records for the shifts
    # they hold here. Anyone else on a shift here is read with the shifts.
    visitors: dict[int, StaffMember] = field(default_factory=dict)

    def covers(self, start: date) -> bool:
        return start >= self.since

    def staff_from(self, start: date) -> list[StaffMember]:
        """The unit's people who had not left before `start` (on or after `since`)."""
        return [m for m in self.staff if m.left_on is None or m.left_on >= start]


def unit_inputs(*, unit: Unit, since: date, visitors: bool = False) -> UnitInputs:
    """Read the inputs of `unit`'s grids from `since` on: four queries (five with the
    `visitors`, worth reading only for inputs kept for many grids)."""
    return UnitInputs(
        since=since,
        staff=list(
            StaffMember.objects.filter(home_unit=unit)
            .filter(Q(left_on__isnull=True) | Q(left_on__gte=since))
            .select_related("user", "job_role")
        ),
        shift_types=list(ShiftType.objects.filter(care_home_id=unit.care_home_id)),
        roles={role.pk: role for role in JobRole.objects.all()},
        requirements=list(
            StaffingRequirement.objects.filter(unit=unit).values_list(
                "shift_type_id", "job_role_id", "weekday", "minimum"
            )
        ),
        visitors=StaffMember.objects.filter(care_home_id=unit.care_home_id, other_units=unit)
        .select_related("user", "job_role")
        .in_bulk()
        if visitors
        else {},
    )


def rota_grid(
    *,
    unit: Unit,
    start: date,
    days: int,
    include_drafts: bool = True,
    with_leave: bool = True,
    light: bool = False,
    inputs: "UnitInputs | None" = None,
    rows: list[tuple] | None = None,
) -> RotaGrid:
    """Staff rows by days for one unit, with cover against the minimum per shift type and role.

    A fixed number of queries whatever the number of staff or days: shifts, staff, shift
    types, roles and requirements are each read once and arranged in Python. Without
    `with_leave` the rows are left for `grid_html.fill_leave` to mark (no leave read here).
    `light`: the cells hold `GridShift`s, enough to render them, not model instances.
    `inputs`: the unit's people, shift types, roles and minimums as `unit_inputs` read
    them (kept by `grid_cache`), so that only the period's shifts are read here.
    `rows`: with `light` (and drafts), the period's shifts as `period_rows` read them
    already, for a caller that keys what it builds by them.
    """
    day_list = [start + timedelta(days=offset) for offset in range(days)]
    end = day_list[-1]
    statuses = [ShiftStatus.PUBLISHED.value] + ([ShiftStatus.DRAFT.value] if include_drafts else [])
    if inputs is None or not inputs.covers(start):
        inputs = unit_inputs(unit=unit, since=start)
    home_staff = inputs.staff_from(start)
    shift_types = inputs.shift_types
    roles = inputs.roles
    if light:
        if rows is None:
            rows = period_rows(unit_id=unit.pk, first=start, last=end, statuses=statuses)
        shifts = _grid_shifts(
            rows,
            {st.pk: st for st in shift_types},
            roles,
            {**inputs.visitors, **{member.pk: member for member in home_staff}},
        )
    else:
        shifts = list(
            _in_period(unit=unit.pk, first=start, last=end, statuses=statuses).select_related(
                "staff__user", "staff__job_role", "shift_type", "job_role"
            )
        )
    requirements = inputs.requirements

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
    required = {(t, r) for t, r, _ in minimum}
    cover_keys = sorted(
        {(t, r) for t, r, _ in minimum if t in types_by_id}
        | {(t, r) for t, r, _ in scheduled if t in types_by_id},
        key=lambda key: cover_order(types_by_id[key[0]], roles[key[1]]),
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
            required=(type_id, role_id) in required,
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


# A shift with what it points at, as `select_related(*SHIFT_RELATED)` gives it: each table
# by the path to it, every column of each by attribute name.
def _related_tables():
    from staffrota.accounts.models import User
    from staffrota.organisation.models import CareHome

    tables = (
        ("", Shift),
        ("care_home", CareHome),
        ("unit", Unit),
        ("shift_type", ShiftType),
        ("job_role", JobRole),
        ("staff", StaffMember),
        ("staff__user", User),
        ("staff__job_role", JobRole),
    )
    return [
        (path, model, [f.attname for f in model._meta.concrete_fields]) for path, model in tables
    ]


_SHIFT_TABLES = []


def _columns() -> list[str]:
    if not _SHIFT_TABLES:
        _SHIFT_TABLES.extend(_related_tables())
    return [
        f"{path}__{name}" if path else name
        for path, _model, names in _SHIFT_TABLES
        for name in names
    ]


def _shift_rows(pk: int):
    return Shift.objects.filter(pk=pk).values_list(*_columns())


def _shift_rows_on(pk: int, units: list[int]):
    return Shift.objects.filter(pk=pk, unit_id__in=units).values_list(*_columns())


def shift_with_related(pk: int, unit_ids=None) -> Shift | None:
    """The shift `pk` (on one of `unit_ids`, if given) with its home, unit, type, role and
    person (with their user and role), as `select_related` builds them; None if there is
    none. Read through kept SQL (`kept_rows`): the ORM wrote and compiled this eight-table
    query on every grid edit and vacancy page, some 5,700 Python calls, for one row."""
    from django.db import connection

    if unit_ids is None:
        rows = kept_rows(_shift_rows, pk=pk)
    else:
        rows = kept_rows(_shift_rows_on, pk=pk, units=list(unit_ids))
    if not rows:
        return None
    row, at, built = rows[0], 0, {}
    for path, model, names in _SHIFT_TABLES or _related_tables():
        values = row[at : at + len(names)]
        at += len(names)
        # A shift nobody holds: its person's columns are all empty, as select_related
        # leaves the person (None) and reads nothing under it.
        built[path] = None if values[0] is None else model.from_db(connection.alias, names, values)
    shift = built[""]
    for path, instance in built.items():
        if path:
            parent, _, name = path.rpartition("__")
            holder = built[parent]
            if holder is not None:
                holder._state.fields_cache[name] = instance
    return shift
