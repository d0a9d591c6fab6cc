"""Replay the demo data's year of leave requests through the engine, day by day.

The homes, people, leave requests (who, what type, which dates, the day each was asked) and
sickness spells are the demo's own (`manage.py demo_data --seed S --today T`, scale 1): the
same code and the same random draws build them. The rota is drawn as the year goes on by the
bench's co-ordinator (`planner.py`), four weeks ahead, published two weeks ahead.

Each day, in order: the co-ordinator draws and publishes; sickness that starts that day is
recorded (its shifts become vacancies) and spells that ended are closed; the requests asked
that day go through `leave_request_submit` with `today` = that day; a manager decides what
was referred (refusing what the demo data records as refused, approving the rest, as the
demo's managers did); the co-ordinator refills the published rota's vacancies.

Precision is checked independently of the engine: after each automatic approval, for each
shift the person held on their leave days, the people still on that slot (unit, day, shift
type, role; a person who is not on leave or sick that day, or confirmed agency) are counted
against the slot's minimum.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import holidays
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.db.models import Q
from django_scopes import scopes_disabled

from bench.leave.planner import DRAFT_AHEAD, Planner
from bench.leave.slots import slot_minimum
from staffrota.demo import people as people_module
from staffrota.demo.absence import make_absences
from staffrota.demo.build import (
    AGENCY_SAP_START,
    DEMO_PASSWORD,
    STAFF_SAP_START,
    _Context,
    _ensure_courses,
    _ensure_roles,
    build_home_skeleton,
    leave_asked_on,
)
from staffrota.demo.plan import plan_replica
from staffrota.demo.rota import make_rota
from staffrota.leave.models import LeavePolicy, LeaveRequest, LeaveStatus, SicknessAbsence
from staffrota.leave.services import (
    LeaveError,
    leave_approve,
    leave_reject,
    leave_request_submit,
    sickness_record,
    sickness_return,
)
from staffrota.rota.models import Shift, ShiftSource, ShiftStatus
from staffrota.testing import factories as f


@dataclass
class Asked:
    asked: date
    home: int
    staff: object
    leave_type: str
    start: date
    end: date
    comment: str
    demo_status: str


@dataclass
class Sick:
    home: int
    staff: object
    start: date
    expected_end: date | None
    end: date | None
    reason: str
    fit_note: bool


def build(
    seed: int,
    today: date,
    homes: int,
    auto_cover: bool = False,
    contract_cover: float | None = None,
):
    """The demo's homes (the first `homes` of scale 1), their requests and sickness.

    `contract_cover` is a what-if, not the demo data: contracted hours per hour of minimum
    staffing (the demo's `people.CONTRACT_COVER`, 0.9)."""
    if contract_cover is not None:
        people_module.CONTRACT_COVER = contract_cover
    window_start = today - timedelta(days=365)
    window_end = today + timedelta(days=28)
    context = _Context(
        seed=seed,
        today=today,
        window_start=window_start,
        history_days=365,
        ndays=365 + 28,
        bank_holidays=dict(
            holidays.country_holidays(
                "GB", subdiv="SCT", years=range(window_start.year, window_end.year + 1)
            ).items()
        ),
        password=make_password(DEMO_PASSWORD),
    )
    context.roles = _ensure_roles()
    context.courses = _ensure_courses(context.roles)
    planners, asked, sick, managers = [], [], [], []
    staff_sap, agency_sap = STAFF_SAP_START, AGENCY_SAP_START
    for plan in plan_replica(0, seed)[:homes]:
        skeleton = build_home_skeleton(context, plan, staff_sap, agency_sap)
        people = skeleton.people
        staff_sap += sum(1 for p in people if not p.agency)
        agency_sap += sum(1 for p in people if p.agency)
        rng = skeleton.rng
        # The demo's own draws, in the demo's order, so requests and dates are its own.
        absences = make_absences(
            people, rng, window_start=window_start, today=today, ndays=context.ndays
        )
        make_rota(
            plan,
            people,
            absences,
            rng,
            window_start=window_start,
            today=today,
            ndays=context.ndays,
            bank_holidays=context.bank_holidays,
        )
        yesterday = today - timedelta(days=1)
        home_no = len(planners)
        for row in absences.leave:
            day, _decided = leave_asked_on(row, yesterday, rng)
            asked.append(
                Asked(
                    day,
                    home_no,
                    skeleton.staff[row.person],
                    row.leave_type,
                    row.start,
                    row.end,
                    row.comment,
                    row.status,
                )
            )
        for row in absences.sickness:
            sick.append(
                Sick(
                    home_no,
                    skeleton.staff[row.person],
                    row.start,
                    row.expected_end,
                    row.end,
                    row.reason,
                    row.fit_note,
                )
            )
        planners.append(
            Planner(skeleton, plan, context.roles, window_start=window_start, seed=seed)
        )
        managers.append(f.service_manager(skeleton.home))
        LeavePolicy.objects.create(care_home=skeleton.home, auto_cover=auto_cover)
    asked.sort(key=lambda r: (r.asked, r.home, r.staff.pk, r.start))
    return planners, asked, sick, managers


def _absent(staff_id: int, day: date) -> bool:
    on_leave = LeaveRequest.objects.filter(
        staff_id=staff_id,
        status=LeaveStatus.APPROVED,
        part_day=False,
        start_date__lte=day,
        end_date__gte=day,
    ).exists()
    sick = (
        SicknessAbsence.objects.filter(staff_id=staff_id, start_date__lte=day)
        .filter(
            Q(end_date__gte=day)
            | Q(end_date__isnull=True, expected_end_date__gte=day)
            | Q(end_date__isnull=True, expected_end_date__isnull=True)
        )
        .exists()
    )
    return on_leave or sick


def short_slots(shift_ids) -> list[str]:
    """Independent of the engine: each slot these shifts belong to, counted again."""
    problems = []
    for shift in Shift.objects.filter(pk__in=shift_ids):
        on_slot = Shift.objects.filter(
            unit_id=shift.unit_id,
            date=shift.date,
            shift_type_id=shift.shift_type_id,
            job_role_id=shift.job_role_id,
        ).exclude(status=ShiftStatus.CANCELLED)
        present = sum(
            1
            for holder, source in on_slot.values_list("staff_id", "source")
            if (holder is None and source == ShiftSource.AGENCY)
            or (holder is not None and not _absent(holder, shift.date))
        )
        minimum = slot_minimum(shift)
        if present < minimum:
            problems.append(f"{shift.date} unit {shift.unit_id}: {present}/{minimum}")
    return problems


def _refusal(text: str) -> str:
    for needle, key in (
        ("is left", "over the balance"),
        ("overlaps sickness", "overlaps sickness"),
        ("overlaps", "overlaps other leave"),
        ("not rostered", "not rostered"),
        ("leaves on", "after leaving"),
    ):
        if needle in text:
            return key
    return text[:60]


def replay(
    seed: int,
    today: date,
    homes: int,
    *,
    auto_cover: bool,
    contract_cover: float | None = None,
    days: int | None = None,
    progress=None,
) -> dict:
    started = time.monotonic()
    with scopes_disabled():
        planners, asked, sick, managers = build(seed, today, homes, auto_cover, contract_cover)
        built = time.monotonic() - started
        by_day: dict[date, list[Asked]] = defaultdict(list)
        for request in asked:
            by_day[request.asked].append(request)
        sick_on: dict[date, list[Sick]] = defaultdict(list)
        back_on: dict[date, list[Sick]] = defaultdict(list)
        for spell in sick:
            sick_on[spell.start].append(spell)
            if spell.end:
                back_on[spell.end + timedelta(days=1)].append(spell)
        episodes: dict[int, SicknessAbsence] = {}

        counts, refused, because, combos = Counter(), Counter(), Counter(), Counter()
        by_lead: dict[str, Counter] = defaultdict(Counter)
        imprecise = []
        drafts_vacated: list[int] = []
        # For comparison: draft shifts a manager's approval vacated (referred requests).
        drafts_vacated_by_manager: list[int] = []
        first = min(request.asked for request in asked)
        day = first
        stop = min(today, first + timedelta(days=days)) if days else today
        while day < stop:
            for planner in planners:
                planner.advance(day)
            for spell in sick_on.get(day, []):
                try:
                    episodes[id(spell)] = sickness_record(
                        staff=spell.staff,
                        start=spell.start,
                        expected_end=spell.expected_end or None,
                        reason=spell.reason,
                        fit_note=spell.fit_note,
                        actor=managers[spell.home],
                        today=day,
                    )
                    counts["sickness_recorded"] += 1
                except LeaveError:
                    counts["sickness_skipped"] += 1
            for spell in back_on.get(day, []):
                if id(spell) in episodes:
                    sickness_return(
                        episode=episodes[id(spell)],
                        actor=managers[spell.home],
                        last_day_off=spell.end,
                        return_to_work_on=day,
                    )
            for request in by_day.get(day, []):
                _one(
                    request,
                    day,
                    managers,
                    (counts, refused, because, combos, by_lead),
                    imprecise,
                    (drafts_vacated, drafts_vacated_by_manager),
                )
                mail.outbox = []
            for planner in planners:
                counts["refilled"] += planner.refill(day)
            if progress and day.day == 1:
                progress(f"{day}: {counts['valid']} valid, {counts['auto_approved']} automatic")
            day += timedelta(days=1)

    valid = counts["valid"] or 1
    auto = counts["auto_approved"]
    stats = Counter()
    for planner in planners:
        stats.update(planner.stats)
    with scopes_disabled():
        fate = draft_fate(drafts_vacated)
        fate_by_manager = draft_fate(drafts_vacated_by_manager)
    return {
        "data": f"demo data, seed {seed}, today {today}, scale 1, first {homes} home(s)",
        "auto_cover": auto_cover,
        "contract_cover": contract_cover or people_module.CONTRACT_COVER,
        "what_if": contract_cover is not None,
        "requests_asked": len(asked),
        "refused_at_submission": dict(refused.most_common()),
        "valid_requests": counts["valid"],
        "decided_automatically": round(auto / valid, 4),
        "approved_automatically": round(auto / valid, 4),
        "automatic_approvals": auto,
        "automatic_approvals_with_cover_booked": counts["auto_with_cover"],
        "cover_shifts_booked_automatically": counts["cover_booked"],
        "automatic_approvals_leaving_a_shift_short": len(imprecise),
        "precision": 1.0 if not imprecise else round(1 - len(imprecise) / max(auto, 1), 4),
        "precision_a_published_shifts_left_short": len(imprecise),
        "precision_b_draft_shifts_vacated": fate,
        "for_comparison_draft_shifts_vacated_by_manager_approvals": fate_by_manager,
        "referred": counts["referred"],
        "referred_because": dict(because.most_common()),
        "referred_rule_combinations": dict(combos.most_common(12)),
        "by_notice": {
            lead: {
                "valid": c["valid"],
                "automatic": c["auto"],
                "share": round(c["auto"] / c["valid"], 4) if c["valid"] else None,
            }
            for lead, c in sorted(by_lead.items())
        },
        "manager": {
            "approved": counts["manager_approved"],
            "refused": counts["manager_refused"],
        },
        "sickness": {
            "recorded": counts["sickness_recorded"],
            "skipped": counts["sickness_skipped"],
        },
        "co_ordinator": dict(sorted(stats.items())) | {"refilled": counts["refilled"]},
        "imprecise_examples": imprecise[:5],
        "seconds": {"build": round(built, 1), "total": round(time.monotonic() - started, 1)},
    }


def _lead_bucket(request: Asked, day: date) -> str:
    lead = (request.start - day).days
    if lead < 14:
        return "a: under 14 days"
    if lead <= DRAFT_AHEAD:
        return "b: 14-27 days (draft rota)"
    return "c: 28+ days (no rota yet)"


def draft_fate(shift_ids: list[int]) -> dict:
    """What became of the draft shifts automatic approvals vacated, read from the rota at
    the end of the replay: refilled by whom once published, left open, or still a draft,
    and what the refills cost over a contracted person (whose pay the leave already is)."""
    from staffrota.leave.entitlement import policy_for
    from staffrota.rota.models import AgencyBooking

    fate: Counter = Counter()
    cost: Counter = Counter()
    rows = Shift.objects.filter(pk__in=set(shift_ids)).select_related("staff", "care_home")
    agency = dict(
        AgencyBooking.objects.filter(shift_id__in=set(shift_ids)).values_list(
            "shift_id", "hourly_rate"
        )
    )
    for shift in rows:
        if shift.status == ShiftStatus.DRAFT:
            fate["still a draft when the replay ended"] += 1
            continue
        if shift.status == ShiftStatus.CANCELLED:
            fate["cancelled"] += 1
            continue
        if shift.staff_id is None and shift.source != ShiftSource.AGENCY:
            fate["left open (vacant on the published rota)"] += 1
            continue
        fate[f"refilled: {shift.source}"] += 1
        paid = Decimal(shift.paid_hours)
        if shift.source == ShiftSource.AGENCY:
            cost["agency"] += Decimal(agency.get(shift.pk, 0)) * paid
        elif shift.source == ShiftSource.BANK:
            cost["bank"] += Decimal(shift.staff.hourly_rate) * paid
        elif shift.source == ShiftSource.OVERTIME:
            multiplier = Decimal(policy_for(shift.care_home).overtime_multiplier)
            cost["overtime"] += Decimal(shift.staff.hourly_rate) * paid * multiplier
    return {
        "vacated": len(set(shift_ids)),
        "outcome": dict(fate.most_common()),
        "extra_cost_gbp": {k: round(float(v), 2) for k, v in cost.items()}
        | {"total": round(float(sum(cost.values(), Decimal(0))), 2)},
    }


def _cover_detail(leave, staff) -> str:
    """Why cover failed, from the impact analysis the manager sees: was any slot or day
    already short before this leave, or is it this leave that makes it short?"""
    rota = [item for item in leave.impact if item["shift_type"] != "no published rota"]
    beyond = [item for item in leave.impact if item["shift_type"] == "no published rota"]
    where = (
        "published rota"
        if rota and not beyond
        else "no published rota"
        if beyond and not rota
        else "both"
    )
    already = any(item["remaining"] < item["minimum"] - 1 for item in rota) or (
        bool(beyond) and not any(item.get("made_short_by_this_leave") for item in beyond)
    )
    return f"{where}, " + ("short even without this leave" if already else "short by this leave")


def _one(request, day, managers, tallies, imprecise, vacated):
    counts, refused, because, combos, by_lead = tallies
    drafts_vacated, drafts_vacated_by_manager = vacated
    counts["asked"] += 1
    rostered, drafts = [], []
    for pk, status in (
        Shift.objects.filter(staff=request.staff, date__range=(request.start, request.end))
        .exclude(status=ShiftStatus.CANCELLED)
        .values_list("pk", "status")
    ):
        (rostered if status == ShiftStatus.PUBLISHED else drafts).append(pk)
    try:
        leave = leave_request_submit(
            staff=request.staff,
            leave_type=request.leave_type,
            start=request.start,
            end=request.end,
            actor=request.staff.user,
            comment=request.comment,
            today=day,
        )
    except LeaveError as error:
        refused[_refusal(str(error))] += 1
        return
    counts["valid"] += 1
    bucket = by_lead[_lead_bucket(request, day)]
    bucket["valid"] += 1
    if leave.status == LeaveStatus.APPROVED:
        counts["auto_approved"] += 1
        bucket["auto"] += 1
        booked = len(getattr(leave, "covers_booked", []) or [])
        if booked:
            counts["auto_with_cover"] += 1
            counts["cover_booked"] += booked
        problems = short_slots(rostered)  # (a): only the published rota binds
        if problems:
            imprecise.append({"request": leave.pk, "short": problems})
        if not leave.part_day:
            drafts_vacated.extend(drafts)  # (b): followed to publication
        counts["auto_drafts_vacated"] += len(drafts) if not leave.part_day else 0
        return
    counts["referred"] += 1
    failed = sorted(r["rule"] for r in leave.rule_results if not r["passed"])
    for rule in failed:
        because[rule] += 1
    combos["+".join(failed)] += 1
    if "coverage" in failed:
        because["coverage: " + _cover_detail(leave, request.staff)] += 1
    manager = managers[request.home]
    if request.demo_status == "rejected":
        leave_reject(request=leave, actor=manager, comment="Too many off that week.")
        counts["manager_refused"] += 1
    else:
        leave_approve(request=leave, actor=manager, comment="Cover arranged.")
        counts["manager_approved"] += 1
        if not leave.part_day:
            drafts_vacated_by_manager.extend(drafts)
