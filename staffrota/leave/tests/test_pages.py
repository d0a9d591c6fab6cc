"""Leave pages: forms with clear messages, the queue, calendar, sickness and Bradford."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from staffrota.leave.models import LeaveRequest, LeaveStatus, SicknessAbsence
from staffrota.leave.services import leave_request_submit
from staffrota.testing import factories as f
from staffrota.testing.factories import PASSWORD
from staffrota.testing.queries import count_queries

pytestmark = pytest.mark.django_db


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def test_my_leave_request_is_approved_and_shown_with_the_balance(client, ward):
    carer = ward.carers[0]
    _login(client, carer.user)
    response = client.post(
        reverse("leave_mine"),
        {"leave_type": "annual", "start_date": ward.day, "end_date": ward.day},
        follow=True,
    )
    page = response.content.decode()
    assert "Approved automatically" in page
    assert "How these figures were worked out" in page
    assert "5.6 weeks × 36 hours contracted a week = 201.6 hours" in page
    assert 'data-testid="remaining">195.6 h' in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"start_date": "2020-01-01", "end_date": "2020-01-02"}, "That date is in the past."),
        ({"start_date": "+40", "end_date": "+39"}, "The last day is before the first day."),
        ({"start_date": "not a date", "end_date": ""}, "Enter a valid date."),
        (
            {"start_date": "+40", "end_date": "+41", "part_day_hours": "3"},
            "Part of a day is for one day",
        ),
    ],
)
def test_my_leave_form_says_what_is_wrong(client, ward, today, data, message):
    _login(client, ward.carers[0].user)
    for key, value in data.items():
        if value.startswith("+"):
            data[key] = (today + timedelta(days=int(value))).isoformat()
    response = client.post(reverse("leave_mine"), {"leave_type": "annual", **data})
    assert response.status_code == 200
    assert message in response.content.decode()
    with scopes_disabled():
        assert not LeaveRequest.objects.exists()


def test_my_leave_overlap_message_comes_from_the_engine(client, ward):
    _login(client, ward.carers[0].user)
    payload = {"leave_type": "annual", "start_date": ward.day, "end_date": ward.day}
    client.post(reverse("leave_mine"), payload)
    page = client.post(reverse("leave_mine"), payload).content.decode()
    assert "This overlaps your annual leave" in page


def _refer(ward, staff):
    with scopes_disabled():
        return leave_request_submit(
            staff=staff, leave_type="parental", start=ward.day, end=ward.day, actor=None
        )


def _queue_queries(client) -> int:
    with count_queries() as queries:
        assert client.get(reverse("leave_queue")).status_code == 200
    return len(queries)


def test_queue_query_count_does_not_grow_and_bulk_approve_works(client, ward):
    _login(client, ward.world.manager)
    first = _refer(ward, ward.carers[0])
    one = _queue_queries(client)
    others = [_refer(ward, carer) for carer in ward.carers[1:]]
    three = _queue_queries(client)
    assert one == three
    page = client.get(reverse("leave_queue")).content.decode()
    assert "always goes to a manager" in page
    response = client.post(
        reverse("leave_queue"), {"requests": [first.pk, others[0].pk]}, follow=True
    )
    assert "Approved 2 request(s)." in response.content.decode()
    with scopes_disabled():
        assert LeaveRequest.objects.filter(status=LeaveStatus.APPROVED).count() == 2


def test_queue_bulk_approve_with_nothing_ticked_says_so(client, ward):
    _login(client, ward.world.manager)
    _refer(ward, ward.carers[0])
    empty = client.post(reverse("leave_queue"), {"requests": []})
    assert "Tick at least one request" in empty.content.decode()
    stale = client.post(reverse("leave_queue"), {"requests": ["x"]})
    assert stale.status_code == 200 and "no longer waiting" in stale.content.decode()


def test_manager_refuses_with_a_comment_on_the_request_page(client, ward):
    leave = _refer(ward, ward.carers[0])
    _login(client, ward.world.manager)
    url = reverse("leave_detail", args=[leave.pk])
    page = client.post(url, {"reject": "1", "comment": ""}).content.decode()
    assert "Say why the leave is refused" in page
    client.post(url, {"reject": "1", "comment": "Short that week"})
    with scopes_disabled():
        leave.refresh_from_db()
    assert leave.status == LeaveStatus.REJECTED


def test_staff_cannot_see_the_queue_or_anothers_request(client, ward):
    leave = _refer(ward, ward.carers[1])
    _login(client, ward.carers[0].user)
    assert client.get(reverse("leave_queue")).status_code == 403
    assert client.get(reverse("leave_detail", args=[leave.pk])).status_code == 404
    assert client.post(reverse("leave_cancel", args=[leave.pk])).status_code == 404


def test_calendar_shows_leave_by_unit_in_constant_queries(client, ward):
    _login(client, ward.world.manager)
    url = reverse("leave_calendar", args=[ward.world.unit.pk])
    params = {"start": ward.day.isoformat()}
    _refer(ward, ward.carers[0])
    with count_queries() as one:
        client.get(url, params)
    for carer in ward.carers[1:]:
        _refer(ward, carer)
    with count_queries() as three:
        page = client.get(url, params).content.decode()
    assert len(one) == len(three)
    assert page.count('class="leave pending">PL<') == 3
    bad = client.get(url, {"start": "nonsense"})
    assert bad.status_code == 200 and "Pick a date" in bad.content.decode()


def test_sickness_form_records_and_bradford_page_in_constant_queries(client, ward, today):
    _login(client, ward.world.manager)
    response = client.post(
        reverse("leave_sickness"),
        {"staff": ward.carers[2].pk, "start_date": today, "reason": "gastro"},
        follow=True,
    )
    assert "Sickness recorded" in response.content.decode()
    with count_queries() as one:
        client.get(reverse("leave_bradford"))
    with scopes_disabled():
        for n in range(2):
            f.staff_member(ward.world.unit, "carer", last_name=f"More{n}")
        SicknessAbsence.objects.create(
            care_home=ward.world.home, staff=ward.carers[0], start_date=today, reason="other"
        )
    with count_queries() as three:
        page = client.get(reverse("leave_bradford")).content.decode()
    assert len(one) == len(three)
    assert ward.carers[2].full_name in page


def test_sickness_form_refuses_another_units_person(client, ward, home_b, today):
    _login(client, ward.world.manager)
    response = client.post(
        reverse("leave_sickness"),
        {"staff": home_b.carer.pk, "start_date": today, "reason": "gastro"},
    )
    assert "Choose a person from your units." in response.content.decode()


def test_leave_shows_on_the_unit_rota_and_my_shifts(client, ward):
    carer = ward.carers[0]
    with scopes_disabled():
        leave_request_submit(
            staff=carer, leave_type="annual", start=ward.day, end=ward.day, actor=None
        )
    _login(client, ward.world.manager)
    page = client.get(
        reverse("unit_rota", args=[ward.world.unit.pk]), {"start": ward.day.isoformat()}
    ).content.decode()
    assert 'class="leave approved" title="On leave">AL<' in page
    printed = client.get(
        reverse("unit_rota", args=[ward.world.unit.pk]),
        {"start": ward.day.isoformat(), "print": "1"},
    ).content.decode()
    assert 'class="leave approved" title="On leave">AL<' in printed
