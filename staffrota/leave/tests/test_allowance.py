"""The planned leave allowance (one number with the same-role cap) and the rule that only
the published rota binds: a draft shift is the manager's to refill."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from staffrota.leave.allowance import allowance_for, default_places
from staffrota.leave.entitlement import policy_for
from staffrota.leave.models import LeaveAllowance, LeavePolicy, LeaveStatus
from staffrota.leave.services import leave_request_submit
from staffrota.leave.tests.conftest import rostered
from staffrota.rota.models import Shift, ShiftStatus
from staffrota.testing import factories as f
from staffrota.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _unscoped():
    with scopes_disabled():
        yield


def ask(staff, start, end=None):
    return leave_request_submit(
        staff=staff, leave_type="annual", start=start, end=end or start, actor=staff.user
    )


def rule(leave, name):
    return next(r for r in leave.rule_results if r["rule"] == name)


def free_day(ward):
    """A day past the rota, with three spare carers on the unit so that its requirement
    (two on the early) is met whoever of the ward's carers is off: only the allowance
    decides."""
    for n in range(3):
        f.staff_member(ward.world.unit, "carer", last_name=f"Spare{n}")
    return ward.day + timedelta(days=14)


@pytest.mark.parametrize(
    ("headcount", "places"), [(0, 1), (1, 1), (4, 1), (5, 2), (9, 2), (10, 3), (20, 5)]
)
def test_default_allowance_is_the_statutory_share_at_the_peak(headcount, places):
    # ceil(headcount × 5.6/52 × 2), at least 1: 4 × 0.215 = 0.86, 5 × 0.215 = 1.08.
    assert default_places(headcount) == places


def test_default_allowance_is_worked_out_from_the_units_headcount(ward):
    LeaveAllowance.objects.all().delete()
    for n in range(2):  # 3 + 2 = 5 carers on Rowan: 2 at once
        f.staff_member(ward.world.unit, "carer", last_name=f"Head{n}")
    allowance = allowance_for(ward.carers[0], policy_for(ward.world.home), ward.day)
    assert allowance.places == 2
    assert "worked out from 5 carer(s) on Ashgrove Rowan" in allowance.basis


def test_the_homes_cap_and_a_unit_allowance_override_the_default(ward):
    LeaveAllowance.objects.all().delete()
    LeavePolicy.objects.create(care_home=ward.world.home, same_role_cap=4)
    policy = policy_for(ward.world.home)
    assert allowance_for(ward.carers[0], policy, ward.day).places == 4
    LeaveAllowance.objects.create(
        care_home=ward.world.home, unit=ward.world.unit, job_role=ward.carers[0].job_role, places=3
    )
    assert allowance_for(ward.carers[0], policy, ward.day).places == 3


def test_allowance_at_the_limit_approves_and_one_over_refers(ward):
    day = free_day(ward)
    first, second, third = (ask(carer, day) for carer in ward.carers)  # allowance 2
    assert first.status == second.status == LeaveStatus.APPROVED
    assert "2 of 2 on leave" in rule(second, "role_cap")["message"]
    assert third.status == LeaveStatus.PENDING
    message = rule(third, "role_cap")["message"]
    assert message.startswith("Over the planned leave allowance for carers on Ashgrove Rowan")
    assert "3 of 2 on leave" in message and "set by the home" in message
    assert [r["rule"] for r in third.rule_results if not r["passed"]] == ["role_cap"]


def test_allowance_counts_the_busiest_day_of_a_longer_leave(ward):
    day = free_day(ward)
    ask(ward.carers[0], day + timedelta(days=2))
    ask(ward.carers[1], day + timedelta(days=2))
    week = ask(ward.carers[2], day, day + timedelta(days=4))
    assert week.status == LeaveStatus.PENDING
    assert "on leave on" in rule(week, "role_cap")["message"]
    assert "3 of 2" in rule(week, "role_cap")["message"]


def _draft_day(ward):
    """The day after the ward day: two carers drafted on the early, its minimum of two,
    and two more carers on the unit so the day is covered without either of them."""
    day = ward.day + timedelta(days=1)
    for carer in ward.carers[:2]:
        rostered(ward.world, carer, day, status=ShiftStatus.DRAFT)
    for n in range(2):
        f.staff_member(ward.world.unit, "carer", last_name=f"Spare{n}")
    return day


def test_a_draft_shift_at_the_minimum_is_the_managers_to_refill(ward):
    day = _draft_day(ward)
    leave = ask(ward.carers[0], day)
    assert leave.status == LeaveStatus.APPROVED, leave.rule_results
    message = rule(leave, "coverage")["message"]
    assert (
        f"your draft shift on {day:%a} {day.day} {day:%b %Y} (Early, Ashgrove Rowan) becomes "
        "a vacancy for the manager to fill before the rota is published"
    ) in message
    assert "the requirement is still met" in message
    draft = Shift.objects.get(date=day, staff__isnull=True)
    assert draft.status == ShiftStatus.DRAFT  # a vacancy on the draft


def test_the_same_shift_published_keeps_the_strict_rule(ward):
    day = _draft_day(ward)
    Shift.objects.filter(date=day).update(status=ShiftStatus.PUBLISHED)
    leave = ask(ward.carers[0], day)
    assert leave.status == LeaveStatus.PENDING
    assert "would have 1 carer against a minimum of 2" in rule(leave, "coverage")["message"]


def test_a_leave_spanning_published_and_draft_days_keeps_the_published_minimum(ward):
    day = _draft_day(ward)
    # Published ward day: 3 carers on a minimum of 2; the draft day after it at its minimum.
    spanning = ask(ward.carers[0], ward.day, day)
    assert spanning.status == LeaveStatus.APPROVED, spanning.rule_results
    message = rule(spanning, "coverage")["message"]
    assert "the published shift keeps its minimum" in message and "your draft shift" in message
    assert Shift.objects.filter(staff=ward.carers[0], date__range=(ward.day, day)).count() == 0
    # Now the published day has two left: the next spanning request would take it to one.
    blocked = ask(ward.carers[1], ward.day, day)
    assert blocked.status == LeaveStatus.PENDING
    assert "against a minimum of 2" in rule(blocked, "coverage")["message"]


def test_publishing_a_rota_with_open_vacancies_says_how_many(client, ward):
    day = _draft_day(ward)
    ask(ward.carers[0], day)  # its draft shift becomes a vacancy
    manager = ward.world.manager
    assert client.login(username=manager.username, password=PASSWORD)
    response = client.post(
        reverse("rota_publish", args=[ward.world.unit.pk]),
        {"start": day.isoformat(), "end": day.isoformat()},
        follow=True,
    )
    page = response.content.decode()
    assert "Published 2 shifts" in page
    assert "1 of the period&#x27;s shifts are still vacant" in page
