"""Homes, units, staff and leave requests: the same scoping as the web pages."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scopes_disabled

from staffrota.api.tests.conftest import bearer
from staffrota.leave.models import LeaveRequest, LeaveStatus
from staffrota.testing import factories as f

pytestmark = pytest.mark.django_db


def test_homes_list_shows_own_home_with_shift_types(manager_api, home_a, home_b):
    results = manager_api.get("/api/v1/homes/").json()["results"]
    assert [h["id"] for h in results] == [home_a.home.pk]
    assert {t["code"] for t in results[0]["shift_types"]} == {"E", "N"}
    assert results[0]["weekend_enhancement_percent"] == "10.00"


def test_home_detail_of_another_home_is_404(manager_api, home_b):
    assert manager_api.get(f"/api/v1/homes/{home_b.home.pk}/").status_code == 404


def test_service_manager_token_sees_both_units_of_home(home_a, home_b):
    client = bearer(f.service_manager(home_a.home))
    names = {u["name"] for u in client.get("/api/v1/units/").json()["results"]}
    assert names == {home_a.unit.name, home_a.other_unit.name}


def test_head_of_service_token_sees_every_home(home_a, home_b, head_of_service):
    client = bearer(head_of_service)
    ids = {h["id"] for h in client.get("/api/v1/homes/").json()["results"]}
    assert ids == {home_a.home.pk, home_b.home.pk}


def test_unit_list_filters_by_home_and_rejects_bad_filter(home_a, home_b, head_of_service):
    client = bearer(head_of_service)
    body = client.get("/api/v1/units/", {"home": home_b.home.pk}).json()
    assert {u["home"] for u in body["results"]} == {home_b.home.pk}
    bad = client.get("/api/v1/units/", {"home": "Ashgrove"})
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"]["home"] == ["A valid integer is required."]


def test_staff_list_for_manager_is_their_units_staff(manager_api, home_a, home_b):
    body = manager_api.get("/api/v1/staff/").json()
    assert {p["id"] for p in body["results"]} == {home_a.carer.pk, home_a.nurse.pk}
    assert body["results"][0]["job_role"] in {"carer", "rn"}


def test_staff_member_sees_only_themselves(staff_api, home_a):
    body = staff_api.get("/api/v1/staff/").json()
    assert [p["id"] for p in body["results"]] == [home_a.carer.pk]
    assert staff_api.get(f"/api/v1/staff/{home_a.nurse.pk}/").status_code == 404


def test_staff_list_query_count_does_not_grow(home_a):
    client = bearer(home_a.manager)
    client.get("/api/v1/staff/")
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/staff/")
    for n in range(3):
        f.staff_member(home_a.unit, "carer", last_name=f"More{n}")
    client.get("/api/v1/staff/")  # new staff records refresh the cached access once
    with CaptureQueriesContext(connection) as more:
        assert client.get("/api/v1/staff/").json()["count"] == 5
    assert len(more) == len(few)


def test_staff_member_requests_leave_for_themselves(staff_api, home_a):
    day = home_a.shift.date + timedelta(days=30)
    response = staff_api.post(
        "/api/v1/leave-requests/",
        {"leave_type": "annual", "start_date": str(day), "end_date": str(day + timedelta(4))},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    # The same engine as the web page: a month ahead, with no rota yet and cover to spare,
    # every rule passes and the request is approved at once.
    assert body["staff"] == home_a.carer.pk and body["status"] == LeaveStatus.APPROVED
    assert Decimal(body["hours"]) > 0


def test_staff_member_cannot_request_leave_for_colleague(staff_api, home_a):
    day = home_a.shift.date + timedelta(days=30)
    response = staff_api.post(
        "/api/v1/leave-requests/",
        {
            "staff": home_a.nurse.pk,
            "leave_type": "annual",
            "start_date": str(day),
            "end_date": str(day),
        },
        format="json",
    )
    assert response.status_code == 400
    assert "own leave" in response.json()["error"]["message"]


def test_overlapping_leave_request_is_409(manager_api, home_a):
    day = home_a.shift.date + timedelta(days=30)
    payload = {
        "staff": home_a.nurse.pk,
        "leave_type": "annual",
        "start_date": str(day),
        "end_date": str(day + timedelta(days=2)),
    }
    assert manager_api.post("/api/v1/leave-requests/", payload, format="json").status_code == 201
    again = manager_api.post("/api/v1/leave-requests/", payload, format="json")
    assert again.status_code == 409
    assert "overlaps" in again.json()["error"]["message"]


def test_leave_list_filters_and_hides_other_homes(manager_api, home_a, home_b):
    with scopes_disabled():
        for world in (home_a, home_b):
            LeaveRequest.objects.create(
                care_home=world.home,
                staff=world.nurse,
                leave_type="annual",
                start_date=world.shift.date,
                end_date=world.shift.date,
                hours=Decimal("7.5"),
            )
    body = manager_api.get("/api/v1/leave-requests/", {"status": "pending"}).json()
    assert [r["staff"] for r in body["results"]] == [home_a.nurse.pk]
    later = manager_api.get(
        "/api/v1/leave-requests/", {"date_from": str(home_a.shift.date + timedelta(1))}
    ).json()
    assert later["count"] == 0


def test_the_shifts_list_gives_exactly_what_the_serializer_gives(manager_api, home_a, today):
    """The list builds its JSON from columns; each shift must read as `ShiftSerializer`
    has it: vacant and held, draft and published, a note, a name left blank (the SAP
    number instead), summer time and winter time."""
    from datetime import date

    from staffrota.api.serializers import ShiftSerializer
    from staffrota.rota.models import Shift, ShiftSource, ShiftStatus
    from staffrota.rota.services import shift_create

    with scopes_disabled():
        nameless = f.staff_member(home_a.unit, "carer", first_name="", last_name="")
        summer = date(today.year + 1, 7, 1)
        for day, person, status in (
            (summer, home_a.carer, ShiftStatus.PUBLISHED),
            (summer + timedelta(days=1), nameless, ShiftStatus.DRAFT),
            (summer + timedelta(days=2), None, ShiftStatus.PUBLISHED),
        ):
            shift_create(
                unit=home_a.unit,
                day=day,
                shift_type=home_a.night,
                job_role=home_a.carer.job_role,
                staff=person,
                status=status,
            )
        Shift.objects.filter(pk=home_a.shift.pk).update(
            note='Cover <& "quotes">', source=ShiftSource.BANK
        )
    for start, end in ((today, today + timedelta(days=6)), (summer, summer + timedelta(days=6))):
        got = manager_api.get(
            "/api/v1/shifts/", {"unit": home_a.unit.pk, "date_from": start, "date_to": end}
        ).json()["results"]
        with scopes_disabled():
            shifts = Shift.objects.filter(pk__in=[s["id"] for s in got]).order_by("starts_at", "pk")
            expected = ShiftSerializer(shifts, many=True).data
        assert len(got) >= 2
        assert got == [dict(row) for row in expected]
    assert any(s["staff_name"] == nameless.sap_number for s in got)


def test_the_leave_list_gives_exactly_what_the_serializer_gives(manager_api, home_a, today):
    """The list builds its JSON from columns; each request must read as
    `LeaveRequestSerializer` has it: pending and decided, a comment and a note with
    characters to escape, part of a day, summer time and winter time."""
    from datetime import date, datetime

    from staffrota.api.serializers import LeaveRequestSerializer

    summer = date(today.year + 1, 7, 1)
    with scopes_disabled():
        for n, (first, status, decided) in enumerate(
            (
                (today + timedelta(days=3), LeaveStatus.PENDING, None),
                (summer, LeaveStatus.APPROVED, datetime(2026, 6, 1, 9, 30, 15, 123456)),
                (summer + timedelta(days=5), LeaveStatus.REJECTED, datetime(2026, 1, 5, 23, 59)),
            )
        ):
            LeaveRequest.objects.create(
                care_home=home_a.home,
                staff=home_a.nurse,
                leave_type=["annual", "toil", "unpaid"][n],
                start_date=first,
                end_date=first + timedelta(days=n),
                hours=Decimal("7.5") * (n + 1) if n != 1 else Decimal("3.25"),
                part_day=n == 1,
                status=status,
                decided_at=decided and timezone.make_aware(decided),
                comment='Wedding <& "quotes">' if n else "",
                decision_note="Approved by Olive: enjoy it." if decided else "",
            )
    got = manager_api.get("/api/v1/leave-requests/", {"date_from": str(today)}).json()["results"]
    with scopes_disabled():
        leave = LeaveRequest.objects.filter(pk__in=[r["id"] for r in got])
        expected = LeaveRequestSerializer(leave.order_by("-start_date", "pk"), many=True).data
    assert len(got) == 3
    assert got == [dict(row) for row in expected]
    assert {r["decided_at"] is None for r in got} == {True, False}
