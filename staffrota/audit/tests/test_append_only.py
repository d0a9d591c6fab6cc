"""The audit log is append-only through every interface and records logins."""

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django_scopes import scopes_disabled

from staffrota.accounts.models import Role
from staffrota.audit.db import append_only_installed, append_only_suspended
from staffrota.audit.models import AuditEntry
from staffrota.audit.services import audit_event, audit_record
from staffrota.testing.factories import PASSWORD, user

pytestmark = pytest.mark.django_db


def _entry(world):
    with scopes_disabled():
        return audit_record(
            actor=world.manager, action="shift.assign", target=world.shift, after={"n": 1}
        )


def test_append_only_trigger_is_installed_after_migrate():
    assert append_only_installed(connection)


def test_append_only_database_refuses_update(home_a):
    entry = _entry(home_a)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.all_homes.filter(pk=entry.pk).update(reason="edited")
    entry.refresh_from_db()
    assert entry.reason == ""


def test_append_only_database_refuses_delete_even_raw_sql(home_a):
    entry = _entry(home_a)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.all_homes.filter(pk=entry.pk).exists()


def test_append_only_admin_shows_entries_but_offers_no_change_or_delete(client, home_a):
    entry = _entry(home_a)
    client.force_login(user(role=Role.SYSTEM_ADMIN, is_staff=True, is_superuser=True))
    listing = client.get(reverse("admin:audit_auditentry_changelist"))
    assert listing.status_code == 200 and "shift.assign" in listing.content.decode()
    assert client.get(reverse("admin:audit_auditentry_add")).status_code == 403
    assert client.get(reverse("admin:audit_auditentry_delete", args=[entry.pk])).status_code == 403
    page = client.post(reverse("admin:audit_auditentry_change", args=[entry.pk]), {"reason": "x"})
    assert page.status_code == 403
    entry.refresh_from_db()
    assert entry.reason == ""


def test_verify_audit_command_passes_then_fails_after_tampering(home_a):
    entry = _entry(home_a)
    call_command("verify_audit")
    with append_only_suspended(connection):
        AuditEntry.all_homes.filter(pk=entry.pk).update(actor_label="someone else")
    with pytest.raises(CommandError, match=f"BROKEN at entry {entry.pk}"):
        call_command("verify_audit")


def test_audit_login_logout_and_failed_login_are_recorded(client, home_a):
    account = home_a.staff_user
    client.post(reverse("login"), {"username": account.username.lower(), "password": "nope"})
    client.post(reverse("login"), {"username": account.username, "password": PASSWORD})
    client.post(reverse("logout"))
    entries = list(
        AuditEntry.all_homes.filter(action__startswith="auth.")
        .order_by("pk")
        .values_list("action", "object_id", "after")
    )
    assert [action for action, _, _ in entries] == [
        "auth.login_failed",
        "auth.login",
        "auth.logout",
    ]
    assert entries[0][1] == str(account.pk)
    assert entries[0][2] == {"username": account.username.upper(), "ip": "127.0.0.1"}


def test_audit_failed_login_for_unknown_name_is_recorded_without_object(client, db):
    client.post(reverse("login"), {"username": "nobody1", "password": "x"})
    entry = AuditEntry.all_homes.get(action="auth.login_failed")
    assert entry.object_id == "" and entry.after["username"] == "NOBODY1"


def test_audit_event_keeps_the_chain(home_a):
    first = _entry(home_a)
    second = audit_event(actor=None, action="ops.restore", object_type="ops.backup", object_id="7")
    assert second.previous_hash == first.entry_hash
    assert second.actor_label == "system"
