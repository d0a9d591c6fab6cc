"""A thin leave-request write for the API until the leave workflows land.

`leave_request_submit` mirrors the keyword arguments of the leave branch's service of the
same name, so switching the API over is a change of import. It only records a pending
request for a manager: entitlement, cover and automatic approval belong to that service.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from staffrota.audit.services import audit_record
from staffrota.leave.models import LeaveRequest, LeaveStatus, LeaveType
from staffrota.organisation.models import StaffMember

MAX_LEAVE_DAYS = 366
DEFAULT_DAY_HOURS = Decimal("7.5")  # a day of leave for someone without contracted hours


class LeaveRequestError(Exception):
    """A leave request that cannot be recorded; the message says why."""


def _working_days(start: date, end: date) -> int:
    return sum(1 for n in range((end - start).days + 1) if (start + timedelta(n)).weekday() < 5)


def leave_hours(*, staff: StaffMember, start: date, end: date) -> Decimal:
    """Hours a request takes: a fifth of the weekly contracted hours per weekday."""
    per_day = (staff.contracted_hours / 5) if staff.contracted_hours else DEFAULT_DAY_HOURS
    return (per_day * max(_working_days(start, end), 1)).quantize(Decimal("0.01"))


def leave_request_submit(
    *,
    staff: StaffMember,
    leave_type: str,
    start: date,
    end: date,
    actor,
    part_day_hours: Decimal | None = None,
    comment: str = "",
) -> LeaveRequest:
    """Record a pending leave request after checking its dates."""
    if leave_type not in LeaveType.values or leave_type == LeaveType.SICKNESS:
        raise LeaveRequestError("Sickness is recorded by a manager, not requested.")
    if end < start:
        raise LeaveRequestError("The last day of leave is before the first.")
    if (end - start).days >= MAX_LEAVE_DAYS:
        raise LeaveRequestError("A request covers at most a year; split it in two.")
    if part_day_hours is not None and start != end:
        raise LeaveRequestError("Part-day hours apply to a request of one day only.")
    with transaction.atomic():
        # One writer per person at a time, so two overlapping requests cannot both pass.
        StaffMember.objects.select_for_update().filter(pk=staff.pk).first()
        clash = (
            LeaveRequest.objects.filter(
                staff=staff,
                status__in=[LeaveStatus.PENDING, LeaveStatus.APPROVED],
                start_date__lte=end,
                end_date__gte=start,
            )
            .order_by("start_date")
            .first()
        )
        if clash is not None:
            raise LeaveRequestError(
                f"{staff.full_name} already has {clash.get_leave_type_display().lower()} "
                f"({clash.get_status_display().lower()}) from {clash.start_date:%d %b %Y} to "
                f"{clash.end_date:%d %b %Y}, which overlaps these dates."
            )
        request = LeaveRequest.objects.create(
            care_home_id=staff.care_home_id,
            staff=staff,
            leave_type=leave_type,
            start_date=start,
            end_date=end,
            hours=part_day_hours or leave_hours(staff=staff, start=start, end=end),
            comment=comment,
        )
        audit_record(
            actor=actor,
            action="leave.request",
            target=request,
            after={
                "staff": staff.pk,
                "leave_type": leave_type,
                "start_date": start,
                "end_date": end,
                "hours": request.hours,
            },
        )
    return request
