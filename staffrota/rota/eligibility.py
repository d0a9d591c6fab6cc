"""Loads what the rules engine needs from the database, for one person or many at once.

Four queries whatever the number of people: their shifts in the weeks around the date one
by one, the rest of the 36 weeks summed by week, their leave and their sickness. Vacancy
filling and the leave impact analysis check every candidate with one call. The SQL of
these plain reads is written by the ORM once per shape and kept (`kept_rows`): building a
queryset cost more Python than the rules themselves.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from django.db.models import BigIntegerField, Count, DateField, Func, Q, Sum
from django.db.models.functions import TruncDate, TruncWeek

from staffrota.leave.models import LeaveRequest, LeaveStatus, LeaveType, SicknessAbsence
from staffrota.organisation.models import CareHome, StaffMember
from staffrota.rota.kept_sql import kept_rows
from staffrota.rota.models import Shift, ShiftStatus
from staffrota.rota.rules import (
    LOCAL,
    Absence,
    Person,
    RotaRules,
    Verdict,
    WeekHours,
    WorkedShift,
    check_shift,
    near_span,
    run_reaches_edge,
)

# The 17-week reference period either side of the date, plus a week of margin.
WINDOW = timedelta(weeks=18)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class _AsSentOnPostgres:
    """No converters on PostgreSQL, whose driver already sends the right Python type (a
    date, a Decimal, an int): Django's would run once a row for nothing."""

    def get_db_converters(self, connection):
        if connection.vendor == "postgresql":
            return self.output_field.get_db_converters(connection)
        return super().get_db_converters(connection)


class EpochMicroseconds(_AsSentOnPostgres, Func):
    """A moment as whole microseconds since 1970 (UTC), read as a plain integer.

    Why: a check reads 1,500 shifts' start and end, and each `timestamptz` the database
    sends is parsed in Python (Django's time-zone loader subclasses psycopg's Python one),
    the largest single cost of asking for leave. An integer is decoded in C, and
    `EPOCH + timedelta(microseconds=n)` gives back the same moment exactly."""

    output_field = BigIntegerField()

    def as_postgresql(self, compiler, connection, **extra):
        template = "(EXTRACT(EPOCH FROM %(expressions)s) * 1000000)::bigint"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_sqlite(self, compiler, connection, **extra):
        # Stored as 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC: whole seconds, then the digits
        # after the point (none when the moment is on a whole second).
        template = (
            "(CAST(strftime('%%%%s', %(expressions)s) AS INTEGER) * 1000000"
            " + CAST(substr(%(expressions)s, 21, 6) AS INTEGER))"
        )
        return self.as_sql(compiler, connection, template=template, **extra)


def rules_for(home: CareHome) -> RotaRules:
    return RotaRules(max_consecutive_days=home.max_consecutive_days)


def person_of(staff: StaffMember) -> Person:
    return Person(
        staff_id=staff.pk,
        name=staff.full_name,
        role_code=staff.job_role.code,
        role_name=staff.job_role.name,
        registration_required=staff.job_role.requires_registration,
        registration_number=staff.registration_number,
        registration_expiry=staff.registration_expiry,
        wtr_opt_out=staff.wtr_opt_out,
        contracted_hours=staff.contracted_hours,
        is_bank=staff.contract_type == "bank",
    )


# What `person_of` reads of a staff member, as columns: the candidates page and the leave
# impact read pools of some forty people as rows (`person_of_row`), not model instances.
PERSON_COLUMNS = (
    "pk",
    "user__first_name",
    "user__last_name",
    "sap_number",
    "job_role__code",
    "job_role__name",
    "job_role__requires_registration",
    "registration_number",
    "registration_expiry",
    "wtr_opt_out",
    "contracted_hours",
    "contract_type",
)


def person_of_row(row) -> Person:
    """`person_of` of a row whose first columns are PERSON_COLUMNS."""
    pk, first, last, sap, code, role, registered, number, expiry, opt_out, hours, contract = row[
        : len(PERSON_COLUMNS)
    ]
    return Person(
        staff_id=pk,
        name=f"{first} {last}".strip() or sap,  # as StaffMember.full_name
        role_code=code,
        role_name=role,
        registration_required=registered,
        registration_number=number,
        registration_expiry=expiry,
        wtr_opt_out=opt_out,
        contracted_hours=hours,
        is_bank=contract == "bank",
    )


def worked_shift(shift: Shift) -> WorkedShift:
    return WorkedShift(
        starts_at=shift.starts_at,
        ends_at=shift.ends_at,
        paid_hours=shift.paid_hours,
        is_night=shift.shift_type.is_night,
        shift_id=shift.pk,
        label=f"{shift.shift_type.name.lower()} on {shift.unit.name}",
    )


class LocalDay(TruncDate):
    """`TruncDate` whose rows PostgreSQL already sends as dates: without a converter to
    run, Django hands the rows of `load_worked` over as the driver made them."""

    def get_db_converters(self, connection):
        if connection.vendor == "postgresql":
            return self.output_field.get_db_converters(connection)
        return super().get_db_converters(connection)


def _window(around: date, until: date | None) -> tuple[date, date]:
    return around - WINDOW, (until or around) + WINDOW


def _live_shifts(ids: list[int], first: date, last: date):
    return Shift.objects.filter(staff_id__in=ids, date__range=(first, last)).exclude(
        status=ShiftStatus.CANCELLED
    )


def _worked_rows(ids: list[int], first: date, last: date, low=None, high=None):
    shifts = _live_shifts(ids, first, last)
    if low is not None:
        shifts = shifts.filter(starts_at__lt=high, ends_at__gt=low)
    return (
        shifts.annotate(
            local_day=LocalDay("starts_at", tzinfo=LOCAL),
            starts=EpochMicroseconds("starts_at"),
            ends=EpochMicroseconds("ends_at"),
        )
        .values_list(
            "staff_id",
            "starts",
            "ends",
            "paid_hours",
            "shift_type__is_night",
            "pk",
            "shift_type__name",
            "unit__name",
            "local_day",
        )
        .order_by("starts_at", "pk")
    )


# The rules' frozen dataclasses made from rows with every field given at once, as their
# `__init__` sets them one `object.__setattr__` at a time: a check of forty people makes
# some 150 shifts and 350 weekly totals, and those calls were a fifth of the check. The
# same instances (fields, equality, hash, the shifts' cached `date` and `week`).
_new = object.__new__


def load_worked(
    staff_ids: Iterable[int],
    around: date,
    until: date | None = None,
    *,
    touching: tuple[datetime, datetime] | None = None,
) -> dict[int, list[WorkedShift]]:
    """Live shifts of these people within the reference window around [around, until].

    Read as plain tuples: vacancy filling loads thousands of shifts, and building model
    instances for them cost more than the rules themselves. The day each shift starts on
    the home's clock comes from the database too: the rules ask every shift its `date`,
    and working it out in Python (a time-zone conversion each) was a fifth of a check.
    Start and end come as integers (`EpochMicroseconds`), not timestamps parsed in Python.
    With `touching` (a span of time), only the shifts of the window that touch it.
    """
    found: dict[int, list[WorkedShift]] = defaultdict(list)
    first, last = _window(around, until)
    ids = list(staff_ids)
    if touching is None:
        rows = kept_rows(_worked_rows, ids=ids, first=first, last=last)
    else:
        low, high = touching
        rows = kept_rows(_worked_rows, ids=ids, first=first, last=last, low=low, high=high)
    labels: dict[tuple[str, str], str] = {}
    mondays: dict[date, date] = {}
    for staff_id, starts, ends, hours, night, pk, type_name, unit_name, day in rows:
        label = labels.get((type_name, unit_name))
        if label is None:
            label = labels[type_name, unit_name] = f"{type_name.lower()} on {unit_name}"
        monday = mondays.get(day)
        if monday is None:
            monday = mondays[day] = day - timedelta(days=day.weekday())
        # `WorkedShift.date` and `.week` are cached properties: give them the day the
        # database worked out (the same `starts_at` on the rules' own clock, LOCAL) and
        # its Monday, worked out once a day rather than once a shift.
        worked = _new(WorkedShift)
        worked.__dict__.update(
            starts_at=EPOCH + timedelta(microseconds=starts),
            ends_at=EPOCH + timedelta(microseconds=ends),
            paid_hours=hours,
            is_night=night,
            shift_id=pk,
            label=label,
            date=day,
            week=monday,
        )
        found[staff_id].append(worked)
    return found


class LocalWeek(_AsSentOnPostgres, TruncWeek):
    """The Monday of the week a moment falls in, on the home's clock, as a date."""

    def __init__(self, expression):
        super().__init__(expression, tzinfo=LOCAL, output_field=DateField())

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = self.as_sql(compiler, connection, **extra)
        return f"({sql})::date", params


class _Sum(_AsSentOnPostgres, Sum):
    pass


class _Count(_AsSentOnPostgres, Count):
    pass


def _far_week_rows(
    ids, first, last, low, high, leaving_out=None, releasing_staff=(), releasing_shifts=()
):
    shifts = _live_shifts(ids, first, last).exclude(starts_at__lt=high, ends_at__gt=low)
    if leaving_out is not None:
        shifts = shifts.exclude(pk=leaving_out)
    for staff_id, shift_id in zip(releasing_staff, releasing_shifts, strict=True):
        shifts = shifts.exclude(staff_id=staff_id, pk=shift_id)
    return (
        shifts.annotate(week=LocalWeek("starts_at"))
        .order_by()
        .values_list("staff_id", "week")
        .annotate(
            hours=_Sum("paid_hours"),
            shifts=_Count("pk"),
            nights=_Count("pk", filter=Q(shift_type__is_night=True)),
        )
    )


def load_far_weeks(
    staff_ids: Iterable[int],
    around: date,
    *,
    apart_from: tuple[datetime, datetime],
    leaving_out: int | None = None,
    releasing: dict[int, int] | None = None,
) -> dict[int, dict[date, WeekHours]]:
    """The rest of `load_worked`'s window (the shifts not touching `apart_from`), summed by
    person and week in the database: a check of forty people reads a few weekly totals
    each instead of every shift of 36 weeks. Leaves out the shift `leaving_out` and each
    person's shift in `releasing`, as `check_shift` and a swap do."""
    first, last = _window(around, None)
    low, high = apart_from
    values = {"ids": list(staff_ids), "first": first, "last": last, "low": low, "high": high}
    if leaving_out is not None:
        values["leaving_out"] = leaving_out
    if releasing:
        values["releasing_staff"] = list(releasing)
        values["releasing_shifts"] = list(releasing.values())
    rows = kept_rows(_far_week_rows, **values)
    found: dict[int, dict[date, WeekHours]] = defaultdict(dict)
    for staff_id, week, hours, shifts, nights in rows:
        totals = found[staff_id][week] = _new(WeekHours)
        totals.__dict__.update(hours=hours, shifts=shifts, nights=nights)
    return found


def load_absences(
    staff_ids: Iterable[int], around: date, until: date | None = None
) -> dict[int, list[Absence]]:
    """Approved leave and sickness of these people within the window, read as tuples: a
    leave request's row carries its rules and impact analysis as JSON, which the rules
    never look at."""
    first, last = _window(around, until)
    found: dict[int, list[Absence]] = defaultdict(list)
    names = dict(LeaveType.choices)
    values = {"ids": list(staff_ids), "first": first, "last": last}
    for staff_id, start, end, kind in kept_rows(_leave_rows, **values):
        found[staff_id].append(Absence(start, end, "leave", names.get(kind, kind).lower()))
    for staff_id, start, end in kept_rows(_sickness_rows, **values):
        found[staff_id].append(Absence(start, end, "sickness", "sick leave"))
    return found


def _leave_rows(ids, first, last):
    return LeaveRequest.objects.filter(
        staff_id__in=ids, status=LeaveStatus.APPROVED, end_date__gte=first, start_date__lte=last
    ).values_list("staff_id", "start_date", "end_date", "leave_type")


def _sickness_rows(ids, first, last):
    sickness = SicknessAbsence.objects.filter(staff_id__in=ids, start_date__lte=last)
    sickness = sickness.filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
    return sickness.values_list("staff_id", "start_date", "end_date")


def check_candidates(
    shift: Shift, candidates: list[StaffMember], releasing: dict[int, int] | None = None
) -> dict[int, Verdict]:
    """The verdict of every rule for each candidate on `shift`, in four queries.

    `releasing` maps a person to a shift they give up in the same change (a swap), which
    then does not count against them.
    """
    return check_people(shift, [person_of(member) for member in candidates], releasing)


def check_people(
    shift: Shift, people: list[Person], releasing: dict[int, int] | None = None
) -> dict[int, Verdict]:
    """`check_candidates` for people already read as the rules see them (`Person`).

    Only the shifts of the weeks around `shift` are read one by one; the rest of the 36
    weeks come summed by week (`load_far_weeks`), which is all the hours rules ask of
    them. The verdicts are the ones all the shifts give: someone whose days in a row run
    to the edge of the near weeks is checked again on all of their shifts.
    """
    ids = [person.staff_id for person in people]
    proposed = worked_shift(shift)
    near = near_span(proposed)
    releasing = releasing or {}
    worked = load_worked(ids, shift.date, touching=near)
    far = load_far_weeks(
        ids, shift.date, apart_from=near, leaving_out=shift.pk, releasing=releasing
    )
    absences = load_absences(ids, shift.date)
    rules = rules_for(shift.care_home)
    far_weeks: dict[int, dict[date, WeekHours] | None] = {pk: far.get(pk, {}) for pk in ids}
    edge = [pk for pk in ids if run_reaches_edge(proposed, worked.get(pk, []))]
    if edge:
        worked.update(load_worked(edge, shift.date))
        far_weeks.update(dict.fromkeys(edge))
    return {
        person.staff_id: check_shift(
            person=person,
            shift=proposed,
            slot_role_code=shift.job_role.code,
            slot_role_name=shift.job_role.name,
            others=_without(worked.get(person.staff_id, []), releasing.get(person.staff_id)),
            absences=absences.get(person.staff_id, []),
            rules=rules,
            far_weeks=far_weeks[person.staff_id],
        )
        for person in people
    }


def _without(shifts: list[WorkedShift], released: int | None) -> list[WorkedShift]:
    if released is None:
        return shifts
    return [s for s in shifts if s.shift_id != released]


def check_person_on_shifts(staff: StaffMember, shifts: list[Shift]) -> dict[int, Verdict]:
    """The verdict for one person on each of several shifts, in three queries."""
    if not shifts:
        return {}
    first, last = min(s.date for s in shifts), max(s.date for s in shifts)
    worked = load_worked([staff.pk], first, last).get(staff.pk, [])
    absences = load_absences([staff.pk], first, last).get(staff.pk, [])
    person = person_of(staff)
    return {
        shift.pk: check_shift(
            person=person,
            shift=worked_shift(shift),
            slot_role_code=shift.job_role.code,
            slot_role_name=shift.job_role.name,
            others=worked,
            absences=absences,
            rules=rules_for(shift.care_home),
        )
        for shift in shifts
    }


def check_assignment(shift: Shift, staff: StaffMember) -> Verdict:
    return check_candidates(shift, [staff])[staff.pk]
