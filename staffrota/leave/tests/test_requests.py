"""Requests and the automatic decision: clear refusals, rule boundaries, impact analysis."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django_scopes import scopes_disabled

from staffrota.audit.models import AuditEntry
from staffrota.leave import coverage
from staffrota.leave.models import BlackoutPeriod, LeavePolicy, LeaveRequest, LeaveStatus
from staffrota.leave.services import LeaveError, leave_request_submit
from staffrota.leave.tests.conftest import rostered
from staffrota.rota.models import Shift
from staffrota.testing import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _unscoped():
    with scopes_disabled():
        yield


def ask(staff, start, end=None, kind="annual", **extra):
    return leave_request_submit(
        staff=staff, leave_type=kind, start=start, end=end or start, actor=staff.user, **extra
    )


def rule(leave, name):
    return next(r for r in leave.rule_results if r["rule"] == name)


def test_request_in_the_past_is_refused_with_the_dates(ward, today):
    with pytest.raises(LeaveError, match="is in the past"):
        ask(ward.carers[0], today - timedelta(days=1))
    assert not LeaveRequest.objects.exists()


def test_request_ending_before_it_starts_is_refused(ward):
    with pytest.raises(LeaveError, match="ends .* before it starts"):
        ask(ward.carers[0], ward.day, ward.day - timedelta(days=1))


def test_request_overlapping_other_leave_is_refused(ward):
    ask(ward.carers[0], ward.day)
    with pytest.raises(LeaveError, match="overlaps your annual leave"):
        ask(ward.carers[0], ward.day - timedelta(days=2), ward.day + timedelta(days=2))


def test_request_over_the_balance_is_refused_with_what_is_left(ward):
    carer = ward.carers[0]  # 36 h a week: 201.6 h a year, no rota beyond the ward day
    start = ward.day + timedelta(days=1)
    with pytest.raises(LeaveError, match=r"but [\d.]+ hours is left"):
        ask(carer, start, start + timedelta(days=7 * 29))


def test_hours_follow_the_rota_and_a_rostered_day_off_needs_no_leave(ward):
    carer = ward.carers[0]
    leave = ask(carer, ward.day)
    assert leave.hours == Decimal("6.00")  # the early's paid hours
    other = ward.carers[1]
    Shift.objects.filter(staff=other, date=ward.day).delete()
    with pytest.raises(LeaveError, match="not rostered"):
        ask(other, ward.day)


def test_part_day_takes_the_hours_given_and_no_more_than_the_shift(ward):
    leave = ask(ward.carers[0], ward.day, part_day_hours=Decimal("2.5"))
    assert leave.hours == Decimal("2.5") and leave.part_day
    assert Shift.objects.get(pk=ward.shifts[0].pk).staff_id == ward.carers[0].pk  # still works
    with pytest.raises(LeaveError, match="at most 6 hours"):
        ask(ward.carers[1], ward.day, part_day_hours=Decimal("7"))


@pytest.mark.parametrize(("days_ahead", "passes"), [(14, True), (13, False)])
def test_notice_rule_boundary_is_the_homes_notice_days(home_a, today, days_ahead, passes):
    day = today + timedelta(days=days_ahead)
    rostered(home_a, home_a.carer, day)  # nobody is required that weekday: cover holds
    leave = ask(home_a.carer, day)
    assert rule(leave, "notice")["passed"] is passes
    assert (leave.status == LeaveStatus.APPROVED) is passes


def test_notice_days_are_set_per_home(home_a, today):
    LeavePolicy.objects.create(care_home=home_a.home, notice_days=3)
    rostered(home_a, home_a.carer, today + timedelta(days=3))
    leave = ask(home_a.carer, today + timedelta(days=3))
    assert rule(leave, "notice")["passed"], leave.rule_results


def test_cover_at_the_minimum_approves_and_one_below_refers_with_impact(ward):
    first = ask(ward.carers[0], ward.day)  # 3 → 2 carers, minimum 2
    second = ask(ward.carers[1], ward.day)  # 2 → 1: short
    assert first.status == LeaveStatus.APPROVED and first.decided_automatically
    assert second.status == LeaveStatus.PENDING and not second.decided_automatically
    assert "would have 1 carer against a minimum of 2" in rule(second, "coverage")["message"]
    [short] = second.impact
    assert (short["remaining"], short["minimum"], short["short"]) == (1, 2, 1)
    assert short["role"] == "Carer" and short["shift_type"] == "Early"
    assert short["cover"]["source"] == "agency"  # nobody else may work it
    assert short["cover"]["cost"] == "117.42"  # 6 h × £19.57


def test_impact_costs_the_cheapest_eligible_cover(ward):
    world = ward.world
    cheap = f.staff_member(
        world.unit,
        "carer",
        first_name="Bea",
        last_name="Bank",
        contract_type="bank",
        contracted_hours=0,
        hourly_rate=Decimal("12.10"),
    )
    dear = f.staff_member(
        world.unit,
        "carer",
        first_name="Dee",
        last_name="Dear",
        contract_type="bank",
        contracted_hours=0,
        hourly_rate=Decimal("14.00"),
    )
    busy = f.staff_member(
        world.unit,
        "carer",
        first_name="Cal",
        last_name="Busy",
        contract_type="bank",
        contracted_hours=0,
        hourly_rate=Decimal("11.00"),
    )
    rostered(world, busy, ward.day - timedelta(days=1), shift_type=world.night)  # no rest
    ask(ward.carers[0], ward.day)
    second = ask(ward.carers[1], ward.day)
    cover = second.impact[0]["cover"]
    assert cover == {"name": cheap.full_name, "source": "bank", "cost": "72.60"}
    assert second.impact[0]["eligible"] == 2 and dear.pk


def test_same_role_cap_boundary(ward, today):
    world = ward.world
    LeavePolicy.objects.create(care_home=world.home, same_role_cap=2)
    day = ward.day + timedelta(days=7)  # no rota: requirement path
    extra = [f.staff_member(world.unit, "carer", last_name=f"Pool{n}") for n in range(8)]
    first, second, third = (ask(person, day) for person in extra[:3])
    assert rule(first, "role_cap")["passed"] and rule(second, "role_cap")["passed"]
    assert not rule(third, "role_cap")["passed"]
    assert "3 of 2 on leave" in rule(third, "role_cap")["message"]
    assert "2 already off" in rule(third, "role_cap")["message"]


def test_blackout_period_sends_to_a_manager(ward):
    BlackoutPeriod.objects.create(
        care_home=ward.world.home, name="Christmas", start_date=ward.day, end_date=ward.day
    )
    leave = ask(ward.carers[0], ward.day)
    assert leave.status == LeaveStatus.PENDING
    assert "Christmas" in rule(leave, "blackout")["message"]
    assert not rule(leave, "blackout")["passed"]


def test_without_a_rota_only_leave_that_makes_the_day_short_is_referred(home_a, today):
    day = today + timedelta(days=40)
    carer_role = f.job_role("carer")
    # Two early carers (12 h) needed every day; each carer gives 36/7 = 5.1 h a day.
    for weekday in range(7):
        if weekday != (today + timedelta(days=1)).weekday():  # that one the home already has
            f.requirement(home_a.unit, home_a.early, carer_role, 2, weekday)
    # Alone on the unit, it is short with or without this leave: the rota fills it.
    lone = ask(home_a.carer, day)
    assert lone.status == LeaveStatus.APPROVED, lone.rule_results
    assert (
        "6.9 hours short of its requirement before this leave" in rule(lone, "coverage")["message"]
    )
    # Two colleagues: 10.3 h without the carer, 15.4 h with: this leave makes it short.
    for n in range(2):
        f.staff_member(home_a.unit, "carer", last_name=f"Extra{n}")
    tipped = ask(home_a.carer, day + timedelta(days=7))
    assert tipped.status == LeaveStatus.PENDING
    message = rule(tipped, "coverage")["message"]
    assert "about 10.3 h without you" in message
    assert "this leave makes the day 1.7 hours short, and the unit has no bank carer" in message
    assert tipped.impact[0]["shift_type"] == "no published rota"
    assert tipped.impact[0]["made_short_by_this_leave"] is True
    # A bank carer of the unit's own: one 6-hour early from the bank makes up the 1.7 hours.
    bank = f.staff_member(home_a.unit, "carer", first_name="Bea", contract_type="bank")
    banked = ask(home_a.carer, day + timedelta(days=21))
    assert banked.status == LeaveStatus.APPROVED, banked.rule_results
    assert (
        "less than one shift from the unit's 1 bank carer(s)" in rule(banked, "coverage")["message"]
    )
    bank.left_on = today  # gone: nobody to call, referred again
    bank.save()
    assert ask(home_a.carer, day + timedelta(days=28)).status == LeaveStatus.PENDING
    f.staff_member(home_a.unit, "carer", last_name="Extra2")  # 3 × 5.1 = 15.4 h against 12
    enough = ask(home_a.carer, day + timedelta(days=14))
    assert rule(enough, "coverage")["passed"], enough.rule_results
    assert "the requirement is still met" in rule(enough, "coverage")["message"]


def test_forecast_hook_can_raise_the_minimum(ward, monkeypatch):
    monkeypatch.setattr(coverage, "REQUIREMENT_RAISERS", [lambda u, t, r, d, m: m + 1])
    leave = ask(ward.carers[0], ward.day)  # 2 left against a raised minimum of 3
    assert leave.status == LeaveStatus.PENDING
    assert "minimum of 3" in rule(leave, "coverage")["message"]


def test_parental_leave_always_goes_to_a_manager(ward):
    leave = ask(ward.carers[0], ward.day, kind="parental")
    assert leave.status == LeaveStatus.PENDING
    assert not rule(leave, "manager_review")["passed"]


def test_every_decision_is_audited_and_emailed(ward, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        approved = ask(ward.carers[0], ward.day)
        referred = ask(ward.carers[1], ward.day)
    actions = list(
        AuditEntry.all_homes.filter(object_type="leave.leaverequest").values_list(
            "object_id", "action"
        )
    )
    assert (str(approved.pk), "leave.approve") in actions
    assert (str(referred.pk), "leave.refer") in actions
    subjects = {(m.to[0], m.subject) for m in mail.outbox}
    assert (ward.carers[0].user.email, "Your leave is approved") in subjects
    assert (ward.carers[1].user.email, "Your leave request is with your manager") in subjects
    manager_mail = next(m for m in mail.outbox if m.to == [ward.world.manager.email])
    assert "minimum of 2" in manager_mail.body


def test_automatic_approval_turns_the_rostered_shift_into_an_audited_vacancy(ward):
    leave = ask(ward.carers[0], ward.day)
    shift = Shift.objects.get(pk=ward.shifts[0].pk)
    assert shift.staff_id is None
    entry = AuditEntry.all_homes.get(action="shift.unassign", object_id=str(shift.pk))
    assert f"leave request {leave.pk}" in entry.reason and entry.actor is None


def test_decision_names_every_rule_it_checked(ward):
    leave = ask(ward.carers[0], ward.day)
    assert [r["rule"] for r in leave.rule_results] == [
        "balance",
        "notice",
        "blackout",
        "coverage",
        "role_cap",
    ]
    assert leave.decision_note.startswith("Approved automatically: every rule passed")
