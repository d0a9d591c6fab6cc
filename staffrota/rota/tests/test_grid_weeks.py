"""The rota table kept a week at a time: a change rebuilds its own week only, and the table
joined from kept and rebuilt weeks is the table the template renders for the whole period."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from staffrota.leave.models import LeaveRequest, LeaveStatus
from staffrota.rota import grid_cache
from staffrota.rota.models import Shift, ShiftSource, ShiftStatus
from staffrota.rota.queries import rota_grid
from staffrota.rota.services import shift_assign, shift_create, shift_unassign
from staffrota.testing import factories as f

pytestmark = pytest.mark.django_db


def _whole(world, start, days):
    """The table as the template renders the whole period at once, leave marked."""
    grid = rota_grid(unit=world.unit, start=start, days=days)
    return str(
        render_to_string(
            "web/_rota_table.html", {"unit": world.unit, "grid": grid, "editable": True}
        )
    )


def _monday(day):
    return day - timedelta(days=day.weekday())


@pytest.fixture
def month(home_a, today):
    """Four weeks of a unit with what a joined table must get right: a vacancy in the third
    week, someone from another unit covering in the fourth, a leaver of the second week,
    agency cover in the first, drafts, leave asked for and a requirement."""
    start = _monday(today)
    with scopes_disabled():
        visitor = f.staff_member(home_a.other_unit, "carer", first_name="Vic", last_name="Visitor")
        leaver = f.staff_member(home_a.unit, "carer", first_name="Lee", last_name="Leaver")
        leaver.left_on = start + timedelta(days=9)
        leaver.save()
        vacancy = shift_create(
            unit=home_a.unit,
            day=start + timedelta(days=16),
            shift_type=home_a.early,
            job_role=home_a.carer.job_role,
            status=ShiftStatus.PUBLISHED,
        )
        shift_create(
            unit=home_a.unit,
            day=start + timedelta(days=24),
            shift_type=home_a.night,
            job_role=visitor.job_role,
            staff=visitor,
            status=ShiftStatus.PUBLISHED,
        )
        shift_create(
            unit=home_a.unit,
            day=start + timedelta(days=3),
            shift_type=home_a.early,
            job_role=leaver.job_role,
            staff=leaver,
        )
        agency = shift_create(
            unit=home_a.unit,
            day=start + timedelta(days=5),
            shift_type=home_a.night,
            job_role=home_a.nurse.job_role,
            status=ShiftStatus.PUBLISHED,
        )
        Shift.objects.filter(pk=agency.pk).update(source=ShiftSource.AGENCY)
        grid_cache.rota_changed(unit_ids=[home_a.unit.pk])
        LeaveRequest.objects.create(
            care_home=home_a.home,
            staff=home_a.carer,
            leave_type="annual",
            start_date=start + timedelta(days=20),
            end_date=start + timedelta(days=21),
            hours=12,
            status=LeaveStatus.PENDING,
        )
    return {"start": start, "vacancy": vacancy, "visitor": visitor, "leaver": leaver}


def test_the_joined_table_is_the_whole_periods_table(home_a, month, today):
    with scopes_disabled():
        for start in (month["start"], today, month["start"] + timedelta(days=7)):
            for days in (7, 28):
                table = grid_cache.rota_table(unit=home_a.unit, start=start, days=days)
                assert str(table.html) == _whole(home_a, start, days)
        assert "Visitor" in table.html and "Leaver" in table.html  # left in its first week
        later = month["start"] + timedelta(days=14)
        table = grid_cache.rota_table(unit=home_a.unit, start=later, days=14)
        assert str(table.html) == _whole(home_a, later, 14)
        assert "Visitor" in table.html and "Leaver" not in table.html


def test_a_fill_rebuilds_its_own_week_and_the_table_stays_the_whole_periods(
    home_a, month, monkeypatch
):
    start = month["start"]
    built = []
    real = rota_grid

    def recording(**kwargs):
        built.append((kwargs["start"], kwargs["days"]))
        return real(**kwargs)

    monkeypatch.setattr("staffrota.rota.queries.rota_grid", recording)
    with scopes_disabled():  # before any table: a new person changes every week
        relief = f.staff_member(home_a.unit, "carer", first_name="Rae")
    with scopes_disabled():
        grid_cache.rota_table(unit=home_a.unit, start=start, days=28)
        grid_cache.rota_table(unit=home_a.unit, start=start, days=7)
        assert built == [(start, 28)]  # the week's page joins the month's first week
        shift_assign(shift=month["vacancy"], staff=home_a.carer, actor=home_a.manager)
        filled = grid_cache.rota_table(unit=home_a.unit, start=start, days=28)
        week = grid_cache.rota_table(unit=home_a.unit, start=start, days=7)
        assert built[1:] == [(start + timedelta(days=14), 7)]  # the third week only
        assert str(filled.html) == _whole(home_a, start, 28)
        assert str(week.html) == _whole(home_a, start, 7)
        assert filled.vacancies == rota_grid(unit=home_a.unit, start=start, days=28).vacancies
        shift_unassign(shift=month["vacancy"], actor=home_a.manager, reason="undo")
        undone = grid_cache.rota_table(unit=home_a.unit, start=start, days=28)
        assert str(undone.html) == _whole(home_a, start, 28)
        # The week's rows are those of before the fill: its piece of before, kept by what
        # it shows, is joined again rather than built.
        assert built[2:] == []
        shift_assign(
            shift=month["vacancy"],
            staff=relief,
            actor=home_a.manager,
        )
        other = grid_cache.rota_table(unit=home_a.unit, start=start, days=28)
        assert str(other.html) == _whole(home_a, start, 28)
        assert built[2:] == [(start + timedelta(days=14), 7)]  # rows never shown before


def test_a_shift_moved_to_another_week_refreshes_both_weeks(home_a, month):
    start = month["start"]
    with scopes_disabled():
        grid_cache.rota_table(unit=home_a.unit, start=start, days=28)
        shift = month["vacancy"]
        shift.date -= timedelta(days=14)
        shift.starts_at -= timedelta(days=14)
        shift.ends_at -= timedelta(days=14)
        shift.save()
        table = grid_cache.rota_table(unit=home_a.unit, start=start, days=28)
        assert str(table.html) == _whole(home_a, start, 28)


def test_another_managers_fill_shows_on_a_kept_four_week_table(client, home_a, month):
    # Two managers on the same unit: the first keeps the month's table; the second fills
    # a vacancy in its third week; the first sees it on their next view.
    second = f.operational_manager(home_a.unit)
    client.force_login(home_a.manager)
    url = reverse("unit_rota", args=[home_a.unit.pk]) + f"?start={month['start']}&weeks=4"
    before = client.get(url).content.decode()
    with scopes_disabled():
        shift_assign(shift=month["vacancy"], staff=home_a.carer, actor=second)
    after = client.get(url).content.decode()
    assert before.count('class="shift vacant"') - 1 == after.count('class="shift vacant"')


def test_bulk_changes_refresh_every_week(home_a, month):
    start = month["start"]
    with scopes_disabled():
        grid_cache.rota_table(unit=home_a.unit, start=start, days=28)
        Shift.objects.filter(unit=home_a.unit, status=ShiftStatus.DRAFT).update(
            status=ShiftStatus.PUBLISHED
        )
        grid_cache.rota_changed(unit_ids=[home_a.unit.pk])
        table = grid_cache.rota_table(unit=home_a.unit, start=start, days=28)
        assert "draft" not in table.html
        assert str(table.html) == _whole(home_a, start, 28)


@pytest.mark.django_db(transaction=True)
def test_a_week_read_during_anothers_fill_is_not_served_after_it_commits(home_a, today):
    """Manager B opens the month while manager A's fill is saved but not committed: B's
    read (its own connection) builds the week from the rows before the fill. Once A's fill
    commits, both see it; the week B kept is never served again."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: a second connection that cannot see the open write")
    start = _monday(today)
    with scopes_disabled():
        vacancy = shift_create(
            unit=home_a.unit,
            day=start + timedelta(days=16),
            shift_type=home_a.early,
            job_role=home_a.carer.job_role,
            status=ShiftStatus.PUBLISHED,
        )
        before = str(grid_cache.rota_table(unit=home_a.unit, start=start, days=28).html)
    seen: dict[str, str] = {}

    def other_manager():
        try:
            with scopes_disabled():
                seen["during"] = str(
                    grid_cache.rota_table(unit=home_a.unit, start=start, days=28).html
                )
        finally:
            connections.close_all()

    with scopes_disabled():
        with transaction.atomic():
            shift_assign(shift=vacancy, staff=home_a.carer, actor=home_a.manager)
            reader = threading.Thread(target=other_manager)
            reader.start()
            reader.join(timeout=30)
        after = str(grid_cache.rota_table(unit=home_a.unit, start=start, days=28).html)
        vacant = before.count('class="shift vacant"')
        assert seen["during"].count('class="shift vacant"') == vacant  # not committed yet
        assert after.count('class="shift vacant"') == vacant - 1
        assert after == _whole(home_a, start, 28)


def test_a_fill_rebuilds_its_week_from_the_weeks_shifts_alone(home_a, month):
    # The unit's people, shift types, roles and minimums are kept with the weeks: after a
    # fill the rebuilt week reads only its shifts and the table's leave is kept too.
    start = month["start"]
    with scopes_disabled():
        grid_cache.rota_table(unit=home_a.unit, start=start, days=28)
        shift_assign(shift=month["vacancy"], staff=home_a.carer, actor=home_a.manager)
        with CaptureQueriesContext(connection) as queries:
            filled = grid_cache.rota_table(unit=home_a.unit, start=start, days=28)
        assert len(queries) == 1, [q["sql"] for q in queries]
        assert '"rota_shift"' in queries[0]["sql"]
        assert str(filled.html) == _whole(home_a, start, 28)


def test_changes_to_the_kept_unit_inputs_show_on_the_next_view(home_a, month):
    start = month["start"]
    with scopes_disabled():
        grid_cache.rota_table(unit=home_a.unit, start=start, days=28)
        # A week rebuilt after each change: the kept inputs must not be the old ones.
        steps = [
            lambda: _rename(home_a.carer.user, "Renamed"),
            lambda: _retime(home_a.early, "E2"),
            lambda: f.requirement(home_a.unit, home_a.night, home_a.carer.job_role, 3, 2),
            lambda: f.staff_member(home_a.unit, "carer", first_name="New", last_name="Starter"),
            lambda: _rename_role(home_a.carer.job_role, "Care assistant"),
        ]
        for step in steps:
            step()
            shift_assign(shift=month["vacancy"], staff=home_a.carer, actor=home_a.manager)
            table = grid_cache.rota_table(unit=home_a.unit, start=start, days=28)
            assert str(table.html) == _whole(home_a, start, 28)
            shift_unassign(shift=month["vacancy"], actor=home_a.manager, reason="undo")
        assert "Renamed" in table.html and "E2" in table.html and "Starter" in table.html
        assert "Care assistant" in table.html


def _rename(user, last_name):
    user.last_name = last_name
    user.save()


def _retime(shift_type, code):
    shift_type.code = code
    shift_type.save()


def _rename_role(role, name):
    role.name = name
    role.save()


def test_a_week_rebuilt_in_this_process_takes_the_inputs_it_read(home_a, month, monkeypatch):
    # Unpickling the unit's people and shift types cost more than the week's shifts: the
    # process holds the inputs it read under the same versions, and a rebuild after a
    # fill neither reads nor unpickles them again.
    start = month["start"]
    read = []
    real_get, real_get_many = grid_cache.cache.get, grid_cache.cache.get_many

    def recording(key, *args, **kwargs):
        read.append(key)
        return real_get(key, *args, **kwargs)

    def recording_many(keys, *args, **kwargs):
        read.extend(keys)
        return real_get_many(keys, *args, **kwargs)

    with scopes_disabled():
        grid_cache.rota_table(unit=home_a.unit, start=start, days=28)
        shift_assign(shift=month["vacancy"], staff=home_a.carer, actor=home_a.manager)
        monkeypatch.setattr(grid_cache.cache, "get", recording)
        monkeypatch.setattr(grid_cache.cache, "get_many", recording_many)
        filled = grid_cache.rota_table(unit=home_a.unit, start=start, days=28)
        monkeypatch.undo()
        assert str(filled.html) == _whole(home_a, start, 28)
    assert not [key for key in read if key.startswith("rota:gridinputs")]
    assert read  # the recording saw the rebuild's reads


def test_the_inputs_held_by_the_process_run_out_with_their_entry(home_a, today, monkeypatch):
    # A write that replaces no version shows once the kept entry has run out (the
    # backstop): the process holds what it read no longer than the entry.
    key = "rota:gridinputs2:test:held"
    with scopes_disabled():
        first = grid_cache._kept_inputs(home_a.unit, key, today)
        User = type(home_a.carer.user)
        User.objects.filter(pk=home_a.carer.user_id).update(last_name="Quietly")  # no signal
        grid_cache.cache.delete(key)
        assert grid_cache._kept_inputs(home_a.unit, key, today) is first  # held
        later = grid_cache.time.time() + grid_cache.TABLE_TIMEOUT + 1
        monkeypatch.setattr(grid_cache.time, "time", lambda: later)
        fresh = grid_cache._kept_inputs(home_a.unit, key, today)
    names = {member.pk: member.user.last_name for member in fresh.staff}
    assert names[home_a.carer.pk] == "Quietly"


def test_the_grids_kept_read_gives_the_rows_of_its_queryset(home_a, today):
    """A rebuilt week reads its shifts through kept SQL: the rows the ORM gives, drafts or
    not, on the first run and on the kept one, and only the unit's."""
    from staffrota.rota.kept_sql import kept_rows
    from staffrota.rota.queries import _grid_rows

    with scopes_disabled():
        for day, status in ((1, ShiftStatus.DRAFT), (2, ShiftStatus.PUBLISHED)):
            shift_create(
                unit=home_a.other_unit,
                day=today + timedelta(days=day),
                shift_type=home_a.early,
                job_role=home_a.carer.job_role,
                staff=None,
                status=status,
            )
        for unit in (home_a.unit, home_a.other_unit):
            for statuses in (["published"], ["published", "draft"]):
                values = {
                    "unit": unit.pk,
                    "first": today - timedelta(days=3),
                    "last": today + timedelta(days=10),
                    "statuses": statuses,
                }
                for _ in range(2):
                    rows = kept_rows(_grid_rows, **values)
                    assert rows == list(_grid_rows(**values))
                expected = Shift.objects.filter(
                    unit=unit, status__in=statuses, date__range=(values["first"], values["last"])
                ).count()
                assert len(rows) == expected > 0


def test_a_fill_while_a_week_is_built_keeps_each_piece_by_the_rows_it_shows(
    home_a, month, monkeypatch
):
    """A week is digested and built from one read of its rows: a fill committed just after
    that read leaves the piece built kept by the rows it shows, so the next view shows the
    fill, and the fill undone shows the week of before, each as the template renders it."""
    from staffrota.rota import queries

    start = month["start"]
    real = queries.period_rows
    fill_after_read = []

    def racing(**kwargs):
        rows = real(**kwargs)
        while fill_after_read:
            fill_after_read.pop()()
        return rows

    monkeypatch.setattr(queries, "period_rows", racing)
    with scopes_disabled():  # before any table: a new person changes every week
        relief = f.staff_member(home_a.unit, "carer", first_name="Rae")
    with scopes_disabled():
        before = grid_cache.rota_table(unit=home_a.unit, start=start, days=28)
        assert str(before.html) == _whole(home_a, start, 28)
        # Any change of the third week, then the fill racing its rebuild.
        shift_assign(
            shift=month["vacancy"],
            staff=relief,
            actor=home_a.manager,
        )
        shift_unassign(shift=month["vacancy"], actor=home_a.manager, reason="undo")
        fill_after_read.append(
            lambda: shift_assign(shift=month["vacancy"], staff=home_a.carer, actor=home_a.manager)
        )
        raced = grid_cache.rota_table(unit=home_a.unit, start=start, days=28)
        assert str(raced.html) == str(before.html)  # read before the fill
        after = grid_cache.rota_table(unit=home_a.unit, start=start, days=28)
        assert str(after.html) == _whole(home_a, start, 28) != str(before.html)
        shift_unassign(shift=month["vacancy"], actor=home_a.manager, reason="undo")
        undone = grid_cache.rota_table(unit=home_a.unit, start=start, days=28)
        assert str(undone.html) == _whole(home_a, start, 28) == str(before.html)
