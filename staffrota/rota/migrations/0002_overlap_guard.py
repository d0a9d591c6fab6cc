"""One person never holds two overlapping shifts: enforced by the database.

PostgreSQL: an exclusion constraint over (staff, [start, end)) using btree_gist.
SQLite: triggers that abort the writing statement, so the rule holds inside the same
transaction as the write. Cancelled shifts and vacancies are exempt on both.
"""

from django.db import migrations

PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """
    ALTER TABLE rota_shift ADD CONSTRAINT shift_no_overlap_per_person
    EXCLUDE USING gist (staff_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
    WHERE (staff_id IS NOT NULL AND status <> 'cancelled')
    """,
]
PG_BACKWARD = ["ALTER TABLE rota_shift DROP CONSTRAINT shift_no_overlap_per_person"]

# On insert NEW.id may not be known yet, so only an update compares ids.
_SQLITE_CLASH = """
    SELECT RAISE(ABORT, 'shift_no_overlap_per_person')
    WHERE EXISTS (
        SELECT 1 FROM rota_shift s
        WHERE s.staff_id = NEW.staff_id AND s.status <> 'cancelled' {same_row}
          AND s.starts_at < NEW.ends_at AND NEW.starts_at < s.ends_at
    );
"""
SQLITE_FORWARD = [
    f"""
    CREATE TRIGGER shift_no_overlap_insert BEFORE INSERT ON rota_shift
    WHEN NEW.staff_id IS NOT NULL AND NEW.status <> 'cancelled'
    BEGIN {_SQLITE_CLASH.format(same_row="")} END
    """,
    f"""
    CREATE TRIGGER shift_no_overlap_update BEFORE UPDATE ON rota_shift
    WHEN NEW.staff_id IS NOT NULL AND NEW.status <> 'cancelled'
    BEGIN {_SQLITE_CLASH.format(same_row="AND s.id <> OLD.id")} END
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS shift_no_overlap_insert",
    "DROP TRIGGER IF EXISTS shift_no_overlap_update",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("rota", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
