"""Reads of training, supervision, registrations and incidents that pages, exports,
dashboards and jobs share. Each takes the people or incidents already narrowed to what the
caller may see (`staff_visible`, `incidents_visible`) and runs a fixed number of queries
whatever the number of rows.
"""

from __future__ import annotations

import calendar
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone

from staffrota.accounts.access import Access
from staffrota.compliance.models import Incident, Supervision, TrainingCourse, TrainingRecord
from staffrota.organisation.models import ShiftType, StaffingRequirement, StaffMember
from staffrota.rota.models import Shift, ShiftStatus

EXPIRING_WITHIN = timedelta(days=30)
REGISTRATION_WARNING = timedelta(days=60)
# DOMAIN.md section 7: no statutory frequency; audit tools look for every 8 to 12 weeks.
SUPERVISION_INTERVAL = timedelta(weeks=8)
# The monthly report and the overdue list name people more than 6 weeks past their due date.
SUPERVISION_OVERDUE_LIST = timedelta(weeks=6)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day if it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- who may be seen ---------------------------------------------------------------------


def staff_visible(access: Access, *, on: date | None = None) -> QuerySet[StaffMember]:
    """Current staff the user may see: their units' people for a manager, themselves for staff."""
    on = on or timezone.localdate()
    current = StaffMember.objects.filter(Q(left_on__isnull=True) | Q(left_on__gte=on))
    if access.manages:
        return current.filter(home_unit_id__in=access.unit_ids)
    if access.staff_id:
        return current.filter(pk=access.staff_id)
    return current.none()


def incidents_visible(access: Access, user) -> QuerySet[Incident]:
    """Incidents on a manager's units; for staff, the ones they reported."""
    if access.manages:
        return Incident.objects.filter(unit_id__in=access.unit_ids)
    if getattr(user, "pk", None):
        return Incident.objects.filter(reported_by=user)
    return Incident.objects.none()


# --- training ----------------------------------------------------------------------------

VALID, EXPIRING, EXPIRED, MISSING = "valid", "expiring", "expired", "missing"
STATUS_LABELS = {
    VALID: "Valid",
    EXPIRING: "Expiring within 30 days",
    EXPIRED: "Expired",
    MISSING: "Missing",
}


def training_status(expires_on: date | None, today: date) -> str:
    """`expires_on` is the last day the training counts, so it is still valid that day."""
    if expires_on is None:
        return MISSING
    if expires_on < today:
        return EXPIRED
    if expires_on <= today + EXPIRING_WITHIN:
        return EXPIRING
    return VALID


def course_applies(course: TrainingCourse, role_ids: set[int], role_id: int) -> bool:
    return not role_ids or role_id in role_ids


@dataclass
class MatrixCell:
    course: TrainingCourse
    status: str  # valid, expiring, expired, missing; "" when the course does not apply
    expires_on: date | None = None


@dataclass
class MatrixRow:
    staff: StaffMember
    cells: list[MatrixCell]

    def count(self, status: str) -> int:
        return sum(1 for cell in self.cells if cell.status == status)


@dataclass
class TrainingMatrix:
    courses: list[TrainingCourse]
    rows: list[MatrixRow]
    totals: Counter = field(default_factory=Counter)
    page: Page | None = None  # when rows are one page of the people chosen

    @property
    def applicable(self) -> int:
        return sum(self.totals.values())

    @property
    def percent_current(self) -> float:
        """Share of required courses that are in date (valid or expiring but not expired)."""
        if not self.applicable:
            return 100.0
        return 100.0 * (self.totals[VALID] + self.totals[EXPIRING]) / self.applicable


def courses_with_roles() -> list[tuple[TrainingCourse, set[int]]]:
    courses = list(TrainingCourse.objects.prefetch_related("roles").order_by("name"))
    return [(course, {role.pk for role in course.roles.all()}) for course in courses]


def latest_expiry(staff_qs: QuerySet[StaffMember]) -> dict[tuple[int, int], date]:
    """The latest expiry per (person, course) among the given people: one query."""
    rows = (
        TrainingRecord.objects.filter(staff__in=staff_qs.values("pk"))
        .values_list("staff_id", "course_id")
        .annotate(latest=Max("expires_on"))
        .order_by()
    )
    return {(staff_id, course_id): latest for staff_id, course_id, latest in rows}


def training_matrix(
    *,
    staff_qs: QuerySet[StaffMember],
    today: date,
    page: int | str | None = None,
    page_size: int | None = None,
) -> TrainingMatrix:
    """People by course, each cell valid / expiring / expired / missing.

    With `page_size`, `rows` holds that page of people only (`TrainingMatrix.page`); the
    totals always count everyone. Five queries.
    """
    order = ("home_unit__name", "user__last_name", "user__first_name", "pk")
    people = list(staff_qs.order_by(*order).values_list("pk", "job_role_id"))
    courses = courses_with_roles()
    latest = latest_expiry(staff_qs)
    totals: Counter = Counter()
    status_of: dict[date | None, str] = {}  # each distinct expiry's status, worked out once
    role_courses: dict[int, list[int]] = {}
    for pk, role_id in people:
        if role_id not in role_courses:
            role_courses[role_id] = [
                course.pk
                for course, role_ids in courses
                if course_applies(course, role_ids, role_id)
            ]
        for course_id in role_courses[role_id]:
            expires = latest.get((pk, course_id))
            if expires not in status_of:
                status_of[expires] = training_status(expires, today)
            totals[status_of[expires]] += 1
    shown_page = None
    if page_size:
        shown_page = Paginator(people, page_size).get_page(page)
        shown = list(shown_page.object_list)
    else:
        shown = people
    by_pk = staff_qs.select_related("user", "job_role", "home_unit").in_bulk(
        [pk for pk, _ in shown]
    )
    rows = []
    for pk, _ in shown:
        member = by_pk[pk]
        cells = []
        for course, role_ids in courses:
            if not course_applies(course, role_ids, member.job_role_id):
                cells.append(MatrixCell(course=course, status=""))
                continue
            expires = latest.get((member.pk, course.pk))
            cells.append(MatrixCell(course=course, status=status_of[expires], expires_on=expires))
        rows.append(MatrixRow(staff=member, cells=cells))
    return TrainingMatrix(
        courses=[course for course, _ in courses], rows=rows, totals=totals, page=shown_page
    )


@dataclass(frozen=True)
class ExpiringTraining:
    staff: StaffMember
    course: TrainingCourse
    expires_on: date | None
    status: str


def training_attention(matrix: TrainingMatrix) -> list[ExpiringTraining]:
    """Every cell that needs action, most urgent first: expired, missing, then expiring."""
    order = {EXPIRED: 0, MISSING: 1, EXPIRING: 2}
    found = [
        ExpiringTraining(row.staff, cell.course, cell.expires_on, cell.status)
        for row in matrix.rows
        for cell in row.cells
        if cell.status in order
    ]
    found.sort(key=lambda item: (order[item.status], item.expires_on or date.min))
    return found


# --- supervision -------------------------------------------------------------------------


@dataclass(frozen=True)
class SupervisionRow:
    staff: StaffMember
    last_held: date | None
    next_due: date
    overdue_days: int  # negative: days until due

    @property
    def overdue(self) -> bool:
        return self.overdue_days > 0

    @property
    def long_overdue(self) -> bool:
        return self.overdue_days > SUPERVISION_OVERDUE_LIST.days


def supervision_rows(*, staff_qs: QuerySet[StaffMember], today: date) -> list[SupervisionRow]:
    """Each person's last supervision and next due date; someone never supervised is due
    one interval after starting. Two queries."""
    staff = list(staff_qs.select_related("user", "job_role", "home_unit"))
    latest = {
        row["staff_id"]: row
        for row in Supervision.objects.filter(staff__in=staff_qs.values("pk"))
        .values("staff_id")
        .annotate(last=Max("held_on"), due=Max("next_due_on"))
        .order_by()
    }
    rows = []
    for member in staff:
        found = latest.get(member.pk)
        due = found["due"] if found else member.started_on + SUPERVISION_INTERVAL
        rows.append(
            SupervisionRow(
                staff=member,
                last_held=found["last"] if found else None,
                next_due=due,
                overdue_days=(today - due).days,
            )
        )
    rows.sort(key=lambda row: (-row.overdue_days, row.staff.full_name))
    return rows


# --- registration ------------------------------------------------------------------------


@dataclass(frozen=True)
class RegistrationRow:
    staff: StaffMember
    status: str  # valid, expiring (within 60 days), expired, missing

    @property
    def days_left(self) -> int | None:
        expiry = self.staff.registration_expiry
        return None if expiry is None else (expiry - timezone.localdate()).days


def registration_status(member: StaffMember, today: date) -> str:
    if not member.registration_number or member.registration_expiry is None:
        return MISSING
    if member.registration_expiry < today:
        return EXPIRED
    if member.registration_expiry <= today + REGISTRATION_WARNING:
        return EXPIRING
    return VALID


def registration_rows(*, staff_qs: QuerySet[StaffMember], today: date) -> list[RegistrationRow]:
    """People whose role needs registration or who hold one, most urgent first. One query."""
    staff = staff_qs.filter(
        Q(job_role__requires_registration=True) | ~Q(registration_number="")
    ).select_related("user", "job_role", "home_unit")
    order = {EXPIRED: 0, MISSING: 1, EXPIRING: 2, VALID: 3}
    rows = [RegistrationRow(member, registration_status(member, today)) for member in staff]
    rows.sort(key=lambda row: (order[row.status], row.staff.registration_expiry or date.min))
    return rows


# --- incidents and the staffing on the shift ----------------------------------------------


@dataclass(frozen=True)
class ShiftStaffing:
    shift_type: ShiftType | None
    shift_date: date | None
    scheduled: int
    minimum: int

    @property
    def below_minimum(self) -> bool:
        return self.shift_type is not None and self.scheduled < self.minimum


def _covering_shift(types: list[ShiftType], moment: datetime) -> tuple[ShiftType, date] | None:
    """The home's shift type running at `moment`, and the day that shift started.

    Where day shifts overlap (an early and a long day) the one that started latest wins.
    """
    local = timezone.localtime(moment)
    clock, day = local.time(), local.date()
    best = None
    for shift_type in types:
        if shift_type.starts < shift_type.ends:
            if shift_type.starts <= clock < shift_type.ends:
                candidate = (shift_type, day, shift_type.starts)
            else:
                continue
        elif clock >= shift_type.starts:
            candidate = (shift_type, day, shift_type.starts)
        elif clock < shift_type.ends:
            candidate = (shift_type, day - timedelta(days=1), time(0))
        else:
            continue
        if best is None or candidate[2] > best[2]:
            best = candidate
    return (best[0], best[1]) if best else None


def incident_staffing(incidents: list[Incident]) -> dict[int, ShiftStaffing]:
    """For each incident, the people working its unit's shift at the time against the minimum.

    Three queries whatever the number of incidents: shift types, staffed shifts grouped by
    unit, day and type, and the minimums grouped the same way.
    """
    if not incidents:
        return {}
    home_ids = {incident.care_home_id for incident in incidents}
    types_by_home: dict[int, list[ShiftType]] = defaultdict(list)
    for shift_type in ShiftType.objects.filter(care_home_id__in=home_ids):
        types_by_home[shift_type.care_home_id].append(shift_type)
    placed = {}
    for incident in incidents:
        found = _covering_shift(types_by_home[incident.care_home_id], incident.occurred_at)
        if found:
            placed[incident.pk] = (incident.unit_id, found[0], found[1])
    if not placed:
        return {pk: ShiftStaffing(None, None, 0, 0) for pk in (i.pk for i in incidents)}
    unit_ids = {unit for unit, _, _ in placed.values()}
    days = [day for _, _, day in placed.values()]
    scheduled = {
        (row["unit_id"], row["shift_type_id"], row["date"]): row["n"]
        for row in Shift.objects.filter(
            unit_id__in=unit_ids,
            date__range=(min(days), max(days)),
            status=ShiftStatus.PUBLISHED,
        )
        .filter(Q(staff__isnull=False) | Q(source="agency"))
        .values("unit_id", "shift_type_id", "date")
        .annotate(n=Count("pk"))
        .order_by()
    }
    minimum = {
        (row["unit_id"], row["shift_type_id"], row["weekday"]): row["n"]
        for row in StaffingRequirement.objects.filter(unit_id__in=unit_ids)
        .values("unit_id", "shift_type_id", "weekday")
        .annotate(n=Sum("minimum"))
        .order_by()
    }
    result = {}
    for incident in incidents:
        if incident.pk not in placed:
            result[incident.pk] = ShiftStaffing(None, None, 0, 0)
            continue
        unit_id, shift_type, day = placed[incident.pk]
        result[incident.pk] = ShiftStaffing(
            shift_type=shift_type,
            shift_date=day,
            scheduled=scheduled.get((unit_id, shift_type.pk, day), 0),
            minimum=minimum.get((unit_id, shift_type.pk, day.weekday()), 0),
        )
    return result


SUMMARY_DIMENSIONS = {
    "home": "Care home",
    "unit": "Unit",
    "category": "Category",
    "severity": "Severity",
}


@dataclass
class IncidentSummary:
    dimension: str
    months: list[date]
    groups: list[str]
    counts: dict[tuple[str, date], int]
    incidents: list[Incident]
    staffing: dict[int, ShiftStaffing]

    def row(self, group: str) -> list[int]:
        return [self.counts.get((group, month), 0) for month in self.months]

    def total(self, group: str) -> int:
        return sum(self.row(group))

    @property
    def below_minimum(self) -> int:
        return sum(1 for s in self.staffing.values() if s.below_minimum)


def incident_summary(
    *, incidents_qs: QuerySet[Incident], start: date, end: date, dimension: str = "category"
) -> IncidentSummary:
    """Incidents from `start` to `end` counted by month and one dimension, each with the
    staffing on the shift when it happened. Four queries."""
    if dimension not in SUMMARY_DIMENSIONS:
        dimension = "category"
    first = timezone.make_aware(datetime.combine(start, time.min))
    last = timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min))
    incidents = list(
        incidents_qs.filter(occurred_at__gte=first, occurred_at__lt=last)
        .select_related("unit", "care_home")
        .order_by("occurred_at")
    )
    months = []
    month = start.replace(day=1)
    while month <= end:
        months.append(month)
        month = add_months(month, 1)
    counts: Counter = Counter()
    groups: set[str] = set()
    for incident in incidents:
        key = {
            "home": lambda i: i.care_home.name,
            "unit": lambda i: f"{i.unit.name}",
            "category": lambda i: i.get_category_display(),
            "severity": lambda i: i.get_severity_display(),
        }[dimension](incident)
        groups.add(key)
        counts[(key, timezone.localtime(incident.occurred_at).date().replace(day=1))] += 1
    return IncidentSummary(
        dimension=dimension,
        months=months,
        groups=sorted(groups),
        counts=counts,
        incidents=incidents,
        staffing=incident_staffing(incidents),
    )
