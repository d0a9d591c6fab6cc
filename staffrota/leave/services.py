"""Writes for leave and sickness. Each runs in one transaction, is audited, and e-mails the
people a decision concerns after the transaction commits.

Two requests racing for the last place on a shift: `leave_request_submit` locks the rows of
every unit the leave touches (in id order, so two writers cannot deadlock) before it reads
the cover, so the second request sees the first one's approval and is sent to a manager.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from staffrota.accounts.models import Role, User
from staffrota.audit.services import audit_record
from staffrota.leave.coverage import days_between
from staffrota.leave.engine import LeaveError, RuleResult, check_request, evaluate
from staffrota.leave.entitlement import Balance, fmt_day, fmt_hours, leave_year
from staffrota.leave.impact import impact_of
from staffrota.leave.models import LeaveRequest, LeaveStatus, SicknessAbsence
from staffrota.notifications.services import email_queue, email_queue_all
from staffrota.organisation.models import StaffMember, Unit
from staffrota.rota.kept_instances import Joined
from staffrota.rota.kept_sql import kept_rows
from staffrota.rota.models import Shift, ShiftStatus
from staffrota.rota.services import RotaError, shift_assign, shift_unassign

__all__ = [
    "LeaveError",
    "leave_approve",
    "leave_bulk_approve",
    "leave_cancel",
    "leave_reject",
    "leave_request_submit",
    "sickness_record",
    "sickness_return",
    "sickness_update",
]


# The columns deciding a request writes after it is created (status and decision kept in
# case an automatic approval was undone by its savepoint: they are written as they were).
_DECISION_FIELDS = (
    "status",
    "decided_automatically",
    "decided_at",
    "rule_results",
    "decision_note",
    "impact",
)


def _snapshot(request: LeaveRequest) -> dict:
    return {
        "staff": request.staff_id,
        "leave_type": request.leave_type,
        "start_date": request.start_date,
        "end_date": request.end_date,
        "hours": request.hours,
        "part_day": request.part_day,
        "status": request.status,
        "decided_automatically": request.decided_automatically,
        "rules": [f"{r['rule']}:{'pass' if r['passed'] else 'fail'}" for r in request.rule_results],
    }


def _lock_staff(staff: StaffMember) -> StaffMember:
    """The person's row, locked and read afresh in one query (`of`: the joined rows are
    read, not locked), with their home's leave policy, which every decision reads, their
    unit, role and account: the instances `select_related` would give."""
    # Through `kept_rows`: the ORM's SQL for these columns written once per process, and
    # the instances made from the row as the ORM makes them. Compiling the query and
    # filling in four related models from it cost some 4,000 Python calls a request.
    rows = kept_rows(_locked_staff_rows, pk=staff.pk)
    if not rows:
        raise StaffMember.DoesNotExist("StaffMember matching query does not exist.")
    return _STAFF.instance(rows[0])


# The person with everything a decision reads of them (None for a home without a policy).
_STAFF = Joined(StaffMember, ("care_home__leave_policy", "home_unit", "job_role", "user"))


def _locked_staff_rows(pk):
    return (
        StaffMember.objects.select_for_update(of=("self",))
        .filter(pk=pk)
        .values_list(*_STAFF.columns)
    )


def _lock_units(staff: StaffMember, start: date, end: date) -> None:
    """Lock the person's unit and every unit they are rostered on in the period."""
    # Through `kept_rows`: the same SQL (FOR UPDATE included), written once per process
    # rather than a queryset built for every request.
    unit_ids = {staff.home_unit_id} | {
        unit_id
        for (unit_id,) in kept_rows(_rostered_unit_rows, staff_id=staff.pk, start=start, end=end)
    }
    kept_rows(_unit_lock_rows, unit_ids=sorted(unit_ids))


def _rostered_unit_rows(staff_id, start, end):
    return Shift.objects.filter(staff_id=staff_id, date__range=(start, end)).values_list("unit_id")


def _unit_lock_rows(unit_ids):
    return Unit.objects.select_for_update().filter(pk__in=unit_ids).order_by("pk").values_list("pk")


def _describe(request: LeaveRequest) -> str:
    when = (
        fmt_day(request.start_date)
        if request.start_date == request.end_date
        else f"{fmt_day(request.start_date)} to {fmt_day(request.end_date)}"
    )
    return f"{request.get_leave_type_display().lower()} {when} ({fmt_hours(request.hours)})"


def _managers_of(staff: StaffMember) -> list[str]:
    """Addresses of the Operational Managers of the person's unit and the home's Service
    Managers: the people who decide a referred request."""
    rows = kept_rows(_manager_rows, unit_id=staff.home_unit_id, home_id=staff.care_home_id)
    return [address for (address,) in rows]


def _manager_rows(unit_id, home_id):
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(role=Role.OPERATIONAL_MANAGER, managed_units=unit_id)
            | Q(role=Role.SERVICE_MANAGER, managed_homes=home_id)
        )
        .distinct()
        .values_list("email")
    )


def _person_message(request: LeaveRequest, subject: str, lines: list[str]) -> dict:
    person = request.staff
    return {
        "to": [person.user.email],
        "subject": subject,
        "body": f"Hello {person.user.first_name},\n\n" + "\n".join(lines) + "\n\nStaff Rota",
    }


def _email_person(request: LeaveRequest, subject: str, lines: list[str]) -> None:
    email_queue(**_person_message(request, subject, lines))


def _save_approval(request: LeaveRequest, *, actor, before: dict) -> None:
    """Save an approval, free the shifts it covers and audit both: one path for automatic
    and manager approvals, so the two can never drift apart."""
    request.save()
    vacated = _vacate_shifts(request, actor=actor)
    audit_record(
        actor=actor,
        action="leave.approve",
        target=request,
        before=before,
        after=_snapshot(request),
        reason=request.decision_note
        + (f" {len(vacated)} shift(s) made vacant." if vacated else ""),
    )


def _vacate_shifts(request: LeaveRequest, actor) -> list[Shift]:
    """Turn each shift the person held on their leave days into a vacancy (audited)."""
    if request.part_day:
        return []  # they still work part of the shift
    # Only which shifts, in the rota's order: `shift_unassign` locks each and reads it afresh.
    rows = kept_rows(
        _held_shift_rows,
        staff_id=request.staff_id,
        start=request.start_date,
        end=request.end_date,
    )
    reason = (
        f"{request.staff.full_name} on {request.get_leave_type_display().lower()} "
        f"(leave request {request.pk})"
    )
    return [shift_unassign(shift=Shift(pk=pk), actor=actor, reason=reason) for (pk,) in rows]


# Through `kept_rows`: an automatic approval read the shifts whole, building and compiling
# the queryset and making each instance (some 1,500 Python calls), for their ids.
def _held_shift_rows(staff_id, start, end):
    return (
        Shift.objects.filter(staff_id=staff_id, date__range=(start, end))
        .exclude(status=ShiftStatus.CANCELLED)
        .values_list("pk")
    )


def leave_request_submit(
    *,
    staff: StaffMember,
    leave_type: str,
    start: date,
    end: date,
    actor,
    part_day_hours: Decimal | None = None,
    comment: str = "",
    today: date | None = None,
) -> LeaveRequest:
    """Check and save a request, then decide it: approved automatically when every rule
    passes, otherwise pending for a manager with the impact analysis attached."""
    today = today or timezone.localdate()
    with transaction.atomic():
        staff = _lock_staff(staff)
        _lock_units(staff, start, end)
        balances: dict[date, Balance] = {}
        by_day = check_request(
            staff=staff,
            leave_type=leave_type,
            start=start,
            end=end,
            part_day_hours=part_day_hours,
            today=today,
            balances=balances,
        )
        request = LeaveRequest.objects.create(
            care_home_id=staff.care_home_id,
            staff=staff,
            leave_type=leave_type,
            start_date=start,
            end_date=end,
            hours=sum(by_day.values(), Decimal(0)),
            part_day=part_day_hours is not None,
            hours_by_day={day.isoformat(): str(amount) for day, amount in by_day.items()},
            comment=comment.strip(),
        )
        # Decide before the first audit write: the audit chain's own lock would otherwise
        # serialise racing requests by accident, hiding whether the unit lock works.
        requested = _snapshot(request)
        # The balance checked above, read under the same lock: the request just saved
        # is the only change since, and evaluate leaves it out of the balance anyway.
        evaluation = evaluate(
            request, today=today, balance=balances.get(leave_year(staff.care_home, start)[0])
        )
        audit_record(actor=actor, action="leave.request", target=request, after=requested)
        request.rule_results = [result.as_dict() for result in evaluation.results]
        request.decision_note = evaluation.summary()
        before = _snapshot(request)
        if evaluation.approve:
            try:
                # A savepoint: if a proposed cover cannot be booked after all, nothing of
                # the approval stays and the request goes to a manager instead.
                with transaction.atomic():
                    _approve_automatically(request, evaluation, before)
            except RotaError as error:
                _cover_failed(request, evaluation, str(error))
        if not evaluation.approve:
            request.impact = impact_of(coverage=evaluation.coverage, requester=staff)
            # Only what the decision wrote (a failed automatic approval rolled back to
            # these very values, restored by _cover_failed): not the other columns again.
            request.save(update_fields=_DECISION_FIELDS)
            audit_record(
                actor=None,
                action="leave.refer",
                target=request,
                before=before,
                after=_snapshot(request),
                reason=request.decision_note,
            )
            reasons = [f"  - {r.message}" for r in evaluation.failed]
            # Both e-mails in one job: publishing each cost as much as writing it.
            email_queue_all(
                [
                    _person_message(
                        request,
                        "Your leave request is with your manager",
                        [
                            f"Your {_describe(request)} needs a manager's decision because:",
                            *reasons,
                            "",
                            "You will get an e-mail when it is decided.",
                        ],
                    ),
                    {
                        "to": _managers_of(staff),
                        "subject": f"Leave to decide: {staff.full_name}",
                        "body": (
                            f"{staff.full_name} ({staff.home_unit.name}) asks for "
                            f"{_describe(request)}."
                            "\n\nIt was not approved automatically because:\n"
                            + "\n".join(reasons)
                            + "\n\nDecide it in the leave queue.\n\nStaff Rota"
                        ),
                    },
                ]
            )
    return request


def _approve_automatically(request: LeaveRequest, evaluation, before: dict) -> None:
    request.status = LeaveStatus.APPROVED
    request.decided_automatically = True
    request.decided_at = timezone.now()
    covers = [cover.as_dict() for cover in evaluation.covers]
    _save_approval(request, actor=None, before=before)
    for cover in evaluation.covers:
        _book_cover(request, cover)
    request.covers_booked = covers
    messages = [
        _person_message(
            request,
            "Your leave is approved",
            [
                f"Your {_describe(request)} is approved.",
                "",
                "Every rule passed:",
                *[f"  - {r['label']}: {r['message']}" for r in request.rule_results],
            ],
        )
    ]
    if covers:
        staff = request.staff
        messages.append(
            {
                "to": _managers_of(staff),
                "subject": f"Leave approved with cover booked: {staff.full_name}",
                "body": (
                    f"{staff.full_name} ({staff.home_unit.name}) has {_describe(request)}, "
                    "approved automatically because cover was booked at no extra cost:\n"
                    + "\n".join(f"  - {cover.describe()}" for cover in evaluation.covers)
                    + "\n\nNothing to do unless you want to change it.\n\nStaff Rota"
                ),
            }
        )
    # In the approval's savepoint: if it rolls back, so do these.
    email_queue_all(messages)


def _book_cover(request: LeaveRequest, cover) -> None:
    """Put the cover person on the shift through the rota's own checks, audit it against
    the leave request and e-mail them."""
    shift = Shift.objects.get(pk=cover.shift_id)
    booked = shift_assign(shift=shift, staff=cover.staff, actor=None, source="contracted")
    reason = (
        f"Cover for {request.staff.full_name}'s leave (request {request.pk}), booked "
        f"automatically: {cover.describe()}."
    )
    audit_record(
        actor=None,
        action="leave.cover",
        target=booked,
        after={"shift": booked.pk, "staff": cover.staff.pk, "leave_request": request.pk},
        reason=reason,
    )
    start = timezone.localtime(booked.starts_at)
    end = timezone.localtime(booked.ends_at)
    email_queue(
        to=[cover.staff.user.email],
        subject=f"Extra shift booked: {fmt_day(booked.date)}",
        body=(
            f"Hello {cover.staff.user.first_name},\n\n"
            f"You are now on the {booked.shift_type.name.lower()} on {booked.unit.name}, "
            f"{fmt_day(booked.date)} {start:%H:%M} to {end:%H:%M}, to cover a colleague's "
            f"leave. It is within your contracted hours: "
            f"{fmt_hours(cover.week_hours + cover.shift_hours)} of "
            f"{fmt_hours(cover.staff.contracted_hours)} that week.\n\n"
            "If you cannot work it, tell your manager as soon as you can.\n\nStaff Rota"
        ),
    )


def _cover_failed(request: LeaveRequest, evaluation, error: str) -> None:
    """The cover proposed could not be booked (the rota changed under it): refer."""
    request.status = LeaveStatus.PENDING
    request.decided_automatically = False
    request.decided_at = None
    evaluation.covers = []
    evaluation.results = [
        RuleResult("coverage", False, f"Cover could not be booked automatically: {error}")
        if result.rule == "coverage"
        else result
        for result in evaluation.results
    ]
    request.rule_results = [result.as_dict() for result in evaluation.results]
    request.decision_note = evaluation.summary()


_PERSON_RELATED = ("staff__user", "staff__care_home", "staff__home_unit", "staff__job_role")


def _locked_request(request: LeaveRequest, related=_PERSON_RELATED) -> LeaveRequest:
    """The request's row, locked and read afresh with its person in one query."""
    return (
        LeaveRequest.objects.select_for_update(of=("self",))
        .select_related(*related)
        .get(pk=request.pk)
    )


# A withdrawal reads the person's account only (their address and name for the e-mail):
# nothing there reads their home, unit or role, and each joined model cost a few hundred
# calls. Through `kept_rows`, as `_lock_staff`: building and compiling the locked read and
# populating it cost some 3,000 Python calls a withdrawal.
_WITHDRAWN = Joined(LeaveRequest, ("staff__user",))


def _locked_withdrawal_rows(pk):
    return (
        LeaveRequest.objects.select_for_update(of=("self",))
        .filter(pk=pk)
        .values_list(*_WITHDRAWN.columns)
    )


def _locked_withdrawal(request: LeaveRequest) -> LeaveRequest:
    """`_locked_request(request, related=("staff__user",))`, the row made as it makes it."""
    rows = kept_rows(_locked_withdrawal_rows, pk=request.pk)
    if not rows:
        raise LeaveRequest.DoesNotExist("LeaveRequest matching query does not exist.")
    return _WITHDRAWN.instance(rows[0])


def _require_manager(actor) -> None:
    if not getattr(actor, "is_manager", False):
        raise LeaveError("Only a manager may decide leave.")


def leave_approve(*, request: LeaveRequest, actor, comment: str = "") -> LeaveRequest:
    """A manager approves a pending request; shifts on those days become vacancies."""
    _require_manager(actor)
    with transaction.atomic():
        _lock_staff(request.staff)
        locked = _locked_request(request)
        if locked.status != LeaveStatus.PENDING:
            raise LeaveError(
                f"This request is already {locked.get_status_display().lower()}; refresh to see it."
            )
        before = _snapshot(locked)
        locked.status = LeaveStatus.APPROVED
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.decided_automatically = False
        failed = [r["label"].lower() for r in locked.rule_results if not r["passed"]]
        locked.decision_note = (
            f"Approved by {actor.get_full_name() or actor.username}"
            + (f" despite: {', '.join(failed)}" if failed else "")
            + (f". {comment.strip()}" if comment.strip() else ".")
        )
        _save_approval(locked, actor=actor, before=before)
        _email_person(
            locked,
            "Your leave is approved",
            [f"Your {_describe(locked)} is approved.", *([comment.strip()] if comment else [])],
        )
    return locked


def leave_reject(*, request: LeaveRequest, actor, comment: str) -> LeaveRequest:
    """A manager turns a pending request down; the comment, required, tells the person why."""
    _require_manager(actor)
    if not comment.strip():
        raise LeaveError("Say why the leave is refused; the person reads it in their e-mail.")
    with transaction.atomic():
        locked = _locked_request(request)
        if locked.status != LeaveStatus.PENDING:
            raise LeaveError(
                f"This request is already {locked.get_status_display().lower()}; refresh to see it."
            )
        before = _snapshot(locked)
        locked.status = LeaveStatus.REJECTED
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.decided_automatically = False
        locked.decision_note = (
            f"Refused by {actor.get_full_name() or actor.username}: {comment.strip()}"
        )
        locked.save()
        audit_record(
            actor=actor,
            action="leave.reject",
            target=locked,
            before=before,
            after=_snapshot(locked),
            reason=comment.strip(),
        )
        _email_person(
            locked,
            "Your leave request was refused",
            [f"Your {_describe(locked)} was refused.", "", f"Reason: {comment.strip()}"],
        )
    return locked


def leave_bulk_approve(
    *, requests: list[LeaveRequest], actor, comment: str = ""
) -> tuple[list[LeaveRequest], list[tuple[LeaveRequest, str]]]:
    """Approve several; each is its own all-or-nothing decision, and any that cannot be
    approved is returned with the reason."""
    approved, failed = [], []
    for request in requests:
        try:
            approved.append(leave_approve(request=request, actor=actor, comment=comment))
        except LeaveError as error:
            failed.append((request, str(error)))
    return approved, failed


def leave_cancel(*, request: LeaveRequest, actor, today: date | None = None) -> LeaveRequest:
    """The person withdraws a request that has not started. Vacated shifts stay vacant for
    the manager to refill: someone may already have been booked."""
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = _locked_withdrawal(request)
        if locked.status not in (LeaveStatus.PENDING, LeaveStatus.APPROVED):
            raise LeaveError(f"This request is {locked.get_status_display().lower()} already.")
        if locked.start_date <= today:
            raise LeaveError("Leave that has started can only be changed by your manager.")
        before = _snapshot(locked)
        locked.status = LeaveStatus.CANCELLED
        locked.save(update_fields=("status",))  # the one column a withdrawal changes
        audit_record(
            actor=actor,
            action="leave.cancel",
            target=locked,
            before=before,
            after=_snapshot(locked),
        )
        _email_person(
            locked, "Your leave is cancelled", [f"Your {_describe(locked)} is cancelled."]
        )
    return locked


# Sickness ------------------------------------------------------------------------------


def _sick_snapshot(episode: SicknessAbsence) -> dict:
    return {
        "staff": episode.staff_id,
        "start_date": episode.start_date,
        "expected_end_date": episode.expected_end_date,
        "end_date": episode.end_date,
        "reason": episode.reason,
        "fit_note": episode.fit_note,
        "return_to_work_on": episode.return_to_work_on,
    }


def _vacate_sick_shifts(episode: SicknessAbsence, actor) -> int:
    """Shifts from the first day to the actual end, else the expected end, else the first
    day only, become vacancies."""
    last = episode.end_date or episode.expected_end_date or episode.start_date
    shifts = list(
        Shift.objects.filter(staff_id=episode.staff_id, date__range=(episode.start_date, last))
        .exclude(status=ShiftStatus.CANCELLED)
        .order_by("starts_at")
    )
    reason = f"{episode.staff.full_name} off sick (episode {episode.pk})"
    for shift in shifts:
        shift_unassign(shift=shift, actor=actor, reason=reason)
    return len(shifts)


def _check_sick_dates(staff, start, expected, end, today, exclude_pk=None) -> None:
    if start > today:
        raise LeaveError(f"Sickness starts today or earlier, not {fmt_day(start)}.")
    if expected and expected < start:
        raise LeaveError("The expected return is before the first day off. Check the dates.")
    if end and end < start:
        raise LeaveError("The last day off is before the first. Check the dates.")
    last = end or expected or date.max
    clash = SicknessAbsence.objects.filter(staff=staff, start_date__lte=last).exclude(pk=exclude_pk)
    for other in clash:
        other_last = other.end_date or other.expected_end_date or date.max
        if other_last >= start:
            raise LeaveError(
                f"{staff.full_name} already has sickness recorded from "
                f"{fmt_day(other.start_date)}; update that episode instead."
            )


def sickness_record(
    *,
    staff: StaffMember,
    start: date,
    reason: str,
    actor,
    expected_end: date | None = None,
    fit_note: bool = False,
    notes: str = "",
    today: date | None = None,
) -> SicknessAbsence:
    """Record a sickness episode; the person's shifts in it become vacancies."""
    _require_manager(actor)
    today = today or timezone.localdate()
    with transaction.atomic():
        staff = _lock_staff(staff)
        _check_sick_dates(staff, start, expected_end, None, today)
        episode = SicknessAbsence.objects.create(
            care_home_id=staff.care_home_id,
            staff=staff,
            start_date=start,
            expected_end_date=expected_end,
            reason=reason,
            fit_note=fit_note,
            notes=notes.strip(),
        )
        vacated = _vacate_sick_shifts(episode, actor)
        audit_record(
            actor=actor,
            action="sickness.record",
            target=episode,
            after=_sick_snapshot(episode),
            reason=f"{vacated} shift(s) made vacant." if vacated else "",
        )
    return episode


def sickness_update(
    *,
    episode: SicknessAbsence,
    actor,
    expected_end: date | None,
    fit_note: bool,
    notes: str = "",
) -> SicknessAbsence:
    """Change the expected return or fit note; newly covered shifts become vacancies."""
    _require_manager(actor)
    with transaction.atomic():
        SicknessAbsence.objects.select_for_update().filter(pk=episode.pk).values_list("pk").first()
        locked = SicknessAbsence.objects.select_related("staff__user").get(pk=episode.pk)
        if expected_end and expected_end < locked.start_date:
            raise LeaveError("The expected return is before the first day off. Check the dates.")
        before = _sick_snapshot(locked)
        locked.expected_end_date = expected_end
        locked.fit_note = fit_note
        if notes.strip():
            locked.notes = notes.strip()
        locked.save()
        vacated = _vacate_sick_shifts(locked, actor)
        audit_record(
            actor=actor,
            action="sickness.update",
            target=locked,
            before=before,
            after=_sick_snapshot(locked),
            reason=f"{vacated} shift(s) made vacant." if vacated else "",
        )
    return locked


def sickness_return(
    *,
    episode: SicknessAbsence,
    actor,
    last_day_off: date,
    return_to_work_on: date,
    notes: str = "",
) -> SicknessAbsence:
    """Close an episode with its last day off and the return-to-work interview."""
    _require_manager(actor)
    with transaction.atomic():
        SicknessAbsence.objects.select_for_update().filter(pk=episode.pk).values_list("pk").first()
        locked = SicknessAbsence.objects.select_related("staff__user").get(pk=episode.pk)
        if last_day_off < locked.start_date:
            raise LeaveError(
                f"The last day off is before the first ({fmt_day(locked.start_date)})."
            )
        if return_to_work_on <= last_day_off:
            raise LeaveError("The return-to-work interview is after the last day off.")
        before = _sick_snapshot(locked)
        locked.end_date = last_day_off
        locked.return_to_work_on = return_to_work_on
        locked.return_to_work_notes = notes.strip()
        locked.save()
        vacated = _vacate_sick_shifts(locked, actor)
        audit_record(
            actor=actor,
            action="sickness.return",
            target=locked,
            before=before,
            after=_sick_snapshot(locked),
            reason=f"{len(days_between(locked.start_date, last_day_off))} day(s) off."
            + (f" {vacated} more shift(s) made vacant." if vacated else ""),
        )
    return locked
