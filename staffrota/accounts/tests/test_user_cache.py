"""The signed-in user is read from the cache on each page, and any change to the user (a
new password, deactivation, a new name) applies on the very next request."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from staffrota.accounts.models import Role

pytestmark = pytest.mark.django_db


def _user_reads(client) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("my_shifts"))
    reads = [q for q in queries.captured_queries if 'FROM "accounts_user"' in q["sql"]]
    return len(reads), response


def test_the_second_page_does_not_read_the_user_again(client, home_a):
    client.force_login(home_a.staff_user)
    _user_reads(client)
    reads, response = _user_reads(client)
    assert response.status_code == 200
    assert reads == 0


def test_a_new_password_signs_the_old_session_out_at_once(client, home_a):
    client.force_login(home_a.staff_user)
    _user_reads(client)
    user = home_a.staff_user
    user.set_password("AnotherSecret2026")
    user.save()
    _, response = _user_reads(client)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_deactivated_user_is_signed_out_at_once(client, home_a):
    client.force_login(home_a.staff_user)
    _user_reads(client)
    user = home_a.staff_user
    user.is_active = False
    user.save()
    _, response = _user_reads(client)
    assert response.status_code == 302


def test_a_new_name_shows_at_once_and_each_session_is_its_own_user(client, home_a, home_b):
    client.force_login(home_a.staff_user)
    other = Client()
    other.force_login(home_b.staff_user)
    _user_reads(client)
    _user_reads(other)
    user = home_a.staff_user
    user.first_name = "Renamed"
    user.save()
    _, mine = _user_reads(client)
    _, theirs = _user_reads(other)
    assert "Renamed" in mine.content.decode()
    assert home_b.staff_user.get_full_name() in theirs.content.decode()
    assert home_a.staff_user.last_name not in theirs.content.decode()


def test_the_user_and_their_access_come_in_one_cache_round_trip(client, home_a, monkeypatch):
    """The tenancy middleware's access entry is read with the signed-in user, not after."""
    from django.core.cache import cache

    client.force_login(home_a.staff_user)
    client.get(reverse("my_shifts"))  # both entries now cached
    asked = []
    real_get_many = cache.get_many

    def recording_get_many(keys, *args, **kwargs):
        asked.append(list(keys))
        return real_get_many(keys, *args, **kwargs)

    monkeypatch.setattr(cache, "get_many", recording_get_many)
    response = client.get(reverse("my_shifts"))
    assert response.status_code == 200
    access_key = f"access:{home_a.staff_user.pk}"
    with_access = [keys for keys in asked if access_key in keys]
    assert len(with_access) == 1
    assert f"auth:user:{home_a.staff_user.pk}" in with_access[0]


def test_a_role_change_applies_on_the_next_page_with_the_shared_round_trip(client, home_a):
    """The access entry read with the user carries the old role's homes; the role change
    replaces the access version, so the next page resolves access afresh."""
    user = home_a.staff_user
    client.force_login(user)
    assert client.get(reverse("vacancy_list")).status_code == 403
    user.role = Role.OPERATIONAL_MANAGER
    user.save()
    user.managed_units.add(home_a.unit)
    assert client.get(reverse("vacancy_list")).status_code == 200
