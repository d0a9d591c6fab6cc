"""Rota writes: the rules are binding, overrides are audited, races have one winner."""

import contextlib
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, connections, transaction
from django_scopes import scopes_disabled
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from staffrota.audit.models import AuditEntry
from staffrota.leave.models import LeaveRequest, LeaveStatus, LeaveType
from staffrota.rota.eligibility import check_assignment
from staffrota.rota.models import Shift, ShiftStatus
from staffrota.rota.services import (
    Override,
    RotaError,
    RuleBreach,
    rota_publish,
    shift_assign,
    shift_cancel,
    shift_change_type,
    shift_create,
)
from staffrota.testing import factories as f

pytestmark = pytest.mark.django_db


def _vacancy(world, day, role_code="carer", shift_type=None):
    return shift_create(
        unit=world.unit,
        day=day,
        shift_type=shift_type or world.early,
        job_role=f.job_role(role_code),
    )


def test_assigning_a_vacancy_records_who_before_and_after(home_a, today):
    with scopes_disabled():
        vacancy = _vacancy(home_a, today + timedelta(days=5))
        filled = shift_assign(shift=vacancy, staff=home_a.carer, actor=home_a.manager)
        entry = AuditEntry.all_homes.filter(action="shift.assign").get()
    assert filled.staff == home_a.carer and filled.source == "contracted"
    assert entry.before["staff"] is None and entry.after["staff"] == home_a.carer.pk
    assert entry.actor == home_a.manager and entry.object_id == str(vacancy.pk)


def test_statutory_rule_cannot_be_overridden(home_a):
    with scopes_disabled():
        # The carer works early on shift.date; a night the evening before leaves < 11 h.
        night_before = _vacancy(
            home_a, home_a.shift.date - timedelta(days=1), shift_type=home_a.night
        )
        override = Override(actor=home_a.manager, reason="short staffed")
        with pytest.raises(RuleBreach) as refused:
            shift_assign(
                shift=night_before, staff=home_a.carer, actor=home_a.manager, override=override
            )
        assert Shift.objects.get(pk=night_before.pk).staff is None
    assert refused.value.verdict.statutory
    assert "rest" in str(refused.value)


def test_home_rule_needs_a_reason_to_override_and_the_reason_is_audited(home_a, today):
    day = today + timedelta(days=6)
    with scopes_disabled():
        LeaveRequest.objects.create(
            care_home=home_a.home,
            staff=home_a.carer,
            leave_type=LeaveType.ANNUAL,
            start_date=day,
            end_date=day,
            hours=6,
            status=LeaveStatus.APPROVED,
        )
        vacancy = _vacancy(home_a, day)
        with pytest.raises(RuleBreach) as refused:
            shift_assign(shift=vacancy, staff=home_a.carer, actor=home_a.manager)
        assert refused.value.verdict.allowed_with_override()
        with pytest.raises(RotaError, match="Give a reason"):
            shift_assign(
                shift=vacancy,
                staff=home_a.carer,
                actor=home_a.manager,
                override=Override(actor=home_a.manager, reason="  "),
            )
        shift_assign(
            shift=vacancy,
            staff=home_a.carer,
            actor=home_a.manager,
            override=Override(actor=home_a.manager, reason="Swapped her leave day by agreement"),
        )
        entry = AuditEntry.all_homes.filter(action="shift.assign").get()
    assert entry.reason == "Override of leave: Swapped her leave day by agreement"


def test_staff_cannot_override_rules(home_a, today):
    day = today + timedelta(days=6)
    with scopes_disabled():
        LeaveRequest.objects.create(
            care_home=home_a.home,
            staff=home_a.carer,
            leave_type=LeaveType.ANNUAL,
            start_date=day,
            end_date=day,
            hours=6,
            status=LeaveStatus.APPROVED,
        )
        vacancy = _vacancy(home_a, day)
        with pytest.raises(RotaError, match="Only a manager"):
            shift_assign(
                shift=vacancy,
                staff=home_a.carer,
                actor=home_a.staff_user,
                override=Override(actor=home_a.staff_user, reason="I want it"),
            )


def test_filling_a_filled_shift_says_who_has_it(home_a):
    with scopes_disabled():
        other = f.staff_member(home_a.unit, "carer", first_name="Rory", last_name="Second")
        with pytest.raises(RotaError, match="filled by Casey"):
            shift_assign(shift=home_a.shift, staff=other, actor=home_a.manager)


def test_another_homes_staff_cannot_be_assigned(home_a, home_b, today):
    with scopes_disabled():
        vacancy = _vacancy(home_a, today + timedelta(days=5))
        with pytest.raises(RotaError, match="another home"):
            shift_assign(shift=vacancy, staff=home_b.carer, actor=home_a.manager)


def test_changing_type_rechecks_rules_and_moves_times(home_a):
    with scopes_disabled():
        next_day = shift_create(
            unit=home_a.unit,
            day=home_a.shift.date + timedelta(days=1),
            shift_type=home_a.early,
            job_role=home_a.carer.job_role,
            staff=home_a.carer,
        )
        # A night on the first day would end at 08:00, exactly when the next early starts.
        with pytest.raises(RuleBreach, match="rest"):
            shift_change_type(shift=home_a.shift, shift_type=home_a.night, actor=home_a.manager)
        moved = shift_change_type(shift=next_day, shift_type=home_a.night, actor=home_a.manager)
    assert moved.ends_at - moved.starts_at == timedelta(hours=12)
    assert moved.paid_hours == home_a.night.paid_hours


def test_cancelling_needs_a_reason(home_a):
    with scopes_disabled():
        with pytest.raises(RotaError, match="Say why"):
            shift_cancel(shift=home_a.shift, actor=home_a.manager, reason="")
        cancelled = shift_cancel(shift=home_a.shift, actor=home_a.manager, reason="Unit closed")
    assert cancelled.status == ShiftStatus.CANCELLED


def test_publishing_emails_each_person_once(home_a, today, django_capture_on_commit_callbacks):
    with scopes_disabled():
        for offset in (8, 10, 12):
            shift_create(
                unit=home_a.unit,
                day=today + timedelta(days=offset),
                shift_type=home_a.early,
                job_role=home_a.carer.job_role,
                staff=home_a.carer,
            )
        shift_create(
            unit=home_a.unit,
            day=today + timedelta(days=9),
            shift_type=home_a.night,
            job_role=home_a.nurse.job_role,
            staff=home_a.nurse,
        )
        with django_capture_on_commit_callbacks(execute=True):
            count = rota_publish(
                unit=home_a.unit, start=today, end=today + timedelta(days=13), actor=home_a.manager
            )
        still_draft = Shift.objects.filter(unit=home_a.unit, status=ShiftStatus.DRAFT).count()
    assert count == 5  # three earlies, a night and the fixture's vacancy
    assert still_draft == 0
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == sorted([home_a.carer.user.email, home_a.nurse.user.email])
    carer_mail = next(m for m in mail.outbox if m.to == [home_a.carer.user.email])
    assert carer_mail.body.count("Early") == 3


@pytest.mark.django_db(transaction=True)
def test_two_managers_filling_one_vacancy_at_once_exactly_one_wins(home_a, today):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: real concurrent connections with row locks")
    with scopes_disabled():
        vacancy = _vacancy(home_a, today + timedelta(days=7))
        second = f.staff_member(home_a.unit, "carer", first_name="Rory", last_name="Second")
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def fill(name, person):
        try:
            with scopes_disabled():
                barrier.wait(timeout=10)
                shift_assign(shift=vacancy, staff=person, actor=home_a.manager)
            outcomes[name] = "won"
        except RotaError as error:
            outcomes[name] = str(error)
        except Exception as error:  # recorded so the assertion below shows it
            outcomes[name] = f"unexpected {type(error).__name__}: {error}"
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=fill, args=("first", home_a.carer)),
        threading.Thread(target=fill, args=("second", second)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    results = sorted(outcomes.values())
    assert len(results) == 2 and results.count("won") == 1, outcomes
    loser = next(message for message in results if message != "won")
    assert "was filled by" in loser and "a moment ago" in loser
    with scopes_disabled():
        assert Shift.objects.get(pk=vacancy.pk).staff_id in (home_a.carer.pk, second.pk)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(st.sampled_from(["carer", "nurse"]), st.integers(0, 20), st.booleans()),
        max_size=14,
    )
)
def test_no_sequence_of_service_calls_builds_a_rota_that_breaks_a_rule(home_a, today, calls):
    """Whatever order managers add shifts in, every shift that was saved still passes every
    rule against all the others: refusals happen at the door, not after the fact."""
    with scopes_disabled(), transaction.atomic():
        for who, offset, night in calls:
            person = home_a.carer if who == "carer" else home_a.nurse
            with contextlib.suppress(RotaError):  # a refusal is a fine outcome here
                shift_create(
                    unit=home_a.unit,
                    day=today + timedelta(days=offset),
                    shift_type=home_a.night if night else home_a.early,
                    job_role=person.job_role,
                    staff=person,
                )
        for shift in Shift.objects.filter(staff__isnull=False).select_related(
            "care_home", "unit", "shift_type", "job_role", "staff__user", "staff__job_role"
        ):
            verdict = check_assignment(shift, shift.staff)
            assert verdict.ok, verdict.summary()
        transaction.set_rollback(True)
