"""The swap form's lists of shifts, cached per person: reused while nothing changes, shown
afresh when a colleague's or the person's own shifts change, never given to anyone else."""

from datetime import time, timedelta

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


def _proposed_swap(home_a, colleague, today):
    from staffrota.rota.swaps import swap_propose

    theirs = _colleague_shift(home_a, colleague, today + timedelta(days=3))
    with scopes_disabled():
        return swap_propose(
            proposer=home_a.carer, proposer_shift=home_a.shift, colleague_shift=theirs
        )


def test_a_proposed_swap_shows_for_both_at_once_and_can_be_answered(client, home_a, today):
    with scopes_disabled():
        colleague = f.staff_member(home_a.unit, "carer", first_name="Robin", last_name="Other")
    client.force_login(home_a.staff_user)
    theirs_client = Client()
    theirs_client.force_login(colleague.user)
    mine_before, _ = _swaps(client)
    theirs_before, _ = _swaps(theirs_client)
    swap = _proposed_swap(home_a, colleague, today)
    mine_after, _ = _swaps(client)
    theirs_after, _ = _swaps(theirs_client)
    accept = reverse("my_swap_answer", args=[swap.pk, "accept"])
    withdraw = reverse("my_swap_answer", args=[swap.pk, "withdraw"])
    assert "No swaps yet" in mine_before and "No swaps yet" in theirs_before
    assert withdraw in mine_after and accept not in mine_after
    assert accept in theirs_after and withdraw not in theirs_after
    # The answer form carries this session's CSRF token, not a cached one: it is accepted.
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(colleague.user)
    page = csrf_client.get(reverse("my_swaps")).content.decode()
    form = page[page.index(f'action="{accept}"') :]
    token = form.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    assert csrf_client.post(accept, {"csrfmiddlewaretoken": token}).status_code == 302
    swap.refresh_from_db()
    assert swap.status == "accepted"
    again, _ = _swaps(theirs_client)
    assert accept not in again


def test_a_swapped_shifts_new_type_shows_to_the_colleague_at_once(client, home_a, today):
    from staffrota.rota.services import shift_change_type

    with scopes_disabled():
        colleague = f.staff_member(home_a.unit, "carer", first_name="Robin", last_name="Other")
        late = f.shift_type(home_a.home, "L", starts=time(14), ends=time(20), hours="6")
        late.name = "Twilight"
        late.save()
    _proposed_swap(home_a, colleague, today)
    client.force_login(colleague.user)
    before, _ = _swaps(client)
    # The proposer's shift is not the colleague's: only its unit's version covers it here.
    with scopes_disabled():
        shift_change_type(shift=home_a.shift, shift_type=late, actor=home_a.manager)
    after, _ = _swaps(client)
    assert "twilight" not in before
    assert "twilight" in after


def test_another_homes_swaps_are_never_shown(client, home_a, home_b, today):
    with scopes_disabled():
        colleague = f.staff_member(home_a.unit, "carer", first_name="Robin", last_name="Other")
    _proposed_swap(home_a, colleague, today)
    client.force_login(home_b.staff_user)
    page, _ = _swaps(client)
    assert "No swaps yet" in page
    assert "Robin Other" not in page


def test_the_shared_colleague_list_leaves_out_only_the_persons_own(client, home_a, today):
    """One list per unit and role serves everyone on it: each person sees all the others'
    shifts and none of their own."""
    with scopes_disabled():
        robin = f.staff_member(home_a.unit, "carer", first_name="Robin", last_name="Other")
        sam = f.staff_member(home_a.unit, "carer", first_name="Sam", last_name="Third")
    robins = _colleague_shift(home_a, robin, today + timedelta(days=3))
    sams = _colleague_shift(home_a, sam, today + timedelta(days=4))
    pages = {}
    for person in (home_a.carer, robin, sam):
        other = Client()
        other.force_login(person.user)
        html, _ = _swaps(other)
        pages[person.pk] = html.split('name="their_shift"')[1].split("</select>")[0]
    assert f'value="{robins.pk}"' in pages[sam.pk] and f'value="{sams.pk}"' in pages[robin.pk]
    assert f'value="{home_a.shift.pk}"' in pages[robin.pk]
    assert f'value="{home_a.shift.pk}"' not in pages[home_a.carer.pk]
    assert f'value="{robins.pk}"' not in pages[robin.pk]
    assert f'value="{sams.pk}"' not in pages[sam.pk]


def test_a_person_moved_to_another_unit_sees_its_colleagues_at_once(client, home_a, today):
    # The unit and role the colleagues' shifts are found by are kept with the person's own
    # parts: their record changing must not leave the old unit's colleagues on offer.
    with scopes_disabled():
        old = f.staff_member(home_a.unit, "carer", first_name="Robin", last_name="Old")
        new = f.staff_member(home_a.other_unit, "carer", first_name="Sam", last_name="New")
        theirs_old = _colleague_shift(home_a, old, today + timedelta(days=3))
        theirs_new = shift_create(
            unit=home_a.other_unit,
            day=today + timedelta(days=3),
            shift_type=home_a.early,
            job_role=new.job_role,
            staff=new,
            status=ShiftStatus.PUBLISHED,
        )
    client.force_login(home_a.staff_user)
    before, _ = _swaps(client)
    with scopes_disabled():
        home_a.carer.home_unit = home_a.other_unit
        home_a.carer.save()
    after, _ = _swaps(client)
    assert f'<option value="{theirs_old.pk}">' in before
    assert f'<option value="{theirs_new.pk}">' not in before
    assert f'<option value="{theirs_new.pk}">' in after
    assert f'<option value="{theirs_old.pk}">' not in after
