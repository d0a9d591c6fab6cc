"""The cached rota table: reused while nothing changes, rebuilt after any change it shows."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from staffrota.leave.models import LeaveRequest, LeaveStatus, SicknessReason
from staffrota.leave.services import sickness_record
from staffrota.rota.models import Shift, ShiftStatus
from staffrota.rota.services import rota_publish, shift_assign, shift_create
from staffrota.testing import factories as f
from staffrota.testing.queries import count_queries

pytestmark = pytest.mark.django_db


def _grid(client, world):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("unit_rota", args=[world.unit.pk]))
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def _table(page: str) -> str:
    return page[page.index('<table class="rota">') : page.index("</table>")]


def test_second_view_reuses_the_table_and_shows_the_same_rota(client, home_a):
    client.force_login(home_a.manager)
    first, first_queries = _grid(client, home_a)
    second, second_queries = _grid(client, home_a)
    assert second_queries < first_queries
    # The same table (the page around it carries a fresh CSRF token each time).
    assert _table(second) == _table(first)
    assert home_a.carer.full_name in second


def test_an_assignment_shows_at_once(client, home_a):
    client.force_login(home_a.manager)
    before, _ = _grid(client, home_a)
    with scopes_disabled():
        newcomer = f.staff_member(home_a.unit, "rn", first_name="Quinn", last_name="Newcomer")
        shift_assign(shift=home_a.vacancy, staff=newcomer, actor=home_a.manager)
    after, _ = _grid(client, home_a)
    assert "Newcomer" not in before
    assert "Newcomer" in after
    assert after.count('class="shift vacant"') == before.count('class="shift vacant"') - 1


def test_publishing_which_updates_in_bulk_refreshes_the_table(client, home_a, today):
    client.force_login(home_a.manager)
    with scopes_disabled():
        shift_create(
            unit=home_a.unit,
            day=today + timedelta(days=2),
            shift_type=home_a.night,
            job_role=home_a.nurse.job_role,
            staff=home_a.nurse,
        )
    drafts, _ = _grid(client, home_a)
    with scopes_disabled():
        rota_publish(
            unit=home_a.unit, start=today, end=today + timedelta(days=6), actor=home_a.manager
        )
        assert not Shift.objects.filter(unit=home_a.unit, status=ShiftStatus.DRAFT).exists()
    published, _ = _grid(client, home_a)
    assert "shift night draft" in drafts
    assert "shift night draft" not in published


def test_sickness_and_a_name_change_refresh_the_table(client, home_a, today):
    client.force_login(home_a.manager)
    before, _ = _grid(client, home_a)
    with scopes_disabled():
        sickness_record(
            staff=home_a.carer,
            start=today,
            expected_end=home_a.shift.date,
            reason=SicknessReason.values[0],
            actor=home_a.manager,
        )
    sick, _ = _grid(client, home_a)
    mark = 'title="On leave">S</span>'
    assert mark in _table(sick) and mark not in _table(before)
    user = home_a.carer.user
    user.last_name = "Renamed"
    user.save()
    renamed, _ = _grid(client, home_a)
    assert "Renamed" in _table(renamed) and "Renamed" not in _table(sick)


def test_another_homes_change_keeps_this_homes_table(client, home_a, home_b):
    client.force_login(home_a.manager)
    _grid(client, home_a)
    _, cached_queries = _grid(client, home_a)
    with scopes_disabled():
        shift_assign(shift=home_b.vacancy, staff=home_b.nurse, actor=home_b.manager)
    _, after_queries = _grid(client, home_a)
    assert after_queries == cached_queries


def test_a_change_on_one_unit_keeps_the_other_units_table(client, home_a, today):
    manager = f.operational_manager(home_a.unit, home_a.other_unit)
    client.force_login(manager)
    other_url = reverse("unit_rota", args=[home_a.other_unit.pk])
    client.get(other_url)
    with count_queries() as cached:
        client.get(other_url)
    with scopes_disabled():
        shift_assign(shift=home_a.vacancy, staff=home_a.nurse, actor=manager)
    with count_queries() as after:
        client.get(other_url)
    assert len(after) == len(cached)


def test_leave_of_someone_covering_another_unit_refreshes_that_units_table(client, home_a, today):
    manager = f.operational_manager(home_a.unit, home_a.other_unit)
    client.force_login(manager)
    day = today + timedelta(days=3)
    with scopes_disabled():
        shift_create(
            unit=home_a.other_unit,
            day=day,
            shift_type=home_a.early,
            job_role=home_a.carer.job_role,
            staff=home_a.carer,
            status=ShiftStatus.PUBLISHED,
        )
    other_url = reverse("unit_rota", args=[home_a.other_unit.pk])
    before = client.get(other_url).content.decode()
    with scopes_disabled():
        LeaveRequest.objects.create(
            care_home=home_a.home,
            staff=home_a.carer,
            leave_type="annual",
            start_date=day,
            end_date=day,
            hours=6,
            status=LeaveStatus.PENDING,
        )
    after = client.get(other_url).content.decode()
    mark = 'title="Leave asked for"'
    assert mark not in _table(before) and mark in _table(after)


def _ask_leave(world, day, status=LeaveStatus.PENDING):
    with scopes_disabled():
        return LeaveRequest.objects.create(
            care_home=world.home,
            staff=world.carer,
            leave_type="annual",
            start_date=day,
            end_date=day,
            hours=6,
            status=status,
        )


def test_leave_asked_for_and_withdrawn_marks_the_table_without_rebuilding_its_shifts(
    client, home_a
):
    client.force_login(home_a.manager)
    _, built_queries = _grid(client, home_a)
    before, cached_queries = _grid(client, home_a)
    leave = _ask_leave(home_a, home_a.shift.date)
    asked, asked_queries = _grid(client, home_a)
    mark = 'title="Leave asked for">AL</span>'
    assert mark in _table(asked) and mark not in _table(before)
    # Only the leave is read again (two queries), not the shifts, staff and requirements.
    assert cached_queries < asked_queries < built_queries
    with scopes_disabled():
        leave.status = LeaveStatus.CANCELLED
        leave.save()
    withdrawn, _ = _grid(client, home_a)
    assert _table(withdrawn) == _table(before)


def test_a_table_marked_from_the_cache_is_the_table_built_with_its_leave(client, home_a, today):
    from django.template.loader import render_to_string

    from staffrota.rota.grid_cache import rota_table
    from staffrota.rota.queries import rota_grid

    client.force_login(home_a.manager)
    _ask_leave(home_a, home_a.shift.date)
    _ask_leave(home_a, today + timedelta(days=4), status=LeaveStatus.APPROVED)
    with scopes_disabled():
        sickness_record(
            staff=home_a.nurse,
            start=today,
            expected_end=today + timedelta(days=2),
            reason=SicknessReason.values[0],
            actor=home_a.manager,
        )
        start = today
        for days in (7, 28):
            whole = render_to_string(
                "web/_rota_table.html",
                {
                    "unit": home_a.unit,
                    "grid": rota_grid(unit=home_a.unit, start=start, days=days),
                    "editable": True,
                },
            )
            rota_table(unit=home_a.unit, start=start, days=days)  # the table without leave kept
            _ask_leave(home_a, today + timedelta(days=5), status=LeaveStatus.CANCELLED)
            marked = rota_table(unit=home_a.unit, start=start, days=days).html
            assert str(marked) == str(whole)
            assert "<!--leave:" not in marked
            assert marked.count('class="leave') == 5  # three days sick, two of leave


def test_leave_in_another_home_or_unit_keeps_this_units_table(client, home_a, home_b):
    manager = f.operational_manager(home_a.unit, home_a.other_unit)
    client.force_login(manager)
    other_url = reverse("unit_rota", args=[home_a.other_unit.pk])
    client.get(other_url)
    with count_queries() as cached:
        other = client.get(other_url).content.decode()
    _ask_leave(home_b, home_b.shift.date)
    _ask_leave(home_a, home_a.shift.date)  # someone of the first unit, not rostered here
    with count_queries() as after:
        again = client.get(other_url).content.decode()
    assert len(after) == len(cached)
    assert _table(again) == _table(other)
    assert home_a.carer.full_name not in _table(again)
    assert home_b.carer.full_name not in _table(again)


def test_the_signals_kept_reads_give_the_rows_of_their_querysets(home_a, home_b, today):
    """Who held a shift before its save, a person's home unit and the units of their
    shifts over some days are read through kept SQL: the rows the ORM gives, on the first
    run and on the kept one."""
    from staffrota.rota import grid_cache
    from staffrota.rota.kept_sql import kept_rows

    with scopes_disabled():
        shift_create(
            unit=home_a.other_unit,
            day=today + timedelta(days=3),
            shift_type=home_a.early,
            job_role=home_a.carer.job_role,
            staff=home_a.carer,
            status=ShiftStatus.PUBLISHED,
        )
        span = {"first": today, "last": today + timedelta(days=5)}
        reads = [
            (grid_cache._holder_rows, {"pk": home_a.shift.pk}),
            (grid_cache._holder_rows, {"pk": home_a.vacancy.pk}),
            (grid_cache._home_unit_rows, {"pk": home_b.nurse.pk}),
            (grid_cache._absent_units_from, {"staff_id": home_a.carer.pk, "first": today}),
            (grid_cache._absent_units_between, {"staff_id": home_a.carer.pk, **span}),
        ]
        for _ in range(2):
            for build, values in reads:
                assert kept_rows(build, **values) == list(build(**values)), build.__name__
        units = kept_rows(grid_cache._absent_units_between, staff_id=home_a.carer.pk, **span)
    assert sorted(units) == sorted([(home_a.unit.pk,), (home_a.other_unit.pk,)])


def test_leave_asked_for_with_its_days_as_text_refreshes_the_units_table(client, home_a, today):
    # A request created with its dates as text (the field takes them) still finds the
    # units the person works on those days.
    client.force_login(home_a.manager)
    before, _ = _grid(client, home_a)
    day = (today + timedelta(days=1)).isoformat()
    with scopes_disabled():
        LeaveRequest.objects.create(
            care_home=home_a.home,
            staff=home_a.carer,
            leave_type="annual",
            start_date=day,
            end_date=day,
            hours=6,
            status=LeaveStatus.PENDING,
        )
    after, _ = _grid(client, home_a)
    assert 'class="leave pending"' not in _table(before)
    assert 'class="leave pending"' in _table(after)
