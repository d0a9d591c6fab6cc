"""What each API resource may show to one user: one visibility query per model.

The tenancy scope already hides other homes; these narrow to the user's units (a manager)
or to themselves (staff), the same as the web pages.
"""

from django.db.models import QuerySet

from staffrota.accounts.access import Access
from staffrota.leave.models import LeaveRequest
from staffrota.organisation.models import CareHome, StaffMember, Unit
from staffrota.rota.models import Shift, ShiftStatus


def homes_visible(access: Access) -> QuerySet[CareHome]:
    return CareHome.objects.filter(pk__in=access.home_ids)


def units_visible(access: Access) -> QuerySet[Unit]:
    return Unit.objects.filter(pk__in=access.unit_ids)


def staff_visible(access: Access) -> QuerySet[StaffMember]:
    if access.manages:
        return StaffMember.objects.filter(home_unit_id__in=access.unit_ids)
    return StaffMember.objects.filter(pk=access.staff_id or 0)


def shifts_visible(access: Access) -> QuerySet[Shift]:
    if access.manages:
        return Shift.objects.filter(unit_id__in=access.unit_ids)
    # Staff see their own published (and since cancelled) shifts, as on "My shifts".
    return Shift.objects.filter(staff_id=access.staff_id or 0).exclude(status=ShiftStatus.DRAFT)


def leave_visible(access: Access) -> QuerySet[LeaveRequest]:
    if access.manages:
        return LeaveRequest.objects.filter(staff__home_unit_id__in=access.unit_ids)
    return LeaveRequest.objects.filter(staff_id=access.staff_id or 0)
