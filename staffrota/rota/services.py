"""Writes to the rota. Every path that creates or changes a shift comes through here, so
every path is checked by the same rules (`rota.rules`) and written to the audit log."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from staffrota.audit.services import audit_record
from staffrota.notifications.services import email_queue
from staffrota.organisation.models import JobRole, ShiftType, StaffMember, Unit
from staffrota.rota.eligibility import check_assignment
from staffrota.rota.grid_cache import rota_changed
from staffrota.rota.kept_sql import kept_rows
from staffrota.rota.models import Shift, ShiftSource, ShiftStatus
from staffrota.rota.rules import Verdict
from staffrota.rota.signals import shifts_bulk_changed


class RotaError(Exception):
    """A change to the rota that cannot be made; the message says why, for a manager."""


class RuleBreach(RotaError):
    """The rules engine refused; `verdict` lists each rule and whether it may be overridden."""

    def __init__(self, verdict: Verdict):
        self.verdict = verdict
        super().__init__(verdict.summary())


def shift_times(*, shift_type: ShiftType, day: date) -> tuple[datetime, datetime]:
    """Start and end of a shift of this type on `day`, in local time; nights end next day."""
    tz = timezone.get_current_timezone()
    starts_at = timezone.make_aware(datetime.combine(day, shift_type.starts), tz)
    end_day = day + timedelta(days=1) if shift_type.ends <= shift_type.starts else day
    ends_at = timezone.make_aware(datetime.combine(end_day, shift_type.ends), tz)
    return starts_at, ends_at


def snapshot(shift: Shift) -> dict:
    """The fields of a shift the audit log keeps before and after a change."""
    return {
        "unit": shift.unit_id,
        "date": shift.date,
        "starts_at": shift.starts_at,
        "ends_at": shift.ends_at,
        "shift_type": shift.shift_type_id,
        "job_role": shift.job_role_id,
        "staff": shift.staff_id,
        "status": shift.status,
        "source": shift.source,
        "paid_hours": shift.paid_hours,
    }


@dataclass(frozen=True)
class Override:
    """A manager's decision to set aside the home's own (non-statutory) rules."""

    actor: object
    reason: str


def _enforce(verdict: Verdict, override: Override | None) -> str:
    """Raise unless the verdict passes, or only overridable rules object and a manager gave
    a reason. Returns the audit note for an override, or ''."""
    if verdict.ok:
        return ""
    if verdict.statutory or override is None:
        raise RuleBreach(verdict)
    if not getattr(override.actor, "is_manager", False):
        raise RotaError("Only a manager may override the home's rota rules.")
    if not override.reason.strip():
        raise RotaError("Give a reason to override: " + verdict.summary())
    rules = ", ".join(v.rule for v in verdict.violations)
    return f"Override of {rules}: {override.reason.strip()}"


def _save(shift: Shift) -> None:
    """Save, turning the database's overlap guard into a message a manager can act on."""
    try:
        with transaction.atomic():
            shift.save()
    except IntegrityError as error:
        if "shift_no_overlap_per_person" in str(error):
            raise RotaError(
                f"{shift.staff.full_name} was just booked on an overlapping shift by someone "
                "else. Refresh the rota and choose again."
            ) from error
        raise


def _locked(shift: Shift) -> Shift:
    """Lock the shift's row, then read it afresh with what it points at.

    Two steps on purpose: on PostgreSQL a locking query that waited for another writer
    sees that writer's new row, but its joined columns still come from the old snapshot.
    """
    from staffrota.rota.queries import shift_with_related  # the ORM's own SQL, kept

    kept_rows(_shift_lock, pk=shift.pk)
    locked = shift_with_related(shift.pk)
    if locked is None:
        raise Shift.DoesNotExist("Shift matching query does not exist.")
    return locked


# The row locks of a write, through kept SQL (`kept_rows`): the same `SELECT ... FOR
# UPDATE` of one row by id the ORM wrote, without building and compiling the queryset
# again on every fill, make-vacant and offer (some 2,500 Python calls a lock).
def _shift_lock(pk: int):
    return Shift.objects.select_for_update().filter(pk=pk).order_by().values_list("pk")


def _person_lock(pk: int):
    return StaffMember.objects.select_for_update().filter(pk=pk).order_by().values_list("pk")


def _lock_person(staff: StaffMember) -> None:
    # Two writers for one person queue here, so both see each other's shifts in the rules.
    kept_rows(_person_lock, pk=staff.pk)


def shift_create(
    *,
    unit: Unit,
    day: date,
    shift_type: ShiftType,
    job_role: JobRole,
    staff: StaffMember | None = None,
    status: str = ShiftStatus.DRAFT,
    source: str | None = None,
    actor=None,
    override: Override | None = None,
) -> Shift:
    """Add a shift: a vacancy when `staff` is None, otherwise checked by every rule."""
    if shift_type.care_home_id != unit.care_home_id:
        raise RotaError(f"{shift_type.name} is not a shift type of {unit.care_home.name}.")
    if staff is not None and staff.care_home_id != unit.care_home_id:
        raise RotaError(f"{staff.full_name} works for another home.")
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
        source=source or ShiftSource.CONTRACTED,
    )
    with transaction.atomic():
        note = ""
        if staff is not None:
            _lock_person(staff)
            verdict = check_assignment(shift, staff)
            note = _enforce(verdict, override)
            shift.source = source or verdict.source
        _save(shift)
        audit_record(
            actor=actor, action="shift.create", target=shift, after=snapshot(shift), reason=note
        )
    return shift


def shift_assign(
    *,
    shift: Shift,
    staff: StaffMember,
    actor,
    override: Override | None = None,
    source: str | None = None,
) -> Shift:
    """Put `staff` on a vacant shift. If two managers fill one vacancy at once, the row
    lock makes the second wait, then see it filled and get a clear message."""
    with transaction.atomic():
        locked = _locked(shift)
        if locked.status == ShiftStatus.CANCELLED:
            raise RotaError("This shift has been cancelled; it cannot be filled.")
        if locked.staff_id is not None:
            holder = "you" if locked.staff_id == staff.pk else locked.staff.full_name
            raise RotaError(
                f"This shift was filled by {holder} a moment ago. Refresh to see the rota."
            )
        if staff.care_home_id != locked.care_home_id:
            raise RotaError(f"{staff.full_name} works for another home.")
        _lock_person(staff)
        before = snapshot(locked)
        verdict = check_assignment(locked, staff)
        note = _enforce(verdict, override)
        locked.staff = staff
        locked.source = source or verdict.source
        _save(locked)
        audit_record(
            actor=actor,
            action="shift.assign",
            target=locked,
            before=before,
            after=snapshot(locked),
            reason=note,
        )
    return locked


def shift_unassign(*, shift: Shift, actor, reason: str = "") -> Shift:
    """Take the person off a shift, leaving it vacant."""
    with transaction.atomic():
        locked = _locked(shift)
        if locked.staff_id is None:
            return locked
        before = snapshot(locked)
        locked.staff = None
        locked.source = ShiftSource.CONTRACTED
        locked.save()
        audit_record(
            actor=actor,
            action="shift.unassign",
            target=locked,
            before=before,
            after=snapshot(locked),
            reason=reason,
        )
    return locked


def shift_cancel(*, shift: Shift, actor, reason: str) -> Shift:
    if not reason.strip():
        raise RotaError("Say why the shift is cancelled; the reason is kept in its history.")
    with transaction.atomic():
        locked = _locked(shift)
        if locked.status == ShiftStatus.CANCELLED:
            return locked
        before = snapshot(locked)
        locked.status = ShiftStatus.CANCELLED
        locked.save()
        audit_record(
            actor=actor,
            action="shift.cancel",
            target=locked,
            before=before,
            after=snapshot(locked),
            reason=reason.strip(),
        )
    return locked


def shift_change_type(
    *, shift: Shift, shift_type: ShiftType, actor, override: Override | None = None
) -> Shift:
    """Move a shift to another shift type (times and hours follow), rechecking the rules."""
    if shift_type.care_home_id != shift.care_home_id:
        raise RotaError(f"{shift_type.name} is not a shift type of this home.")
    with transaction.atomic():
        locked = _locked(shift)
        before = snapshot(locked)
        locked.shift_type = shift_type
        locked.starts_at, locked.ends_at = shift_times(shift_type=shift_type, day=locked.date)
        locked.paid_hours = shift_type.paid_hours
        note = ""
        if locked.staff_id is not None:
            _lock_person(locked.staff)
            verdict = check_assignment(locked, locked.staff)
            note = _enforce(verdict, override)
            if locked.source != ShiftSource.AGENCY:
                locked.source = verdict.source
        _save(locked)
        audit_record(
            actor=actor,
            action="shift.change_type",
            target=locked,
            before=before,
            after=snapshot(locked),
            reason=note,
        )
    return locked


def rota_publish(*, unit: Unit, start: date, end: date, actor) -> int:
    """Publish a unit's draft shifts in [start, end]; each affected person gets one e-mail."""
    with transaction.atomic():
        drafts = list(
            Shift.objects.select_for_update(of=("self",))
            .filter(unit=unit, date__range=(start, end), status=ShiftStatus.DRAFT)
            .select_related("staff__user", "shift_type")
            .order_by("starts_at")
        )
        by_person: dict[int, list[Shift]] = {}
        for shift in drafts:
            before = snapshot(shift)
            shift.status = ShiftStatus.PUBLISHED
            audit_record(
                actor=actor,
                action="shift.publish",
                target=shift,
                before=before,
                after=snapshot(shift),
            )
            if shift.staff_id:
                by_person.setdefault(shift.staff_id, []).append(shift)
        Shift.objects.filter(pk__in=[s.pk for s in drafts]).update(
            status=ShiftStatus.PUBLISHED, updated_at=timezone.now()
        )
        # update() sends no signals: the table and each person's own shifts now show them.
        people = list(by_person)
        rota_changed(unit_ids=[unit.pk], staff_ids=people)
        transaction.on_commit(lambda: rota_changed(unit_ids=[unit.pk], staff_ids=people))
        if drafts:
            shifts_bulk_changed.send(
                sender=Shift, care_home_id=unit.care_home_id, days={s.date for s in drafts}
            )
        for shifts in by_person.values():
            person = shifts[0].staff
            lines = "\n".join(
                f"  {timezone.localtime(s.starts_at):%a %d %b %H:%M}–"
                f"{timezone.localtime(s.ends_at):%H:%M}  {s.shift_type.name}"
                for s in shifts
            )
            email_queue(
                to=[person.user.email],
                subject=f"Your shifts on {unit.name} have been published",
                body=(
                    f"Hello {person.user.first_name},\n\nThe rota for {unit.name} from "
                    f"{start:%d %b} to {end:%d %b} is published. Your shifts:\n\n{lines}\n\n"
                    "You can see them any time under My shifts.\n\nStaff Rota"
                ),
            )
    return len(drafts)
