"""Writes to the rota. Every path that creates or moves a shift comes through here."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from staffrota.organisation.models import JobRole, ShiftType, StaffMember, Unit
from staffrota.rota.models import Shift, ShiftSource, ShiftStatus


class RotaError(Exception):
    """A change to the rota that cannot be made; the message says why, for a manager."""


@dataclass(frozen=True)
class Clash:
    staff: StaffMember
    shift: Shift

    def message(self) -> str:
        other = self.shift
        return (
            f"{self.staff.full_name} already works {other.shift_type.name.lower()} on "
            f"{other.unit.name} {timezone.localtime(other.starts_at):%a %d %b %H:%M}–"
            f"{timezone.localtime(other.ends_at):%H:%M}, which overlaps this shift."
        )


def shift_times(*, shift_type: ShiftType, day: date) -> tuple[datetime, datetime]:
    """Start and end of a shift of this type on `day`, in local time; nights end next day."""
    tz = timezone.get_current_timezone()
    starts_at = timezone.make_aware(datetime.combine(day, shift_type.starts), tz)
    end_day = day + timedelta(days=1) if shift_type.ends <= shift_type.starts else day
    ends_at = timezone.make_aware(datetime.combine(end_day, shift_type.ends), tz)
    return starts_at, ends_at


def overlapping_shift(
    *, staff: StaffMember, starts_at: datetime, ends_at: datetime, exclude_pk=None
) -> Shift | None:
    """The first live shift of `staff` that overlaps [starts_at, ends_at), if any."""
    clashes = (
        Shift.objects.filter(staff=staff, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .exclude(status=ShiftStatus.CANCELLED)
        .select_related("unit", "shift_type")
    )
    if exclude_pk is not None:
        clashes = clashes.exclude(pk=exclude_pk)
    return clashes.first()


def shift_create(
    *,
    unit: Unit,
    day: date,
    shift_type: ShiftType,
    job_role: JobRole,
    staff: StaffMember | None = None,
    status: str = ShiftStatus.DRAFT,
    source: str = ShiftSource.CONTRACTED,
) -> Shift:
    """Add a shift (a vacancy when `staff` is None). Refuses overlaps with a clear message.

    The check here gives the message; the database guard (exclusion constraint or trigger)
    still catches the race where two managers book the same person at the same moment.
    """
    if shift_type.care_home_id != unit.care_home_id:
        raise RotaError(f"{shift_type.name} is not a shift type of {unit.care_home.name}.")
    starts_at, ends_at = shift_times(shift_type=shift_type, day=day)
    shift = Shift(
        care_home_id=unit.care_home_id,
        unit=unit,
        date=day,
        starts_at=starts_at,
        ends_at=ends_at,
        shift_type=shift_type,
        job_role=job_role,
        staff=staff,
        paid_hours=shift_type.paid_hours,
        status=status,
        source=source,
    )
    with transaction.atomic():
        if staff is not None:
            # Lock the person so two writers for them queue here instead of racing.
            StaffMember.objects.select_for_update().filter(pk=staff.pk).first()
            clash = overlapping_shift(staff=staff, starts_at=starts_at, ends_at=ends_at)
            if clash is not None:
                raise RotaError(Clash(staff=staff, shift=clash).message())
        try:
            with transaction.atomic():
                shift.save()
        except IntegrityError as error:
            if "shift_no_overlap_per_person" in str(error):
                raise RotaError(
                    f"{staff.full_name} was just booked on an overlapping shift by someone "
                    "else. Refresh the rota and choose again."
                ) from error
            raise
    return shift
