"""The swap form's lists of shifts, cached per person: reused while nothing changes, shown
afresh when a colleague's or the person's own shifts change, never given to anyone else."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from staffrota.rota.models import ShiftStatus
from staffrota.rota.services import shift_create
from staffrota.testing import factories as f

pytestmark = pytest.mark.django_db


def _swaps(client) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("my_swaps"))
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def _colleague_shift(world, colleague, day):
    with scopes_disabled():
        return shift_create(
            unit=world.unit,
            day=day,
            shift_type=world.early,
            job_role=colleague.job_role,
            staff=colleague,
            status=ShiftStatus.PUBLISHED,
        )


def test_second_view_reuses_the_lists(client, home_a, today):
    with scopes_disabled():
        colleague = f.staff_member(home_a.unit, "carer", first_name="Robin", last_name="Other")
    theirs = _colleague_shift(home_a, colleague, today + timedelta(days=3))
    client.force_login(home_a.staff_user)
    first, first_queries = _swaps(client)
    second, second_queries = _swaps(client)
    assert second_queries < first_queries
    assert f'<option value="{theirs.pk}">' in second
    assert f'<option value="{home_a.shift.pk}">' in second


def test_a_colleagues_new_shift_and_a_new_own_shift_show_at_once(client, home_a, today):
    with scopes_disabled():
        colleague = f.staff_member(home_a.unit, "carer", first_name="Robin", last_name="Other")
    client.force_login(home_a.staff_user)
    before, _ = _swaps(client)
    theirs = _colleague_shift(home_a, colleague, today + timedelta(days=4))
    with scopes_disabled():  # on the other unit: only the person's own version covers it
        mine = shift_create(
            unit=home_a.other_unit,
            day=today + timedelta(days=6),
            shift_type=home_a.early,
            job_role=home_a.carer.job_role,
            staff=home_a.carer,
            status=ShiftStatus.PUBLISHED,
        )
    after, _ = _swaps(client)
    assert f'<option value="{theirs.pk}">' not in before
    assert f'<option value="{theirs.pk}">' in after
    assert f'<option value="{mine.pk}">' not in before
    assert f'<option value="{mine.pk}">' in after


def test_a_colleagues_new_name_shows_at_once(client, home_a, today):
    with scopes_disabled():
        colleague = f.staff_member(home_a.unit, "carer", first_name="Robin", last_name="Other")
    _colleague_shift(home_a, colleague, today + timedelta(days=3))
    client.force_login(home_a.staff_user)
    before, _ = _swaps(client)
    colleague.user.last_name = "Renamed"
    colleague.user.save()
    after, _ = _swaps(client)
    assert "Robin Renamed" not in before
    assert "Robin Renamed" in after


def test_nobody_else_gets_these_lists(client, home_a, home_b, today):
    with scopes_disabled():
        colleague = f.staff_member(home_a.unit, "carer", first_name="Robin", last_name="Other")
    theirs = _colleague_shift(home_a, colleague, today + timedelta(days=3))
    client.force_login(home_a.staff_user)
    mine, _ = _swaps(client)
    other_home = Client()
    other_home.force_login(home_b.staff_user)
    elsewhere, _ = _swaps(other_home)
    same_home = Client()
    same_home.force_login(colleague.user)
    colleagues, _ = _swaps(same_home)
    assert f'<option value="{theirs.pk}">' in mine
    assert f'<option value="{theirs.pk}">' not in elsewhere
    assert f'<option value="{home_a.shift.pk}">' not in elsewhere
    # The colleague sees the carer's shift among colleagues' shifts and their own as theirs.
    assert f'<option value="{home_a.shift.pk}">' in colleagues
    assert f'<option value="{theirs.pk}">' in colleagues
    assert f"· {home_a.carer.full_name} (" in colleagues
    assert f"· {home_a.carer.full_name} (" not in mine
