"""GDPR: subject access export, erasure by anonymisation, consents, retention."""

import json
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from staffrota.accounts.models import Role
from staffrota.audit.models import AuditEntry
from staffrota.audit.services import verify_chain
from staffrota.compliance.models import Incident, Supervision
from staffrota.leave.models import LeaveRequest, LeaveType, SicknessAbsence, SicknessReason
from staffrota.rota.models import Shift
from staffrota.security.models import ConsentPurpose, ConsentRecord, Erasure
from staffrota.security.privacy import (
    PrivacyError,
    consent_record,
    consents_current,
    person_erase,
    person_export,
)
from staffrota.security.tasks import retention_sweep
from staffrota.testing.factories import PASSWORD, user

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(home_a):
    """Leave, sickness, a supervision with notes and an incident for home A's carer."""
    carer = home_a.carer
    with scopes_disabled():
        LeaveRequest.objects.create(
            care_home=home_a.home,
            staff=carer,
            leave_type=LeaveType.ANNUAL,
            start_date=date(2026, 7, 1),
            end_date=date(2026, 7, 3),
            hours=Decimal("18"),
            comment="Sister's wedding in Oban",
        )
        SicknessAbsence.objects.create(
            care_home=home_a.home,
            staff=carer,
            start_date=date(2026, 3, 2),
            end_date=date(2026, 3, 4),
            reason=SicknessReason.MENTAL_HEALTH,
            return_to_work_notes="Discussed workload and stress",
        )
        Supervision.objects.create(
            care_home=home_a.home,
            staff=carer,
            supervisor=home_a.manager,
            held_on=date(2026, 5, 1),
            next_due_on=date(2026, 8, 1),
            notes="Needs to improve punctuality",
        )
        incident = Incident.objects.create(
            care_home=home_a.home,
            unit=home_a.unit,
            occurred_at=timezone.now() - timedelta(days=3),
            category="fall",
            severity="low",
            description="Resident Mrs B slipped in the lounge",
        )
        incident.people_involved.add(carer)
    return carer


def test_export_self_holds_everything_but_managers_notes(records, home_a, home_b):
    data = person_export(user=home_a.staff_user, full=False)
    assert data["user"]["username"] == home_a.staff_user.username
    assert data["staff_record"]["sap_number"] == records.sap_number
    assert [s["id"] for s in data["shifts"]] == [home_a.shift.pk]
    assert data["leave_requests"][0]["comment"] == "Sister's wedding in Oban"
    assert data["sickness_absences"][0]["reason"] == "mental"
    assert data["supervisions"][0]["held_on"] == "2026-05-01"
    assert "notes" not in data["supervisions"][0]
    assert data["incidents"][0]["category"] == "fall"
    assert "description" not in data["incidents"][0]
    # Nothing of home B's people leaks into it.
    assert home_b.carer.sap_number not in json.dumps(data)


def test_export_full_for_admin_includes_notes_and_audit_entries(records, home_a):
    data = person_export(user=home_a.staff_user, full=True)
    assert data["supervisions"][0]["notes"] == "Needs to improve punctuality"
    assert data["incidents"][0]["description"].startswith("Resident Mrs B")
    # The fixture's shift was audited when it was created; it is about this person.
    assert any(e["object_type"] == "rota.shift" for e in data["audit_entries"])


def test_export_my_data_download_is_json_attachment_and_audited(client, records, home_a):
    client.login(username=home_a.staff_user.username, password=PASSWORD)
    response = client.get(reverse("my_data_download"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment;" in response["Content-Disposition"]
    body = json.loads(response.content)
    assert body["format"] == "staffrota.subject-access/1"
    assert "notes" not in body["supervisions"][0]
    assert AuditEntry.all_homes.filter(action="gdpr.export").count() == 1


def test_export_admin_download_in_admin_site_refuses_managers(client, records, home_a):
    url = reverse("admin:accounts_user_personal_data", args=[home_a.staff_user.pk])
    client.force_login(home_a.manager)
    assert client.get(url).status_code == 302  # the admin site sends non-staff to its login
    admin = user(role=Role.SYSTEM_ADMIN, is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.get(url)
    assert response.status_code == 200
    assert json.loads(response.content)["supervisions"][0]["notes"]


def test_erase_anonymises_person_and_keeps_rota_hours_and_audit_chain(records, home_a):
    admin = user(role=Role.SYSTEM_ADMIN, is_staff=True, is_superuser=True)
    with scopes_disabled():
        hours_before = sum(s.paid_hours for s in Shift.objects.filter(staff=records))
    person_erase(user=home_a.staff_user, actor=admin, reason="Requested by the person")
    account = home_a.staff_user
    account.refresh_from_db()
    with scopes_disabled():
        records.refresh_from_db()
        assert records.sap_number.startswith("ERASED")
        assert records.hourly_rate == Decimal("12.60")  # costs keep adding up
        assert sum(s.paid_hours for s in Shift.objects.filter(staff=records)) == hours_before
        assert LeaveRequest.objects.get(staff=records).comment == ""
        absence = SicknessAbsence.objects.get(staff=records)
        assert absence.reason == SicknessReason.OTHER and absence.return_to_work_notes == ""
        assert Supervision.objects.get(staff=records).notes == ""
        assert Incident.objects.filter(people_involved=records).count() == 1
    assert account.first_name == "Erased" and account.email == "" and not account.is_active
    assert not account.has_usable_password()
    assert AuditEntry.all_homes.filter(action="gdpr.erase", object_id=str(account.pk)).exists()
    assert verify_chain().ok


def test_erase_needs_a_reason_and_happens_once(home_a):
    with pytest.raises(PrivacyError, match="reason"):
        person_erase(user=home_a.staff_user, actor=None, reason=" ")
    person_erase(user=home_a.staff_user, actor=None, reason="Left, asked to be forgotten")
    with pytest.raises(PrivacyError, match="already"):
        person_erase(user=home_a.staff_user, actor=None, reason="again")


def test_erase_admin_action_asks_for_confirmation_then_erases(client, home_a):
    admin = user(role=Role.SYSTEM_ADMIN, is_staff=True, is_superuser=True)
    client.force_login(admin)
    changelist = reverse("admin:accounts_user_changelist")
    ask = client.post(
        changelist,
        {"action": "erase_personal_data", "_selected_action": [home_a.staff_user.pk]},
    )
    assert "This cannot be undone" in ask.content.decode()
    assert not Erasure.objects.exists()
    client.post(
        changelist,
        {
            "action": "erase_personal_data",
            "_selected_action": [home_a.staff_user.pk],
            "confirm": "yes",
            "reason": "Subject asked",
        },
    )
    assert Erasure.objects.get().user == home_a.staff_user


def test_consent_newest_decision_is_in_force_and_history_is_kept(client, home_a):
    account = home_a.staff_user
    consent_record(user=account, purpose=ConsentPurpose.SMS_REMINDERS, given=True)
    client.force_login(account)
    client.post(reverse("consent_update"), {"purpose": "sms_reminders", "given": "0"})
    assert consents_current(user=account) == {"sms_reminders": False}
    assert ConsentRecord.objects.filter(user=account).count() == 2
    assert "Not answered" in client.get(reverse("security_overview")).content.decode()


def test_retention_sweep_erases_only_people_who_left_long_ago(home_a, settings):
    settings.GDPR_RETENTION_YEARS = 6
    with scopes_disabled():
        home_a.nurse.started_on = date(2012, 4, 1)
        home_a.nurse.left_on = date(2018, 1, 31)
        home_a.nurse.save()
        home_a.carer.left_on = timezone.localdate() - timedelta(days=365)
        home_a.carer.save()
    assert retention_sweep() == 1
    assert retention_sweep() == 0  # idempotent
    assert list(Erasure.objects.values_list("user_id", flat=True)) == [home_a.nurse.user_id]


def test_erase_ends_the_persons_open_sessions(client, home_a):
    client.force_login(home_a.staff_user)
    assert client.get(reverse("my_shifts")).status_code == 200
    person_erase(user=home_a.staff_user, actor=None, reason="Requested")
    assert client.get(reverse("my_shifts")).status_code == 302


def test_export_timestamps_are_iso_strings(home_a):
    data = person_export(user=home_a.staff_user, full=False)
    assert datetime.fromisoformat(data["exported_at"]).tzinfo is not None
    assert datetime.fromisoformat(data["shifts"][0]["starts_at"]) == home_a.shift.starts_at
