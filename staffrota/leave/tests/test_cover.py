"""Cover at no extra cost, agency cover on a slot, and days with no rota yet."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django_scopes import scopes_disabled

from staffrota.audit.models import AuditEntry
from staffrota.leave import engine
from staffrota.leave.cover import find_cover
from staffrota.leave.models import LeavePolicy, LeaveStatus
from staffrota.leave.services import LeaveError, leave_approve, leave_request_submit
from staffrota.leave.tests.conftest import rostered
from staffrota.rota.models import Shift, ShiftSource, ShiftStatus
from staffrota.rota.services import shift_create
from staffrota.testing import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _unscoped():
    with scopes_disabled():
        yield


def ask(staff, start, end=None, kind="annual"):
    return leave_request_submit(
        staff=staff, leave_type=kind, start=start, end=end or start, actor=staff.user
    )


def rule(leave, name):
    return next(r for r in leave.rule_results if r["rule"] == name)


def on_slot(ward) -> int:
    """Counted again, apart from the engine: people on the ward's early slot that day."""
    return Shift.objects.filter(
        unit=ward.world.unit, date=ward.day, shift_type=ward.world.early, staff__isnull=False
    ).count()


def auto_cover(ward, **extra) -> LeavePolicy:
    return LeavePolicy.objects.create(care_home=ward.world.home, auto_cover=True, **extra)


def free_carer(ward, name="Fay", hours="36"):
    return f.staff_member(
        ward.world.unit,
        "carer",
        first_name=name,
        last_name="Free",
        contracted_hours=Decimal(hours),
    )


def test_without_the_home_setting_a_short_shift_goes_to_a_manager(ward):
    free_carer(ward)
    ask(ward.carers[0], ward.day)  # 3 → 2, the minimum
    second = ask(ward.carers[1], ward.day)
    assert second.status == LeaveStatus.PENDING
    assert "home has not switched on cover at no extra cost" in rule(second, "coverage")["message"]
    assert on_slot(ward) == 2  # nothing booked, nobody taken off


def test_cover_is_booked_with_the_approval_audited_and_emailed(
    ward, django_capture_on_commit_callbacks
):
    auto_cover(ward)
    fay = free_carer(ward)
    ask(ward.carers[0], ward.day)
    with django_capture_on_commit_callbacks(execute=True):
        leave = ask(ward.carers[1], ward.day)
    assert leave.status == LeaveStatus.APPROVED and leave.decided_automatically
    shift = Shift.objects.get(pk=ward.shifts[1].pk)
    assert (shift.staff_id, shift.source) == (fay.pk, ShiftSource.CONTRACTED)
    assert on_slot(ward) == 2  # the minimum, counted apart from the engine
    message = rule(leave, "coverage")["message"]
    assert rule(leave, "coverage")["passed"]
    assert "Fay Free covers the early" in message
    assert "(6 hours of 36 hours that week), at no extra cost" in message
    assert "Cover booked at no extra cost: 1 shift(s)" in leave.decision_note
    entry = AuditEntry.all_homes.get(action="leave.cover", object_id=str(shift.pk))
    assert f"request {leave.pk}" in entry.reason and entry.actor is None
    assert AuditEntry.all_homes.filter(action="shift.assign", object_id=str(shift.pk)).exists()
    subjects = {(m.to[0], m.subject) for m in mail.outbox}
    assert (fay.user.email, f"Extra shift booked: {engine.fmt_day(ward.day)}") in subjects
    assert (ward.world.manager.email, f"Leave approved with cover booked: "
            f"{ward.carers[1].full_name}") in subjects  # fmt: skip
    fay_mail = next(m for m in mail.outbox if m.to == [fay.user.email])
    assert "within your contracted hours: 6 hours of 36 hours" in fay_mail.body


@pytest.mark.parametrize(("contracted", "covers"), [("11.99", False), ("12", True)])
def test_cover_stays_within_the_contract_counting_shifts_and_leave(ward, contracted, covers):
    """Worked 6 h plus 6 h of approved leave that week: 6 h more fits 18 h, not 17.99."""
    auto_cover(ward)
    fay = free_carer(ward, hours=Decimal(contracted) + 6)
    monday = ward.day - timedelta(days=ward.day.weekday())
    other, off = [monday + timedelta(days=n) for n in range(7) if n != ward.day.weekday()][:2]
    rostered(ward.world, fay, other)
    rostered(ward.world, fay, off)
    first = ask(fay, off)
    if first.status == LeaveStatus.PENDING:
        leave_approve(request=first, actor=ward.world.manager)
    ask(ward.carers[0], ward.day)
    leave = ask(ward.carers[1], ward.day)
    assert (leave.status == LeaveStatus.APPROVED) is covers
    if not covers:
        assert (
            "nobody contracted is free and under their hours" in rule(leave, "coverage")["message"]
        )


@pytest.mark.parametrize(("notice", "covers"), [(30, True), (31, False)])
def test_cover_notice_boundary(ward, notice, covers):
    auto_cover(ward, auto_cover_notice_days=notice)  # the ward's day is 30 days away
    free_carer(ward)
    ask(ward.carers[0], ward.day)
    leave = ask(ward.carers[1], ward.day)
    assert (leave.status == LeaveStatus.APPROVED) is covers
    if not covers:
        assert "only 31 or more days ahead" in rule(leave, "coverage")["message"]


def test_cover_skips_who_asked_for_that_day_off_and_bank_staff(ward):
    auto_cover(ward)
    fay = free_carer(ward)
    f.staff_member(ward.world.unit, "carer", first_name="Bo", contract_type="bank")
    rostered(ward.world, fay, ward.day + timedelta(days=1))
    pending = ask(fay, ward.day + timedelta(days=1), ward.day + timedelta(days=2))
    assert pending.status == LeaveStatus.PENDING or pending.start_date > ward.day
    with scopes_disabled():
        # Fay is waiting to hear about leave on the ward's day itself.
        pending.start_date = ward.day
        pending.status = LeaveStatus.PENDING
        pending.save()
    ask(ward.carers[0], ward.day)
    leave = ask(ward.carers[1], ward.day)
    assert leave.status == LeaveStatus.PENDING
    assert "nobody contracted is free" in rule(leave, "coverage")["message"]


def test_a_slot_short_by_two_books_two_covers_into_its_open_shifts(ward):
    world = ward.world
    auto_cover(ward)
    fay, gus = free_carer(ward, "Fay"), free_carer(ward, "Gus")
    with scopes_disabled():
        role = world.carer.job_role
        world.unit.requirements.filter(weekday=ward.day.weekday()).update(minimum=4)
        vacancy = shift_create(
            unit=world.unit,
            day=ward.day,
            shift_type=world.early,
            job_role=role,
            status=ShiftStatus.PUBLISHED,
        )
    leave = ask(ward.carers[0], ward.day)  # 3 + 1 open → 2 left against 4
    assert leave.status == LeaveStatus.APPROVED, leave.rule_results
    holders = set(
        Shift.objects.filter(pk__in=[ward.shifts[0].pk, vacancy.pk]).values_list(
            "staff_id", flat=True
        )
    )
    assert holders == {fay.pk, gus.pk}
    assert on_slot(ward) == 4


def test_a_cover_that_cannot_be_booked_undoes_the_whole_approval(ward, monkeypatch):
    """The proposal goes stale (here: its person now holds a clashing shift); the rota's own
    check refuses the booking and nothing of the approval is kept."""
    auto_cover(ward)
    fay = free_carer(ward)
    busy = free_carer(ward, "Busy")

    def stale(**kwargs):
        proposals, why = find_cover(**kwargs)
        return [p.__class__(p.slot, p.shift_id, busy, p.week_hours, p.shift_hours)
                for p in proposals], why  # fmt: skip

    monkeypatch.setattr(engine, "find_cover", stale)
    rostered(ward.world, busy, ward.day - timedelta(days=1), shift_type=ward.world.night)
    ask(ward.carers[0], ward.day)
    leave = ask(ward.carers[1], ward.day)
    assert leave.status == LeaveStatus.PENDING and not leave.decided_automatically
    assert Shift.objects.get(pk=ward.shifts[1].pk).staff_id == ward.carers[1].pk
    assert "Cover could not be booked automatically" in rule(leave, "coverage")["message"]
    actions = set(
        AuditEntry.all_homes.filter(
            object_type="leave.leaverequest", object_id=str(leave.pk)
        ).values_list("action", flat=True)
    )
    assert actions == {"leave.request", "leave.refer"}
    assert not AuditEntry.all_homes.filter(action="leave.cover").exists()
    assert fay.pk and leave.impact  # the manager gets the impact analysis as usual


def test_a_confirmed_agency_worker_counts_on_the_slot(ward):
    with scopes_disabled():
        Shift.objects.filter(pk=ward.shifts[2].pk).update(staff=None, source=ShiftSource.AGENCY)
    leave = ask(ward.carers[0], ward.day)  # one carer and the agency worker stay: 2
    assert leave.status == LeaveStatus.APPROVED, leave.rule_results
    second = ask(ward.carers[1], ward.day)
    assert second.status == LeaveStatus.PENDING


def test_a_day_with_no_rota_is_a_seventh_of_the_week_even_at_weekends(home_a, today):
    day = today + timedelta(days=60)
    while day.weekday() != 5:
        day += timedelta(days=1)
    leave = ask(home_a.carer, day, day + timedelta(days=1))  # Saturday and Sunday
    assert leave.hours == Decimal("10.28")  # 2 × 36/7
    assert leave.hours_by_day == {day.isoformat(): "5.14", (day + timedelta(1)).isoformat(): "5.14"}


@pytest.mark.parametrize(("bank_shifts", "passes"), [(14, False), (18, True)])
def test_no_rota_counts_the_units_recent_overtime_and_bank(home_a, today, bank_shifts, passes):
    """Two carers give 2 × 36/7 = 10.3 h a day against 12 h; the bank's recent 6-hour shifts
    add bank_shifts × 6 / 56 h a day (1.5 or 1.9)."""
    day = today + timedelta(days=60)
    f.requirement(home_a.unit, home_a.early, f.job_role("carer"), 2, day.weekday())
    for n in range(2):
        f.staff_member(home_a.unit, "carer", last_name=f"Team{n}")
    # Bea is based on the other unit: her shifts here count as recent bank hours, but she
    # is not this unit's own bank to call (that headroom has its own test).
    bank = f.staff_member(home_a.other_unit, "carer", first_name="Bea", contract_type="bank")
    with scopes_disabled():
        for n in range(bank_shifts):
            shift_create(
                unit=home_a.unit,
                day=today - timedelta(days=2 + 3 * n),
                shift_type=home_a.early,
                job_role=bank.job_role,
                staff=bank,
                status=ShiftStatus.PUBLISHED,
            )
    leave = ask(home_a.carer, day)
    result = rule(leave, "coverage")
    assert result["passed"] is passes, result
    if not passes:
        assert (
            "(10.3 contracted, 1.5 overtime and bank a day as lately) against 12 hours"
            in (result["message"])
        )


def test_part_of_a_day_with_no_rota_may_be_up_to_a_long_day(home_a, today):
    day = today + timedelta(days=60)
    leave = leave_request_submit(
        staff=home_a.carer,
        leave_type="annual",
        start=day,
        end=day,
        actor=home_a.carer.user,
        part_day_hours=Decimal("7.5"),
    )
    assert leave.hours == Decimal("7.5")
    with pytest.raises(LeaveError, match="at most 12 hours"):
        leave_request_submit(
            staff=home_a.carer,
            leave_type="annual",
            start=day + timedelta(days=1),
            end=day + timedelta(days=1),
            actor=home_a.carer.user,
            part_day_hours=Decimal("12.5"),
        )
