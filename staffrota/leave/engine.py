"""The automatic decision: which rules a leave request passes, in words a manager reads.

`check_request` raises `LeaveError` for a request that cannot be made at all (past dates,
overlap, more than the balance); `evaluate` then runs every rule and approves only when all
pass. Each rule reports itself whether it passed or not, so every decision names its rules.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q

from staffrota.leave.allowance import allowance_for, on_leave_by_day
from staffrota.leave.cover import CoverProposal, find_cover
from staffrota.leave.coverage import Coverage, DayEstimate, coverage_after_leave, days_between
from staffrota.leave.entitlement import (
    Balance,
    balance_for,
    fmt_day,
    fmt_hours,
    hours,
    leave_year,
    policy_for,
)
from staffrota.leave.models import (
    BlackoutPeriod,
    LeaveRequest,
    LeaveStatus,
    LeaveType,
    SicknessAbsence,
)
from staffrota.leave.queries import overlapping_leave
from staffrota.organisation.models import StaffMember
from staffrota.rota.kept_sql import kept_rows
from staffrota.rota.models import Shift, ShiftStatus


class LeaveError(Exception):
    """A leave request or decision that cannot go ahead; the message says why."""


# Which rules apply to which type. Sickness is recorded, never requested.
NEEDS_BALANCE = {LeaveType.ANNUAL}
NEEDS_NOTICE = {LeaveType.ANNUAL, LeaveType.UNPAID, LeaveType.TOIL}
BLACKOUT_APPLIES = {LeaveType.ANNUAL, LeaveType.UNPAID, LeaveType.TOIL}
ALWAYS_TO_MANAGER = {LeaveType.PARENTAL}  # statutory notice and evidence need a person
REQUESTABLE = [choice for choice in LeaveType if choice != LeaveType.SICKNESS]

RULE_LABELS = {
    "balance": "Enough leave left",
    "notice": "Notice given",
    "blackout": "Outside blackout periods",
    "coverage": "Cover stays at the minimum",
    "role_cap": "Within the planned leave allowance",
    "manager_review": "Needs a manager",
}


@dataclass(frozen=True)
class RuleResult:
    rule: str
    passed: bool
    message: str

    def as_dict(self) -> dict:
        return {
            "rule": self.rule,
            "label": RULE_LABELS[self.rule],
            "passed": self.passed,
            "message": self.message,
        }


@dataclass
class Evaluation:
    results: list[RuleResult] = field(default_factory=list)
    coverage: Coverage | None = None
    covers: list[CoverProposal] = field(default_factory=list)

    @property
    def approve(self) -> bool:
        return all(result.passed for result in self.results)

    @property
    def failed(self) -> list[RuleResult]:
        return [result for result in self.results if not result.passed]

    def summary(self) -> str:
        if self.approve:
            names = ", ".join(RULE_LABELS[r.rule].lower() for r in self.results)
            booked = (
                f" Cover booked at no extra cost: {len(self.covers)} shift(s)."
                if self.covers
                else ""
            )
            return f"Approved automatically: every rule passed ({names}).{booked}"
        names = "; ".join(r.message for r in self.failed)
        return f"Sent to a manager: {names}"


# The plain reads of a request's checks, run through `kept_rows`: the ORM writes their SQL
# once per process instead of building each queryset again for every request (some 1,500
# Python calls each, most of the cost of asking for leave). Rows, not model instances:
# the checks read a few columns.
LEAVE_TYPE_NAMES = dict(LeaveType.choices)
STATUS_NAMES = dict(LeaveStatus.choices)


def _own_paid_rows(staff_id, start, end):
    return (
        Shift.objects.filter(staff_id=staff_id, date__range=(start, end))
        .exclude(status=ShiftStatus.CANCELLED)
        .values_list("date", "paid_hours")
    )


def _rota_day_rows(unit_id, start, end):
    return (
        Shift.objects.filter(unit_id=unit_id, date__range=(start, end))
        .exclude(status=ShiftStatus.CANCELLED)
        .order_by()  # else DISTINCT runs over the start times too: a row per shift
        .values_list("date")
        .distinct()
    )


def _clash_rows(staff_id, start, end):
    """The person's first leave asked for or approved overlapping the dates (at most one)."""
    return overlapping_leave(staff_id, start, end).values_list(
        "leave_type", "start_date", "end_date", "status"
    )[:1]


def _sick_rows(staff_id, start, end):
    """As `.first()` did under the model's ordering: the latest overlapping episode."""
    return (
        SicknessAbsence.objects.filter(staff_id=staff_id, start_date__lte=end)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
        .order_by("-start_date")
        .values_list("start_date")[:1]
    )


def _blackout_rows(home_id, start, end):
    return (
        BlackoutPeriod.objects.filter(
            care_home_id=home_id, start_date__lte=end, end_date__gte=start
        )
        .order_by("start_date")
        .values_list("name", "start_date", "end_date")[:1]
    )


def hours_by_day(
    staff: StaffMember, start: date, end: date, part_day_hours: Decimal | None = None
) -> dict[date, Decimal]:
    """Leave hours for each day: the paid hours of the person's shifts where a rota exists,
    nothing on a rostered day off, and a seventh of the contracted week on each day (a care
    home works every day of the week) where no rota has been drawn up yet: a week off is
    the contracted week, and 5.6 weeks of days are the statutory entitlement."""
    days = days_between(start, end)
    own: dict[date, Decimal] = defaultdict(Decimal)
    for day, paid in kept_rows(_own_paid_rows, staff_id=staff.pk, start=start, end=end):
        own[day] += paid
    rota_days = {
        day
        for (day,) in kept_rows(_rota_day_rows, unit_id=staff.home_unit_id, start=start, end=end)
    }
    standard = hours(Decimal(staff.contracted_hours) / 7)
    result = {}
    for day in days:
        if day in own:
            result[day] = hours(own[day])
        elif day in rota_days:
            result[day] = Decimal(0)
        else:
            result[day] = standard
    if part_day_hours is not None:
        day = days[0]
        # Rostered: that day's shifts. No rota yet: the shift is not known, so up to a
        # long day (a seventh of the week would refuse most part days).
        ceiling = hours(own[day]) if day in own else Decimal(12)
        if part_day_hours > ceiling:
            raise LeaveError(
                f"Part of a day can be at most {fmt_hours(ceiling)} on {fmt_day(day)}; "
                f"you asked for {fmt_hours(part_day_hours)}. Ask for the whole day instead."
            )
        result[day] = hours(part_day_hours)
    return result


def check_request(
    *,
    staff: StaffMember,
    leave_type: str,
    start: date,
    end: date,
    part_day_hours: Decimal | None,
    today: date,
    balances: dict[date, Balance] | None = None,
) -> dict[date, Decimal]:
    """Refuse requests that cannot be made; return the hours for each day otherwise.
    `balances`, when given, receives each annual leave balance checked, by leave year."""
    if leave_type not in REQUESTABLE:
        raise LeaveError("Sickness is recorded by a manager, not requested. Choose a leave type.")
    if end < start:
        raise LeaveError(
            f"The leave ends ({fmt_day(end)}) before it starts ({fmt_day(start)}). "
            "Check the two dates."
        )
    if start < today:
        raise LeaveError(
            f"{fmt_day(start)} is in the past. Leave can only be requested from today "
            f"({fmt_day(today)}); ask your manager to record past absence."
        )
    if part_day_hours is not None:
        if start != end:
            raise LeaveError("Part of a day is for one day only: make the start and end the same.")
        if part_day_hours <= 0:
            raise LeaveError("Give the number of hours for part of a day, more than 0.")
    if (end - start).days > 365:
        raise LeaveError("A request can cover at most a year. Split longer absences.")
    if staff.left_on and end > staff.left_on:
        raise LeaveError(f"{staff.full_name} leaves on {fmt_day(staff.left_on)}.")
    clash = kept_rows(_clash_rows, staff_id=staff.pk, start=start, end=end)
    if clash:
        kind, first, last, status = clash[0]
        raise LeaveError(
            f"This overlaps your {LEAVE_TYPE_NAMES.get(kind, kind).lower()} from "
            f"{fmt_day(first)} to {fmt_day(last)} "
            f"({STATUS_NAMES.get(status, status).lower()}). Change the dates or cancel that one."
        )
    sick = kept_rows(_sick_rows, staff_id=staff.pk, start=start, end=end)
    if sick:
        raise LeaveError(
            f"This overlaps sickness absence from {fmt_day(sick[0][0])}; talk to your manager."
        )
    by_day = hours_by_day(staff, start, end, part_day_hours)
    total = sum(by_day.values(), Decimal(0))
    if total <= 0:
        raise LeaveError(
            f"You are not rostered from {fmt_day(start)} to {fmt_day(end)}, so no leave "
            "is needed for those days."
        )
    if leave_type in NEEDS_BALANCE:
        _check_balance(staff, by_day, today, balances if balances is not None else {})
    return by_day


def _check_balance(
    staff: StaffMember, by_day: dict[date, Decimal], today: date, balances: dict
) -> None:
    per_year: dict[date, Decimal] = defaultdict(Decimal)
    for day, amount in by_day.items():
        per_year[leave_year(staff.care_home, day)[0]] += amount
    for year_start, needed in sorted(per_year.items()):
        balance = balances[year_start] = balance_for(staff, year_start, today=today)
        if needed > balance.available:
            waiting = (
                f" ({fmt_hours(balance.pending)} of it is waiting for a decision)"
                if balance.pending
                else ""
            )
            raise LeaveError(
                f"This needs {fmt_hours(needed)} of annual leave in the leave year "
                f"{fmt_day(balance.year_start)} to {fmt_day(balance.year_end)}, but "
                f"{fmt_hours(max(balance.available, Decimal(0)))} is left{waiting}."
            )


def evaluate(request: LeaveRequest, *, today: date, balance: Balance | None = None) -> Evaluation:
    """Every rule for `request` (already saved as pending), with the cover it leaves.
    `balance`: the person's balance in the leave year of its first day without it, when
    the caller has just read it (`check_request`'s `balances`)."""
    staff = request.staff
    policy = policy_for(staff.care_home)
    evaluation = Evaluation()
    add = evaluation.results.append
    kind = request.leave_type
    label = request.get_leave_type_display().lower()

    if kind in ALWAYS_TO_MANAGER:
        add(
            RuleResult(
                "manager_review",
                False,
                f"{request.get_leave_type_display()} always goes to a manager: notice and "
                "evidence are set by law.",
            )
        )
    if kind in NEEDS_BALANCE:
        if balance is None:
            balance = balance_for(staff, request.start_date, today=today, exclude_pk=request.pk)
        add(
            RuleResult(
                "balance",
                True,
                f"{fmt_hours(request.hours)} asked, {fmt_hours(balance.available)} available "
                f"in the leave year to {fmt_day(balance.year_end)}.",
            )
        )
    if kind in NEEDS_NOTICE:
        given = (request.start_date - today).days
        add(
            RuleResult(
                "notice",
                given >= policy.notice_days,
                f"{given} days' notice given; this home asks for {policy.notice_days} for {label}.",
            )
        )
    if kind in BLACKOUT_APPLIES:
        blackout = kept_rows(
            _blackout_rows,
            home_id=staff.care_home_id,
            start=request.start_date,
            end=request.end_date,
        )
        add(
            RuleResult(
                "blackout",
                not blackout,
                "No blackout period in these dates."
                if not blackout
                else f"{blackout[0][0]} ({fmt_day(blackout[0][1])} to "
                f"{fmt_day(blackout[0][2])}) is a blackout period at this home.",
            )
        )
    coverage = coverage_after_leave(
        staff=staff, start=request.start_date, end=request.end_date, today=today
    )
    evaluation.coverage = coverage
    role_cap = _allowance_result(request, policy)
    others_pass = role_cap.passed and all(result.passed for result in evaluation.results)
    covers, why_not = None, ""
    if others_pass and coverage.short_slots and not coverage.blocking_estimates:
        covers, why_not = find_cover(coverage=coverage, requester=staff, policy=policy, today=today)
    if covers:
        evaluation.covers = covers
        add(_covered_result(coverage, covers))
    else:
        add(_coverage_result(coverage, why_not))
    add(role_cap)
    return evaluation


def _covered_result(coverage: Coverage, covers: list[CoverProposal]) -> RuleResult:
    count = len(coverage.slots)
    kept = (
        "the published shift keeps its minimum"
        if count == 1
        else f"all {count} published shifts keep their minimum"
    )
    parts = [f"{kept} once cover is booked: " + "; ".join(c.describe() for c in covers)]
    parts += _unpublished_parts(coverage)
    return RuleResult("coverage", True, "; ".join(parts) + ".")


def _estimate_figures(estimate: DayEstimate) -> str:
    return (
        f"{estimate.job_role_name.lower()}s on {estimate.unit_name} can give about "
        f"{estimate.available_hours} h without you ({estimate.contracted_hours} contracted, "
        f"{estimate.extra_hours} overtime and bank a day as lately) against "
        f"{fmt_hours(estimate.required_hours)} required"
    )


def _unpublished_parts(coverage: Coverage) -> list[str]:
    """Days with no published rota, in words: the figures of the tightest day, whether the
    unit is short before the leave, and each draft shift that becomes a vacancy."""
    parts = []
    estimates = coverage.estimates
    if estimates:
        tightest = max(estimates, key=lambda e: (e.short_hours, -e.available_hours))
        days = len(estimates)
        where = (
            f"no published rota yet for {fmt_day(tightest.day)}"
            if days == 1
            else f"no published rota yet for {days} days (tightest {fmt_day(tightest.day)})"
        )
        before = tightest.short_before
        if before > 0:
            tail = (
                f"the unit is {fmt_hours(before)} short of its requirement before this leave "
                "and the rota will fill it from bank or agency, as the planned leave "
                "allowance budgets"
            )
        elif tightest.short_hours > 0 and tightest.bank_fills:
            role = tightest.job_role_name.lower()
            tail = (
                f"this leave makes the day {fmt_hours(tightest.short_hours)} short, less than "
                f"one shift from the unit's {tightest.bank_people} bank {role}(s), which the "
                "rota will book"
            )
        elif tightest.short_hours > 0:
            tail = "this leave makes the day short"
        else:
            tail = "the requirement is still met"
        parts.append(f"{where}: {_estimate_figures(tightest)}; {tail}")
    for draft in coverage.drafts:
        parts.append(
            f"your draft shift on {draft.describe()} becomes a vacancy for the manager to "
            "fill before the rota is published"
        )
    return parts


def _coverage_result(coverage: Coverage, why_no_cover: str = "") -> RuleResult:
    short = coverage.short_slots
    blocking = coverage.blocking_estimates
    if not short and not blocking:
        parts = []
        if coverage.slots:
            count = len(coverage.slots)
            parts.append(
                "the published shift keeps its minimum"
                if count == 1
                else f"all {count} published shifts keep their minimum"
            )
        if coverage.days_off:
            parts.append(f"{len(coverage.days_off)} day(s) not rostered")
        parts += _unpublished_parts(coverage)
        return RuleResult("coverage", True, ("; ".join(parts) or "No shifts affected") + ".")
    parts = [
        f"{slot.shift_type_name} on {slot.unit_name} {fmt_day(slot.day)} would have "
        f"{slot.remaining} {slot.job_role_name.lower()} against a minimum of {slot.minimum}"
        for slot in short
    ]
    parts += [
        f"no published rota yet for {fmt_day(e.day)}: {_estimate_figures(e)} "
        f"({fmt_hours(e.available_hours + e.own_hours)} with you): this leave makes the day "
        f"{fmt_hours(e.short_hours)} short"
        + (
            f", more than one {fmt_hours(e.bank_shift_hours)} shift from the unit's bank"
            if e.bank_people
            else f", and the unit has no bank {e.job_role_name.lower()} to call"
        )
        for e in blocking
    ]
    tail = f" No cover booked automatically: {why_no_cover}." if why_no_cover and short else ""
    return RuleResult("coverage", False, "; ".join(parts) + "." + tail)


def _allowance_result(request: LeaveRequest, policy) -> RuleResult:
    """The planned leave allowance (the same-role cap): this person and the others of their
    role on the unit already on approved leave, on the busiest day, against the allowance."""
    staff = request.staff
    allowance = allowance_for(staff, policy, request.start_date)
    off = on_leave_by_day(request)
    worst_day, worst = request.start_date, 0
    for day, people in sorted(off.items()):
        if len(people) > worst:
            worst_day, worst = day, len(people)
    role = staff.job_role.name.lower()
    unit = staff.home_unit.name
    with_you = worst + 1
    where = f"{role}s on {unit}: {with_you} of {allowance.places} on leave on {fmt_day(worst_day)}"
    if with_you > allowance.places:
        return RuleResult(
            "role_cap",
            False,
            f"Over the planned leave allowance for {where} with you "
            f"({worst} already off; the allowance is {allowance.basis}).",
        )
    return RuleResult(
        "role_cap",
        True,
        f"Within the planned leave allowance for {where} with you, the busiest day "
        f"(the allowance is {allowance.basis}).",
    )
