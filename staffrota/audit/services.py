"""Writing and checking the audit chain."""

import hashlib
import json
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models.sql import InsertQuery
from django.utils import timezone

from staffrota.audit.models import AuditEntry
from staffrota.rota.kept_sql import kept_rows

GENESIS = "0" * 64


def _canonical(value) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"))


def _entry_hash(entry: AuditEntry) -> str:
    content = {
        "previous": entry.previous_hash,
        "care_home": entry.care_home_id,
        "at": entry.at.isoformat(),
        "actor": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        # Stored JSON round-trips through the database; hash the same normalised form.
        "before": json.loads(_canonical(entry.before)),
        "after": json.loads(_canonical(entry.after)),
        "reason": entry.reason,
    }
    return hashlib.sha256(_canonical(content).encode()).hexdigest()


def audit_record(
    *,
    actor,
    action: str,
    target: models.Model,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
    care_home_id: int | None = None,
) -> AuditEntry:
    """Append one entry to the chain, inside the caller's transaction.

    Entries are appended one at a time: the newest entry is locked (PostgreSQL) or the
    database write lock is held (SQLite) so two writers cannot both chain onto it.
    """
    return audit_event(
        actor=actor,
        action=action,
        object_type=target._meta.label_lower,
        object_id=str(target.pk),
        before=before,
        after=after,
        reason=reason,
        care_home_id=care_home_id
        if care_home_id is not None
        else getattr(target, "care_home_id", None),
    )


def audit_event(
    *,
    actor,
    action: str,
    object_type: str,
    object_id: str,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
    care_home_id: int | None = None,
) -> AuditEntry:
    """Like `audit_record`, for events without a model instance (a failed login)."""
    # Without a savepoint: inside a caller's transaction (every rota and leave write) the
    # entry stands or falls with it, and a savepoint cost two more round trips and some
    # 300 Python calls a write; outside one, this is the transaction.
    with transaction.atomic(savepoint=False):
        last = kept_rows(_last_hash)
        entry = AuditEntry(
            care_home_id=care_home_id,
            at=timezone.now(),
            actor=actor if getattr(actor, "pk", None) else None,
            actor_label=_label(actor),
            action=action,
            object_type=object_type,
            object_id=str(object_id)[:40],
            before=json.loads(_canonical(before)) if before is not None else None,
            after=json.loads(_canonical(after)) if after is not None else None,
            reason=reason,
            previous_hash=last[0][0] if last else GENESIS,
        )
        entry.entry_hash = _entry_hash(entry)
        _insert(entry)
    return entry


def _last_hash():
    # The newest entry, locked: the next one chains onto it.
    return AuditEntry.all_homes.select_for_update().order_by("-pk").values_list("entry_hash")[:1]


# The INSERT of an entry as the ORM writes it, written once per process and run with each
# entry's values (each prepared by its field, as `save()` prepares them): every fill,
# make-vacant and leave decision appends an entry, and `save()` built and compiled the
# same statement each time. PostgreSQL only (RETURNING gives the new id); elsewhere
# `save()` as always. No signal listens to audit entries (`save()` would send them).
_INSERTS: dict[str, tuple[str, list]] = {}


def _insert(entry: AuditEntry) -> None:
    if connection.vendor != "postgresql":
        entry.save()
        return
    # Two threads may both write it the first time: the same statement, either one kept.
    sql, fields = _INSERTS.get(connection.alias) or _INSERTS.setdefault(
        connection.alias, _insert_sql(entry)
    )
    params = [field.get_db_prep_save(field.pre_save(entry, True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        entry.pk = cursor.fetchone()[0]
    entry._state.adding = False
    entry._state.db = connection.alias


def _insert_sql(entry: AuditEntry) -> tuple[str, list]:
    meta = AuditEntry._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    query = InsertQuery(AuditEntry)
    query.insert_values(fields, [entry])
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = [meta.pk]
    [(sql, _params)] = compiler.as_sql()
    return sql, fields


def _label(actor) -> str:
    if actor is None or not getattr(actor, "pk", None):
        return "system"
    return f"{actor.get_full_name() or actor.username} ({actor.username})"


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at: int | None  # pk of the first entry whose hash does not hold
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain() -> ChainReport:
    """Recompute every hash in order; report the first entry that was altered or removed."""
    previous = GENESIS
    checked = 0
    for entry in AuditEntry.all_homes.order_by("pk").iterator(chunk_size=2000):
        if entry.previous_hash != previous:
            return ChainReport(checked, entry.pk, "an entry before this one was removed or altered")
        if _entry_hash(entry) != entry.entry_hash:
            return ChainReport(checked, entry.pk, "this entry's content was changed")
        previous = entry.entry_hash
        checked += 1
    return ChainReport(checked, None)
