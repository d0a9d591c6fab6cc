"""Incidents: the staff form, the manager workflow, staffing at the time, the summary."""

from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from staffrota.compliance.models import Incident, IncidentStatus
from staffrota.compliance.queries import incident_staffing
from staffrota.compliance.services import ComplianceError, incident_progress, incident_report
from staffrota.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _at(day, hour, minute=0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def report(world, when, severity="moderate"):
    with scopes_disabled():
        return incident_report(
            reporter=world.staff_user,
            unit=world.unit,
            occurred_at=when,
            category="fall",
            severity=severity,
            description="Resident AB slipped in the corridor.",
            people=[world.carer],
        )


def test_staff_reports_an_incident_and_the_unit_manager_is_told(
    client, home_a, today, django_capture_on_commit_callbacks
):
    client.login(username=home_a.staff_user.username, password=PASSWORD)
    when = timezone.localtime() - timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("compliance:incident_new"),
            {
                "occurred_at": when.strftime("%Y-%m-%dT%H:%M"),
                "unit": home_a.unit.pk,
                "location": "Room 4",
                "category": "fall",
                "severity": "high",
                "people": [home_a.carer.pk],
                "description": "Resident CD found on the floor.",
                "immediate_action": "Checked for injury, called the nurse.",
            },
        )
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [[home_a.manager.email]]
    assert "Fall" in mail.outbox[0].subject


def test_incident_form_refuses_a_future_time_with_a_message(client, home_a):
    client.login(username=home_a.staff_user.username, password=PASSWORD)
    later = timezone.localtime() + timedelta(days=1)
    response = client.post(
        reverse("compliance:incident_new"),
        {
            "occurred_at": later.strftime("%Y-%m-%dT%H:%M"),
            "unit": home_a.unit.pk,
            "category": "fall",
            "severity": "low",
            "description": "x",
        },
    )
    assert "The incident time is in the future" in response.content.decode()
    garbage = client.post(reverse("compliance:incident_new"), {"occurred_at": "soon"})
    assert garbage.status_code == 200


def test_manager_investigates_then_closes_with_an_outcome(client, home_a):
    incident = report(home_a, timezone.now() - timedelta(hours=2))
    client.login(username=home_a.manager.username, password=PASSWORD)
    url = reverse("compliance:incident_detail", args=[incident.pk])
    client.post(url, {"to_status": "investigating", "note": "Spoke to the night team."})
    empty = client.post(url, {"to_status": "closed", "note": ""})
    assert "This field is required" in empty.content.decode()
    client.post(url, {"to_status": "closed", "note": "Sensor mat fitted."})
    with scopes_disabled():
        incident.refresh_from_db()
        steps = list(incident.actions.values_list("from_status", "to_status"))
    assert incident.status == IncidentStatus.CLOSED
    assert incident.outcome == "Sensor mat fitted." and incident.closed_at is not None
    assert steps == [("open", "investigating"), ("investigating", "closed")]


def test_a_closed_incident_can_only_be_reopened(home_a):
    incident = report(home_a, timezone.now() - timedelta(hours=2))
    with scopes_disabled():
        incident_progress(incident=incident, actor=home_a.manager, to_status="closed", note="Done")
        with pytest.raises(ComplianceError, match="cannot move to open"):
            incident_progress(incident=incident, actor=home_a.manager, to_status="open", note="x")


def test_staff_see_their_report_but_cannot_act_on_it(client, home_a, home_b):
    incident = report(home_a, timezone.now() - timedelta(hours=2))
    client.login(username=home_a.staff_user.username, password=PASSWORD)
    url = reverse("compliance:incident_detail", args=[incident.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"to_status": "closed", "note": "x"}).status_code == 403
    client.login(username=home_b.manager.username, password=PASSWORD)
    assert client.get(url).status_code == 404


def test_incident_staffing_compares_the_shift_with_its_minimum(home_a):
    # The fixture has 1 carer on tomorrow's early against a minimum of 2.
    day = home_a.shift.date
    with scopes_disabled():
        incident = Incident.objects.create(
            care_home=home_a.home,
            unit=home_a.unit,
            occurred_at=_at(day, 10),
            category="fall",
            severity="low",
            description="x",
        )
        night = Incident.objects.create(
            care_home=home_a.home,
            unit=home_a.unit,
            occurred_at=_at(day + timedelta(days=1), 3),
            category="fall",
            severity="low",
            description="x",
        )
        staffing = incident_staffing([incident, night])
    assert staffing[incident.pk].shift_type == home_a.early
    assert (staffing[incident.pk].scheduled, staffing[incident.pk].minimum) == (1, 2)
    assert staffing[incident.pk].below_minimum
    # 03:00 belongs to the night shift that started the evening before.
    assert staffing[night.pk].shift_type == home_a.night
    assert staffing[night.pk].shift_date == day


def test_summary_groups_by_dimension_and_stays_in_scope(client, home_a, home_b):
    report(home_a, timezone.now() - timedelta(hours=2), severity="severe")
    report(home_b, timezone.now() - timedelta(hours=2))
    client.login(username=home_a.manager.username, password=PASSWORD)
    page = client.get(reverse("compliance:incident_summary"), {"by": "severity"}).content
    page = page.decode()
    assert "Severe" in page and "Moderate" not in page
    bad = client.get(reverse("compliance:incident_summary"), {"start": "2026-13-40"})
    assert bad.status_code == 200
