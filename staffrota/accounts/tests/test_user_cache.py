"""The signed-in user is read from the cache on each page, and any change to the user (a
new password, deactivation, a new name) applies on the very next request."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from staffrota.accounts.models import Role

pytestmark = pytest.mark.django_db

CACHE_SESSIONS = "staffrota.accounts.sessions"


@pytest.fixture(autouse=True, params=["django.contrib.sessions.backends.db", CACHE_SESSIONS])
def session_engine(request, settings):
    """Every test with sessions in the database and in the cache (SESSION_STORE=cache),
    where the user and access are read with the session."""
    settings.SESSION_ENGINE = request.param
    return request.param


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


def test_the_user_and_their_access_come_in_one_cache_round_trip(
    client, home_a, monkeypatch, session_engine
):
    """The tenancy middleware's access entry is read with the signed-in user, not after."""
    from django.core.cache import cache

    if session_engine == CACHE_SESSIONS:
        pytest.skip("read with the session itself: the next test")
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


def test_cache_sessions_read_the_user_and_access_with_the_session(
    client, home_a, monkeypatch, session_engine
):
    """One round trip for the session, the signed-in user and their access; the entries
    are the session's own, and read from the database once, not on each page."""
    from django.core.cache import cache

    if session_engine != CACHE_SESSIONS:
        pytest.skip("sessions in the database are read with a query")
    client.force_login(home_a.staff_user)
    client.get(reverse("my_shifts"))  # the session's entries now kept
    asked = []
    real_get, real_get_many = cache.get, cache.get_many
    inside = []  # the in-process cache's get_many calls get for each key: not a round trip

    def recording_get(key, *args, **kwargs):
        if not inside:
            asked.append([key])
        return real_get(key, *args, **kwargs)

    def recording_get_many(keys, *args, **kwargs):
        asked.append(list(keys))
        inside.append(True)
        try:
            return real_get_many(keys, *args, **kwargs)
        finally:
            inside.pop()

    monkeypatch.setattr(cache, "get", recording_get)
    monkeypatch.setattr(cache, "get_many", recording_get_many)
    reads, response = _user_reads(client)
    assert response.status_code == 200 and reads == 0
    session_key = client.cookies["sessionid"].value
    with_session = [keys for keys in asked if any(session_key in key for key in keys)]
    assert len(with_session) == 1
    assert with_session[0] == [
        f"django.contrib.sessions.cache{session_key}",
        "access:ver",
        f"auth:sessionuser:{session_key}",
        f"access:session:{session_key}",
    ]
    # Nothing else about the user or their access is read.
    assert not [
        k
        for keys in asked
        for k in keys
        if k.startswith(("auth:user:", "access:")) and k not in with_session[0]
    ]


def test_a_signed_out_session_cookie_signs_nobody_in(client, home_a, session_engine):
    client.force_login(home_a.staff_user)
    assert client.get(reverse("my_shifts")).status_code == 200
    old_cookie = client.cookies["sessionid"].value
    client.post(reverse("logout"))
    replayed = Client()
    replayed.cookies["sessionid"] = old_cookie
    response = replayed.get(reverse("my_shifts"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_login_starts_a_new_session_with_its_own_user(client, home_a, home_b):
    client.force_login(home_a.staff_user)
    assert home_a.staff_user.get_full_name() in client.get(reverse("my_shifts")).content.decode()
    first = client.cookies["sessionid"].value
    client.force_login(home_b.staff_user)  # someone else signs in on the same browser
    assert client.cookies["sessionid"].value != first
    page = client.get(reverse("my_shifts")).content.decode()
    assert home_b.staff_user.get_full_name() in page
    assert home_a.staff_user.get_full_name() not in page


def test_a_session_of_a_retired_secret_is_kept_and_rotated_as_django_does(client, home_a, settings):
    """SECRET_KEY_FALLBACKS: a session signed under the old secret still signs in, with its
    key rotated; one under neither secret is flushed. The hash kept per secret is not reused
    under another."""
    client.force_login(home_a.staff_user)
    assert client.get(reverse("my_shifts")).status_code == 200
    old_key = client.cookies["sessionid"].value
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-" + "x" * 50
    assert client.get(reverse("my_shifts")).status_code == 200
    assert client.cookies["sessionid"].value != old_key  # cycled, as Django does
    assert client.get(reverse("my_shifts")).status_code == 200  # now under the new secret
    settings.SECRET_KEY_FALLBACKS = []
    settings.SECRET_KEY = "yet-another-secret-" + "y" * 50
    response = client.get(reverse("my_shifts"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_session_naming_a_backend_no_longer_configured_signs_nobody_in(client, home_a, settings):
    client.force_login(home_a.staff_user)
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
    response = client.get(reverse("my_shifts"))
    assert response.status_code == 302 and "login" in response["Location"]
