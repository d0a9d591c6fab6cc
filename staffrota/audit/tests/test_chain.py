import pytest
from django.db import connection
from django_scopes import scopes_disabled

from staffrota.audit.db import append_only_suspended
from staffrota.audit.models import AuditEntry
from staffrota.audit.services import GENESIS, audit_record, verify_chain

pytestmark = pytest.mark.django_db


def _three_entries(world):
    with scopes_disabled():
        return [
            audit_record(
                actor=world.manager,
                action="shift.assign",
                target=world.shift,
                before={"staff": None},
                after={"staff": world.carer.pk, "hours": world.shift.paid_hours},
                reason=f"fill {n}",
            )
            for n in range(3)
        ]


def test_entries_chain_onto_each_other_and_verify(home_a):
    earlier = list(AuditEntry.all_homes.order_by("pk"))
    first, second, third = _three_entries(home_a)
    assert earlier[0].previous_hash == GENESIS  # the fixture's shifts were audited too
    assert first.previous_hash == earlier[-1].entry_hash
    assert second.previous_hash == first.entry_hash
    assert third.previous_hash == second.entry_hash
    assert first.care_home_id == home_a.home.pk
    assert "Olive Manager" in first.actor_label
    report = verify_chain()
    assert report.ok and report.checked == len(earlier) + 3


def test_changing_an_entry_is_detected(home_a):
    _, second, _ = _three_entries(home_a)
    with append_only_suspended(connection):  # a tamperer who can drop the database guard
        AuditEntry.all_homes.filter(pk=second.pk).update(reason="nothing to see")
    report = verify_chain()
    assert not report.ok
    assert report.broken_at == second.pk
    assert "content was changed" in report.problem


def test_removing_an_entry_is_detected(home_a):
    _, second, third = _three_entries(home_a)
    with append_only_suspended(connection):
        AuditEntry.all_homes.filter(pk=second.pk).delete()
    report = verify_chain()
    assert report.broken_at == third.pk
    assert "removed or altered" in report.problem


def test_audit_record_stores_every_field_of_the_entry_it_returns(home_a):
    # On PostgreSQL the INSERT is the ORM's SQL kept and run with each entry's values:
    # what is read back must be what `save()` would have stored, id included.
    first, second, _third = _three_entries(home_a)
    for entry in (first, second):
        stored = AuditEntry.all_homes.get(pk=entry.pk)
        for field in AuditEntry._meta.concrete_fields:
            assert getattr(stored, field.attname) == getattr(entry, field.attname), field.name
        assert not entry._state.adding
    assert second.pk > first.pk
    assert stored.after == {"staff": home_a.carer.pk, "hours": str(home_a.shift.paid_hours)}


def test_an_entry_in_a_callers_transaction_takes_no_savepoint_and_rolls_back_with_it(home_a):
    from django.db import transaction
    from django.test.utils import CaptureQueriesContext

    count = AuditEntry.all_homes.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            _three_entries(home_a)
        assert AuditEntry.all_homes.count() == count + 3
        raise RuntimeError("the caller's change fails after auditing")
    assert not [q for q in queries if "SAVEPOINT" in q["sql"].upper()]
    assert AuditEntry.all_homes.count() == count
    assert verify_chain().ok
