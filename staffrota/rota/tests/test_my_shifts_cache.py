"""A person's own shifts, cached per person: reused while nothing changes, shown afresh after
any change to their shifts (including a shift moving to or from them), their leave or the
names on the page, and never shown to anyone else."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from staffrota.leave.models import LeaveRequest, LeaveStatus
from staffrota.rota.models import ShiftStatus
from staffrota.rota.services import rota_publish, shift_assign, shift_create, shift_unassign
from staffrota.testing import factories as f

pytestmark = pytest.mark.django_db


def _mine(client) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("my_shifts"))
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def _main(page: str) -> str:
    return page[page.index("<main") : page.index("</main>")]


def _cards(page: str) -> int:
    return page.count('class="card shift-card')


def test_second_view_reuses_the_page_and_shows_the_same_shifts(client, home_a):
    client.force_login(home_a.staff_user)
    first, first_queries = _mine(client)
    second, second_queries = _mine(client)
    assert second_queries < first_queries
    # The same page body (the layout around it carries a fresh CSRF token each time).
    assert _main(second) == _main(first)
    assert _cards(second) == 1
    assert "Early" in second and home_a.unit.name in second


def test_a_shift_taken_off_the_person_leaves_their_page(client, home_a):
    client.force_login(home_a.staff_user)
    before, _ = _mine(client)
    with scopes_disabled():
        shift_unassign(shift=home_a.shift, actor=home_a.manager, reason="moved")
    after, _ = _mine(client)
    assert _cards(before) == 1
    assert _cards(after) == 0


def test_a_shift_moving_to_someone_else_shows_on_both_pages(client, home_a, today):
    """The old holder loses it and the new holder gains it, both on their next request."""
    nurse_client = client.__class__()
    client.force_login(home_a.staff_user)
    nurse_client.force_login(home_a.nurse.user)
    with scopes_disabled():
        published_vacancy = shift_create(
            unit=home_a.unit,
            day=today + timedelta(days=5),
            shift_type=home_a.early,
            job_role=home_a.carer.job_role,
            status=ShiftStatus.PUBLISHED,
        )
        shift_assign(shift=published_vacancy, staff=home_a.carer, actor=home_a.manager)
    carer_before, _ = _mine(client)
    nurse_before, _ = _mine(nurse_client)
    with scopes_disabled():
        shift_unassign(shift=published_vacancy, actor=home_a.manager, reason="swap")
        published_vacancy.refresh_from_db()
        published_vacancy.staff = home_a.nurse
        published_vacancy.save()
    carer_after, _ = _mine(client)
    nurse_after, _ = _mine(nurse_client)
    assert _cards(carer_after) == _cards(carer_before) - 1
    assert _cards(nurse_after) == _cards(nurse_before) + 1


def test_a_save_that_moves_the_shift_directly_refreshes_the_old_holder(client, home_a):
    client.force_login(home_a.staff_user)
    before, _ = _mine(client)
    with scopes_disabled():
        shift = home_a.shift
        shift.staff = home_a.nurse  # one save, no vacant step in between
        shift.save()
    after, _ = _mine(client)
    assert _cards(before) == 1 and _cards(after) == 0


def test_publishing_which_updates_in_bulk_shows_the_shift(client, home_a, today):
    client.force_login(home_a.staff_user)
    with scopes_disabled():
        shift_create(
            unit=home_a.unit,
            day=today + timedelta(days=4),
            shift_type=home_a.night,
            job_role=home_a.carer.job_role,
            staff=home_a.carer,
        )
    drafts, _ = _mine(client)
    with scopes_disabled():
        rota_publish(
            unit=home_a.unit, start=today, end=today + timedelta(days=6), actor=home_a.manager
        )
    published, _ = _mine(client)
    assert "Night" not in drafts
    assert "Night" in published


def test_leave_asked_for_shows_at_once(client, home_a, today):
    client.force_login(home_a.staff_user)
    before, _ = _mine(client)
    with scopes_disabled():
        request = LeaveRequest.objects.create(
            care_home=home_a.home,
            staff=home_a.carer,
            leave_type="annual",
            start_date=today + timedelta(days=9),
            end_date=today + timedelta(days=9),
            hours=6,
            status=LeaveStatus.PENDING,
        )
    asked, _ = _mine(client)
    with scopes_disabled():
        request.status = LeaveStatus.CANCELLED
        request.save()
    withdrawn, _ = _mine(client)
    assert "waiting for a decision" not in before
    assert "waiting for a decision" in asked
    assert "waiting for a decision" not in withdrawn


def test_a_renamed_shift_type_and_unit_show_at_once(client, home_a):
    client.force_login(home_a.staff_user)
    _mine(client)
    with scopes_disabled():
        home_a.early.name = "Morning"
        home_a.early.save()
        home_a.unit.name = "Willow"
        home_a.unit.save()
    after, _ = _mine(client)
    assert "Morning" in after and "Willow" in after


def test_another_homes_person_never_gets_this_page(client, home_a, home_b):
    client.force_login(home_a.staff_user)
    mine, _ = _mine(client)
    other = client.__class__()
    other.force_login(home_b.staff_user)
    theirs, _ = _mine(other)
    assert home_a.unit.name in mine and home_b.unit.name not in mine
    assert home_b.unit.name in theirs and home_a.unit.name not in theirs


def test_a_colleague_in_the_same_home_gets_their_own_page(client, home_a, today):
    with scopes_disabled():
        colleague = f.staff_member(home_a.unit, "carer", first_name="Robin", last_name="Other")
    client.force_login(home_a.staff_user)
    mine, _ = _mine(client)
    other = client.__class__()
    other.force_login(colleague.user)
    theirs, _ = _mine(other)
    assert _cards(mine) == 1
    assert _cards(theirs) == 0
