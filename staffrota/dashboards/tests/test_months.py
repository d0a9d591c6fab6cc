"""Completed months are stored per home and recomputed only for the month a change touches."""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scopes_disabled

from staffrota.compliance.queries import add_months
from staffrota.dashboards import months as months_module
from staffrota.dashboards.models import HomeMonth
from staffrota.dashboards.months import months_closed_many, months_touch
from staffrota.dashboards.stats import home_stats_compute
from staffrota.rota.models import ShiftSource, ShiftStatus
from staffrota.rota.services import rota_publish, shift_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _past_the_settling_hour():
    """A month is stored only an hour after it ends (`months.SETTLE`), so between midnight
    and 1 am on the 1st last month is rightly not stored yet, and these tests about stored
    months would fail then. They run at noon of the real day instead."""
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    with time_machine.travel(noon, tick=True):
        yield


def _month(today, back):
    return add_months(today.replace(day=1), -back)


def _worked(world, day, staff=None):
    staff = staff or world.carer
    return shift_create(
        unit=world.unit,
        day=day,
        shift_type=world.early,
        job_role=staff.job_role,
        staff=staff,
        status=ShiftStatus.PUBLISHED,
    )


def _figures(home, today):
    """The home's 12 months (oldest first), as the dashboards get them."""
    return home_stats_compute([home.pk], today)[home.pk].months


def _rows(home):
    return {row.month: row for row in HomeMonth.objects.filter(care_home=home)}


def _shift_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if 'SUM("rota_shift"."paid_hours")' in q["sql"]]


def test_a_change_in_one_month_recomputes_only_that_month(home_a, home_b, today):
    two_ago, three_ago = _month(today, 2), _month(today, 3)
    with scopes_disabled():
        _worked(home_a, two_ago + timedelta(days=4))
        _worked(home_a, three_ago + timedelta(days=4))
        _worked(home_b, two_ago + timedelta(days=4))
        before = {m.month: m for m in _figures(home_a.home, today)}
        stored, other = _rows(home_a.home), _rows(home_b.home)
        assert before[two_ago].hours == {"contracted": 6.0}
        assert set(stored) == {_month(today, back) for back in range(1, 12)}  # not this month
        assert all(row.computed_generation == row.generation for row in stored.values())

        _worked(home_a, two_ago + timedelta(days=9), staff=home_a.nurse)  # the change

        touched = _rows(home_a.home)
        assert touched[two_ago].generation == stored[two_ago].generation + 1
        assert touched[three_ago].generation == stored[three_ago].generation
        assert _rows(home_b.home)[two_ago].generation == other[two_ago].generation  # other home
        with CaptureQueriesContext(connection) as queries:
            after = {m.month: m for m in _figures(home_a.home, today)}
        again = _rows(home_a.home)

    assert after[two_ago].hours == {"contracted": 12.0}
    assert after[three_ago].hours == before[three_ago].hours
    assert again[two_ago].computed_at > stored[two_ago].computed_at
    for month in set(stored) - {two_ago}:
        assert again[month].computed_at == stored[month].computed_at, month
    # The shift history read again covers that month only (and this month, computed live).
    month_end = add_months(two_ago, 1) - timedelta(days=1)
    ranges = [sql for sql in _shift_queries(queries) if two_ago.isoformat() in sql]
    assert ranges and all(month_end.isoformat() in sql for sql in ranges)
    assert not any(three_ago.isoformat() in sql for sql in _shift_queries(queries))


def test_changes_this_month_and_later_leave_stored_months_alone(home_a, today):
    with scopes_disabled():
        _figures(home_a.home, today)
        stored = _rows(home_a.home)
        _worked(home_a, today, staff=home_a.nurse)
        _worked(home_a, today + timedelta(days=40), staff=home_a.nurse)
        now = _rows(home_a.home)
        assert all(now[m].generation == stored[m].generation for m in stored)
        assert _figures(home_a.home, today)[-1].hours.get("contracted") == 6.0  # live


def test_stored_months_survive_a_cleared_cache(client, home_a, head_of_service, today):
    from staffrota.testing.factories import PASSWORD

    with scopes_disabled():
        _worked(home_a, _month(today, 5) + timedelta(days=2))
    client.login(username=head_of_service.username, password=PASSWORD)
    assert client.get("/dashboard/group/").status_code == 200
    with scopes_disabled():
        stored = _rows(home_a.home)
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/dashboard/group/").status_code == 200
    with scopes_disabled():
        assert {r.computed_at for r in _rows(home_a.home).values()} == {
            r.computed_at for r in stored.values()
        }
    # Only the current month's shifts were summed.
    assert all(_month(today, 0).isoformat() in sql for sql in _shift_queries(queries))


def test_deleting_and_publishing_in_a_past_month_refresh_it(home_a, today):
    month = _month(today, 2)
    with scopes_disabled():
        kept = _worked(home_a, month + timedelta(days=1))
        gone = _worked(home_a, month + timedelta(days=2), staff=home_a.nurse)
        draft = shift_create(
            unit=home_a.unit,
            day=month + timedelta(days=3),
            shift_type=home_a.early,
            job_role=home_a.carer.job_role,
            staff=home_a.carer,
        )
        assert _figures(home_a.home, today)[-3].hours == {"contracted": 12.0}
        gone.delete()
        assert _figures(home_a.home, today)[-3].hours == {"contracted": 6.0}
        # Publishing writes with QuerySet.update(): no model signal, the rota's own one.
        published = rota_publish(
            unit=home_a.unit, start=draft.date, end=draft.date, actor=home_a.manager
        )
        assert published == 1
        assert _figures(home_a.home, today)[-3].hours == {"contracted": 12.0}
        assert kept.pk


def test_moving_a_shift_to_another_month_refreshes_both(home_a, today):
    old, new = _month(today, 4), _month(today, 3)
    with scopes_disabled():
        shift = _worked(home_a, old + timedelta(days=5))
        _figures(home_a.home, today)
        shift.date = new + timedelta(days=5)
        shift.starts_at += new + timedelta(days=5) - (old + timedelta(days=5))
        shift.ends_at += new + timedelta(days=5) - (old + timedelta(days=5))
        shift.save()
        figures = {m.month: m for m in _figures(home_a.home, today)}
    assert figures[old].hours == {}
    assert figures[new].hours == {"contracted": 6.0}


def test_a_computation_that_raced_a_change_is_not_kept(home_a, today, monkeypatch):
    month = _month(today, 2)
    compute = months_module.month_figures_compute

    def change_while_computing(home_ids, first, last):
        result = compute(home_ids, first, last)  # reads the rows before the change...
        months_touch(home_id=home_a.home.pk, days=[month])  # ...which then commits
        return result

    with scopes_disabled():
        _worked(home_a, month + timedelta(days=1))
        monkeypatch.setattr(months_module, "month_figures_compute", change_while_computing)
        months_closed_many([home_a.home.pk], [month])
        row = HomeMonth.objects.get(care_home=home_a.home, month=month)
        assert row.figures is not None and row.computed_generation != row.generation
        monkeypatch.setattr(months_module, "month_figures_compute", compute)
        with CaptureQueriesContext(connection) as queries:
            figures = months_closed_many([home_a.home.pk], [month])
        row.refresh_from_db()
    assert _shift_queries(queries)  # recomputed, not taken from the stale row
    assert row.computed_generation == row.generation
    assert figures[(home_a.home.pk, month)].hours == {"contracted": 6.0}


def test_agency_booking_rate_change_refreshes_its_month(home_a, today):
    from decimal import Decimal

    from staffrota.rota.models import AgencyBooking, AgencyStatus

    month = _month(today, 2)
    with scopes_disabled():
        shift = shift_create(
            unit=home_a.unit,
            day=month + timedelta(days=1),
            shift_type=home_a.early,
            job_role=home_a.carer.job_role,
            status=ShiftStatus.PUBLISHED,
            source=ShiftSource.AGENCY,
        )
        booking = AgencyBooking.objects.create(
            care_home=home_a.home,
            shift=shift,
            agency="Caremark",
            hourly_rate=Decimal("30.00"),
            status=AgencyStatus.CONFIRMED,
        )
        assert _figures(home_a.home, today)[-3].cost == {"agency": 180.0}
        booking = AgencyBooking.objects.get(pk=booking.pk)  # shift not loaded with it
        booking.hourly_rate = Decimal("40.00")
        booking.save()
        assert _figures(home_a.home, today)[-3].cost == {"agency": 240.0}


def test_nightly_job_stores_the_months_and_warms_the_day(
    client, home_a, home_b, head_of_service, today
):
    from staffrota.dashboards.tasks import dashboards_prepare
    from staffrota.schedule import BEAT_SCHEDULE
    from staffrota.testing.factories import PASSWORD

    assert BEAT_SCHEDULE["dashboards-prepare"]["task"].endswith("tasks.dashboards_prepare")
    with scopes_disabled():
        _worked(home_a, _month(today, 1) + timedelta(days=3))
    assert dashboards_prepare(today=today.isoformat()) == 2
    with scopes_disabled():
        rows = list(HomeMonth.objects.filter(figures__isnull=False))
        assert len(rows) == 2 * 11
        assert all(row.computed_generation == row.generation for row in rows)
        done = {row.pk: row.computed_at for row in rows}
        last = HomeMonth.objects.get(care_home=home_a.home, month=_month(today, 1))
    assert last.figures["hours"] == {"contracted": 6.0}
    # The day's first dashboard finds today's figures cached: no shift is read.
    client.login(username=head_of_service.username, password=PASSWORD)
    with CaptureQueriesContext(connection) as first_view:
        assert client.get("/dashboard/group/").status_code == 200
    assert not [q for q in first_view.captured_queries if "rota_shift" in q["sql"]]
    # A second run: all current, nothing computed or stored again.
    with CaptureQueriesContext(connection) as again:
        dashboards_prepare(today=today.isoformat())
    assert len(again) == 2  # the homes and their stored months
    with scopes_disabled():
        assert {r.pk: r.computed_at for r in HomeMonth.objects.all() if r.figures} == done


def test_a_month_is_stored_only_an_hour_after_it_ends(home_a, today, monkeypatch):
    from datetime import datetime, time

    from django.utils import timezone

    from staffrota.dashboards.months import month_is_closed, month_is_settled

    month = _month(today, 1)
    midnight = timezone.make_aware(datetime.combine(_month(today, 0), time.min))
    assert month_is_closed(month, _month(today, 0)) and not month_is_closed(month, month)
    assert not month_is_settled(month, midnight + timedelta(minutes=59))
    assert month_is_settled(month, midnight + timedelta(hours=1))
    with scopes_disabled():
        _worked(home_a, month + timedelta(days=2))
        monkeypatch.setattr(months_module.timezone, "now", lambda: midnight + timedelta(minutes=5))
        figures = months_closed_many([home_a.home.pk], [month])
        assert figures[(home_a.home.pk, month)].hours == {"contracted": 6.0}  # computed...
        assert HomeMonth.objects.get(care_home=home_a.home, month=month).figures is None  # ...kept
        monkeypatch.setattr(months_module.timezone, "now", lambda: midnight + timedelta(hours=2))
        months_closed_many([home_a.home.pk], [month])
        assert HomeMonth.objects.get(care_home=home_a.home, month=month).figures is not None
