"""The figures behind every dashboard, computed for a batch of homes at once.

`home_stats_compute` runs a fixed number of grouped queries whatever the number of homes,
units, staff or shifts, and returns one plain, picklable `HomeStats` per home, which
`staffrota.dashboards.cache` keeps until that home's data changes. Dashboards then pick the
units and homes a user may see out of these.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.db import connection
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Max, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from staffrota.compliance.models import Incident, IncidentStatus, Supervision, TrainingRecord
from staffrota.compliance.queries import (
    EXPIRED,
    EXPIRING,
    MISSING,
    SUPERVISION_INTERVAL,
    SUPERVISION_OVERDUE_LIST,
    VALID,
    add_months,
    courses_with_roles,
    registration_status,
    training_status,
)
from staffrota.leave.models import LeaveRequest, LeaveStatus, LeaveType, SicknessAbsence
from staffrota.organisation.models import (
    CareHome,
    DemandRecord,
    JobRole,
    StaffingRequirement,
    StaffMember,
    Unit,
)
from staffrota.rota.costs import DEFAULT_AGENCY_RATES, agency_rate
from staffrota.rota.models import AgencyBooking, AgencyStatus, Shift, ShiftSource, ShiftStatus

# Costs follow the rota's own cost rules (staffrota.rota.costs), so the dashboards and the
# vacancy page agree: contracted and bank hours at the person's rate, overtime at that rate
# times the home's overtime premium, agency at the confirmed booking's rate where there is
# one, otherwise the role's agency rate (set per role; defaults in DEFAULT_AGENCY_RATES).
SOURCES = [choice.value for choice in ShiftSource]
COVER_AHEAD_DAYS = 7
COVER_BEHIND_DAYS = 28
TREND_MONTHS = 12
SEVERE = ("high", "severe")
LEAVE_TYPES = dict(LeaveType.choices)


def _tuples(queryset) -> list[tuple]:
    """The rows of a values_list() queryset as plain tuples. On PostgreSQL, straight from the
    cursor: at ten times the reference group Django's per-row converters (int() on every
    count) and row handling cost as much as the query. Other databases: the ORM (SQLite
    returns dates as text, which the converters parse)."""
    if connection.vendor != "postgresql":
        return list(queryset)
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def agency_rates() -> dict[str, Decimal]:
    """Each role's agency rate per hour, by role code: one query."""
    return {role.code: agency_rate(role) for role in JobRole.objects.all()}


@dataclass
class DayCover:
    day: date
    required: int = 0
    filled: int = 0  # places filled up to the minimum
    scheduled: int = 0
    vacancies: int = 0

    @property
    def short(self) -> int:
        return self.required - self.filled


@dataclass
class UnitStats:
    unit_id: int
    name: str
    home_id: int
    beds: int
    week: list[DayCover] = field(default_factory=list)
    required_28: int = 0
    filled_28: int = 0
    pending_leave: list[dict] = field(default_factory=list)
    off_sick: list[dict] = field(default_factory=list)
    staff: int = 0
    training: dict[str, int] = field(default_factory=dict)
    supervision_overdue: int = 0
    supervision_long_overdue: int = 0
    registrations: dict[str, int] = field(default_factory=dict)
    registration_alerts: list[dict] = field(default_factory=list)
    incidents_open: int = 0

    @property
    def short_next_7(self) -> int:
        return sum(day.short for day in self.week)

    @property
    def vacancies_next_7(self) -> int:
        return sum(day.vacancies for day in self.week)

    @property
    def fill_28(self) -> float | None:
        return 100.0 * self.filled_28 / self.required_28 if self.required_28 else None

    @property
    def compliance_flags(self) -> int:
        return (
            self.training.get(EXPIRED, 0)
            + self.training.get(MISSING, 0)
            + self.supervision_long_overdue
            + self.registrations.get(EXPIRED, 0)
            + self.registrations.get(MISSING, 0)
            + self.registrations.get(EXPIRING, 0)
        )


@dataclass
class MonthFigures:
    month: date
    hours: dict[str, float] = field(default_factory=dict)  # by shift source
    cost: dict[str, float] = field(default_factory=dict)
    bed_days: int = 0
    days_with_beds: int = 0
    incidents: int = 0
    severe_incidents: int = 0

    @property
    def total_hours(self) -> float:
        return sum(self.hours.values())

    @property
    def total_cost(self) -> float:
        return sum(self.cost.values())

    @property
    def agency_share(self) -> float | None:
        total = self.total_hours
        return 100.0 * self.hours.get("agency", 0.0) / total if total else None

    @property
    def occupied_beds(self) -> float | None:
        return self.bed_days / self.days_with_beds if self.days_with_beds else None

    @property
    def cost_per_bed_day(self) -> float | None:
        return self.total_cost / self.bed_days if self.bed_days else None

    @property
    def hours_per_bed_day(self) -> float | None:
        return self.total_hours / self.bed_days if self.bed_days else None

    def to_json(self) -> dict:
        """The figures as stored for a completed month (`HomeMonth.figures`)."""
        return {
            "hours": self.hours,
            "cost": self.cost,
            "bed_days": self.bed_days,
            "days_with_beds": self.days_with_beds,
            "incidents": self.incidents,
            "severe_incidents": self.severe_incidents,
        }

    @classmethod
    def from_json(cls, month: date, data: dict) -> MonthFigures:
        return cls(
            month=month,
            hours={k: float(v) for k, v in data.get("hours", {}).items()},
            cost={k: float(v) for k, v in data.get("cost", {}).items()},
            bed_days=int(data.get("bed_days", 0)),
            days_with_beds=int(data.get("days_with_beds", 0)),
            incidents=int(data.get("incidents", 0)),
            severe_incidents=int(data.get("severe_incidents", 0)),
        )


@dataclass
class HomeStats:
    home_id: int
    name: str
    today: date
    units: dict[int, UnitStats]
    months: list[MonthFigures]
    incidents_90: int = 0
    severe_90: int = 0

    def _sum(self, attr: str) -> int:
        return sum(getattr(unit, attr) for unit in self.units.values())

    def _sum_key(self, attr: str, key: str) -> int:
        return sum(getattr(unit, attr).get(key, 0) for unit in self.units.values())

    @property
    def staff(self) -> int:
        return self._sum("staff")

    @property
    def beds(self) -> int:
        return self._sum("beds")

    @property
    def short_next_7(self) -> int:
        return self._sum("short_next_7")

    @property
    def vacancies_next_7(self) -> int:
        return self._sum("vacancies_next_7")

    @property
    def fill_28(self) -> float | None:
        required = self._sum("required_28")
        return 100.0 * self._sum("filled_28") / required if required else None

    @property
    def training_percent(self) -> float | None:
        applicable = sum(self._sum_key("training", s) for s in (VALID, EXPIRING, EXPIRED, MISSING))
        current = self._sum_key("training", VALID) + self._sum_key("training", EXPIRING)
        return 100.0 * current / applicable if applicable else None

    @property
    def supervision_percent(self) -> float | None:
        staff = self.staff
        return 100.0 * (staff - self._sum("supervision_overdue")) / staff if staff else None

    def registrations(self, status: str) -> int:
        return self._sum_key("registrations", status)

    @property
    def registration_percent(self) -> float | None:
        total = sum(self.registrations(s) for s in (VALID, EXPIRING, EXPIRED, MISSING))
        ok = self.registrations(VALID) + self.registrations(EXPIRING)
        return 100.0 * ok / total if total else None

    @property
    def incidents_open(self) -> int:
        return self._sum("incidents_open")

    @property
    def last_full_month(self) -> MonthFigures | None:
        return self.months[-2] if len(self.months) >= 2 else None


def _month_starts(today: date) -> list[date]:
    first = add_months(today.replace(day=1), -(TREND_MONTHS - 1))
    return [add_months(first, offset) for offset in range(TREND_MONTHS)]


def home_stats_compute(home_ids: list[int], today: date) -> dict[int, HomeStats]:
    """Every dashboard figure for these homes, in a fixed number of queries.

    Completed months come from the stored monthly figures (`months`), computed only where
    missing or changed; the current month and everything about today are computed live.
    Must run inside a scope that includes the homes (the request's, or `scopes_disabled`).
    """
    from staffrota.dashboards.months import months_closed_many

    if not home_ids:
        return {}
    homes = dict(CareHome.objects.filter(pk__in=home_ids).values_list("pk", "name"))
    units: dict[int, UnitStats] = {
        row["pk"]: UnitStats(
            unit_id=row["pk"], name=row["name"], home_id=row["care_home_id"], beds=row["beds"]
        )
        for row in Unit.objects.filter(care_home_id__in=home_ids)
        .values("pk", "name", "care_home_id", "beds")
        .order_by("name")
    }
    _cover(units, home_ids, today)
    _people(units, home_ids, today)
    _compliance(units, home_ids, today)
    months = _month_starts(today)
    closed = months_closed_many(list(homes), months[:-1])
    current = month_figures_compute(list(homes), months[-1], today)
    incidents_90, severe_90 = _incidents(units, home_ids, today)
    result = {}
    for home_id, name in homes.items():
        figures = [closed.get((home_id, m)) or MonthFigures(month=m) for m in months[:-1]]
        figures.append(current.get((home_id, months[-1])) or MonthFigures(month=months[-1]))
        result[home_id] = HomeStats(
            home_id=home_id,
            name=name,
            today=today,
            units={pk: unit for pk, unit in units.items() if unit.home_id == home_id},
            months=figures,
            incidents_90=incidents_90.get(home_id, 0),
            severe_90=severe_90.get(home_id, 0),
        )
    return result


def _cover(units: dict[int, UnitStats], home_ids: list[int], today: date) -> None:
    """Next 7 days (drafts count: they are the plan) and last 28 days (published only)."""
    first = today - timedelta(days=COVER_BEHIND_DAYS)
    last = today + timedelta(days=COVER_AHEAD_DAYS - 1)
    staffed = Q(staff__isnull=False) | Q(source=ShiftSource.AGENCY)
    counts: dict[tuple, int] = {}
    vacancies: dict[tuple, int] = defaultdict(int)
    rows = (
        Shift.objects.filter(care_home_id__in=home_ids, date__range=(first, last))
        .exclude(status=ShiftStatus.CANCELLED)
        .filter(Q(date__gte=today) | Q(status=ShiftStatus.PUBLISHED))  # past drafts: not worked
        .values_list("unit_id", "date", "shift_type_id", "job_role_id")
        .annotate(staffed=Count("pk", filter=staffed), vacant=Count("pk", filter=~staffed))
        .order_by()
    )
    # Tuples and plain loops: at ten times the reference group this is ~70,000 rows and as
    # many requirement checks, on every cold dashboard.
    for unit_id, day, type_id, role_id, have, vacant in _tuples(rows):
        if have:
            counts[(unit_id, day, type_id, role_id)] = have
        if vacant and day >= today:
            vacancies[(unit_id, day)] += vacant
    minimums: dict[tuple, list] = defaultdict(list)
    for unit_id, type_id, role_id, weekday, minimum in StaffingRequirement.objects.filter(
        care_home_id__in=home_ids
    ).values_list("unit_id", "shift_type_id", "job_role_id", "weekday", "minimum"):
        minimums[(unit_id, weekday)].append((type_id, role_id, minimum))
    week = [today + timedelta(days=offset) for offset in range(COVER_AHEAD_DAYS)]
    past = [first + timedelta(days=offset) for offset in range(COVER_BEHIND_DAYS)]
    no_minimums: list = []
    for unit in units.values():
        unit_id = unit.unit_id
        for day in week:
            cover = DayCover(day=day, vacancies=vacancies.get((unit_id, day), 0))
            for type_id, role_id, minimum in minimums.get((unit_id, day.weekday()), no_minimums):
                have = counts.get((unit_id, day, type_id, role_id), 0)
                cover.required += minimum
                cover.scheduled += have
                cover.filled += min(have, minimum)
            unit.week.append(cover)
        required = filled = 0
        for day in past:
            for type_id, role_id, minimum in minimums.get((unit_id, day.weekday()), no_minimums):
                have = counts.get((unit_id, day, type_id, role_id), 0)
                required += minimum
                filled += have if have < minimum else minimum
        unit.required_28 += required
        unit.filled_28 += filled


def _name(row: dict, prefix: str) -> str:
    return f"{row[prefix + 'first_name']} {row[prefix + 'last_name']}".strip()


def _people(units: dict[int, UnitStats], home_ids: list[int], today: date) -> None:
    prefix = "staff__user__"
    for row in (
        LeaveRequest.objects.filter(
            care_home_id__in=home_ids, status=LeaveStatus.PENDING, end_date__gte=today
        )
        .values(
            "pk",
            "staff__home_unit_id",
            prefix + "first_name",
            prefix + "last_name",
            "leave_type",
            "start_date",
            "end_date",
        )
        .order_by("start_date", "pk")
    ):
        unit = units.get(row["staff__home_unit_id"])
        if unit:
            unit.pending_leave.append(
                {
                    "name": _name(row, prefix),
                    "type": LEAVE_TYPES.get(row["leave_type"], row["leave_type"]),
                    "start": row["start_date"],
                    "end": row["end_date"],
                }
            )
    for row in (
        SicknessAbsence.objects.filter(care_home_id__in=home_ids, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .values(
            "staff__home_unit_id",
            prefix + "first_name",
            prefix + "last_name",
            "start_date",
            "expected_end_date",
        )
        .order_by("start_date")
    ):
        unit = units.get(row["staff__home_unit_id"])
        if unit:
            unit.off_sick.append(
                {
                    "name": _name(row, prefix),
                    "since": row["start_date"],
                    "expected_back": row["expected_end_date"],
                }
            )


def _compliance(units: dict[int, UnitStats], home_ids: list[int], today: date) -> None:
    current = StaffMember.objects.filter(care_home_id__in=home_ids).filter(
        Q(left_on__isnull=True) | Q(left_on__gte=today)
    )
    staff = list(
        current.values(
            "pk",
            "home_unit_id",
            "job_role_id",
            "job_role__requires_registration",
            "started_on",
            "registration_number",
            "registration_expiry",
            "user__first_name",
            "user__last_name",
        )
    )
    courses = courses_with_roles()
    latest: dict[int, dict[int, date]] = defaultdict(dict)  # person -> course -> latest expiry
    # Grouped and ordered as the index training_home_staff_course is: an index-only scan
    # streamed into the aggregate, where grouping by person and course alone made PostgreSQL
    # hash (and spill) every record.
    for _home, staff_id, course_id, expiry in _tuples(
        TrainingRecord.objects.filter(care_home_id__in=home_ids)
        .values_list("care_home_id", "staff_id", "course_id")
        .annotate(latest=Max("expires_on"))
        .order_by("care_home_id", "staff_id", "course_id")
    ):
        latest[staff_id][course_id] = expiry
    due = dict(
        Supervision.objects.filter(care_home_id__in=home_ids)
        .values("staff_id")
        .annotate(due=Max("next_due_on"))
        .values_list("staff_id", "due")
        .order_by()
    )
    for unit in units.values():
        unit.training = {VALID: 0, EXPIRING: 0, EXPIRED: 0, MISSING: 0}
        unit.registrations = {VALID: 0, EXPIRING: 0, EXPIRED: 0, MISSING: 0}
    # People x courses is ~150,000 cells at ten times the reference group: look each role's
    # courses up once, and each distinct expiry date's status once.
    role_courses: dict[int, list[int]] = {}
    status_of: dict[date | None, str] = {}
    no_records: dict[int, date] = {}
    for member in staff:
        unit = units.get(member["home_unit_id"])
        if unit is None:
            continue
        unit.staff += 1
        role_id = member["job_role_id"]
        if role_id not in role_courses:
            role_courses[role_id] = [
                course.pk for course, role_ids in courses if not role_ids or role_id in role_ids
            ]
        mine = latest.get(member["pk"], no_records)
        training = unit.training
        for course_id in role_courses[role_id]:
            expiry = mine.get(course_id)
            status = status_of.get(expiry)
            if status is None:
                status = status_of[expiry] = training_status(expiry, today)
            training[status] += 1
        next_due = due.get(member["pk"]) or member["started_on"] + SUPERVISION_INTERVAL
        if next_due < today:
            unit.supervision_overdue += 1
            if (today - next_due) > SUPERVISION_OVERDUE_LIST:
                unit.supervision_long_overdue += 1
        if member["job_role__requires_registration"] or member["registration_number"]:
            # A plain holder: a model instance per person costs ~70 us, 0.6 s at 10x.
            holder = SimpleNamespace(
                registration_number=member["registration_number"],
                registration_expiry=member["registration_expiry"],
            )
            status = registration_status(holder, today)
            unit.registrations[status] += 1
            if status != VALID:
                unit.registration_alerts.append(
                    {
                        "name": _name(member, "user__"),
                        "status": status,
                        "expiry": member["registration_expiry"],
                    }
                )


def _month_of(value) -> date:
    return value.date() if hasattr(value, "date") else value


def local_midnight(day: date):
    """The start of a local day as an aware datetime (a range on it can use an index)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def month_figures_compute(
    home_ids: list[int], first: date, last: date
) -> dict[tuple[int, date], MonthFigures]:
    """Hours and cost by source, occupied bed-days and incidents per home and month, counting
    the days first..last only. Six queries, whatever the number of homes or months."""
    result: dict[tuple[int, date], MonthFigures] = {}
    if not home_ids or last < first:
        return result

    def figures(home_id: int, month: date) -> MonthFigures:
        key = (home_id, month)
        if key not in result:
            result[key] = MonthFigures(month=month)
        return result[key]

    _costs(figures, home_ids, first, last)
    _demand(figures, home_ids, first, last)
    for occurred_at, home_id, severity in Incident.objects.filter(
        care_home_id__in=home_ids,
        occurred_at__gte=local_midnight(first),
        occurred_at__lt=local_midnight(last + timedelta(days=1)),
    ).values_list("occurred_at", "care_home_id", "severity"):
        month = figures(home_id, timezone.localtime(occurred_at).date().replace(day=1))
        month.incidents += 1
        month.severe_incidents += severity in SEVERE
    return result


def _costs(figures, home_ids: list[int], first: date, last: date) -> None:
    rates = agency_rates()
    premium = dict(CareHome.objects.filter(pk__in=home_ids).values_list("pk", "overtime_premium"))
    money = DecimalField(max_digits=14, decimal_places=2)
    worked = (
        Shift.objects.filter(
            care_home_id__in=home_ids,
            date__range=(first, last),
            status=ShiftStatus.PUBLISHED,
        )
        .filter(Q(staff__isnull=False) | Q(source=ShiftSource.AGENCY))
        .annotate(month=TruncMonth("date"))
        .values("care_home_id", "month", "source", "job_role__code")
        .annotate(
            hours=Sum("paid_hours"),
            cost=Sum(ExpressionWrapper(F("paid_hours") * F("staff__hourly_rate"), money)),
        )
        .order_by()
    )
    booked = {
        (row["care_home_id"], _month_of(row["month"]), row["shift__job_role__code"]): row
        for row in AgencyBooking.objects.filter(
            care_home_id__in=home_ids,
            status=AgencyStatus.CONFIRMED,
            # Only agency shifts' bookings are used below; saying so (and the shift's home)
            # lets PostgreSQL start from the small index of agency shifts (shift_agency_home_date)
            # instead of scanning every shift for the date.
            shift__care_home_id__in=home_ids,
            shift__source=ShiftSource.AGENCY,
            shift__date__range=(first, last),
            shift__status=ShiftStatus.PUBLISHED,
        )
        .annotate(month=TruncMonth("shift__date"))
        .values("care_home_id", "month", "shift__job_role__code")
        .annotate(
            hours=Sum("shift__paid_hours"),
            cost=Sum(ExpressionWrapper(F("hourly_rate") * F("shift__paid_hours"), money)),
        )
        .order_by()
    }
    for row in worked:
        month = _month_of(row["month"])
        hours = Decimal(row["hours"] or 0)
        source = row["source"]
        if source == ShiftSource.AGENCY:
            code = row["job_role__code"]
            booking = booked.get((row["care_home_id"], month, code))
            booked_hours = Decimal(booking["hours"] or 0) if booking else Decimal(0)
            booked_cost = Decimal(booking["cost"] or 0) if booking else Decimal(0)
            rate = rates.get(code, DEFAULT_AGENCY_RATES["carer"])
            cost = booked_cost + max(Decimal(0), hours - booked_hours) * rate
        elif source == ShiftSource.OVERTIME:
            cost = Decimal(row["cost"] or 0) * premium.get(row["care_home_id"], Decimal(1))
        else:
            cost = Decimal(row["cost"] or 0)
        target = figures(row["care_home_id"], month)
        target.hours[source] = target.hours.get(source, 0.0) + float(hours)
        target.cost[source] = target.cost.get(source, 0.0) + float(cost)


def _demand(figures, home_ids: list[int], first: date, last: date) -> None:
    for row in (
        DemandRecord.objects.filter(care_home_id__in=home_ids, date__range=(first, last))
        .annotate(month=TruncMonth("date"))
        .values("care_home_id", "month")
        .annotate(beds=Sum("occupied_beds"), days=Count("date", distinct=True))
        .order_by()
    ):
        target = figures(row["care_home_id"], _month_of(row["month"]))
        target.bed_days = int(row["beds"] or 0)
        target.days_with_beds = int(row["days"] or 0)


def _incidents(units, home_ids: list[int], today: date):
    """Open incidents per unit; incidents and severe ones per home in the last 90 days."""
    for row in (
        Incident.objects.filter(care_home_id__in=home_ids)
        .exclude(status=IncidentStatus.CLOSED)
        .values("unit_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        if row["unit_id"] in units:
            units[row["unit_id"]].incidents_open = row["n"]
    incidents_90: dict[int, int] = defaultdict(int)
    severe_90: dict[int, int] = defaultdict(int)
    for home_id, severity in Incident.objects.filter(
        care_home_id__in=home_ids,
        occurred_at__gte=local_midnight(today - timedelta(days=90)),
        occurred_at__lt=local_midnight(today + timedelta(days=1)),
    ).values_list("care_home_id", "severity"):
        incidents_90[home_id] += 1
        severe_90[home_id] += severity in SEVERE
    return incidents_90, severe_90
