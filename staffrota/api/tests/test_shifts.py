"""Shifts through the API go through the rota services: the rules apply and refusals say why."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from staffrota.api.tests.conftest import bearer
from staffrota.audit.models import AuditEntry
from staffrota.rota.models import Shift, ShiftStatus
from staffrota.rota.services import shift_create
from staffrota.testing import factories as f

pytestmark = pytest.mark.django_db


def _create(client, world, **extra):
    payload = {
        "unit": world.unit.pk,
        "date": str(world.shift.date + timedelta(days=5)),
        "shift_type": world.early.pk,
        "job_role": "carer",
        **extra,
    }
    return client.post("/api/v1/shifts/", payload, format="json")


def test_shift_create_assigns_and_audits(manager_api, home_a):
    response = _create(manager_api, home_a, staff=home_a.carer.pk)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["staff"] == home_a.carer.pk and body["shift_type_code"] == "E"
    with scopes_disabled():
        assert AuditEntry.objects.filter(action="shift.create", object_id=str(body["id"])).exists()


def test_shift_create_rule_breach_answers_422_listing_rules(manager_api, home_a):
    # A night starting six hours after the carer's early ends breaks the 11-hour rest.
    response = _create(
        manager_api,
        home_a,
        date=str(home_a.shift.date),
        shift_type=home_a.night.pk,
        staff=home_a.carer.pk,
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "rule_breach"
    rules = {v["rule"]: v for v in error["violations"]}
    assert rules["daily_rest"]["statutory"] is True
    assert home_a.carer.full_name in rules["daily_rest"]["message"]
    with scopes_disabled():
        assert Shift.objects.filter(date=home_a.shift.date, shift_type=home_a.night).count() == 0


def test_shift_create_home_rule_can_be_overridden_with_reason(manager_api, home_a):
    refused = _create(manager_api, home_a, job_role="rn", staff=home_a.carer.pk)
    assert refused.status_code == 422
    assert [v["rule"] for v in refused.json()["error"]["violations"]] == ["role"]
    allowed = _create(
        manager_api, home_a, job_role="rn", staff=home_a.carer.pk, override_reason="Agreed cover"
    )
    assert allowed.status_code == 201


def test_shift_create_in_unmanaged_unit_is_400(manager_api, home_a, home_b):
    other = _create(manager_api, home_a, unit=home_a.other_unit.pk)
    foreign = _create(manager_api, home_a, unit=home_b.unit.pk)
    assert other.status_code == foreign.status_code == 400
    assert "unit" in foreign.json()["error"]["fields"]


def test_shift_create_with_other_homes_staff_is_400(manager_api, home_a, home_b):
    response = _create(manager_api, home_a, staff=home_b.carer.pk)
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["staff"]


def test_shift_create_bad_payload_names_each_field(manager_api, home_a):
    response = manager_api.post(
        "/api/v1/shifts/", {"unit": "x", "date": "31/12/2026"}, format="json"
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert {"unit", "date", "shift_type", "job_role"} <= set(fields)
    assert "YYYY-MM-DD" in fields["date"][0]


def test_staff_cannot_create_shifts(staff_api, home_a):
    assert _create(staff_api, home_a).status_code == 403


def test_shift_patch_assigns_vacancy_and_rechecks_rules(manager_api, home_a):
    url = f"/api/v1/shifts/{home_a.vacancy.pk}/"
    refused = manager_api.patch(url, {"staff": home_a.carer.pk}, format="json")
    assert refused.status_code == 422  # a carer on a nurse's night
    assert manager_api.get(url).json()["staff"] is None
    done = manager_api.patch(url, {"staff": home_a.nurse.pk}, format="json")
    assert done.status_code == 200
    assert done.json()["staff"] == home_a.nurse.pk


def test_shift_patch_refused_reassignment_keeps_original_person(manager_api, home_a):
    url = f"/api/v1/shifts/{home_a.shift.pk}/"
    response = manager_api.patch(url, {"staff": home_a.nurse.pk}, format="json")
    # A nurse may not take a carer's slot without an override: nothing changes.
    assert response.status_code == 422
    assert manager_api.get(url).json()["staff"] == home_a.carer.pk


def test_shift_cancel_needs_reason_and_records_it(manager_api, home_a):
    url = f"/api/v1/shifts/{home_a.shift.pk}/cancel/"
    assert manager_api.post(url, {}, format="json").status_code == 400
    response = manager_api.post(url, {"reason": "Resident moved"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == ShiftStatus.CANCELLED


def test_shift_list_filters_by_unit_and_dates(manager_api, home_a):
    day = home_a.shift.date
    response = manager_api.get(
        "/api/v1/shifts/", {"date_from": str(day), "date_to": str(day), "unit": home_a.unit.pk}
    )
    assert [s["id"] for s in response.json()["results"]] == [home_a.shift.pk]


def test_shift_list_bad_filter_answers_400(manager_api):
    response = manager_api.get("/api/v1/shifts/", {"date_from": "2026-13-01"})
    assert response.status_code == 400
    assert "date_from" in response.json()["error"]["fields"]
    too_long = manager_api.get(
        "/api/v1/shifts/", {"date_from": "2026-01-01", "date_to": "2026-12-31"}
    )
    assert too_long.status_code == 400
    assert "93 days" in too_long.json()["error"]["message"]


def test_shift_list_vacant_filter(manager_api, home_a):
    body = manager_api.get("/api/v1/shifts/", {"vacant": "true"}).json()
    assert [s["id"] for s in body["results"]] == [home_a.vacancy.pk]


def test_staff_see_only_their_published_shifts(staff_api, home_a):
    ids = [s["id"] for s in staff_api.get("/api/v1/shifts/").json()["results"]]
    assert ids == [home_a.shift.pk]


def test_shift_list_paginates(manager_api, home_a):
    body = manager_api.get("/api/v1/shifts/", {"page_size": 1}).json()
    assert body["count"] == 2 and len(body["results"]) == 1 and body["next"]
    missing = manager_api.get("/api/v1/shifts/", {"page": 9})
    assert missing.status_code == 404


def _add_shifts(world, count):
    with scopes_disabled():
        for n in range(count):
            person = f.staff_member(world.unit, "carer", last_name=f"Extra{n}")
            shift_create(
                unit=world.unit,
                day=world.shift.date + timedelta(days=n),
                shift_type=world.early,
                job_role=person.job_role,
                staff=person,
                status=ShiftStatus.PUBLISHED,
            )


def test_shift_list_query_count_does_not_grow(home_a):
    client = bearer(home_a.manager)
    client.get("/api/v1/shifts/")  # warm: the token's last use is written once
    _add_shifts(home_a, 1)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/api/v1/shifts/").status_code == 200
    _add_shifts(home_a, 3)
    with CaptureQueriesContext(connection) as three:
        assert len(client.get("/api/v1/shifts/").json()["results"]) == 6
    assert len(three) == len(one)


def test_shift_create_with_nul_in_job_role_is_400(manager_api, home_a):
    # Found by schemathesis: PostgreSQL refuses NUL bytes, which used to surface as a 500.
    response = _create(manager_api, home_a, job_role="car\x00er")
    assert response.status_code == 400
    assert "job_role" in response.json()["error"]["fields"]
