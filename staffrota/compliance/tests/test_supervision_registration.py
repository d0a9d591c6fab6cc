"""Supervision (notes for managers only, overdue list) and professional registration."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from staffrota.compliance.models import Supervision
from staffrota.compliance.services import ComplianceError, supervision_record
from staffrota.rota.services import RotaError, shift_create
from staffrota.testing import factories as f
from staffrota.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_manager_records_supervision_and_next_due_defaults_to_8_weeks(client, home_a, today):
    client.login(username=home_a.manager.username, password=PASSWORD)
    url = reverse("compliance:supervision_staff", args=[home_a.carer.pk])
    response = client.post(url, {"held_on": f"{today}", "notes": "Talked about night cover."})
    assert response.status_code == 302
    with scopes_disabled():
        held = Supervision.objects.get(staff=home_a.carer)
    assert held.next_due_on == today + timedelta(weeks=8)
    assert "Talked about night cover." in client.get(url).content.decode()


def test_supervision_notes_are_never_shown_to_staff(client, home_a, today):
    with scopes_disabled():
        supervision_record(
            staff=home_a.carer,
            held_on=today,
            next_due_on=today + timedelta(weeks=8),
            notes="Confidential wellbeing note",
            supervisor=home_a.manager,
        )
    client.login(username=home_a.staff_user.username, password=PASSWORD)
    page = client.get(reverse("compliance:my")).content.decode()
    assert f"{(today + timedelta(weeks=8)).day}" in page
    assert "Confidential wellbeing note" not in page
    url = reverse("compliance:supervision_staff", args=[home_a.carer.pk])
    assert client.get(url).status_code == 403


def test_overdue_list_names_people_more_than_6_weeks_past_due(client, home_a, today):
    with scopes_disabled():
        supervision_record(
            staff=home_a.carer,
            held_on=today - timedelta(weeks=20),
            next_due_on=today - timedelta(weeks=7),
            notes="",
            supervisor=home_a.manager,
        )
        supervision_record(
            staff=home_a.nurse,
            held_on=today - timedelta(weeks=9),
            next_due_on=today - timedelta(weeks=1),
            notes="",
            supervisor=home_a.manager,
        )
    client.login(username=home_a.manager.username, password=PASSWORD)
    page = client.get(reverse("compliance:supervision_list"), {"overdue": "6w"}).content.decode()
    assert home_a.carer.full_name in page
    assert home_a.nurse.full_name not in page  # overdue, but by one week only


def test_supervision_must_be_due_after_it_was_held(home_a, today):
    with scopes_disabled(), pytest.raises(ComplianceError, match="due after"):
        supervision_record(
            staff=home_a.carer,
            held_on=today,
            next_due_on=today,
            notes="",
            supervisor=home_a.manager,
        )


def test_registrations_expiring_within_60_days_are_flagged(client, home_a, today):
    with scopes_disabled():
        home_a.nurse.registration_expiry = today + timedelta(days=60)
        home_a.nurse.save()
        home_a.carer.registration_expiry = today + timedelta(days=61)
        home_a.carer.save()
    client.login(username=home_a.manager.username, password=PASSWORD)
    page = client.get(reverse("compliance:registration_list")).content.decode()
    assert "expires in 60 days" in page
    assert "expires in 61 days" not in page


def test_registration_update_checks_number_and_expiry(client, home_a, today):
    client.login(username=home_a.manager.username, password=PASSWORD)
    url = reverse("compliance:registration_edit", args=[home_a.nurse.pk])
    bad = client.post(url, {"body": "NMC", "number": "", "expiry": ""})
    assert "needs both its number and its expiry date" in bad.content.decode()
    good = client.post(url, {"body": "NMC", "number": "12a3456e", "expiry": f"{today}"})
    assert good.status_code == 302
    with scopes_disabled():
        home_a.nurse.refresh_from_db()
    assert home_a.nurse.registration_number == "12A3456E"


def test_an_expired_registration_blocks_rostering_in_the_role(home_a, today):
    with scopes_disabled():
        home_a.nurse.registration_expiry = today - timedelta(days=1)
        home_a.nurse.save()
        with pytest.raises(RotaError, match="registration"):
            shift_create(
                unit=home_a.unit,
                day=today + timedelta(days=5),
                shift_type=home_a.early,
                job_role=home_a.nurse.job_role,
                staff=home_a.nurse,
            )


def test_another_homes_manager_cannot_see_my_supervision(client, home_a, home_b):
    client.login(username=home_b.manager.username, password=PASSWORD)
    page = client.get(reverse("compliance:supervision_list")).content.decode()
    assert home_a.carer.full_name not in page
    other = f.service_manager(home_b.home)
    client.login(username=other.username, password=PASSWORD)
    url = reverse("compliance:registration_edit", args=[home_a.nurse.pk])
    assert client.get(url).status_code == 404
