"""Annual leave arithmetic: leave years, entitlement, bank holidays, carry-over, balances.

Everything is held in hours. Each figure comes with the steps that produced it, so the
person and their manager read the same working (`Balance.working`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import NamedTuple

import holidays
from django.db.models import TextField
from django.db.models.functions import Cast

from staffrota.leave.models import (
    HolidayTreatment,
    LeavePolicy,
    LeaveRequest,
    LeaveStatus,
    LeaveType,
)
from staffrota.organisation.models import CareHome, Nation, StaffMember
from staffrota.rota.kept_sql import kept_rows

STATUTORY_WEEKS = Decimal("5.6")
WORKING_DAYS_PER_WEEK = Decimal(5)
# Carry-over is followed back at most this many years; older leave has long lapsed.
CARRY_LOOKBACK_YEARS = 3
TWO_PLACES = Decimal("0.01")


def hours(value) -> Decimal:
    return Decimal(value).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def fmt_hours(value: Decimal) -> str:
    text = f"{hours(value):f}".rstrip("0").rstrip(".")
    return f"{text} hour" + ("" if text == "1" else "s")


def fmt_day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def policy_for(home: CareHome) -> LeavePolicy:
    """The home's leave policy, or the defaults (unsaved) when none has been set."""
    try:
        return home.leave_policy
    except LeavePolicy.DoesNotExist:
        return LeavePolicy(care_home=home)


def leave_year(home: CareHome, day: date) -> tuple[date, date]:
    """First and last day of the home's leave year that contains `day`."""
    month = home.leave_year_start_month
    start_year = day.year if day.month >= month else day.year - 1
    start = date(start_year, month, 1)
    return start, date(start_year + 1, month, 1) - timedelta(days=1)


def bank_holidays(home: CareHome, start: date, end: date) -> list[tuple[date, str]]:
    """Bank holidays of the home's nation between start and end, inclusive."""
    subdiv = "SCT" if home.nation == Nation.SCOTLAND else "ENG"
    return [
        (day, name) for day, name in _calendar(subdiv, start.year, end.year) if start <= day <= end
    ]


@lru_cache(maxsize=64)
def _calendar(subdiv: str, first_year: int, last_year: int) -> tuple[tuple[date, str], ...]:
    """The nation's bank holidays of those years, in date order. Kept per process: the
    calendar is fixed, and building it took 2 ms, twice for every leave request."""
    calendar = holidays.country_holidays(
        "GB", subdiv=subdiv, years=range(first_year, last_year + 1)
    )
    return tuple(sorted(calendar.items()))


@dataclass(frozen=True)
class Step:
    label: str
    value: Decimal
    working: str


@dataclass
class Entitlement:
    year_start: date
    year_end: date
    base: Decimal
    bank_holiday_hours: Decimal
    steps: list[Step] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return self.base + self.bank_holiday_hours


def entitlement_for(staff: StaffMember, home: CareHome, policy: LeavePolicy, day: date):
    """Statutory 5.6 weeks of the contracted weekly hours, pro rata to the part of the leave
    year the person is employed, plus bank holidays when the home gives them on top."""
    start, end = leave_year(home, day)
    weekly = Decimal(staff.contracted_hours)
    full_year = Decimal((end - start).days + 1)
    employed_from = max(start, staff.started_on)
    employed_to = min(end, staff.left_on) if staff.left_on else end
    employed = Decimal(max(0, (employed_to - employed_from).days + 1))
    share = employed / full_year
    yearly = STATUTORY_WEEKS * weekly
    base = hours(yearly * share)
    steps = [
        Step(
            "Statutory entitlement",
            hours(yearly),
            f"5.6 weeks × {fmt_hours(weekly)} contracted a week = {fmt_hours(yearly)}",
        )
    ]
    if employed < full_year:
        steps.append(
            Step(
                "Part of the year employed",
                base,
                f"{fmt_hours(yearly)} × {int(employed)} of {int(full_year)} days employed "
                f"({fmt_day(employed_from)} to {fmt_day(employed_to)}) = {fmt_hours(base)}",
            )
        )
    bank = bank_holidays(home, employed_from, employed_to) if employed else []
    extra = Decimal(0)
    day_hours = weekly / WORKING_DAYS_PER_WEEK
    if policy.bank_holidays == HolidayTreatment.ON_TOP and bank:
        extra = hours(day_hours * len(bank))
        steps.append(
            Step(
                "Bank holidays on top",
                extra,
                f"{len(bank)} {home.get_nation_display()} bank holidays × "
                f"{fmt_hours(day_hours)} (a fifth of the contracted week) = {fmt_hours(extra)}",
            )
        )
    elif bank:
        steps.append(
            Step(
                "Bank holidays within",
                Decimal(0),
                f"The {len(bank)} {home.get_nation_display()} bank holidays count within "
                "the 5.6 weeks: book them like any other day if you want them off.",
            )
        )
    return Entitlement(start, end, base, extra, steps)


class AnnualLeave(NamedTuple):
    """What a balance reads of a leave request (the attributes of `LeaveRequest` it uses)."""

    pk: int
    status: str
    start_date: date
    end_date: date
    hours: Decimal
    hours_by_day: dict


def _annual_rows(staff_id: int):
    # The JSON as text, decoded below: a JSON column's rows are converted by Django, which
    # `kept_rows` leaves to the ORM; text comes as it is.
    return LeaveRequest.objects.filter(
        staff_id=staff_id,
        leave_type=LeaveType.ANNUAL,
        status__in=(LeaveStatus.APPROVED, LeaveStatus.PENDING),
    ).values_list(
        "pk", "status", "start_date", "end_date", "hours", Cast("hours_by_day", TextField())
    )


def annual_requests(staff_id: int) -> list[AnnualLeave]:
    """The person's annual leave asked for or approved: what their balances use. Read as
    rows through `kept_rows` (the SQL written once per process): asking for leave and the
    leave page after it read them, and model instances cost ten times as much."""
    return [
        AnnualLeave(pk, status, first, last, amount, json.loads(days) if days is not None else None)
        for pk, status, first, last, amount, days in kept_rows(_annual_rows, staff_id=staff_id)
    ]


def request_days(request: LeaveRequest) -> dict[date, Decimal]:
    """The request's hours by day (old rows without a breakdown: spread over the days)."""
    if request.hours_by_day:
        return {date.fromisoformat(k): Decimal(v) for k, v in request.hours_by_day.items()}
    days = (request.end_date - request.start_date).days + 1
    each = Decimal(request.hours) / days
    return {request.start_date + timedelta(days=n): each for n in range(days)}


@dataclass
class Balance:
    staff: StaffMember
    year_start: date
    year_end: date
    entitled: Decimal
    carried_over: Decimal
    taken: Decimal
    booked: Decimal
    pending: Decimal
    working: list[Step]

    @property
    def total(self) -> Decimal:
        return self.entitled + self.carried_over

    @property
    def remaining(self) -> Decimal:
        return self.total - self.taken - self.booked

    @property
    def available(self) -> Decimal:
        """What a new request may use: remaining less what is already waiting for a decision."""
        return self.remaining - self.pending


def _used_in(requests, start: date, end: date, today: date, exclude_pk=None):
    taken = booked = pending = Decimal(0)
    for request in requests:
        if exclude_pk is not None and request.pk == exclude_pk:
            continue
        for day, amount in request_days(request).items():
            if not start <= day <= end:
                continue
            if request.status == LeaveStatus.PENDING:
                pending += amount
            elif day < today:
                taken += amount
            else:
                booked += amount
    # A request kept without its hours by day is spread evenly over its days, which leaves
    # a 28-digit remainder (130.2499...998 h); the balance is in hundredths, as asked for.
    return hours(taken), hours(booked), hours(pending)


def balance_for(
    staff: StaffMember,
    day: date,
    *,
    today: date,
    exclude_pk: int | None = None,
    requests: list[LeaveRequest] | None = None,
) -> Balance:
    """Entitled, carried over, taken, booked and remaining hours in the leave year of `day`.
    `requests`: the person's `annual_requests`, when the caller has just read them."""
    home = staff.care_home
    policy = policy_for(home)
    requests = annual_requests(staff.pk) if requests is None else requests
    now = entitlement_for(staff, home, policy, day)
    carried, carry_steps = _carry_in(staff, home, policy, requests, now.year_start, today)
    taken, booked, pending = _used_in(
        requests, now.year_start, now.year_end, today, exclude_pk=exclude_pk
    )
    working = list(now.steps) + carry_steps
    balance = Balance(
        staff=staff,
        year_start=now.year_start,
        year_end=now.year_end,
        entitled=now.total,
        carried_over=carried,
        taken=taken,
        booked=booked,
        pending=pending,
        working=working,
    )
    working.append(
        Step(
            "Remaining",
            balance.remaining,
            f"{fmt_hours(balance.total)} − {fmt_hours(taken)} taken − "
            f"{fmt_hours(booked)} booked = {fmt_hours(balance.remaining)}"
            + (f"; {fmt_hours(pending)} more waiting for a decision" if pending else ""),
        )
    )
    return balance


def _carry_in(staff, home, policy, requests, year_start: date, today: date):
    """Unused hours of the previous leave year, up to the home's cap; followed back a few
    years because last year's remainder itself included what it carried in."""
    cap = Decimal(policy.carry_over_cap_hours)
    if cap <= 0:
        return Decimal(0), [Step("Carried over", Decimal(0), "This home carries no leave over.")]
    years = []
    cursor = year_start
    for _ in range(CARRY_LOOKBACK_YEARS):
        previous_start = leave_year(home, cursor - timedelta(days=1))[0]
        if previous_start < leave_year(home, staff.started_on)[0]:
            break
        years.append(previous_start)
        cursor = previous_start
    carried = Decimal(0)
    unused = Decimal(0)
    for start in reversed(years):
        year = entitlement_for(staff, home, policy, start)
        taken, booked, _ = _used_in(requests, year.year_start, year.year_end, today)
        unused = max(Decimal(0), year.total + carried - taken - booked)
        carried = min(cap, unused)
    if not years:
        return Decimal(0), [Step("Carried over", Decimal(0), "No earlier leave year here.")]
    return carried, [
        Step(
            "Carried over",
            carried,
            f"{fmt_hours(unused)} unused last leave year, up to this home's cap of "
            f"{fmt_hours(cap)} = {fmt_hours(carried)}",
        )
    ]
