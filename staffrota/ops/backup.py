"""Backups: the database (pg_dump custom format, or SQLite's online backup API) and the
uploaded files, one folder per run with a manifest of row counts and checksums.

    <BACKUP_DIR>/<YYYYmmdd-HHMMSS>/database.dump | database.sqlite3
                                  /media.tar.gz
                                  /manifest.json

The row counts are taken inside the same snapshot the dump is taken from (PostgreSQL
exports its snapshot to pg_dump), so `backup_verify` can demand exact equality after
restoring into a scratch database.
"""

import hashlib
import json
import os
import secrets
import shutil
import sqlite3

# pg_dump and pg_restore run with argument lists, never through a shell.
import subprocess  # nosec B404
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from staffrota.ops.models import BackupRun

MANIFEST = "manifest.json"
FORMAT = "staffrota.backup/1"


class BackupError(Exception):
    """A backup, restore or verification that could not be done, with the reason."""


@dataclass
class VerifyReport:
    path: Path
    tables_checked: int = 0
    mismatches: dict[str, tuple[int, int]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches and not self.problems


# --- helpers --------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    return found


def _pg_env(db: dict, name: str | None = None) -> tuple[dict, str]:
    env = os.environ.copy()
    if db.get("HOST"):
        env["PGHOST"] = str(db["HOST"])
    if db.get("PORT"):
        env["PGPORT"] = str(db["PORT"])
    if db.get("USER"):
        env["PGUSER"] = str(db["USER"])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    sslmode = (db.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = sslmode
    return env, name or db["NAME"]


def _run(command: list[str], env: dict | None = None) -> None:
    result = subprocess.run(  # noqa: S603  # nosec B603
        command, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()[-2000:]}")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _count_tables(cursor, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        # Table names come from the database's own catalogue, quoted.
        cursor.execute(f"SELECT count(*) FROM {_quote(table)}")  # noqa: S608  # nosec B608
        counts[table] = cursor.fetchone()[0]
    return counts


def _django_tables(conn) -> list[str]:
    return [t for t in conn.introspection.table_names() if not t.startswith("sqlite_")]


def _pg_tables(cursor) -> list[str]:
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
    )
    return [row[0] for row in cursor.fetchall()]


# --- backup ---------------------------------------------------------------------------------


def backup_create(*, destination: Path | None = None, now=None) -> BackupRun:
    """Take a backup into a new folder under BACKUP_DIR; records the run, ok or failed."""
    now = now or timezone.now()
    root = Path(destination or settings.BACKUP_DIR)
    folder = root / timezone.localtime(now).strftime("%Y%m%d-%H%M%S")
    run = BackupRun.objects.create(started_at=now, path=str(folder))
    try:
        folder.mkdir(parents=True, exist_ok=False)
        if connection.vendor == "postgresql":
            database_file, counts = _backup_postgres(folder)
        elif connection.vendor == "sqlite":
            database_file, counts = _backup_sqlite(folder)
        else:
            raise BackupError(f"No backup method for {connection.vendor}.")
        media_file = _backup_media(folder)
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat(),
            "vendor": connection.vendor,
            "database_file": database_file.name,
            "media_file": media_file.name,
            "tables": counts,
            "sha256": {p.name: _sha256(p) for p in (database_file, media_file)},
        }
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    except Exception as error:
        run.finished_at = timezone.now()
        run.error = f"{error.__class__.__name__}: {error}"[:4000]
        run.save(update_fields=["finished_at", "error"])
        raise
    run.ok = True
    run.finished_at = timezone.now()
    run.size_bytes = sum(p.stat().st_size for p in folder.iterdir())
    run.save(update_fields=["ok", "finished_at", "size_bytes"])
    return run


def _backup_postgres(folder: Path) -> tuple[Path, dict[str, int]]:
    db = connection.settings_dict
    target = folder / "database.dump"
    env, name = _pg_env(db)
    # A separate connection holds one REPEATABLE READ snapshot: the counts come from it and
    # pg_dump is told to dump exactly it.
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        raw.autocommit = False
        with raw.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = _count_tables(cursor, _pg_tables(cursor))
            _run(
                [
                    _tool("pg_dump"),
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    f"--file={target}",
                    name,
                ],
                env,
            )
        raw.rollback()
    finally:
        raw.close()
    return target, counts


def _backup_sqlite(folder: Path) -> tuple[Path, dict[str, int]]:
    target = folder / "database.sqlite3"
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)  # online: readers and writers carry on
        counts = _count_tables(copy.cursor(), _sqlite_tables(copy))
    finally:
        copy.close()
    return target, counts


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    return [row[0] for row in rows]


def _backup_media(folder: Path) -> Path:
    target = folder / "media.tar.gz"
    media = Path(settings.MEDIA_ROOT)
    with tarfile.open(target, "w:gz") as archive:
        if media.is_dir():
            archive.add(media, arcname="media")
    return target


# --- restore --------------------------------------------------------------------------------


def _manifest(folder: Path) -> dict:
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise BackupError(f"{folder} has no {MANIFEST}: not a finished backup.")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a Staff Rota backup manifest.")
    return manifest


def _check_files(folder: Path, manifest: dict) -> list[str]:
    problems = []
    for name, expected in manifest["sha256"].items():
        path = folder / name
        if not path.is_file():
            problems.append(f"{name} is missing")
        elif _sha256(path) != expected:
            problems.append(f"{name} does not match its checksum")
    return problems


def backup_restore(*, folder: Path, media: bool = True) -> dict:
    """Replace the live database (and uploaded files) with the backup in `folder`."""
    folder = Path(folder)
    manifest = _manifest(folder)
    problems = _check_files(folder, manifest)
    if problems:
        raise BackupError("Backup damaged: " + "; ".join(problems))
    if manifest["vendor"] != connection.vendor:
        raise BackupError(
            f"This backup is of {manifest['vendor']}; the database is {connection.vendor}."
        )
    database_file = folder / manifest["database_file"]
    if connection.vendor == "postgresql":
        connections.close_all()
        env, name = _pg_env(connection.settings_dict)
        _run(
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                f"--dbname={name}",
                str(database_file),
            ],
            env,
        )
        connections.close_all()
    else:
        connection.ensure_connection()
        source = sqlite3.connect(database_file)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    if media:
        _restore_media(folder / manifest["media_file"])
    return manifest


def _restore_media(archive_path: Path) -> None:
    media = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(dir=media.parent) as scratch:
        with tarfile.open(archive_path, "r:gz") as archive:
            archive.extractall(scratch, filter="data")  # refuses absolute paths and ../
        unpacked = Path(scratch) / "media"
        if media.exists():
            shutil.rmtree(media)
        if unpacked.exists():
            shutil.move(str(unpacked), str(media))
        else:
            media.mkdir(parents=True, exist_ok=True)


# --- verify ---------------------------------------------------------------------------------


def backup_verify(*, folder: Path) -> VerifyReport:
    """Restore into a scratch database and compare every table's row count with the manifest."""
    folder = Path(folder)
    report = VerifyReport(path=folder)
    try:
        manifest = _manifest(folder)
    except BackupError as error:
        report.problems.append(str(error))
        return report
    report.problems.extend(_check_files(folder, manifest))
    if report.problems:
        return report
    database_file = folder / manifest["database_file"]
    try:
        if manifest["vendor"] == "postgresql":
            restored = _scratch_counts_postgres(database_file)
        else:
            restored = _scratch_counts_sqlite(database_file)
    except BackupError as error:
        report.problems.append(str(error))
        return report
    expected = manifest["tables"]
    for table in sorted(set(expected) | set(restored)):
        want, got = expected.get(table, -1), restored.get(table, -1)
        if want != got:
            report.mismatches[table] = (want, got)
    report.tables_checked = len(expected)
    try:
        with tarfile.open(folder / manifest["media_file"], "r:gz") as archive:
            archive.getmembers()
    except (tarfile.TarError, OSError) as error:
        report.problems.append(f"media archive unreadable: {error}")
    return report


def _scratch_counts_sqlite(database_file: Path) -> dict[str, int]:
    with tempfile.TemporaryDirectory() as scratch:
        copy_path = Path(scratch) / "verify.sqlite3"
        source = sqlite3.connect(f"file:{database_file}?mode=ro", uri=True)
        target = sqlite3.connect(copy_path)
        try:
            source.backup(target)
            integrity = target.execute("PRAGMA integrity_check").fetchone()[0]
            if integrity != "ok":
                raise BackupError(f"SQLite integrity check failed: {integrity}")
            return _count_tables(target.cursor(), _sqlite_tables(target))
        finally:
            source.close()
            target.close()


def _scratch_counts_postgres(database_file: Path) -> dict[str, int]:
    db = connection.settings_dict
    scratch = f"{db['NAME']}_verify_{secrets.token_hex(4)}"[:63]
    params = connection.get_connection_params()
    admin = connection.get_new_connection({**params, "dbname": "postgres"})
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {_quote(scratch)}")
        try:
            env, _ = _pg_env(db)
            _run(
                [
                    _tool("pg_restore"),
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    f"--dbname={scratch}",
                    str(database_file),
                ],
                env,
            )
            restored = connection.get_new_connection({**params, "dbname": scratch})
            try:
                with restored.cursor() as cursor:
                    return _count_tables(cursor, _pg_tables(cursor))
            finally:
                restored.close()
        finally:
            with admin.cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS {_quote(scratch)} WITH (FORCE)")
    finally:
        admin.close()


# --- retention and freshness ----------------------------------------------------------------


def backups_prune(*, now=None, days: int | None = None, root: Path | None = None) -> list[Path]:
    """Remove backup folders older than the retention period; returns what was removed."""
    now = now or timezone.now()
    days = settings.BACKUP_RETENTION_DAYS if days is None else days
    root = Path(root or settings.BACKUP_DIR)
    cutoff = now - timedelta(days=days)
    removed = []
    if not root.is_dir():
        return removed
    for folder in sorted(root.iterdir()):
        manifest_path = folder / MANIFEST
        if not folder.is_dir() or not manifest_path.is_file():
            continue
        try:
            created = json.loads(manifest_path.read_text())["created_at"]
        except (ValueError, KeyError):
            continue
        if datetime.fromisoformat(created) < cutoff:
            shutil.rmtree(folder)
            removed.append(folder)
    BackupRun.objects.filter(started_at__lt=cutoff).delete()
    return removed


def last_good_backup() -> BackupRun | None:
    return BackupRun.objects.filter(ok=True).order_by("-started_at").first()


def backup_age_hours(now=None) -> float | None:
    last = last_good_backup()
    if last is None:
        return None
    return ((now or timezone.now()) - last.finished_at).total_seconds() / 3600
