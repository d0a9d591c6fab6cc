"""Cover at no extra cost: for a shift that leave would leave short, a contracted person who
is free, under their contracted hours that week and passes every rule of the rota.

Only where the home allows it (`LeavePolicy.auto_cover`) and the shift is at least
`auto_cover_notice_days` away. "No extra cost" is the rota rules engine's own pay source
(`contracted`: the week's hours with this shift stay within the contract), with the paid
leave the person already has that week counted as hours too. Bank, overtime and agency cost
money and stay a manager's call; so does anyone who has asked for leave that day.

`find_cover` only proposes; `services.leave_request_submit` books the proposal in the same
transaction as the approval and re-checks each booking with the rota's own `shift_assign`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q

from staffrota.leave.coverage import Coverage, SlotCheck
from staffrota.leave.entitlement import fmt_day, fmt_hours
from staffrota.leave.models import LeavePolicy, LeaveRequest, LeaveStatus
from staffrota.organisation.models import ContractType, StaffMember, UnitCover
from staffrota.rota.eligibility import check_candidates
from staffrota.rota.models import VACANT, Shift
from staffrota.rota.rules import ROLE_COVERS


@dataclass(frozen=True)
class CoverProposal:
    slot: SlotCheck
    shift_id: int
    staff: StaffMember
    week_hours: Decimal  # worked and leave hours that week before this shift
    shift_hours: Decimal

    def describe(self) -> str:
        return (
            f"{self.staff.full_name} covers the {self.slot.shift_type_name.lower()} on "
            f"{self.slot.unit_name} {fmt_day(self.slot.day)} within their contract "
            f"({fmt_hours(self.week_hours + self.shift_hours)} of "
            f"{fmt_hours(self.staff.contracted_hours)} that week), at no extra cost"
        )

    def as_dict(self) -> dict:
        return {
            "date": self.slot.day.isoformat(),
            "shift": self.shift_id,
            "staff": self.staff.pk,
            "name": self.staff.full_name,
            "week_hours": str(self.week_hours + self.shift_hours),
            "contracted": str(self.staff.contracted_hours),
        }


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _leave_hours_by_week(staff_ids, first: date, last: date) -> dict[tuple[int, date], Decimal]:
    """Approved leave hours per person and week (Monday): paid hours like worked ones."""
    found: dict[tuple[int, date], Decimal] = {}
    rows = LeaveRequest.objects.filter(
        staff_id__in=staff_ids,
        status=LeaveStatus.APPROVED,
        start_date__lte=last + timedelta(days=6),
        end_date__gte=first - timedelta(days=6),
    ).values_list("staff_id", "hours_by_day")
    for staff_id, by_day in rows:
        for iso, amount in (by_day or {}).items():
            key = (staff_id, _monday(date.fromisoformat(iso)))
            found[key] = found.get(key, Decimal(0)) + Decimal(amount)
    return found


def _asked_off(staff_ids, first: date, last: date) -> set[tuple[int, date]]:
    """(person, day) pairs someone has asked to be off and is waiting to hear about."""
    off = set()
    rows = LeaveRequest.objects.filter(
        staff_id__in=staff_ids,
        status=LeaveStatus.PENDING,
        start_date__lte=last,
        end_date__gte=first,
    ).values_list("staff_id", "start_date", "end_date")
    for staff_id, start, end in rows:
        day = max(start, first)
        while day <= min(end, last):
            off.add((staff_id, day))
            day += timedelta(days=1)
    return off


def find_cover(
    *, coverage: Coverage, requester: StaffMember, policy: LeavePolicy, today: date
) -> tuple[list[CoverProposal] | None, str]:
    """Proposals covering every short slot, or None and the reason none could be found."""
    if not policy.auto_cover:
        return None, "the home has not switched on cover at no extra cost"
    short = coverage.short_slots
    if coverage.blocking_estimates or not short:
        return None, ""
    earliest = today + timedelta(days=policy.auto_cover_notice_days)
    if min(slot.day for slot in short) < earliest:
        return None, (
            f"cover is booked automatically only {policy.auto_cover_notice_days} or more days ahead"
        )
    first, last = min(s.day for s in short), max(s.day for s in short)
    vacant = _vacant_on_slots(short, requester)
    shifts = {
        shift.pk: shift
        for shift in Shift.objects.filter(pk__in=[s.shift_id for s in short]).select_related(
            "care_home", "unit", "shift_type", "job_role"
        )
    }
    pools: dict[tuple[int, str], list[StaffMember]] = {}
    proposals: list[CoverProposal] = []
    used: set[int] = set()
    for slot in sorted(short, key=lambda s: (s.day, s.shift_id)):
        shift = shifts[slot.shift_id]
        # The requester's own shift, then vacancies already on the slot, in that order.
        targets = [slot.shift_id, *vacant.get(_slot_key(slot), [])][: slot.short]
        if len(targets) < slot.short:
            return None, (
                f"the {slot.shift_type_name.lower()} on {slot.unit_name} {fmt_day(slot.day)} "
                f"needs {slot.short} more, more than its open shifts"
            )
        key = (slot.unit_id, shift.job_role.code)
        if key not in pools:
            pools[key] = _pool(requester, slot.unit_id, shift.job_role.code)
        pool = [member for member in pools[key] if member.pk not in used]
        chosen = _choose(shift, pool, first, last, slot.short)
        if len(chosen) < slot.short:
            return None, (
                f"nobody contracted is free and under their hours for the "
                f"{slot.shift_type_name.lower()} on {slot.unit_name} {fmt_day(slot.day)}"
            )
        for target, (member, week_hours) in zip(targets, chosen, strict=True):
            used.add(member.pk)  # one cover shift a person per request: no clash among them
            proposals.append(
                CoverProposal(
                    slot=slot,
                    shift_id=target,
                    staff=member,
                    week_hours=week_hours,
                    shift_hours=Decimal(shift.paid_hours),
                )
            )
    return proposals, ""


def _slot_key(slot: SlotCheck) -> tuple:
    return (slot.unit_id, slot.day, slot.shift_type_id, slot.job_role_id)


def _vacant_on_slots(short: list[SlotCheck], requester: StaffMember) -> dict[tuple, list[int]]:
    found: dict[tuple, list[int]] = {}
    condition = Q()
    for slot in short:
        condition |= Q(
            unit_id=slot.unit_id,
            date=slot.day,
            shift_type_id=slot.shift_type_id,
            job_role_id=slot.job_role_id,
        )
    rows = (
        Shift.objects.filter(VACANT)
        .filter(condition)
        .order_by("pk")
        .values_list("pk", "unit_id", "date", "shift_type_id", "job_role_id")
    )
    for pk, *key in rows:
        found.setdefault(tuple(key), []).append(pk)
    return found


def _pool(requester: StaffMember, unit_id: int, role_code: str) -> list[StaffMember]:
    """Permanent staff whose role may fill the slot, from the unit or covering it."""
    fits = [code for code, covers in ROLE_COVERS.items() if role_code in covers]
    covering = UnitCover.objects.filter(unit_id=unit_id).values("staff_id")
    return list(
        StaffMember.objects.filter(
            care_home_id=requester.care_home_id,
            contract_type=ContractType.PERMANENT,
            job_role__code__in=fits,
            left_on=None,
        )
        .filter(Q(home_unit_id=unit_id) | Q(pk__in=covering))
        .exclude(pk=requester.pk)
        .select_related("user", "job_role", "home_unit")
        .order_by("pk")
    )


def _choose(shift: Shift, pool: list[StaffMember], first: date, last: date, need: int):
    """The `need` people with the most contracted hours left that week who pass every rule;
    the unit's own people before those who cover it."""
    if not pool:
        return []
    verdicts = check_candidates(shift, pool)
    ids = [member.pk for member in pool]
    leave_hours = _leave_hours_by_week(ids, first, last)
    asked_off = _asked_off(ids, first, last)
    week = _monday(shift.date)
    hours = Decimal(shift.paid_hours)
    ranked = []
    for member in pool:
        verdict = verdicts[member.pk]
        if not verdict.ok or verdict.source != "contracted":
            continue
        if (member.pk, shift.date) in asked_off:
            continue
        before = verdict.week_hours_before + leave_hours.get((member.pk, week), Decimal(0))
        if before + hours > member.contracted_hours:
            continue
        room = member.contracted_hours - before - hours
        ranked.append((member.home_unit_id != shift.unit_id, -room, member.pk, member, before))
    ranked.sort(key=lambda item: item[:3])
    return [(member, before) for *_, member, before in ranked[:need]]
