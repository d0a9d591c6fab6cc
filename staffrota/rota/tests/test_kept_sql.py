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
