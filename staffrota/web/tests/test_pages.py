"""The first pages: my shifts, the unit picker, the read-only rota grid and health."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from staffrota.rota.models import ShiftStatus
from staffrota.rota.services import shift_create
from staffrota.testing import factories as f
from staffrota.testing.factories import PASSWORD
from staffrota.testing.queries import count_queries

pytestmark = pytest.mark.django_db


def test_my_shifts_shows_my_published_shifts_only(client, home_a, today):
    with scopes_disabled():
        draft = shift_create(
            unit=home_a.unit,
            day=today + timedelta(days=3),
            shift_type=home_a.night,
            job_role=home_a.carer.job_role,
            staff=home_a.carer,
        )
        someone_else = shift_create(
            unit=home_a.unit,
            day=today + timedelta(days=4),
            shift_type=home_a.night,
            job_role=home_a.nurse.job_role,
            staff=home_a.nurse,
            status=ShiftStatus.PUBLISHED,
        )
    client.login(username=home_a.staff_user.username, password=PASSWORD)
    page = client.get(reverse("my_shifts")).content.decode()
    assert f"{home_a.shift.date:%A} {home_a.shift.date.day} {home_a.shift.date:%B}" in page
    assert f"{draft.date.day} {draft.date:%B}" not in page
    assert f"{someone_else.date.day} {someone_else.date:%B}" not in page
    assert "1 shift, 6 hours" in page
    assert 'name="viewport"' in page  # laid out for a phone


def test_rota_grid_shows_staff_vacancies_and_cover_against_minimum(client, home_a):
    client.login(username=home_a.manager.username, password=PASSWORD)
    response = client.get(
        reverse("unit_rota", args=[home_a.unit.pk]), {"start": f"{home_a.shift.date}"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert home_a.carer.full_name in page and home_a.nurse.full_name in page
    assert "<strong>1</strong> vacant shift" in page
    # Early carers: 1 scheduled against a minimum of 2 on the requirement's weekday.
    assert 'class="cover-under"><span class="visually-hidden">under: </span>1/2' in page


def _grid_queries(client, unit, weeks: int) -> int:
    with count_queries() as queries:
        response = client.get(reverse("unit_rota", args=[unit.pk]), {"weeks": weeks})
    assert response.status_code == 200
    return len(queries)


def test_rota_grid_query_count_does_not_grow_with_staff_or_days(client, home_a, today):
    # Both counts from nothing kept: on SQLite an earlier test's rows had these ids, and
    # the in-process cache may still hold what it kept for them.
    cache.clear()
    client.login(username=home_a.manager.username, password=PASSWORD)
    small = _grid_queries(client, home_a.unit, weeks=1)
    with scopes_disabled():
        for offset in range(6):
            person = f.staff_member(home_a.unit, "carer")
            shift_create(
                unit=home_a.unit,
                day=today + timedelta(days=offset),
                shift_type=home_a.night,
                job_role=person.job_role,
                staff=person,
            )
    assert _grid_queries(client, home_a.unit, weeks=1) == small
    # Fewer still: the unit's people, shift types and minimums read for the first week are
    # kept for the other three (grid_cache._UNIT_INPUTS).
    assert _grid_queries(client, home_a.unit, weeks=4) <= small


@pytest.mark.parametrize(
    "params", [{"start": "not-a-date"}, {"weeks": "9"}, {"start": "2026-02-30", "weeks": "x"}]
)
def test_rota_grid_bad_period_falls_back_with_a_message(client, home_a, params):
    client.login(username=home_a.manager.username, password=PASSWORD)
    response = client.get(reverse("unit_rota", args=[home_a.unit.pk]), params)
    assert response.status_code == 200
    assert "could not be read" in response.content.decode()


def test_navigation_depends_on_role(client, home_a):
    client.login(username=home_a.staff_user.username, password=PASSWORD)
    staff_page = client.get(reverse("my_shifts")).content.decode()
    assert f'href="{reverse("unit_list")}"' not in staff_page
    client.login(username=home_a.manager.username, password=PASSWORD)
    manager_page = client.get(reverse("unit_list")).content.decode()
    assert f'href="{reverse("unit_list")}"' in manager_page
    assert "My shifts" not in manager_page  # this manager has no staff record


def test_home_sends_each_role_to_its_start_page(client, home_a):
    client.login(username=home_a.staff_user.username, password=PASSWORD)
    assert client.get(reverse("home"))["Location"] == reverse("my_shifts")
    client.login(username=home_a.manager.username, password=PASSWORD)
    assert client.get(reverse("home"))["Location"] == reverse("dashboards:index")


def test_health_reports_database_and_cache(client, db):
    # Details are for system admins only (staffrota/ops/tests covers what others see).
    client.force_login(f.user(role="admin", is_staff=True, is_superuser=True))
    response = client.get(reverse("healthz"))
    body = response.json()
    assert response.status_code == 200
    assert body["status"] in {"ok", "degraded"}  # degraded: no backup taken yet
    assert body["checks"]["database"] == {"ok": True, "vendor": connection.vendor}
    assert body["checks"]["cache"]["ok"] is True


def test_unknown_page_is_a_friendly_404(client, db):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "There is nothing here" in response.content.decode()


def test_rota_page_runs_no_query_when_kept_and_shows_a_renamed_unit_next(client, home_a):
    client.login(username=home_a.manager.username, password=PASSWORD)
    url = reverse("unit_rota", args=[home_a.unit.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    # The unit kept under the access version, the table kept: only the session is read
    # (from the database in tests, from Redis with SESSION_STORE=cache).
    assert [q["sql"] for q in queries if "django_session" not in q["sql"]] == []
    with scopes_disabled():
        home_a.unit.name = "Renamed Wing"
        home_a.unit.save()
    assert "Renamed Wing rota" in client.get(url).content.decode()


def test_rota_page_of_a_unit_outside_the_managers_access_is_not_found(client, home_a, home_b):
    client.login(username=home_a.manager.username, password=PASSWORD)
    assert client.get(reverse("unit_rota", args=[home_a.unit.pk])).status_code == 200
    assert client.get(reverse("unit_rota", args=[home_b.unit.pk])).status_code == 404
    # Another unit of the same home that this manager does not run.
    assert client.get(reverse("unit_rota", args=[home_a.other_unit.pk])).status_code == 404
