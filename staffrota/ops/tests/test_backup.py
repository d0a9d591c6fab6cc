"""Backup, restore and verification: whole round trips on SQLite and on PostgreSQL."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from django_scopes import scopes_disabled

from staffrota.audit.models import AuditEntry
from staffrota.audit.services import verify_chain
from staffrota.ops.backup import backup_create, backup_restore, backup_verify, backups_prune
from staffrota.ops.models import BackupRun
from staffrota.ops.tasks import backup_daily
from staffrota.organisation.models import CareHome

# Backup tools read committed data through their own connections.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def backup_dirs(settings, tmp_path):
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "uploads").mkdir(parents=True)
    (settings.MEDIA_ROOT / "uploads" / "fit-note.pdf").write_bytes(b"%PDF-1.4 fit note")
    return settings.BACKUP_DIR


def _round_trip(home_a, backup_dirs, settings):
    home = home_a.home
    run = backup_create()
    folder = Path(run.path)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert run.ok and run.size_bytes > 0
    assert manifest["vendor"] == connection.vendor
    assert manifest["tables"]["organisation_carehome"] == 1
    report = backup_verify(folder=folder)
    assert report.ok, (report.mismatches, report.problems)
    assert report.tables_checked == len(manifest["tables"])
    # Damage after the backup: rename a home, lose an uploaded file.
    with scopes_disabled():
        CareHome.objects.filter(pk=home.pk).update(name="Renamed by mistake")
    (settings.MEDIA_ROOT / "uploads" / "fit-note.pdf").unlink()
    backup_restore(folder=folder)
    with scopes_disabled():
        assert CareHome.objects.get(pk=home.pk).name == home.name
    assert (settings.MEDIA_ROOT / "uploads" / "fit-note.pdf").read_bytes() == b"%PDF-1.4 fit note"
    assert AuditEntry.all_homes.exists() and verify_chain().ok


def test_backup_round_trip_on_sqlite(home_a, backup_dirs, settings):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite round trip: this run uses PostgreSQL (its own test covers it)")
    _round_trip(home_a, backup_dirs, settings)


def test_backup_round_trip_on_postgresql(home_a, backup_dirs, settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL (pg_dump -Fc and pg_restore round trip)")
    _round_trip(home_a, backup_dirs, settings)


def test_verify_backup_command_fails_on_a_damaged_backup(home_a, backup_dirs):
    run = backup_create()  # the round-trip tests show a sound backup verifies
    manifest_path = Path(run.path) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["tables"]["organisation_carehome"] = 5  # what the backup should have held
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match="FAILED verification"):
        call_command("verify_backup", run.path)
    database = Path(run.path) / manifest["database_file"]
    database.write_bytes(database.read_bytes()[:100])
    report = backup_verify(folder=Path(run.path))
    assert not report.ok and "does not match its checksum" in report.problems[0]


def test_backup_command_writes_folder_and_restore_needs_confirmation(home_a, backup_dirs):
    call_command("backup")
    folders = list(backup_dirs.iterdir())
    assert len(folders) == 1 and (folders[0] / "manifest.json").is_file()
    with pytest.raises(CommandError, match="cancelled"):
        from unittest import mock

        with mock.patch("builtins.input", return_value="no"):
            call_command("restore", str(folders[0]))


def test_backup_retention_removes_runs_older_than_30_days(home_a, backup_dirs):
    now = timezone.now()
    old = backup_create(now=now - timedelta(days=31))
    recent = backup_create(now=now - timedelta(days=29))
    removed = backups_prune(now=now)
    assert removed == [Path(old.path)]
    assert not Path(old.path).exists() and Path(recent.path).exists()
    assert list(BackupRun.objects.values_list("pk", flat=True)) == [recent.pk]


def test_backup_daily_job_backs_up_verifies_and_records(home_a, backup_dirs):
    run = BackupRun.objects.get(pk=backup_daily())
    assert run.ok and run.verified_at is not None
    assert Path(run.path).is_dir()


def test_backup_failure_is_recorded_as_not_ok(home_a, backup_dirs, monkeypatch):
    from staffrota.ops import backup

    def broken(folder):
        raise backup.BackupError("pg_dump failed: disk full")

    monkeypatch.setattr(backup, "_backup_sqlite", broken)
    monkeypatch.setattr(backup, "_backup_postgres", broken)
    with pytest.raises(backup.BackupError):
        backup_create()
    run = BackupRun.objects.get()
    assert not run.ok and "disk full" in run.error


def test_restore_refuses_a_backup_of_another_database_kind(home_a, backup_dirs):
    run = backup_create()
    manifest_path = Path(run.path) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["vendor"] = "oracle"
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(Exception, match="backup is of oracle"):
        backup_restore(folder=Path(run.path))
