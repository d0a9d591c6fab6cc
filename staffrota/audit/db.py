"""The database itself refuses to change or remove an audit entry.

A trigger aborts every UPDATE and DELETE on audit_auditentry, whatever the interface
(the ORM, the admin, a shell, raw SQL). Someone with rights to drop the trigger can still
tamper, which is what the hash chain (`verify_chain`) detects.
"""

from contextlib import contextmanager

TABLE = "audit_auditentry"
MESSAGE = "audit entries are append-only"

_POSTGRES_CREATE = f"""
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}: % refused on %', TG_OP, TG_TABLE_NAME;
END
$$;
DROP TRIGGER IF EXISTS audit_append_only ON {TABLE};
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
"""
_POSTGRES_DROP = f"""
DROP TRIGGER IF EXISTS audit_append_only ON {TABLE};
DROP FUNCTION IF EXISTS audit_refuse_change();
"""
_SQLITE_CREATE = [
    f"""CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}: UPDATE refused'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}: DELETE refused'); END""",
]
_SQLITE_DROP = ["DROP TRIGGER IF EXISTS audit_no_update", "DROP TRIGGER IF EXISTS audit_no_delete"]


def append_only_install(connection) -> None:
    """Create the triggers (idempotent: also run after every migrate, since SQLite loses
    triggers when a migration rebuilds the table)."""
    if TABLE not in connection.introspection.table_names():
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_POSTGRES_CREATE)
        elif connection.vendor == "sqlite":
            for statement in _SQLITE_CREATE:
                cursor.execute(statement)


def append_only_remove(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_POSTGRES_DROP)
        elif connection.vendor == "sqlite":
            for statement in _SQLITE_DROP:
                cursor.execute(statement)


def append_only_installed(connection) -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgname = 'audit_append_only' "
                "AND tgenabled <> 'D'"
            )
            return cursor.fetchone()[0] == 1
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [TABLE],
            )
            return cursor.fetchone()[0] == 2
    return False


@contextmanager
def append_only_suspended(connection):
    """Lift the guard for a whole-database wipe (`flush`) or a tampering test, then restore it."""
    append_only_remove(connection)
    try:
        yield
    finally:
        append_only_install(connection)
