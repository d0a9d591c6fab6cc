"""API lists kept between identical requests: reused while nothing changes, answered afresh
after any change they show, and never given to another user or another home. The token of
each request is kept too, and a revoked token or a disabled account stops at once."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from staffrota.api.models import ApiToken
from staffrota.api.tests.conftest import bearer
from staffrota.api.tokens import api_token_revoke
from staffrota.leave.models import LeaveRequest, LeaveStatus
from staffrota.rota.services import shift_assign
from staffrota.testing import factories as f

pytestmark = pytest.mark.django_db


def _get(client, url, **params) -> tuple[dict, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200, response.content
    return response.json(), len(queries)


def _shifts_url(world, today) -> tuple[str, dict]:
    return "/api/v1/shifts/", {
        "unit": world.unit.pk,
        "date_from": str(today),
        "date_to": str(today + timedelta(days=6)),
    }


def test_the_same_request_again_is_answered_from_the_cache(manager_api, home_a, today):
    url, params = _shifts_url(home_a, today)
    first, first_queries = _get(manager_api, url, **params)
    second, second_queries = _get(manager_api, url, **params)
    assert second == first
    assert second_queries < first_queries
    assert {s["id"] for s in second["results"]} == {home_a.shift.pk, home_a.vacancy.pk}


def test_an_assignment_shows_on_the_next_request(manager_api, home_a, today):
    url, params = _shifts_url(home_a, today)
    before, _ = _get(manager_api, url, **params)
    with scopes_disabled():
        shift_assign(shift=home_a.vacancy, staff=home_a.nurse, actor=home_a.manager)
    after, _ = _get(manager_api, url, **params)
    staff = {s["id"]: s["staff"] for s in after["results"]}
    assert {s["id"]: s["staff"] for s in before["results"]}[home_a.vacancy.pk] is None
    assert staff[home_a.vacancy.pk] == home_a.nurse.pk


def test_a_change_made_through_the_api_shows_on_the_next_request(manager_api, home_a, today):
    url, params = _shifts_url(home_a, today)
    _get(manager_api, url, **params)
    changed = manager_api.patch(
        f"/api/v1/shifts/{home_a.vacancy.pk}/", {"staff": home_a.nurse.pk}, format="json"
    )
    assert changed.status_code == 200, changed.content
    after, _ = _get(manager_api, url, **params)
    assert {s["id"]: s["staff"] for s in after["results"]}[home_a.vacancy.pk] == home_a.nurse.pk


def test_a_renamed_person_shows_on_the_staff_list(manager_api, home_a):
    before, _ = _get(manager_api, "/api/v1/staff/")
    user = home_a.carer.user
    user.last_name = "Renamed"
    user.save()
    after, _ = _get(manager_api, "/api/v1/staff/")
    assert "Renamed" not in {p["last_name"] for p in before["results"]}
    assert "Renamed" in {p["last_name"] for p in after["results"]}


def test_new_leave_shows_on_the_leave_list(manager_api, staff_api, home_a, today):
    before, _ = _get(manager_api, "/api/v1/leave-requests/", date_from=str(today))
    own_before, _ = _get(staff_api, "/api/v1/leave-requests/", date_from=str(today))
    with scopes_disabled():
        LeaveRequest.objects.create(
            care_home=home_a.home,
            staff=home_a.carer,
            leave_type="annual",
            start_date=today + timedelta(days=10),
            end_date=today + timedelta(days=10),
            hours=6,
            status=LeaveStatus.PENDING,
        )
    after, _ = _get(manager_api, "/api/v1/leave-requests/", date_from=str(today))
    own_after, _ = _get(staff_api, "/api/v1/leave-requests/", date_from=str(today))
    assert after["count"] == before["count"] + 1
    assert own_after["count"] == own_before["count"] + 1


def test_a_new_shift_type_shows_on_the_homes_list(manager_api, home_a):
    before, _ = _get(manager_api, "/api/v1/homes/")
    f.shift_type(home_a.home, "L")
    after, _ = _get(manager_api, "/api/v1/homes/")
    assert "L" not in {t["code"] for t in before["results"][0]["shift_types"]}
    assert "L" in {t["code"] for t in after["results"][0]["shift_types"]}


def test_another_homes_token_never_gets_this_homes_list(manager_api, home_a, home_b, today):
    """Same path and parameters, asked for by a manager of another home."""
    url, params = _shifts_url(home_a, today)
    ours, _ = _get(manager_api, url, **params)
    theirs, _ = _get(bearer(home_b.manager), url, **params)
    assert len(ours["results"]) == 2
    assert theirs["results"] == []
    ours_staff, _ = _get(manager_api, "/api/v1/staff/")
    theirs_staff, _ = _get(bearer(home_b.manager), "/api/v1/staff/")
    assert {p["home"] for p in ours_staff["results"]} == {home_a.home.pk}
    assert {p["home"] for p in theirs_staff["results"]} == {home_b.home.pk}


def test_staff_of_the_same_home_get_their_own_shifts_only(staff_api, home_a, today):
    url = "/api/v1/shifts/"
    params = {"date_from": str(today), "date_to": str(today + timedelta(days=6))}
    mine, _ = _get(staff_api, url, **params)
    nurse, _ = _get(bearer(home_a.nurse.user), url, **params)
    assert [s["id"] for s in mine["results"]] == [home_a.shift.pk]
    assert nurse["results"] == []


def test_a_token_revoked_after_use_stops_at_once(home_a):
    client = bearer(home_a.manager)
    # The first use writes its time and reads the token again; the second is from the cache.
    assert client.get("/api/v1/homes/").status_code == 200
    assert client.get("/api/v1/homes/").status_code == 200
    with scopes_disabled():
        for token in ApiToken.objects.filter(user=home_a.manager):
            api_token_revoke(token=token)
    assert client.get("/api/v1/homes/").status_code == 401


def test_a_token_of_an_account_disabled_after_use_stops_at_once(home_a):
    client = bearer(home_a.manager)
    # The first use writes its time and reads the token again; the second is from the cache.
    assert client.get("/api/v1/homes/").status_code == 200
    assert client.get("/api/v1/homes/").status_code == 200
    home_a.manager.is_active = False
    home_a.manager.save()
    assert client.get("/api/v1/homes/").status_code == 401


def test_the_token_is_not_read_from_the_database_on_each_request(manager_api):
    manager_api.get("/api/v1/homes/")  # first use: its time is written, the token read again
    manager_api.get("/api/v1/homes/")
    with CaptureQueriesContext(connection) as queries:
        assert manager_api.get("/api/v1/homes/").status_code == 200
    assert not [q for q in queries.captured_queries if "api_apitoken" in q["sql"]]


def test_managers_who_see_the_same_units_share_the_page_and_its_changes(manager_api, home_a, today):
    """The shifts list depends only on what a user may see: a second manager of the same
    unit is given the kept page, and a change shows to both on their next request; a
    manager of the other unit too, or of the other unit only, is not given it."""
    from staffrota.api.tests.conftest import bearer

    url, params = _shifts_url(home_a, today)
    first, first_queries = _get(bearer(f.operational_manager(home_a.unit)), url, **params)
    same, same_queries = _get(bearer(f.operational_manager(home_a.unit)), url, **params)
    wider, _ = _get(bearer(f.operational_manager(home_a.unit, home_a.other_unit)), url, **params)
    other = bearer(f.operational_manager(home_a.other_unit)).get(url, params)
    assert same == first == wider
    assert same_queries < first_queries
    assert other.status_code == 200 and other.json()["results"] == []
    with scopes_disabled():
        shift_assign(shift=home_a.vacancy, staff=home_a.nurse, actor=home_a.manager)
    for client in (manager_api, bearer(f.operational_manager(home_a.unit))):
        after, _ = _get(client, url, **params)
        assert {s["id"]: s["staff"] for s in after["results"]}[home_a.vacancy.pk] == home_a.nurse.pk
