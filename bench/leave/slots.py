"""The minimum of a shift's slot (unit, weekday, shift type, role), for the precision checks
of both bench modes: read straight from the requirements, independently of the engine."""

from staffrota.organisation.models import StaffingRequirement


def slot_minimum(shift) -> int:
    return (
        StaffingRequirement.objects.filter(
            unit_id=shift.unit_id,
            shift_type_id=shift.shift_type_id,
            job_role_id=shift.job_role_id,
            weekday=shift.date.weekday(),
        )
        .values_list("minimum", flat=True)
        .first()
        or 0
    )
