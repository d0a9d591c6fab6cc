"""The audit viewer: filtered by home, person, object, action and date; scoped to the viewer."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from staffrota.accounts.models import Role
from staffrota.audit.services import audit_record
from staffrota.testing.factories import user
from staffrota.testing.queries import count_queries

pytestmark = pytest.mark.django_db


def _record(world, action="shift.assign", reason=""):
    with scopes_disabled():
        return audit_record(actor=world.manager, action=action, target=world.shift, reason=reason)


def _rows(response):
    return [entry.pk for entry in response.context["page"]]


def test_viewer_manager_sees_own_home_entries_only(client, home_a, home_b):
    mine, theirs = _record(home_a), _record(home_b)
    client.force_login(home_a.manager)
    rows = _rows(client.get(reverse("audit_log")))
    assert mine.pk in rows and theirs.pk not in rows


def test_viewer_head_of_service_sees_every_home_and_logins(client, home_a, home_b):
    a, b = _record(home_a), _record(home_b)
    head = user(role=Role.HEAD_OF_SERVICE)
    client.force_login(head)  # the login itself is an entry without a home
    rows = _rows(client.get(reverse("audit_log")))
    assert {a.pk, b.pk} <= set(rows)
    assert len(rows) > 2


def test_viewer_staff_are_refused(client, home_a):
    client.force_login(home_a.staff_user)
    assert client.get(reverse("audit_log")).status_code == 403


def test_viewer_filters_by_action_object_person_home_and_date(client, home_a, home_b):
    assign = _record(home_a, "shift.assign")
    cancel = _record(home_a, "shift.cancel")
    other = _record(home_b, "shift.assign")
    head = user(role=Role.HEAD_OF_SERVICE)
    client.force_login(head)
    url = reverse("audit_log")
    assert _rows(client.get(url, {"action": "shift.cancel"})) == [cancel.pk]
    by_object = _rows(
        client.get(url, {"object_type": "rota.shift", "object_id": str(home_b.shift.pk)})
    )
    assert other.pk in by_object and assign.pk not in by_object
    by_person = _rows(client.get(url, {"person": home_a.manager.username.lower()}))
    assert {assign.pk, cancel.pk} <= set(by_person) and other.pk not in by_person
    by_home = _rows(client.get(url, {"home": home_b.home.pk, "action": "shift"}))
    assert other.pk in by_home and assign.pk not in by_home
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert _rows(client.get(url, {"date_from": tomorrow})) == []


def test_viewer_manager_cannot_pick_another_home(client, home_a, home_b):
    _record(home_b)
    client.force_login(home_a.manager)
    response = client.get(reverse("audit_log"), {"home": home_b.home.pk})
    assert response.context["form"].errors["home"]


def test_viewer_date_filter_uses_the_day(client, home_a):
    with time_machine.travel(timezone.now() - timedelta(days=10)):
        old = _record(home_a)
    new = _record(home_a)
    client.force_login(home_a.manager)
    since = (timezone.localdate() - timedelta(days=1)).isoformat()
    rows = _rows(client.get(reverse("audit_log"), {"date_from": since, "action": "shift"}))
    assert new.pk in rows and old.pk not in rows


def _viewer_queries(client) -> int:
    with count_queries() as queries:
        assert client.get(reverse("audit_log")).status_code == 200
    return len(queries)


def test_viewer_query_count_does_not_grow_with_entries(client, home_a):
    client.force_login(home_a.manager)
    _record(home_a)
    one = _viewer_queries(client)
    for _ in range(3):
        _record(home_a)
    assert _viewer_queries(client) == one
