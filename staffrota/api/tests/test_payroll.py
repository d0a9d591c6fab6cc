"""The payroll export: hours per person and pay category, agency apart, JSON and CSV."""

import csv
import io
from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from staffrota.api.payroll import night_seconds, weekend_seconds
from staffrota.leave.models import LeaveRequest, LeaveStatus, SicknessAbsence
from staffrota.rota.models import AgencyBooking, AgencyStatus, ShiftSource, ShiftStatus
from staffrota.rota.services import shift_create
from staffrota.testing import factories as f

pytestmark = pytest.mark.django_db


def _saturday() -> date:
    day = timezone.localdate() + timedelta(days=14)
    return day + timedelta(days=(5 - day.weekday()) % 7)


@pytest.fixture
def pay_week(home_a):
    """A nurse's Saturday night, an agency early, a carer's sickness and annual leave."""
    sat = _saturday()
    with scopes_disabled():
        shift_create(
            unit=home_a.unit,
            day=sat,
            shift_type=home_a.night,
            job_role=home_a.nurse.job_role,
            staff=home_a.nurse,
            status=ShiftStatus.PUBLISHED,
        )
        agency = shift_create(
            unit=home_a.unit,
            day=sat,
            shift_type=home_a.early,
            job_role=home_a.carer.job_role,
            status=ShiftStatus.PUBLISHED,
            source=ShiftSource.AGENCY,
        )
        AgencyBooking.objects.create(
            care_home=home_a.home,
            shift=agency,
            agency="Carers Direct",
            hourly_rate=Decimal("30.00"),
            status=AgencyStatus.CONFIRMED,
        )
        absent = f.staff_member(home_a.unit, "carer", last_name="Absent")
        SicknessAbsence.objects.create(
            care_home=home_a.home,
            staff=absent,
            start_date=sat - timedelta(days=5),  # Monday
            end_date=sat - timedelta(days=4),  # Tuesday
            reason="gastro",
        )
        LeaveRequest.objects.create(
            care_home=home_a.home,
            staff=absent,
            leave_type="annual",
            start_date=sat - timedelta(days=1),  # Friday, and the Monday after
            end_date=sat + timedelta(days=2),
            hours=Decimal("30"),
            status=LeaveStatus.APPROVED,
        )
    return {"sat": sat, "absent": absent, "from": sat - timedelta(days=5), "to": sat + timedelta(1)}


def _export(client, week, **extra):
    params = {"date_from": str(week["from"]), "date_to": str(week["to"]), **extra}
    return client.get("/api/v1/payroll/", params)


def test_payroll_night_and_weekend_hours_follow_home_settings(manager_api, home_a, pay_week):
    people = {p["staff"]: p for p in _export(manager_api, pay_week).json()["people"]}
    hours = people[home_a.nurse.pk]["hours"]
    assert hours["contracted"] == "12.00"
    assert hours["night_enhancement"] == "8.00"  # 22:00-06:00 of a 20:00-08:00 night
    assert hours["weekend_enhancement"] == "12.00"  # Saturday evening and Sunday morning


def test_payroll_night_window_is_a_home_setting(manager_api, home_a, pay_week):
    with scopes_disabled():
        home_a.home.night_enhancement_start = time(0)
        home_a.home.save()
    people = {p["staff"]: p for p in _export(manager_api, pay_week).json()["people"]}
    assert people[home_a.nurse.pk]["hours"]["night_enhancement"] == "6.00"


def test_payroll_sickness_and_annual_leave_hours(manager_api, pay_week):
    people = {p["staff"]: p for p in _export(manager_api, pay_week).json()["people"]}
    hours = people[pay_week["absent"].pk]["hours"]
    assert hours["sickness"] == "14.40"  # two weekdays at 36/5
    assert hours["annual_leave"] == "22.50"  # Fri-Sun of a Fri-Mon request of 30 hours
    assert hours["contracted"] == "0.00"


def test_payroll_agency_is_a_separate_section_with_cost(manager_api, home_a, pay_week):
    body = _export(manager_api, pay_week).json()
    assert body["agency"] == [
        {
            "home": home_a.home.name,
            "unit": home_a.unit.name,
            "job_role": "Carer",
            "shifts": 1,
            "hours": "6.00",
            "cost": "180.00",
        }
    ]
    assert body["homes"][0]["night_enhancement_percent"] == "15.00"


def test_payroll_csv_has_people_then_agency(manager_api, home_a, pay_week):
    params = {"date_from": str(pay_week["from"]), "date_to": str(pay_week["to"])}
    response = manager_api.get("/api/v1/payroll.csv", params)
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:2] == ["sap_number", "name"] and "night_enhancement_hours" in rows[0]
    split = rows.index([])
    assert rows[split + 1][0] == "agency_home"
    assert rows[split + 2][-1] == "180.00"
    assert home_a.nurse.sap_number in {row[0] for row in rows[1:split]}


def test_payroll_is_for_managers_only(staff_api, pay_week):
    assert _export(staff_api, pay_week).status_code == 403


def test_payroll_needs_a_period(manager_api):
    response = manager_api.get("/api/v1/payroll/")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"date_from", "date_to"}


def test_payroll_leaves_out_other_homes(manager_api, home_b, pay_week):
    body = _export(manager_api, pay_week).json()
    with scopes_disabled():
        assert home_b.nurse.pk not in {p["staff"] for p in body["people"]}
    assert {h["id"] for h in body["homes"]} == {pay_week["absent"].care_home_id}


def test_night_and_weekend_seconds_cross_the_clock_change(home_a):
    # Sunday 26 Oct 2025, clocks go back at 02:00: the night of Sat 25th is 13 hours long.
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(timezone.datetime(2025, 10, 25, 20), tz)
    end = timezone.make_aware(timezone.datetime(2025, 10, 26, 8), tz)
    assert night_seconds(start, end, home_a.home) == 9 * 3600
    assert weekend_seconds(start, end) == 13 * 3600
