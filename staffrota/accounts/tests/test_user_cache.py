"""The signed-in user is read from the cache on each page, and any change to the user (a
new password, deactivation, a new name) applies on the very next request."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

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
