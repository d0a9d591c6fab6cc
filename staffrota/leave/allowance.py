"""The planned leave allowance: how many people of one role in one unit may be on leave on
the same day.

Care homes (and NHS e-rostering's annual-leave headroom) plan leave into the establishment:
on any day some of each role are away and the rota is drawn around them with bank,
overtime or agency. This one number is also the "same-role cap" of the issue: one rule,
one explanation, on every day, rota or not.

Where it comes from, first found wins: a `LeaveAllowance` row for the unit and role (set by
the home), the home's `LeavePolicy.same_role_cap`, or the default worked out from the
unit's headcount of the role: each person has 5.6 weeks a year (statutory), so on the
average day 5.6/52 of them are away; leave bunches (summer, school holidays, Christmas), so
the allowance is twice that average, rounded up, and at least 1 (everyone may take leave).
Why twice: in the demo's year of approved annual leave (bench1x, 23,356 person-days of
leave), 18.8% of the days off fall above an allowance at the average, 9.0% above 1.5 times
it and 4.6% above twice it; twice the average is where nearly all the leave a home already
grants fits, and the rest goes to a manager (bench/leave/README.md).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q

from staffrota.leave.coverage import days_between
from staffrota.leave.models import LeaveAllowance, LeavePolicy, LeaveRequest, LeaveStatus
from staffrota.organisation.models import ContractType, StaffMember
from staffrota.rota.kept_sql import kept_rows

STATUTORY_WEEKS = Decimal("5.6")
PEAK_FACTOR = Decimal("2.0")


def default_places(headcount: int) -> int:
    """ceil(headcount × 5.6/52 × 2), at least 1: 5 people give 2, 10 give 3, 20 give 5."""
    return max(1, math.ceil(headcount * STATUTORY_WEEKS / 52 * PEAK_FACTOR))


@dataclass(frozen=True)
class Allowance:
    places: int
    basis: str  # where the number comes from, in words


# Read through `kept_rows` (the SQL written once per process, not a queryset built for
# every request), as rows: asking for leave runs these each time.
def _places_rows(unit_id, role_id):
    return LeaveAllowance.objects.filter(unit_id=unit_id, job_role_id=role_id).values_list(
        "places"
    )[:1]


def _headcount_rows(unit_id, role_id, day):
    """One row per permanent person of the role employed on the unit that day: their
    number is the headcount (a few dozen ids at most, cheaper to count than a query)."""
    return (
        StaffMember.objects.filter(
            home_unit_id=unit_id,
            job_role_id=role_id,
            contract_type=ContractType.PERMANENT,
            started_on__lte=day,
        )
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=day))
        .order_by()
        .values_list("pk")
    )


def _others_off_rows(home_id, unit_id, role_id, staff_id, start, end):
    return (
        LeaveRequest.objects.filter(
            care_home_id=home_id,
            status=LeaveStatus.APPROVED,
            staff__home_unit_id=unit_id,
            staff__job_role_id=role_id,
            start_date__lte=end,
            end_date__gte=start,
        )
        .exclude(staff_id=staff_id)
        .values_list("staff_id", "start_date", "end_date")
    )


def allowance_for(staff: StaffMember, policy: LeavePolicy, day: date) -> Allowance:
    """The planned leave allowance of the person's unit and role."""
    role = staff.job_role.name.lower()
    unit = staff.home_unit.name
    unit_role = {"unit_id": staff.home_unit_id, "role_id": staff.job_role_id}
    row = kept_rows(_places_rows, **unit_role)
    if row:
        return Allowance(row[0][0], f"set by the home for {role}s on {unit}")
    if policy.same_role_cap:
        return Allowance(policy.same_role_cap, "set by the home for every unit and role")
    headcount = len(kept_rows(_headcount_rows, **unit_role, day=day))
    return Allowance(
        default_places(headcount),
        f"worked out from {headcount} {role}(s) on {unit}: 5.6 weeks' leave a year each, "
        "at twice the average day",
    )


def on_leave_by_day(request: LeaveRequest) -> dict[date, set[int]]:
    """Other people of the requester's unit and role on approved leave, each day of the
    request. Read inside the unit lock `leave_request_submit` holds, so two requests racing
    for the last place cannot both count it free."""
    staff = request.staff
    others = kept_rows(
        _others_off_rows,
        home_id=staff.care_home_id,
        unit_id=staff.home_unit_id,
        role_id=staff.job_role_id,
        staff_id=staff.pk,
        start=request.start_date,
        end=request.end_date,
    )
    off: dict[date, set[int]] = defaultdict(set)
    for staff_id, first, last in others:
        for day in days_between(max(first, request.start_date), min(last, request.end_date)):
            off[day].add(staff_id)
    return off
