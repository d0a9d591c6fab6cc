"""Offering a vacancy to staff as an open shift, and asking an agency to cover it."""

from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone

from staffrota.audit.services import audit_record
from staffrota.notifications.services import email_queue
from staffrota.organisation.models import StaffMember, UnitCover
from staffrota.rota.eligibility import check_candidates, check_person_on_shifts
from staffrota.rota.grid_cache import rota_changed
from staffrota.rota.models import (
    VACANT,
    AgencyBooking,
    AgencyStatus,
    OfferStatus,
    OpenShiftOffer,
    Shift,
    ShiftSource,
    ShiftStatus,
)
from staffrota.rota.rules import ROLE_COVERS, Verdict
from staffrota.rota.services import RotaError, _locked, shift_assign, snapshot
from staffrota.rota.vacancies import candidate_pool


def _require_vacant(shift: Shift) -> None:
    if not shift.is_vacant:
        raise RotaError("This shift is no longer vacant. Refresh to see the rota.")


def offer_open_shift(*, shift: Shift, actor) -> OpenShiftOffer:
    """Offer a vacancy to everyone eligible; each of them is told by e-mail."""
    with transaction.atomic():
        locked = _locked(shift)
        _require_vacant(locked)
        if locked.status != ShiftStatus.PUBLISHED:
            raise RotaError(
                "Publish the shift before offering it: staff only see published shifts."
            )
        try:
            with transaction.atomic():
                offer = OpenShiftOffer.objects.create(
                    care_home_id=locked.care_home_id, shift=locked, offered_by=actor
                )
        except IntegrityError:
            raise RotaError("This shift is already offered as an open shift.") from None
        audit_record(actor=actor, action="shift.offer", target=locked, after={"offer": offer.pk})
        eligible = [m for m, v in _verdicts(locked).items() if v.ok]
        when = timezone.localtime(locked.starts_at)
        for member in eligible:
            email_queue(
                to=[member.user.email],
                subject=f"Open shift: {locked.unit.name} {when:%a %d %b %H:%M}",
                body=(
                    f"Hello {member.user.first_name},\n\nAn open shift is available: "
                    f"{locked.shift_type.name} on {locked.unit.name}, {when:%A %d %B %H:%M}. "
                    "The first person to claim it under Open shifts gets it.\n\nStaff Rota"
                ),
            )
    return offer


def _verdicts(shift: Shift) -> dict[StaffMember, Verdict]:
    pool = candidate_pool(shift)
    verdicts = check_candidates(shift, pool)
    return {member: verdicts[member.pk] for member in pool}


def open_shift_units(staff: StaffMember) -> list[int]:
    """The units whose open shifts this person may claim: their own and those they cover."""
    return [
        staff.home_unit_id,
        *UnitCover.objects.filter(staff=staff).values_list("unit_id", flat=True),
    ]


def open_shifts_for(staff: StaffMember, *, today, units: list[int] | None = None) -> list[Shift]:
    """Open shifts from today that this person may claim (every rule passes).

    A fixed number of queries: offered shifts on their units in roles they cover, then
    one rules check of the person against all of them.
    """
    units = units if units is not None else open_shift_units(staff)
    roles = ROLE_COVERS.get(staff.job_role.code, {staff.job_role.code})
    offered = list(
        Shift.objects.filter(
            VACANT,
            offers__status=OfferStatus.OPEN,
            date__gte=today,
            unit__in=units,
            job_role__code__in=roles,
        )
        .select_related("care_home", "unit", "shift_type", "job_role")
        .order_by("starts_at")
    )
    verdicts = check_person_on_shifts(staff, offered)
    return [shift for shift in offered if verdicts[shift.pk].ok]


def claim_open_shift(*, shift: Shift, staff: StaffMember) -> Shift:
    """The first valid claim wins: the shift row lock makes later claims see it taken."""
    with transaction.atomic():
        offer = (
            OpenShiftOffer.objects.select_for_update()
            .filter(shift=shift, status=OfferStatus.OPEN)
            .first()
        )
        if offer is None:
            raise RotaError("Sorry, someone else has already taken this shift.")
        if staff not in candidate_pool(shift):
            raise RotaError("This shift is for another unit or role than yours.")
        try:
            filled = shift_assign(shift=shift, staff=staff, actor=staff.user)
        except RotaError as error:
            if "filled by" in str(error):
                raise RotaError("Sorry, someone else has already taken this shift.") from error
            raise
        offer.status = OfferStatus.CLAIMED
        offer.claimed_by = staff
        offer.claimed_at = timezone.now()
        offer.save()
    return filled


def withdraw_offer(*, shift: Shift, actor) -> None:
    with transaction.atomic():
        updated = OpenShiftOffer.objects.filter(shift=shift, status=OfferStatus.OPEN).update(
            status=OfferStatus.WITHDRAWN
        )
        if updated:  # update() sends no signals: the open-shift lists of the unit change
            rota_changed(unit_ids=[shift.unit_id])
            transaction.on_commit(lambda: rota_changed(unit_ids=[shift.unit_id]))
            audit_record(actor=actor, action="shift.offer_withdrawn", target=shift)


def request_agency(*, shift: Shift, agency: str, hourly_rate, actor) -> AgencyBooking:
    """Ask an agency to cover a vacancy. The shift stays vacant until the booking is confirmed."""
    agency = (agency or "").strip()
    if not agency:
        raise RotaError("Name the agency you are asking.")
    try:
        rate = Decimal(str(hourly_rate)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise RotaError(
            "Give the agency's hourly rate as a number of pounds, e.g. 22.50."
        ) from None
    if rate <= 0 or rate > 500:
        raise RotaError("The agency's hourly rate must be more than £0 and at most £500.")
    with transaction.atomic():
        locked = _locked(shift)
        _require_vacant(locked)
        try:
            with transaction.atomic():
                booking = AgencyBooking.objects.create(
                    care_home_id=locked.care_home_id,
                    shift=locked,
                    agency=agency,
                    hourly_rate=rate,
                    requested_by=actor,
                )
        except IntegrityError:
            raise RotaError("An agency has already been asked for this shift.") from None
        audit_record(
            actor=actor,
            action="agency.request",
            target=booking,
            after={"agency": agency, "rate": rate, "shift": locked.pk},
        )
    return booking


def agency_confirm(*, booking: AgencyBooking, worker_name: str, actor) -> AgencyBooking:
    """The agency has someone: the shift is covered and its hours are paid as agency."""
    with transaction.atomic():
        locked = AgencyBooking.objects.select_for_update().get(pk=booking.pk)
        if locked.status != AgencyStatus.REQUESTED:
            raise RotaError(f"This booking is {locked.get_status_display().lower()} already.")
        shift = _locked(locked.shift)
        if shift.staff_id is not None:
            raise RotaError(
                "Someone from the home has filled this shift since; cancel the booking."
            )
        before = snapshot(shift)
        shift.source = ShiftSource.AGENCY
        shift.save()
        locked.status = AgencyStatus.CONFIRMED
        locked.worker_name = worker_name.strip()[:80]
        locked.save()
        OpenShiftOffer.objects.filter(shift=shift, status=OfferStatus.OPEN).update(
            status=OfferStatus.WITHDRAWN
        )
        audit_record(
            actor=actor,
            action="agency.confirm",
            target=shift,
            before=before,
            after=snapshot(shift),
            reason=f"{locked.agency}: {locked.worker_name}",
        )
    return locked


def agency_cancel(*, booking: AgencyBooking, actor, reason: str) -> AgencyBooking:
    """Cancel a booking; a confirmed one leaves the shift vacant again."""
    with transaction.atomic():
        locked = AgencyBooking.objects.select_for_update().get(pk=booking.pk)
        if locked.status == AgencyStatus.CANCELLED:
            return locked
        shift = _locked(locked.shift)
        if locked.status == AgencyStatus.CONFIRMED:
            before = snapshot(shift)
            shift.source = ShiftSource.CONTRACTED
            shift.save()
            audit_record(
                actor=actor,
                action="agency.cancel",
                target=shift,
                before=before,
                after=snapshot(shift),
                reason=reason,
            )
        locked.status = AgencyStatus.CANCELLED
        locked.save()
    return locked
