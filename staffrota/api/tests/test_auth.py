"""Tokens: hashed at rest, revocable, scoped; token requests get the tenancy scope."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from staffrota.api.models import ApiToken, TokenKind, TokenScope, token_digest
from staffrota.api.tests.conftest import bearer
from staffrota.api.tokens import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db


def test_token_is_stored_only_as_digest(home_a):
    token, raw = api_token_create(user=home_a.manager, name="Payroll")
    stored = ApiToken.objects.get(pk=token.pk)
    assert raw.startswith("srt_") and len(raw) > 40
    assert stored.digest == token_digest(raw)
    assert raw not in {stored.digest, stored.hint, stored.name}


def test_token_request_sees_its_users_home(manager_api, home_a, home_b):
    response = manager_api.get("/api/v1/units/")
    assert response.status_code == 200
    names = {unit["name"] for unit in response.json()["results"]}
    assert names == {home_a.unit.name}  # the OM's unit only: not Birch, not home B


def test_token_request_gets_404_for_another_homes_shift(manager_api, home_b):
    response = manager_api.get(f"/api/v1/shifts/{home_b.shift.pk}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_missing_token_answers_401_json_with_challenge(home_a):
    response = APIClient().get("/api/v1/shifts/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error"]["status"] == 401


def test_revoked_token_answers_401(home_a):
    token, raw = api_token_create(user=home_a.manager, name="Old")
    api_token_revoke(token=token)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert "revoked" in response.json()["error"]["message"]


def test_expired_token_answers_401(home_a):
    _, raw = api_token_create(
        user=home_a.manager, name="Temp", expires_at=timezone.now() - timedelta(minutes=1)
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/me/").status_code == 401


def test_token_of_disabled_account_answers_401(home_a):
    client = bearer(home_a.manager)
    home_a.manager.is_active = False
    home_a.manager.save()
    assert client.get("/api/v1/me/").status_code == 401


def test_read_only_token_cannot_write(home_a):
    client = bearer(home_a.manager, scope=TokenScope.READ)
    response = client.post(
        f"/api/v1/shifts/{home_a.shift.pk}/cancel/", {"reason": "x"}, format="json"
    )
    assert response.status_code == 403
    assert "read-and-write" in response.json()["error"]["message"]


def test_integration_token_reports_its_scope(home_a):
    client = bearer(home_a.manager, scope=TokenScope.READ, kind=TokenKind.INTEGRATION)
    body = client.get("/api/v1/me/").json()
    assert body["token_scope"] == "read"
    assert body["homes"] == [home_a.home.pk]
    assert body["manages"] is True


def test_session_login_also_reaches_the_api(client, home_a):
    client.force_login(home_a.manager)
    assert client.get("/api/v1/me/").json()["username"] == home_a.manager.username


def test_token_use_is_recorded(home_a):
    token, raw = api_token_create(user=home_a.manager, name="Probe")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    client.get("/api/v1/me/")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_throttle_answers_429_with_retry_after(settings, home_a, time_machine):
    time_machine.move_to("2026-12-01 10:00:05+00:00", tick=False)  # not across a minute
    settings.API_THROTTLE_RATE = "2/min"
    client = bearer(home_a.manager)
    codes = [client.get("/api/v1/me/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    response = client.get("/api/v1/me/")
    assert int(response["Retry-After"]) > 0
    assert response.json()["error"]["code"] == "throttled"


def test_unknown_api_address_answers_json_404(manager_api):
    response = manager_api.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert "schema" in response.json()["error"]["message"]


def test_ping_answers_without_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/api/v1/ping/")
    assert response.content == b"ok"


def test_each_token_has_its_own_budget_and_a_new_window_starts_it_again(
    settings, home_a, home_b, time_machine
):
    time_machine.move_to("2026-12-01 10:00:05+00:00", tick=False)
    settings.API_THROTTLE_RATE = "2/min"
    mine, theirs = bearer(home_a.manager), bearer(home_b.manager)
    assert [mine.get("/api/v1/me/").status_code for _ in range(3)] == [200, 200, 429]
    assert theirs.get("/api/v1/me/").status_code == 200
    refused = mine.get("/api/v1/me/")
    assert int(refused["Retry-After"]) == 55  # the rest of this minute
    time_machine.move_to("2026-12-01 10:01:00+00:00", tick=False)
    assert mine.get("/api/v1/me/").status_code == 200


def test_anonymous_callers_are_counted_by_address(settings, client, time_machine):
    time_machine.move_to("2026-12-01 10:00:05+00:00", tick=False)
    settings.API_ANON_THROTTLE_RATE = "2/min"
    codes = [client.get("/api/v1/schema/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_a_token_and_its_users_access_come_in_one_cache_round_trip(home_a, monkeypatch):
    """Authenticating a token and scoping its request read the cache once between them."""
    from django.core.cache import cache

    _, raw = api_token_create(user=home_a.manager, name="Poller")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    client.get("/api/v1/units/")  # the token and its access now kept
    asked = []
    real_get_many = cache.get_many

    def recording_get_many(keys, *args, **kwargs):
        asked.append(list(keys))
        return real_get_many(keys, *args, **kwargs)

    monkeypatch.setattr(cache, "get_many", recording_get_many)
    response = client.get("/api/v1/units/")
    assert response.status_code == 200
    assert {unit["name"] for unit in response.json()["results"]} == {home_a.unit.name}
    digest = token_digest(raw)
    token_reads = [keys for keys in asked if any(digest in key for key in keys)]
    assert token_reads == [["access:ver", f"api:token:{digest}", f"access:token:{digest}"]]
    assert not [
        k
        for keys in asked
        for k in keys
        if k.startswith("access:") and k != "access:ver" and digest not in k
    ]


def test_a_token_users_withdrawn_unit_is_gone_on_the_next_request(home_a):
    """The access kept under the token is replaced by any change to the user's units."""
    client = bearer(home_a.manager)
    assert client.get("/api/v1/units/").json()["count"] == 1
    home_a.manager.managed_units.remove(home_a.unit)
    assert client.get("/api/v1/units/").json()["count"] == 0


@pytest.mark.parametrize(
    "header",
    [
        "Bearer {raw}",
        "bearer {raw}",
        "Token {raw}",
        "Bearer",
        "Bearer {raw} extra",
        "Basic abc",
        "",
    ],
)
def test_the_authorization_header_is_read_as_drf_reads_it(home_a, header):
    from django.test import RequestFactory
    from rest_framework import authentication

    from staffrota.api.authentication import _authorization_header

    _, raw = api_token_create(user=home_a.manager, name="Header")
    value = header.format(raw=raw)
    request = RequestFactory().get("/api/v1/me/", HTTP_AUTHORIZATION=value)
    assert _authorization_header(request) == authentication.get_authorization_header(request)
    status = APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION=value).status_code
    assert status == (
        200 if value.lower().startswith(("bearer s", "token s")) and " extra" not in value else 401
    )
