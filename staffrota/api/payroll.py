"""Hours per person and pay category for a pay period: what a payroll bureau needs.

Categories (documented in staffrota/api/README.md):
- contracted, overtime, bank: paid hours of published shifts, by the source the rules
  engine gave each shift when it was filled;
- night and weekend: the part of those hours inside the home's night window or on a
  Saturday or Sunday (local time), in proportion to paid time, so an unpaid break is not
  enhanced. These are paid on top: the hours also count in their base category;
- sickness: a fifth of the weekly contracted hours for each weekday of sickness;
- annual leave: approved annual leave, its hours shared evenly over its days;
- agency: a separate section per unit and role, with the hours and the cost charged.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from staffrota.leave.models import LeaveRequest, LeaveStatus, LeaveType, SicknessAbsence
from staffrota.organisation.models import CareHome, StaffMember, Unit
from staffrota.rota.costs import agency_rate
from staffrota.rota.models import AgencyBooking, AgencyStatus, Shift, ShiftSource, ShiftStatus

ZERO = Decimal("0.00")
CATEGORIES = (
    "contracted",
    "overtime",
    "bank",
    "night_enhancement",
    "weekend_enhancement",
    "sickness",
    "annual_leave",
)


@dataclass
class PayLine:
    staff: StaffMember
    hours: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, ZERO))

    @property
    def worked(self) -> Decimal:
        return self.hours["contracted"] + self.hours["overtime"] + self.hours["bank"]


@dataclass
class AgencyLine:
    home: str
    unit: str
    job_role: str
    shifts: int = 0
    hours: Decimal = ZERO
    cost: Decimal = ZERO


@dataclass
class Payroll:
    date_from: date
    date_to: date
    homes: list[CareHome]
    lines: list[PayLine]
    agency: list[AgencyLine]


def _aware(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at), timezone.get_current_timezone())


def _overlap(start: datetime, end: datetime, lo: datetime, hi: datetime) -> timedelta:
    # In UTC: Python subtracts two times of one zone by the wall clock, across DST too.
    later, earlier = min(end, hi).astimezone(UTC), max(start, lo).astimezone(UTC)
    return max(timedelta(0), later - earlier)


def night_seconds(start: datetime, end: datetime, home: CareHome) -> float:
    """Seconds of [start, end) inside the home's nightly window(s)."""
    begins, ends = home.night_enhancement_start, home.night_enhancement_end
    total = timedelta(0)
    day = timezone.localtime(start).date() - timedelta(days=1)
    while _aware(day, begins) < end:
        finish_day = day + timedelta(days=1) if ends <= begins else day
        total += _overlap(start, end, _aware(day, begins), _aware(finish_day, ends))
        day += timedelta(days=1)
    return total.total_seconds()


def weekend_seconds(start: datetime, end: datetime) -> float:
    total = timedelta(0)
    day = timezone.localtime(start).date()
    while _aware(day, time(0)) < end:
        if day.weekday() >= 5:
            total += _overlap(start, end, _aware(day, time(0)), _aware(day + timedelta(1), time(0)))
        day += timedelta(days=1)
    return total.total_seconds()


def _share(paid: Decimal, part: float, whole: float) -> Decimal:
    if part <= 0 or whole <= 0:
        return ZERO
    return (paid * Decimal(part) / Decimal(whole)).quantize(Decimal("0.01"))


def _weekdays(start: date, end: date) -> int:
    return sum(1 for n in range((end - start).days + 1) if (start + timedelta(n)).weekday() < 5)


def payroll_build(*, unit_ids, date_from: date, date_to: date) -> Payroll:
    """The payroll of the given units for [date_from, date_to]: one line per person."""
    unit_ids = list(unit_ids)
    shifts = list(
        Shift.objects.filter(
            unit_id__in=unit_ids, date__range=(date_from, date_to), status=ShiftStatus.PUBLISHED
        ).select_related("care_home", "unit", "job_role", "staff__user", "staff__job_role")
    )
    people = (
        StaffMember.objects.filter(
            Q(home_unit_id__in=unit_ids) | Q(pk__in={s.staff_id for s in shifts if s.staff_id})
        )
        .select_related("user", "job_role", "home_unit")
        .order_by("care_home_id", "sap_number")
    )
    lines = {member.pk: PayLine(staff=member) for member in people}
    homes = {s.care_home_id: s.care_home for s in shifts}
    booked_rates = dict(
        AgencyBooking.objects.filter(
            shift__in=[s.pk for s in shifts if s.source == ShiftSource.AGENCY],
            status=AgencyStatus.CONFIRMED,
        ).values_list("shift_id", "hourly_rate")
    )
    agency: dict[tuple, AgencyLine] = {}
    for shift in shifts:
        if shift.staff_id is None:
            if shift.source != ShiftSource.AGENCY:
                continue  # a vacancy nobody worked
            key = (shift.care_home.name, shift.unit.name, shift.job_role.name)
            line = agency.setdefault(key, AgencyLine(*key))
            rate = booked_rates.get(shift.pk) or agency_rate(shift.job_role)
            line.shifts += 1
            line.hours += shift.paid_hours
            line.cost += (rate * shift.paid_hours).quantize(Decimal("0.01"))
            continue
        hours = lines[shift.staff_id].hours
        category = shift.source if shift.source in ("overtime", "bank") else "contracted"
        hours[category] += shift.paid_hours
        elapsed = (shift.ends_at - shift.starts_at).total_seconds()
        night = night_seconds(shift.starts_at, shift.ends_at, shift.care_home)
        hours["night_enhancement"] += _share(shift.paid_hours, night, elapsed)
        weekend = weekend_seconds(shift.starts_at, shift.ends_at)
        hours["weekend_enhancement"] += _share(shift.paid_hours, weekend, elapsed)

    staff_ids = list(lines)
    for episode in SicknessAbsence.objects.filter(
        staff_id__in=staff_ids, start_date__lte=date_to
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=date_from)):
        line = lines[episode.staff_id]
        first = max(episode.start_date, date_from)
        last = min(episode.end_date or date_to, date_to)
        per_day = line.staff.contracted_hours / 5
        line.hours["sickness"] += (per_day * _weekdays(first, last)).quantize(Decimal("0.01"))
    for leave in LeaveRequest.objects.filter(
        staff_id__in=staff_ids,
        leave_type=LeaveType.ANNUAL,
        status=LeaveStatus.APPROVED,
        start_date__lte=date_to,
        end_date__gte=date_from,
    ):
        days = (leave.end_date - leave.start_date).days + 1
        inside = (min(leave.end_date, date_to) - max(leave.start_date, date_from)).days + 1
        share = (leave.hours * inside / days).quantize(Decimal("0.01"))
        lines[leave.staff_id].hours["annual_leave"] += share

    if not homes:
        home_ids = Unit.objects.filter(pk__in=unit_ids).values("care_home_id")
        homes = {h.pk: h for h in CareHome.objects.filter(pk__in=home_ids)}
    kept = [line for line in lines.values() if any(line.hours.values())]
    return Payroll(
        date_from=date_from,
        date_to=date_to,
        homes=sorted(homes.values(), key=lambda h: h.name),
        lines=kept,
        agency=sorted(agency.values(), key=lambda a: (a.home, a.unit, a.job_role)),
    )
