"""Loads what the rules engine needs from the database, for one person or many at once.

Three queries whatever the number of people: their shifts around the date, their leave and
their sickness. Vacancy filling checks every candidate in a home with one call.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from django.db.models import BigIntegerField, Func, Q
from django.db.models.functions import TruncDate

from staffrota.leave.models import LeaveRequest, LeaveStatus, LeaveType, SicknessAbsence
from staffrota.organisation.models import CareHome, StaffMember
from staffrota.rota.models import Shift, ShiftStatus
from staffrota.rota.rules import (
    LOCAL,
    Absence,
    Person,
    RotaRules,
    Verdict,
    WorkedShift,
    check_shift,
)

# The 17-week reference period either side of the date, plus a week of margin.
WINDOW = timedelta(weeks=18)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class EpochMicroseconds(Func):
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


def load_worked(
    staff_ids: Iterable[int], around: date, until: date | None = None
) -> dict[int, list[WorkedShift]]:
    """Live shifts of these people within the reference window around [around, until].

    Read as plain tuples: vacancy filling loads thousands of shifts, and building model
    instances for them cost more than the rules themselves. The day each shift starts on
    the home's clock comes from the database too: the rules ask every shift its `date`,
    and working it out in Python (a time-zone conversion each) was a fifth of a check.
    Start and end come as integers (`EpochMicroseconds`), not timestamps parsed in Python.
    """
    found: dict[int, list[WorkedShift]] = defaultdict(list)
    rows = (
        Shift.objects.filter(
            staff_id__in=list(staff_ids),
            date__range=(around - WINDOW, (until or around) + WINDOW),
        )
        .exclude(status=ShiftStatus.CANCELLED)
        .annotate(
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
    )
    labels: dict[tuple[str, str], str] = {}
    mondays: dict[date, date] = {}
    for staff_id, starts, ends, hours, night, pk, type_name, unit_name, day in rows:
        label = labels.get((type_name, unit_name))
        if label is None:
            label = labels[type_name, unit_name] = f"{type_name.lower()} on {unit_name}"
        monday = mondays.get(day)
        if monday is None:
            monday = mondays[day] = day - timedelta(days=day.weekday())
        worked = WorkedShift(
            starts_at=EPOCH + timedelta(microseconds=starts),
            ends_at=EPOCH + timedelta(microseconds=ends),
            paid_hours=hours,
            is_night=night,
            shift_id=pk,
            label=label,
        )
        # `WorkedShift.date` and `.week` are cached properties: give them the day the
        # database worked out (the same `starts_at` on the rules' own clock, LOCAL) and
        # its Monday, worked out once a day rather than once a shift.
        worked.__dict__["date"] = day
        worked.__dict__["week"] = monday
        found[staff_id].append(worked)
    return found


def load_absences(
    staff_ids: Iterable[int], around: date, until: date | None = None
) -> dict[int, list[Absence]]:
    """Approved leave and sickness of these people within the window, read as tuples: a
    leave request's row carries its rules and impact analysis as JSON, which the rules
    never look at."""
    ids = list(staff_ids)
    until = until or around
    found: dict[int, list[Absence]] = defaultdict(list)
    names = dict(LeaveType.choices)
    leave = LeaveRequest.objects.filter(
        staff_id__in=ids,
        status=LeaveStatus.APPROVED,
        end_date__gte=around - WINDOW,
        start_date__lte=until + WINDOW,
    ).values_list("staff_id", "start_date", "end_date", "leave_type")
    for staff_id, first, last, kind in leave:
        found[staff_id].append(Absence(first, last, "leave", names.get(kind, kind).lower()))
    sickness = SicknessAbsence.objects.filter(staff_id__in=ids, start_date__lte=until + WINDOW)
    sickness = sickness.filter(Q(end_date__isnull=True) | Q(end_date__gte=around - WINDOW))
    for staff_id, first, last in sickness.values_list("staff_id", "start_date", "end_date"):
        found[staff_id].append(Absence(first, last, "sickness", "sick leave"))
    return found


def check_candidates(
    shift: Shift, candidates: list[StaffMember], releasing: dict[int, int] | None = None
) -> dict[int, Verdict]:
    """The verdict of every rule for each candidate on `shift`, in three queries.

    `releasing` maps a person to a shift they give up in the same change (a swap), which
    then does not count against them.
    """
    ids = [member.pk for member in candidates]
    worked = load_worked(ids, shift.date)
    absences = load_absences(ids, shift.date)
    proposed = worked_shift(shift)
    rules = rules_for(shift.care_home)
    releasing = releasing or {}
    return {
        member.pk: check_shift(
            person=person_of(member),
            shift=proposed,
            slot_role_code=shift.job_role.code,
            slot_role_name=shift.job_role.name,
            others=_without(worked.get(member.pk, []), releasing.get(member.pk)),
            absences=absences.get(member.pk, []),
            rules=rules,
        )
        for member in candidates
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
