"""Two people asking for the last place on a shift at the same moment: at most one is
approved automatically. Real threads, real connections, PostgreSQL row locks."""

import threading

import pytest
from django.db import connection, connections
from django_scopes import scopes_disabled

from staffrota.leave.models import LeaveRequest, LeaveStatus
from staffrota.leave.services import leave_request_submit


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_leave_two_requests_racing_for_the_last_place_approve_at_most_one(ward):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: two real connections racing for the unit's row lock")
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def ask(name, staff):
        try:
            with scopes_disabled():
                barrier.wait(timeout=10)
                leave = leave_request_submit(
                    staff=staff, leave_type="annual", start=ward.day, end=ward.day, actor=None
                )
            outcomes[name] = leave.status
        except Exception as error:  # recorded so the assertion shows it
            outcomes[name] = f"unexpected {type(error).__name__}: {error}"
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=ask, args=("first", ward.carers[0])),
        threading.Thread(target=ask, args=("second", ward.carers[1])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes.values()) == [LeaveStatus.APPROVED, LeaveStatus.PENDING], outcomes
    with scopes_disabled():
        approved = LeaveRequest.objects.filter(status=LeaveStatus.APPROVED).count()
        pending = LeaveRequest.objects.get(status=LeaveStatus.PENDING)
    assert approved == 1
    assert "against a minimum of 2" in pending.decision_note
