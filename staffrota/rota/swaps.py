"""Shift swaps: proposed by one person, accepted by the colleague, approved by a manager.

The rules are checked when the swap is proposed (so nobody waits on a hopeless swap) and
again at approval, since the rota may have changed in between.
"""

from django.db import transaction
from django.utils import timezone

from staffrota.audit.services import audit_record
from staffrota.notifications.services import email_queue
from staffrota.organisation.models import StaffMember
from staffrota.rota.eligibility import check_candidates
from staffrota.rota.models import Shift, ShiftStatus, ShiftSwap, SwapStatus
from staffrota.rota.services import RotaError, RuleBreach, _locked, _save, snapshot


def _swap_verdicts(proposer_shift: Shift, colleague_shift: Shift):
    """Each person on the other's shift, not counting the shift they give away."""
    proposer, colleague = proposer_shift.staff, colleague_shift.staff
    on_colleagues = check_candidates(
        colleague_shift, [proposer], releasing={proposer.pk: proposer_shift.pk}
    )[proposer.pk]
    on_proposers = check_candidates(
        proposer_shift, [colleague], releasing={colleague.pk: colleague_shift.pk}
    )[colleague.pk]
    return on_colleagues, on_proposers


def _raise_unless_both_pass(proposer_shift: Shift, colleague_shift: Shift) -> None:
    for verdict in _swap_verdicts(proposer_shift, colleague_shift):
        if not verdict.ok:
            # A swap is agreed between two people; nobody overrides the rules for it.
            raise RuleBreach(verdict)


def swap_propose(
    *, proposer: StaffMember, proposer_shift: Shift, colleague_shift: Shift, note: str = ""
) -> ShiftSwap:
    today = timezone.localdate()
    for shift in (proposer_shift, colleague_shift):
        if shift.status != ShiftStatus.PUBLISHED or shift.date <= today:
            raise RotaError("Only published shifts from tomorrow on can be swapped.")
    if proposer_shift.staff_id != proposer.pk:
        raise RotaError("You can only offer a shift that is yours.")
    if colleague_shift.staff_id is None or colleague_shift.staff_id == proposer.pk:
        raise RotaError("Choose a colleague's shift to swap with.")
    if colleague_shift.care_home_id != proposer.care_home_id:
        raise RotaError("Swaps are between colleagues in the same home.")
    _raise_unless_both_pass(proposer_shift, colleague_shift)
    colleague = colleague_shift.staff
    with transaction.atomic():
        swap = ShiftSwap.objects.create(
            care_home_id=proposer.care_home_id,
            proposer=proposer,
            proposer_shift=proposer_shift,
            colleague=colleague,
            colleague_shift=colleague_shift,
            note=note.strip()[:200],
        )
        audit_record(
            actor=proposer.user,
            action="swap.propose",
            target=swap,
            after={"give": proposer_shift.pk, "take": colleague_shift.pk},
        )
        email_queue(
            to=[colleague.user.email],
            subject=f"{proposer.full_name} would like to swap a shift with you",
            body=(
                f"{proposer.full_name} offers their shift on "
                f"{proposer_shift.date:%A %d %B} ({proposer_shift.shift_type.name}) for yours on "
                f"{colleague_shift.date:%A %d %B} ({colleague_shift.shift_type.name}).\n"
                "Accept or decline it under My swaps.\n\nStaff Rota"
            ),
        )
    return swap


def swap_respond(*, swap: ShiftSwap, colleague: StaffMember, accept: bool) -> ShiftSwap:
    with transaction.atomic():
        locked = ShiftSwap.objects.select_for_update().get(pk=swap.pk)
        if locked.colleague_id != colleague.pk:
            raise RotaError("Only the colleague asked can answer this swap.")
        if locked.status != SwapStatus.PROPOSED:
            raise RotaError(f"This swap is {locked.get_status_display().lower()} already.")
        locked.status = SwapStatus.ACCEPTED if accept else SwapStatus.DECLINED
        locked.save()
        audit_record(
            actor=colleague.user, action="swap.accept" if accept else "swap.decline", target=locked
        )
    return locked


def swap_withdraw(*, swap: ShiftSwap, proposer: StaffMember) -> ShiftSwap:
    with transaction.atomic():
        locked = ShiftSwap.objects.select_for_update().get(pk=swap.pk)
        if locked.proposer_id != proposer.pk:
            raise RotaError("Only the person who proposed a swap can withdraw it.")
        if locked.status not in (SwapStatus.PROPOSED, SwapStatus.ACCEPTED):
            raise RotaError(f"This swap is {locked.get_status_display().lower()} already.")
        locked.status = SwapStatus.WITHDRAWN
        locked.save()
        audit_record(actor=proposer.user, action="swap.withdraw", target=locked)
    return locked


def swap_decide(*, swap: ShiftSwap, manager, approve: bool, note: str = "") -> ShiftSwap:
    """A manager approves (rules checked again, then both shifts change hands) or rejects."""
    with transaction.atomic():
        locked = ShiftSwap.objects.select_for_update().get(pk=swap.pk)
        if locked.status != SwapStatus.ACCEPTED:
            raise RotaError("Only a swap the colleague has accepted can be decided.")
        if approve:
            first, second = _locked(locked.proposer_shift), _locked(locked.colleague_shift)
            if first.staff_id != locked.proposer_id or second.staff_id != locked.colleague_id:
                raise RotaError("One of these shifts has changed hands since; the swap is void.")
            _raise_unless_both_pass(first, second)
            befores = (snapshot(first), snapshot(second))
            # Free one shift first: if the two overlap in time, neither person may hold both.
            first.staff = None
            _save(first)
            second.staff_id = locked.proposer_id
            _save(second)
            first.staff_id = locked.colleague_id
            _save(first)
            for shift, before in zip((first, second), befores, strict=True):
                audit_record(
                    actor=manager,
                    action="shift.swap",
                    target=shift,
                    before=before,
                    after=snapshot(shift),
                    reason=f"Swap {locked.pk} approved",
                )
        locked.status = SwapStatus.APPROVED if approve else SwapStatus.REJECTED
        locked.decided_by = manager
        locked.decided_at = timezone.now()
        locked.decision_note = note.strip()[:200]
        locked.save()
        audit_record(
            actor=manager,
            action="swap.approve" if approve else "swap.reject",
            target=locked,
            reason=locked.decision_note,
        )
        for person in (locked.proposer, locked.colleague):
            email_queue(
                to=[person.user.email],
                subject=f"Your shift swap was {'approved' if approve else 'not approved'}",
                body=f"The swap between {locked.proposer.full_name} and "
                f"{locked.colleague.full_name} was {'approved' if approve else 'rejected'} by "
                f"{manager.get_full_name()}.\n{locked.decision_note}\n\nStaff Rota",
            )
    return locked
