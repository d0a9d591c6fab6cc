"""A person's leave page keeps their balance and requests between views: asking for leave,
withdrawing it or a new contract shows at once, each withdraw form carries a CSRF field that
works, and nobody else ever gets this person's page."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from staffrota.leave.models import HolidayTreatment, LeavePolicy, LeaveRequest, LeaveStatus

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
WITHDRAW = re.compile(r'action="(/leave/requests/\d+/cancel/)"')


def _page(client) -> str:
    response = client.get(reverse("leave_mine"))
    assert response.status_code == 200
    return response.content.decode()


def test_asking_for_leave_and_withdrawing_it_show_at_once(home_a, today):
    """The load test's staff write, with CSRF checks on as in a browser."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(home_a.staff_user)
    before = _page(client)
    day = (today + timedelta(days=60)).isoformat()
    token = CSRF.search(before).group(1)
    asked = client.post(
        reverse("leave_mine"),
        {
            "leave_type": "annual",
            "start_date": day,
            "end_date": day,
            "comment": "test",
            "csrfmiddlewaretoken": token,
        },
    )
    assert asked.status_code == 302
    after = _page(client)
    withdraw = WITHDRAW.search(after)
    assert WITHDRAW.search(before) is None
    assert withdraw is not None
    # The withdraw form's own CSRF field, put into the cached list for this request.
    form = after[after.index(withdraw.group(0)) :]
    withdrawn = client.post(withdraw.group(1), {"csrfmiddlewaretoken": CSRF.search(form).group(1)})
    assert withdrawn.status_code == 302
    with scopes_disabled():
        statuses = set(LeaveRequest.objects.filter(staff=home_a.carer).values_list("status"))
    assert statuses == {(LeaveStatus.CANCELLED,)}
    again = _page(client)
    assert WITHDRAW.search(again) is None


def test_each_view_has_a_fresh_csrf_field_in_the_list(client, home_a, today):
    with scopes_disabled():
        LeaveRequest.objects.create(
            care_home=home_a.home,
            staff=home_a.carer,
            leave_type="annual",
            start_date=today + timedelta(days=30),
            end_date=today + timedelta(days=30),
            hours=6,
            status=LeaveStatus.PENDING,
        )
    client.force_login(home_a.staff_user)
    first, second = _page(client), _page(client)
    assert "csrf field" not in first
    first_list = first[first.index("My requests") :]
    second_list = second[second.index("My requests") :]
    assert CSRF.search(first_list).group(1) != CSRF.search(second_list).group(1)


def test_a_new_contract_shows_at_once(client, home_a):
    client.force_login(home_a.staff_user)
    _page(client)
    with scopes_disabled():
        carer = home_a.carer
        carer.contracted_hours = Decimal("22.5")
        carer.save()
    assert "22.5 hours a week" in _page(client)


def test_nobody_else_gets_this_persons_page(client, home_a, home_b, today):
    with scopes_disabled():
        LeaveRequest.objects.create(
            care_home=home_a.home,
            staff=home_a.carer,
            leave_type="annual",
            start_date=today + timedelta(days=30),
            end_date=today + timedelta(days=30),
            hours=6,
            status=LeaveStatus.PENDING,
        )
    client.force_login(home_a.staff_user)
    assert WITHDRAW.search(_page(client)) is not None
    colleague, elsewhere = Client(), Client()
    colleague.force_login(home_a.nurse.user)
    elsewhere.force_login(home_b.staff_user)
    assert WITHDRAW.search(_page(colleague)) is None
    other_home = _page(elsewhere)
    assert WITHDRAW.search(other_home) is None
    assert home_a.unit.name not in other_home


def _ask(client, day) -> None:
    asked = client.post(
        reverse("leave_mine"),
        {"leave_type": "annual", "start_date": day, "end_date": day, "comment": "test"},
    )
    assert asked.status_code == 302


def test_the_page_after_asking_reads_the_balance_not_the_record(client, home_a, today):
    """Asking changes the balance, not the person's record: the page after it works the
    balance out again from their leave, with the record (and home, unit, role and leave
    policy) kept from the page before."""
    client.force_login(home_a.staff_user)
    before = _page(client)
    _ask(client, (today + timedelta(days=60)).isoformat())
    with CaptureQueriesContext(connection) as queries:
        after = _page(client)
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    assert '"leave_leaverequest"' in sql  # the balance and the list, read again
    assert '"organisation_staffmember"."contracted_hours"' not in sql  # the record: kept
    assert "Waiting" in after
    assert before != after


def test_a_new_leave_policy_shows_at_once(client, home_a):
    client.force_login(home_a.staff_user)
    assert "count within the 5.6 weeks" in _page(client)
    with scopes_disabled():
        LeavePolicy.objects.update_or_create(
            care_home=home_a.home, defaults={"bank_holidays": HolidayTreatment.ON_TOP}
        )
    assert "bank holidays on top" in _page(client).lower()
