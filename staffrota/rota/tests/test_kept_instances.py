"""`Joined` makes from one kept row the instances `select_related` makes (each related one
cached, None where a link finds no row), and `kept_rows` converts the columns the ORM
converts (JSON): the locked reads of a withdrawal, the impact analysis's shifts and the
leave page's record built this way are the ones the querysets gave."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_scopes import scope, scopes_disabled

from staffrota.leave import impact, my_page, services
from staffrota.leave.models import LeavePolicy, LeaveRequest
from staffrota.organisation.models import StaffMember
from staffrota.rota.kept_instances import Joined
from staffrota.rota.kept_sql import _KEPT_SQL, kept_rows
from staffrota.rota.models import Shift

pytestmark = pytest.mark.django_db

PERSON = ("care_home__leave_policy", "home_unit", "job_role", "user")


def _values(obj) -> dict:
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}


def _walk(obj, path: str):
    for name in path.split("__"):
        obj = getattr(obj, name)
    return obj


def _same(made, orm, paths):
    """The same values on the instance and on every model along each path, all read from
    the row (no query), as the queryset's."""
    assert type(made) is type(orm)
    assert _values(made) == _values(orm)
    assert made._state.adding is False
    assert made._state.db == orm._state.db
    with CaptureQueriesContext(connection) as queries:
        for path in paths:
            for depth in range(1, path.count("__") + 2):
                prefix = "__".join(path.split("__")[:depth])
                assert _values(_walk(made, prefix)) == _values(_walk(orm, prefix)), prefix
    assert queries.captured_queries == []


def _people(pk):
    return StaffMember.objects.filter(pk=pk).values_list(*_PERSON_ROWS.columns)


_PERSON_ROWS = Joined(StaffMember, PERSON)


def test_a_person_is_made_as_select_related_makes_them(home_a, home_b):
    with scopes_disabled():
        LeavePolicy.objects.create(care_home=home_a.home, notice_days=21)
    for world in (home_a, home_b, home_a):  # home B has no policy; A again: the kept SQL
        with scope(care_home=[world.home.pk]):
            orm = StaffMember.objects.select_related(*PERSON).get(pk=world.carer.pk)
            made = _PERSON_ROWS.instance(kept_rows(_people, pk=world.carer.pk)[0])
            if world is home_a:
                _same(made, orm, PERSON)
                assert made.care_home.leave_policy.notice_days == 21
                # The one-to-one cached both ways, as select_related leaves it.
                assert made.care_home.leave_policy.care_home is made.care_home
            else:
                _same(made, orm, ("home_unit", "job_role", "user", "care_home"))
                with (
                    CaptureQueriesContext(connection) as queries,
                    pytest.raises(LeavePolicy.DoesNotExist),
                ):
                    made.care_home.leave_policy  # noqa: B018 - reading it is the test
                assert queries.captured_queries == []
            # The user's account points back at the person (a one-to-one), without a query.
            with CaptureQueriesContext(connection) as queries:
                assert made.user.staff_member is made
            assert queries.captured_queries == []


def test_kept_rows_converts_json_as_the_orm_does(home_a, today):
    with scopes_disabled():
        leave = LeaveRequest.objects.create(
            care_home=home_a.home,
            staff=home_a.carer,
            leave_type="annual",
            start_date=today + timedelta(days=5),
            end_date=today + timedelta(days=5),
            hours=Decimal(6),
            hours_by_day={(today + timedelta(days=5)).isoformat(): "6.00"},
            rule_results=[{"rule": "notice", "passed": False, "label": "Notice given"}],
        )
    with scope(care_home=[home_a.home.pk]):
        orm = list(services._locked_withdrawal_rows(pk=leave.pk))
        with transaction.atomic():
            first = kept_rows(services._locked_withdrawal_rows, pk=leave.pk)
            again = kept_rows(services._locked_withdrawal_rows, pk=leave.pk)
    assert first == again == orm
    made = services._WITHDRAWN.instance(first[0])
    assert made.rule_results == [{"rule": "notice", "passed": False, "label": "Notice given"}]
    assert made.hours_by_day == leave.hours_by_day
    if connection.vendor == "postgresql":  # run from the kept SQL, not left to the ORM
        kept = [v for k, v in _KEPT_SQL._items.items() if k[1] is services._locked_withdrawal_rows]
        assert kept and all(v is not None and v[3] for v in kept)


def test_a_withdrawal_locks_and_reads_the_request_as_before(home_a, today):
    with scopes_disabled():
        leave = LeaveRequest.objects.create(
            care_home=home_a.home,
            staff=home_a.carer,
            leave_type="annual",
            start_date=today + timedelta(days=5),
            end_date=today + timedelta(days=5),
            hours=Decimal(6),
            rule_results=[{"rule": "blackout", "passed": True}],
        )
    with scope(care_home=[home_a.home.pk]), transaction.atomic():
        orm = services._locked_request(leave, related=("staff__user",))
        with CaptureQueriesContext(connection) as queries:
            made = services._locked_withdrawal(leave)
        assert len(queries.captured_queries) == 1
        if connection.vendor == "postgresql":
            assert "FOR UPDATE OF" in queries.captured_queries[0]["sql"]
        _same(made, orm, ("staff__user",))
        assert services._snapshot(made) == services._snapshot(orm)
        assert services._describe(made) == services._describe(orm)
        with pytest.raises(LeaveRequest.DoesNotExist):
            services._locked_withdrawal(LeaveRequest(pk=leave.pk + 1000))


def test_the_impact_reads_its_shifts_as_select_related_did(home_a):
    related = ("care_home", "unit", "shift_type", "job_role")
    ids = [home_a.shift.pk, home_a.vacancy.pk]
    with scope(care_home=[home_a.home.pk]):
        orm = {s.pk: s for s in Shift.objects.filter(pk__in=ids).select_related(*related)}
        for _ in range(2):
            made = {
                s.pk: s for s in map(impact._SHIFT.instance, kept_rows(impact._shift_rows, ids=ids))
            }
            assert made.keys() == orm.keys()
            for pk, shift in made.items():
                _same(shift, orm[pk], related)


def test_the_leave_page_reads_the_record_as_the_scoped_queryset_did(home_a, rf):
    from staffrota.accounts.access import access_for
    from staffrota.leave.queries import staff_in_scope

    related = (*my_page.STAFF_RELATED, "care_home__leave_policy")
    with scopes_disabled():
        LeavePolicy.objects.create(care_home=home_a.home, notice_days=21)
    for user in (home_a.staff_user, home_a.manager):
        request = rf.get("/leave/")
        request.user = user
        request.access = access_for(user)
        with scope(care_home=list(request.access.home_ids)):
            if not request.access.staff_id:
                continue
            orm = (
                staff_in_scope(request.access)
                .select_related(*related)
                .get(pk=request.access.staff_id)
            )
            _same(my_page._staff_record(request), orm, related)
