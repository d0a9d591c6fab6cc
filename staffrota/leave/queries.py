"""Who may see which leave, and the reads that several pages share.

One visibility rule per model: managers see the people whose home unit they manage, staff
see themselves. Views, the calendar and the rota all read through these.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q, QuerySet

from staffrota.accounts.access import Access
from staffrota.leave.bradford import Bradford, bradford_scores
from staffrota.leave.coverage import days_between
from staffrota.leave.models import LeavePolicy, LeaveRequest, LeaveStatus, SicknessAbsence
from staffrota.organisation.models import StaffMember, Unit
from staffrota.rota.kept_sql import kept_rows

SHORT_LABELS = {
    "annual": "AL",
    "sickness": "S",
    "compassionate": "CL",
    "unpaid": "UL",
    "training": "TR",
    "parental": "PL",
    "toil": "TOIL",
}

#: What the pages about one staff member show of their record, read with it.
STAFF_RELATED = ("care_home", "home_unit", "job_role", "user")


def staff_in_scope(access: Access) -> QuerySet[StaffMember]:
    if access.manages:
        return StaffMember.objects.filter(home_unit_id__in=access.unit_ids)
    if access.staff_id:
        return StaffMember.objects.filter(pk=access.staff_id)
    return StaffMember.objects.none()


def own_record_rows(rows_of, access: Access) -> list[tuple]:
    """The signed-in person's own record through kept SQL, read by `rows_of(pk, unit_ids)`
    within `staff_in_scope(access)`: a manager's own record only if it is on one of their
    units. Empty when it is not theirs to see."""
    if access.manages:
        return kept_rows(rows_of, pk=access.staff_id, unit_ids=sorted(access.unit_ids))
    return kept_rows(rows_of, pk=access.staff_id)


def requests_in_scope(access: Access) -> QuerySet[LeaveRequest]:
    if access.manages:
        return LeaveRequest.objects.filter(staff__home_unit_id__in=access.unit_ids)
    if access.staff_id:
        return LeaveRequest.objects.filter(staff_id=access.staff_id)
    return LeaveRequest.objects.none()


def sickness_in_scope(access: Access) -> QuerySet[SicknessAbsence]:
    if access.manages:
        return SicknessAbsence.objects.filter(staff__home_unit_id__in=access.unit_ids)
    return SicknessAbsence.objects.none()


def pending_queue(access: Access) -> QuerySet[LeaveRequest]:
    return (
        requests_in_scope(access)
        .filter(status=LeaveStatus.PENDING)
        .select_related("staff__user", "staff__home_unit", "staff__job_role")
        .order_by("start_date", "pk")
    )


def absence_labels(staff_ids, start: date, end: date) -> dict[int, dict[date, tuple[str, str]]]:
    """{staff_id: {day: (short label, status)}} for approved and pending leave and sickness;
    two queries whatever the number of people or days."""
    found: dict[int, dict[date, tuple[str, str]]] = defaultdict(dict)
    ids = list(staff_ids)
    # Through kept SQL: the rota table marks its people's leave again after anyone on the
    # unit asks for or withdraws leave, and writing these two queries cost ten times
    # reading them.
    for staff_id, kind, status, first, last in kept_rows(
        _leave_rows, ids=ids, start=start, end=end
    ):
        for day in days_between(max(first, start), min(last, end)):
            found[staff_id][day] = (SHORT_LABELS.get(kind, kind), status)
    for staff_id, first, last, expected in kept_rows(_sickness_rows, ids=ids, start=start, end=end):
        last = last or expected or end
        for day in days_between(max(first, start), min(last, end)):
            found[staff_id][day] = ("S", "approved")
    return found


def _leave_rows(ids: list[int], start: date, end: date):
    return LeaveRequest.objects.filter(
        staff_id__in=ids,
        status__in=(LeaveStatus.APPROVED, LeaveStatus.PENDING),
        start_date__lte=end,
        end_date__gte=start,
    ).values_list("staff_id", "leave_type", "status", "start_date", "end_date")


def _sickness_rows(ids: list[int], start: date, end: date):
    return (
        SicknessAbsence.objects.filter(staff_id__in=ids, start_date__lte=end)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
        .values_list("staff_id", "start_date", "end_date", "expected_end_date")
    )


@dataclass
class CalendarRow:
    staff: StaffMember
    cells: list[tuple[str, str] | None]

    @property
    def days_off(self) -> int:
        return sum(1 for cell in self.cells if cell and cell[1] == "approved")


def leave_calendar(*, unit: Unit, days: list[date]) -> list[CalendarRow]:
    """The unit's people in rows, days in columns, each cell the leave that day."""
    people = list(
        StaffMember.objects.filter(home_unit=unit)
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=days[0]))
        .select_related("user", "job_role")
        .order_by("job_role__rank", "user__last_name", "pk")
    )
    labels = absence_labels([p.pk for p in people], days[0], days[-1])
    return [
        CalendarRow(staff=person, cells=[labels.get(person.pk, {}).get(day) for day in days])
        for person in people
    ]


def bradford_for_people(people: list[StaffMember], *, today: date) -> dict[int, Bradford]:
    """Scores with each home's trigger points; two queries for any number of people."""
    homes = {person.pk: person.care_home_id for person in people}
    policies = {
        policy.care_home_id: policy
        for policy in LeavePolicy.objects.filter(care_home_id__in=set(homes.values()))
    }
    return bradford_scores(homes.keys(), today=today, policies=policies, homes=homes)


def overlapping_leave(staff_id: int, first: date, last: date) -> QuerySet[LeaveRequest]:
    """A person's approved and pending leave overlapping first..last, earliest first: what
    the staff page shows and what a new request may not overlap."""
    return LeaveRequest.objects.filter(
        staff_id=staff_id,
        status__in=(LeaveStatus.APPROVED, LeaveStatus.PENDING),
        start_date__lte=last,
        end_date__gte=first,
    ).order_by("start_date")


def upcoming_leave(*, staff: StaffMember, start: date, days: int) -> list[LeaveRequest]:
    """A person's approved and pending leave overlapping the next `days` days."""
    return list(overlapping_leave(staff.pk, start, start + timedelta(days=days - 1)))
