"""Two people asking for the last place on a shift at the same moment: at most one is
approved automatically. Real threads, real connections, PostgreSQL row locks."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django_scopes import scopes_disabled

from staffrota.leave.models import LeaveAllowance, LeaveRequest, LeaveStatus
from staffrota.leave.services import leave_request_submit
from staffrota.testing import factories as f


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_leave_two_requests_racing_for_the_last_place_approve_at_most_one(ward):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: two real connections racing for the unit's row lock")
    outcomes = _race(ward.carers[0], ward.carers[1], ward.day)
    assert sorted(outcomes.values()) == [LeaveStatus.APPROVED, LeaveStatus.PENDING], outcomes
    with scopes_disabled():
        approved = LeaveRequest.objects.filter(status=LeaveStatus.APPROVED).count()
        pending = LeaveRequest.objects.get(status=LeaveStatus.PENDING)
    assert approved == 1
    assert "against a minimum of 2" in pending.decision_note


def _race(first, second, day) -> dict[str, str]:
    """Two requests for `day` at the same moment, each on its own connection."""
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def ask(name, staff):
        try:
            with scopes_disabled():
                barrier.wait(timeout=10)
                leave = leave_request_submit(
                    staff=staff, leave_type="annual", start=day, end=day, actor=None
                )
            outcomes[name] = leave.status
        except Exception as error:  # recorded so the assertion shows it
            outcomes[name] = f"unexpected {type(error).__name__}: {error}"
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=ask, args=("first", first)),
        threading.Thread(target=ask, args=("second", second)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_leave_two_requests_racing_for_the_last_place_in_the_allowance_approve_at_most_one(
    ward,
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: two real connections racing for the unit's row lock")
    with scopes_disabled():
        LeaveAllowance.objects.update(places=1)
        for n in range(3):  # the requirement is met whoever is off: only the allowance binds
            f.staff_member(ward.world.unit, "carer", last_name=f"Spare{n}")
    day = ward.day + timedelta(days=14)  # no rota: the allowance is counted, not a shift
    outcomes = _race(ward.carers[0], ward.carers[1], day)
    assert sorted(outcomes.values()) == [LeaveStatus.APPROVED, LeaveStatus.PENDING], outcomes
    with scopes_disabled():
        approved = LeaveRequest.objects.filter(status=LeaveStatus.APPROVED).count()
        pending = LeaveRequest.objects.get(status=LeaveStatus.PENDING)
    assert approved == 1
    assert "Over the planned leave allowance" in pending.decision_note
    assert "2 of 1 on leave" in pending.decision_note
