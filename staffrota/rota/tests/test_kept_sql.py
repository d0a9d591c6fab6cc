"""`kept_rows` gives the rows the ORM gives, DISTINCT over a model with a default ordering
included (the ORM selects the ordering's columns too and cuts them off)."""

import pytest
from django_scopes import scopes_disabled

from staffrota.accounts.models import User
from staffrota.rota.kept_sql import kept_rows

pytestmark = pytest.mark.django_db


def _addresses(but):
    # accounts.User is ordered by username: DISTINCT then selects it as well.
    return User.objects.exclude(email=but).distinct().values_list("email")


def test_distinct_rows_come_back_as_the_orm_gives_them(home_a, home_b):
    with scopes_disabled():
        expected = list(_addresses(""))
        kept = kept_rows(_addresses, but="")
        again = kept_rows(_addresses, but="")  # from the SQL kept by the first
    assert len(expected) >= 4
    assert kept == expected
    assert again == expected
    assert {len(row) for row in kept} == {1}


def _units(but):
    from staffrota.organisation.models import Unit

    return Unit.objects.exclude(name=but).order_by("pk").values_list("pk", "care_home_id")


def _roles(rank):
    from staffrota.organisation.models import JobRole

    return JobRole.objects.filter(rank__gte=rank).order_by("pk").values_list("pk")


def test_every_home_shares_one_sql_and_sees_only_its_own_rows(home_a, home_b):
    from django.db import connection
    from django_scopes import scope

    from staffrota.rota.kept_sql import _KEPT_SQL

    seen = {}
    for world in (home_a, home_b, home_a):
        with scope(care_home=[world.home.pk]):
            kept = kept_rows(_units, but="")
            assert kept == list(_units(but=""))
            assert {home for _, home in kept} == {world.home.pk}
            seen[world.home.pk] = kept
            # A model without a home (job roles) under a scope: the same rows as the ORM.
            assert kept_rows(_roles, rank=0) == list(_roles(rank=0))
    assert seen[home_a.home.pk] != seen[home_b.home.pk]
    with scope(care_home=[home_a.home.pk, home_b.home.pk]):
        assert kept_rows(_units, but="") == list(_units(but=""))
    with scopes_disabled():
        assert kept_rows(_units, but="") == list(_units(but=""))
        assert {home for _, home in kept_rows(_units, but="")} >= {home_a.home.pk, home_b.home.pk}
    if connection.vendor == "postgresql":
        # One home or the other: one SQL, written once (homes are parameters).
        kept = [key for key in _KEPT_SQL._items if key[1] is _units]
        assert len(kept) == 3  # one home, two homes, scopes disabled
        assert all(_KEPT_SQL.get(key) is not None for key in kept)
