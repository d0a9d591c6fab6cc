"""The figures behind every dashboard, computed for a batch of homes at once.

`home_stats_compute` runs a fixed number of grouped queries whatever the number of homes,
units, staff or shifts, and returns one plain, picklable `HomeStats` per home, which
`staffrota.dashboards.cache` keeps until that home's data changes. Dashboards then pick the
units and homes a user may see out of these.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

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
from staffrota.leave.models import LeaveRequest, LeaveStatus, SicknessAbsence
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

    Must run inside a scope that includes the homes (the request's, or `scopes_disabled`).
    """
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
    month_figures = {home: {m: MonthFigures(month=m) for m in months} for home in homes}
    _costs(month_figures, home_ids, months[0], today)
    _demand(month_figures, home_ids, months[0], today)
    incidents_90, severe_90 = _incidents(units, month_figures, home_ids, months[0], today)
    result = {}
    for home_id, name in homes.items():
        result[home_id] = HomeStats(
            home_id=home_id,
            name=name,
            today=today,
            units={pk: unit for pk, unit in units.items() if unit.home_id == home_id},
            months=list(month_figures[home_id].values()),
            incidents_90=incidents_90.get(home_id, 0),
            severe_90=severe_90.get(home_id, 0),
        )
    return result


def _cover(units: dict[int, UnitStats], home_ids: list[int], today: date) -> None:
    """Next 7 days (drafts count: they are the plan) and last 28 days (published only)."""
    first, last = today - timedelta(days=COVER_BEHIND_DAYS), today + timedelta(days=6)
    staffed = Q(staff__isnull=False) | Q(source=ShiftSource.AGENCY)
    counts = defaultdict(int)
    vacancies = defaultdict(int)
    rows = (
        Shift.objects.filter(care_home_id__in=home_ids, date__range=(first, last))
        .exclude(status=ShiftStatus.CANCELLED)
        .values("unit_id", "date", "shift_type_id", "job_role_id", "status")
        .annotate(staffed=Count("pk", filter=staffed), vacant=Count("pk", filter=~staffed))
        .order_by()
    )
    for row in rows:
        if row["date"] < today and row["status"] != ShiftStatus.PUBLISHED:
            continue  # a draft in the past was never worked
        key = (row["unit_id"], row["date"], row["shift_type_id"], row["job_role_id"])
        counts[key] += row["staffed"]
        if row["date"] >= today:
            vacancies[(row["unit_id"], row["date"])] += row["vacant"]
    minimums = defaultdict(list)
    for row in StaffingRequirement.objects.filter(care_home_id__in=home_ids).values(
        "unit_id", "shift_type_id", "job_role_id", "weekday", "minimum"
    ):
        minimums[(row["unit_id"], row["weekday"])].append(row)
    week = [today + timedelta(days=offset) for offset in range(COVER_AHEAD_DAYS)]
    past = [first + timedelta(days=offset) for offset in range(COVER_BEHIND_DAYS)]
    for unit in units.values():
        for day in week:
            cover = DayCover(day=day, vacancies=vacancies.get((unit.unit_id, day), 0))
            for req in minimums.get((unit.unit_id, day.weekday()), ()):
                have = counts.get((unit.unit_id, day, req["shift_type_id"], req["job_role_id"]), 0)
                cover.required += req["minimum"]
                cover.scheduled += have
                cover.filled += min(have, req["minimum"])
            unit.week.append(cover)
        for day in past:
            for req in minimums.get((unit.unit_id, day.weekday()), ()):
                have = counts.get((unit.unit_id, day, req["shift_type_id"], req["job_role_id"]), 0)
                unit.required_28 += req["minimum"]
                unit.filled_28 += min(have, req["minimum"])


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
                    "type": LeaveRequest(leave_type=row["leave_type"]).get_leave_type_display(),
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
    latest = {
        (row["staff_id"], row["course_id"]): row["latest"]
        for row in TrainingRecord.objects.filter(care_home_id__in=home_ids)
        .values("staff_id", "course_id")
        .annotate(latest=Max("expires_on"))
        .order_by()
    }
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
    for member in staff:
        unit = units.get(member["home_unit_id"])
        if unit is None:
            continue
        unit.staff += 1
        for course, role_ids in courses:
            if role_ids and member["job_role_id"] not in role_ids:
                continue
            unit.training[training_status(latest.get((member["pk"], course.pk)), today)] += 1
        next_due = due.get(member["pk"]) or member["started_on"] + SUPERVISION_INTERVAL
        if next_due < today:
            unit.supervision_overdue += 1
            if (today - next_due) > SUPERVISION_OVERDUE_LIST:
                unit.supervision_long_overdue += 1
        if member["job_role__requires_registration"] or member["registration_number"]:
            holder = StaffMember(
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


def _costs(month_figures, home_ids: list[int], first: date, today: date) -> None:
    rates = agency_rates()
    premium = dict(CareHome.objects.filter(pk__in=home_ids).values_list("pk", "overtime_premium"))
    money = DecimalField(max_digits=14, decimal_places=2)
    worked = (
        Shift.objects.filter(
            care_home_id__in=home_ids,
            date__range=(first, today),
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
            shift__date__range=(first, today),
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
        figures = month_figures[row["care_home_id"]].get(month)
        if figures is None:
            continue
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
        figures.hours[source] = figures.hours.get(source, 0.0) + float(hours)
        figures.cost[source] = figures.cost.get(source, 0.0) + float(cost)


def _demand(month_figures, home_ids: list[int], first: date, today: date) -> None:
    for row in (
        DemandRecord.objects.filter(care_home_id__in=home_ids, date__range=(first, today))
        .annotate(month=TruncMonth("date"))
        .values("care_home_id", "month")
        .annotate(beds=Sum("occupied_beds"), days=Count("date", distinct=True))
        .order_by()
    ):
        month = _month_of(row["month"])
        figures = month_figures[row["care_home_id"]].get(month)
        if figures is not None:
            figures.bed_days = int(row["beds"] or 0)
            figures.days_with_beds = int(row["days"] or 0)


def _incidents(units, month_figures, home_ids: list[int], first: date, today: date):
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
    since_90 = today - timedelta(days=90)
    for occurred_at, home_id, severity in Incident.objects.filter(
        care_home_id__in=home_ids, occurred_at__date__gte=first
    ).values_list("occurred_at", "care_home_id", "severity"):
        day = timezone.localtime(occurred_at).date()
        figures = month_figures[home_id].get(day.replace(day=1))
        severe = severity in ("high", "severe")
        if figures is not None:
            figures.incidents += 1
            figures.severe_incidents += severe
        if day >= since_90:
            incidents_90[home_id] += 1
            severe_90[home_id] += severe
    return incidents_90, severe_90
