"""Manager decisions, sickness episodes and the Bradford factor."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django_scopes import scopes_disabled

from staffrota.audit.models import AuditEntry
from staffrota.leave.bradford import bradford_scores
from staffrota.leave.models import LeavePolicy, LeaveStatus, SicknessAbsence
from staffrota.leave.services import (
    LeaveError,
    leave_approve,
    leave_bulk_approve,
    leave_reject,
    leave_request_submit,
    sickness_record,
    sickness_return,
)
from staffrota.rota.models import Shift

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _unscoped():
    with scopes_disabled():
        yield


def _referred(ward):
    leave_request_submit(
        staff=ward.carers[0], leave_type="annual", start=ward.day, end=ward.day, actor=None
    )
    return leave_request_submit(
        staff=ward.carers[1], leave_type="annual", start=ward.day, end=ward.day, actor=None
    )


def test_manager_approval_vacates_the_shift_and_names_the_failed_rules(
    ward, django_capture_on_commit_callbacks
):
    referred = _referred(ward)
    with django_capture_on_commit_callbacks(execute=True):
        approved = leave_approve(request=referred, actor=ward.world.manager, comment="Bank booked")
    assert approved.status == LeaveStatus.APPROVED and approved.decided_by == ward.world.manager
    assert "despite: cover stays at the minimum" in approved.decision_note
    assert Shift.objects.get(pk=ward.shifts[1].pk).staff_id is None
    assert AuditEntry.all_homes.filter(action="leave.approve", object_id=str(referred.pk)).exists()
    assert [m.subject for m in mail.outbox] == ["Your leave is approved"]


def test_refusal_needs_a_comment_and_tells_the_person(ward, django_capture_on_commit_callbacks):
    referred = _referred(ward)
    with pytest.raises(LeaveError, match="Say why"):
        leave_reject(request=referred, actor=ward.world.manager, comment=" ")
    with django_capture_on_commit_callbacks(execute=True):
        leave_reject(request=referred, actor=ward.world.manager, comment="Two off already")
    referred.refresh_from_db()
    assert referred.status == LeaveStatus.REJECTED
    assert "Reason: Two off already" in mail.outbox[-1].body
    assert Shift.objects.get(pk=ward.shifts[1].pk).staff_id == ward.carers[1].pk


def test_staff_cannot_decide_leave(ward):
    referred = _referred(ward)
    with pytest.raises(LeaveError, match="Only a manager"):
        leave_approve(request=referred, actor=ward.carers[0].user)


def test_bulk_approve_reports_the_ones_already_decided(ward):
    referred = _referred(ward)
    leave_reject(request=referred, actor=ward.world.manager, comment="No")
    approved, failed = leave_bulk_approve(requests=[referred], actor=ward.world.manager)
    assert approved == [] and "already rejected" in failed[0][1]


def test_sickness_makes_shifts_vacant_and_return_closes_it(ward, today):
    carer = ward.carers[2]
    later = ward.shifts[2]
    episode = sickness_record(
        staff=carer,
        start=today,
        expected_end=ward.day,
        reason="respiratory",
        fit_note=True,
        actor=ward.world.manager,
    )
    assert Shift.objects.get(pk=later.pk).staff_id is None
    assert AuditEntry.all_homes.filter(action="sickness.record").get().reason.startswith("1 shift")
    with pytest.raises(LeaveError, match="already has sickness"):
        sickness_record(staff=carer, start=today, reason="other", actor=ward.world.manager)
    with pytest.raises(LeaveError, match="interview is after"):
        sickness_return(
            episode=episode, actor=ward.world.manager, last_day_off=today, return_to_work_on=today
        )
    closed = sickness_return(
        episode=episode,
        actor=ward.world.manager,
        last_day_off=today,
        return_to_work_on=today + timedelta(days=1),
        notes="Fine now",
    )
    assert closed.end_date == today and closed.return_to_work_notes == "Fine now"


def test_sickness_cannot_start_in_the_future(ward, today):
    with pytest.raises(LeaveError, match="today or earlier"):
        sickness_record(
            staff=ward.carers[0],
            start=today + timedelta(days=1),
            reason="other",
            actor=ward.world.manager,
        )


@pytest.mark.parametrize(
    ("spells", "days_each", "score", "band"),
    [
        (1, 10, 10, "none"),
        (5, 2, 250, "formal"),
        (10, 1, 1000, "formal"),
        (2, 12, 96, "monitor"),
        (3, 12, 324, "formal"),
        (2, 13, 104, "discussion"),
    ],
)
def test_bradford_factor_is_spells_squared_times_days(home_a, spells, days_each, score, band):
    today = date(2026, 11, 1)
    start = today - timedelta(days=300)
    for n in range(spells):
        first = start + timedelta(days=n * 20)
        SicknessAbsence.objects.create(
            care_home=home_a.home,
            staff=home_a.carer,
            start_date=first,
            end_date=first + timedelta(days=days_each - 1),
            reason="other",
        )
    result = bradford_scores(
        [home_a.carer.pk], today=today, policies={}, homes={home_a.carer.pk: home_a.home.pk}
    )[home_a.carer.pk]
    assert (result.score, result.band) == (score, band)


def test_bradford_counts_only_the_last_52_weeks_and_open_spells_to_today(home_a):
    today = date(2026, 11, 1)
    SicknessAbsence.objects.create(
        care_home=home_a.home,
        staff=home_a.carer,
        reason="other",
        start_date=today - timedelta(days=400),
        end_date=today - timedelta(days=380),
    )
    SicknessAbsence.objects.create(  # straddles the window's first day: 2 days count
        care_home=home_a.home,
        staff=home_a.carer,
        reason="other",
        start_date=today - timedelta(days=365),
        end_date=today - timedelta(days=362),
    )
    SicknessAbsence.objects.create(
        care_home=home_a.home,
        staff=home_a.carer,
        reason="other",
        start_date=today - timedelta(days=2),
    )
    result = bradford_scores(
        [home_a.carer.pk], today=today, policies={}, homes={home_a.carer.pk: home_a.home.pk}
    )[home_a.carer.pk]
    assert (result.spells, result.days) == (2, 2 + 3)


def test_bradford_trigger_points_are_per_home(home_a):
    policy = LeavePolicy.objects.create(
        care_home=home_a.home, bradford_monitor=5, bradford_discussion=9, bradford_formal=20
    )
    today = date(2026, 11, 1)
    SicknessAbsence.objects.create(
        care_home=home_a.home,
        staff=home_a.carer,
        reason="other",
        start_date=today - timedelta(days=9),
        end_date=today,
    )
    result = bradford_scores(
        [home_a.carer.pk],
        today=today,
        policies={home_a.home.pk: policy},
        homes={home_a.carer.pk: home_a.home.pk},
    )[home_a.carer.pk]
    assert (result.score, result.band) == (10, "discussion")
