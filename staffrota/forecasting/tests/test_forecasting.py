"""The forecasting adapter: stored forecasts, jobs, cached reads, staffing, accuracy, pages."""

import csv
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from staffrota.forecasting import cache as fc_cache
from staffrota.forecasting import tasks
from staffrota.forecasting.accuracy import accuracy_alerts, accuracy_record, rolling_mape
from staffrota.forecasting.cache import cache_stats, forecast_latest
from staffrota.forecasting.dashboard import capacity_gaps, forecast_accuracy
from staffrota.forecasting.models import ForecastAccuracy, ForecastDay, UnitForecast
from staffrota.forecasting.services import baseline_by_weekday, forecast_units
from staffrota.forecasting.staffing import implied_minimum, requirement_for
from staffrota.forecasting.status import forecast_status
from staffrota.forecasting.tests.conftest import add_demand
from staffrota.leave import coverage
from staffrota.ops.models import Alert
from staffrota.schedule import BEAT_SCHEDULE
from staffrota.tenancy import home_scope
from staffrota.testing import factories as f
from staffrota.testing.queries import count_queries

pytestmark = pytest.mark.django_db


def _store(unit, *, history_end, y_hat=15.0, baseline=10.0, fallback=False, days=30):
    """A stored forecast written directly: exact numbers for the staffing and accuracy rules."""
    with scopes_disabled():
        stored = UnitForecast.objects.create(
            care_home_id=unit.care_home_id,
            unit=unit,
            engine="snaive" if fallback else "calendar_arima",
            engine_version="1",
            requested_engine="calendar_arima",
            created_at=timezone.now(),
            history_end=history_end,
            history_days=90,
            fallback=fallback,
            notes="baseline forecast used: history shorter than 8 weeks" if fallback else "",
            baseline_by_weekday=[baseline] * 7,
        )
        ForecastDay.objects.bulk_create(
            ForecastDay(
                care_home_id=unit.care_home_id,
                forecast=stored,
                date=history_end + timedelta(days=i + 1),
                y_hat=y_hat,
                lo80=y_hat - 1,
                hi80=y_hat + 1,
                lo95=y_hat - 2,
                hi95=y_hat + 2,
            )
            for i in range(days)
        )
    fc_cache.forecast_cache_forget([unit.pk])
    return stored


# --- storing forecasts ----------------------------------------------------------------------


def test_forecast_units_stores_thirty_days_with_engine_version_and_ordered_intervals(
    home_a, home_b, today
):
    add_demand(home_a.unit, today - timedelta(days=1), 70)
    add_demand(home_b.unit, today - timedelta(days=1), 70)
    with home_scope([home_a.home.pk]):
        run = forecast_units()
        stored = UnitForecast.objects.get(unit=home_a.unit)
        days = list(stored.days.all())
    assert run.made == [home_a.unit.pk, home_a.other_unit.pk]  # home B untouched
    with scopes_disabled():
        assert not UnitForecast.objects.filter(unit=home_b.unit).exists()
    assert (stored.engine, stored.engine_version, stored.fallback) == ("calendar_arima", "1", False)
    assert stored.history_end == today - timedelta(days=1) and stored.history_days == 70
    assert [d.date for d in days][0] == today and len(days) == 30
    assert all(d.lo95 <= d.lo80 <= d.y_hat <= d.hi80 <= d.hi95 for d in days)
    assert 50 < days[0].y_hat < 70


def test_forecast_units_skips_a_current_unit_unless_forced(home_a, today):
    add_demand(home_a.unit, today - timedelta(days=1), 70)
    with home_scope([home_a.home.pk]):
        forecast_units(unit_ids=[home_a.unit.pk], engine="snaive")
        again = forecast_units(unit_ids=[home_a.unit.pk], engine="snaive")
        forced = forecast_units(unit_ids=[home_a.unit.pk], engine="snaive", force=True)
        assert UnitForecast.objects.filter(unit=home_a.unit).count() == 2
    assert again.skipped == [home_a.unit.pk] and again.made == []
    assert forced.made == [home_a.unit.pk]


@pytest.mark.parametrize(
    ("days", "zero_from", "reason"),
    [(20, None, "8 weeks"), (90, 60, "zero")],
    ids=["short", "zeros"],
)
def test_forecast_units_falls_back_with_a_note_on_poor_history(
    home_a, today, days, zero_from, reason
):
    add_demand(home_a.unit, today - timedelta(days=1), days, zero_from=zero_from)
    with home_scope([home_a.home.pk]):
        run = forecast_units(unit_ids=[home_a.unit.pk])
        stored = UnitForecast.objects.get(unit=home_a.unit)
    assert run.fallback == [home_a.unit.pk]
    assert stored.fallback and stored.engine == "snaive"
    assert "baseline forecast used" in stored.notes and reason in stored.notes


def test_forecast_units_with_no_history_stores_a_note_not_a_crash(home_a):
    with home_scope([home_a.home.pk]):
        forecast_units(unit_ids=[home_a.unit.pk])
        stored = UnitForecast.objects.get(unit=home_a.unit)
        assert stored.days.count() == 0
    assert stored.fallback and "no demand history" in stored.notes


def test_baseline_by_weekday_averages_the_last_eight_weeks_only():
    start = date(2025, 1, 6)  # a Monday
    dates = [start + timedelta(days=i) for i in range(84)]
    values = [100.0] * 28 + [10.0] * 56
    assert baseline_by_weekday(dates, values) == [10.0] * 7
    assert baseline_by_weekday([], []) == [None] * 7


def test_forecast_unit_task_runs_in_the_units_home_scope(home_a, today):
    add_demand(home_a.unit, today - timedelta(days=1), 60)
    assert tasks.forecast_unit(home_a.unit.pk) == 1
    assert tasks.forecast_unit(987654) == 0  # a unit deleted since: nothing, no error
    assert tasks.forecast_home(home_a.home.pk) == 1  # the other unit; this one is current


def test_schedule_retrains_weekly_on_sunday_at_two():
    job = BEAT_SCHEDULE["forecast-weekly"]
    assert job["task"] == "staffrota.forecasting.tasks.forecast_all"
    schedule = job["schedule"]
    assert schedule.hour == {2} and schedule.minute == {0} and schedule.day_of_week == {0}


def test_forecast_units_command_refuses_an_unknown_unit_and_reports(home_a, today, capsys):
    add_demand(home_a.unit, today - timedelta(days=1), 60)
    with pytest.raises(CommandError, match="No unit"):
        call_command("forecast_units", "--unit", "999999")
    call_command("forecast_units", "--unit", str(home_a.unit.pk), "--engine", "snaive")
    assert "1 unit(s) forecast" in capsys.readouterr().out


def test_forecast_export_command_writes_the_bench_long_format(home_a, today, tmp_path):
    add_demand(home_a.unit, today - timedelta(days=1), 3)
    out = tmp_path / "demo.csv"
    call_command("forecast_export", "--out", str(out))
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["unique_id", "ds", "y"]
    assert len(rows) == 3 and rows[0]["unique_id"] == f"unit-{home_a.unit.pk}"


# --- cached reads -----------------------------------------------------------------------------


def test_forecast_latest_is_cached_counted_and_forgotten_on_a_new_forecast(
    home_a, today, django_capture_on_commit_callbacks, django_assert_num_queries
):
    first = _store(home_a.unit, history_end=today - timedelta(days=1))
    with home_scope([home_a.home.pk]):
        assert forecast_latest(home_a.unit.pk).id == first.pk
        with django_assert_num_queries(0):
            assert forecast_latest(home_a.unit.pk).id == first.pk
        assert (cache_stats().hits, cache_stats().misses) == (1, 1)
        add_demand(home_a.unit, today - timedelta(days=1), 60)
        with django_capture_on_commit_callbacks(execute=True):
            forecast_units(unit_ids=[home_a.unit.pk], engine="snaive")
        assert forecast_latest(home_a.unit.pk).id != first.pk
    assert cache_stats().hit_rate == pytest.approx(1 / 3)


def test_forecast_latest_caches_that_a_unit_has_no_forecast(home_a, django_assert_num_queries):
    with home_scope([home_a.home.pk]):
        assert forecast_latest(home_a.unit.pk) is None
        with django_assert_num_queries(0):
            assert forecast_latest(home_a.unit.pk) is None


# --- implied staffing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minimum", "ratio", "implied"),
    [(2, 1.2, 2), (2, 1.25, 3), (3, 0.5, 3), (0, 1.9, 0), (2, None, 2)],
)
def test_implied_minimum_rounds_to_nearest_person_never_below_minimum(minimum, ratio, implied):
    assert implied_minimum(minimum, ratio) == implied


def test_requirement_for_raises_the_minimum_where_the_forecast_exceeds_baseline(home_a, today):
    role = home_a.carer.job_role
    day = today + timedelta(days=1)  # the fixture's requirement: 2 carers on earlies
    with home_scope([home_a.home.pk]):
        assert requirement_for(home_a.unit, home_a.early, role, day) == 2
        _store(home_a.unit, history_end=today - timedelta(days=1), y_hat=15.0, baseline=10.0)
        assert requirement_for(home_a.unit, home_a.early, role, day) == 3
        assert requirement_for(home_a.unit.pk, home_a.early.pk, role.pk, day) == 3
        # The leave engine asks through the same hook.
        base = {(home_a.unit.pk, home_a.early.pk, role.pk, day.weekday()): 2}
        assert coverage.minimum_for(base, home_a.unit.pk, home_a.early.pk, role.pk, day) == 3
        # Outside the forecast's 30 days the table rules.
        assert requirement_for(home_a.unit, home_a.early, role, day + timedelta(days=35)) == 2


def test_requirement_for_ignores_a_fallback_forecast(home_a, today):
    day = today + timedelta(days=1)
    _store(home_a.unit, history_end=today - timedelta(days=1), y_hat=30.0, fallback=True)
    with home_scope([home_a.home.pk]):
        assert requirement_for(home_a.unit, home_a.early, home_a.carer.job_role, day) == 2


# --- accuracy ---------------------------------------------------------------------------------


def test_accuracy_record_scores_a_day_once_against_the_forecast_made_before_it(home_a, today):
    day = today - timedelta(days=1)
    add_demand(home_a.unit, day, 1, level=20.0)
    _store(home_a.unit, history_end=day - timedelta(days=3), y_hat=25.0)
    _store(home_a.unit, history_end=day, y_hat=99.0)  # made after the day: not scored
    with home_scope([home_a.home.pk]):
        assert accuracy_record(day=day) == 1
        assert accuracy_record(day=day) == 0
        row = ForecastAccuracy.objects.get()
        mape = rolling_mape(end=day)[home_a.unit.pk]
    assert row.predicted == 25.0 and row.lead_days == 3
    assert row.ape == pytest.approx(abs(row.actual - 25.0) / row.actual)
    assert [(m.engine, m.engine_version, m.days) for m in mape] == [("calendar_arima", "1", 1)]


def _accuracy_rows(unit, end, ape, days=7):
    with scopes_disabled():
        ForecastAccuracy.objects.bulk_create(
            ForecastAccuracy(
                care_home_id=unit.care_home_id,
                unit=unit,
                date=end - timedelta(days=i),
                engine="calendar_arima",
                engine_version="1",
                actual=10.0,
                predicted=10.0 * (1 + ape),
                ape=ape,
                lead_days=i + 1,
            )
            for i in range(days)
        )


def test_accuracy_alert_emails_once_per_incident_and_once_resolved(
    home_a, home_b, today, settings, django_capture_on_commit_callbacks
):
    settings.ALERT_EMAILS = ["support@example.org"]
    end = today - timedelta(days=1)
    _accuracy_rows(home_a.unit, end, 0.5)
    _accuracy_rows(home_b.unit, end, 0.1)
    with scopes_disabled():
        with django_capture_on_commit_callbacks(execute=True):
            first = accuracy_alerts(end=end)
        with django_capture_on_commit_callbacks(execute=True):
            second = accuracy_alerts(end=end)
        assert first[home_a.unit.pk] == "opened" and second[home_a.unit.pk] == "still failing"
        assert first[home_b.unit.pk] == "ok"
        assert len(mail.outbox) == 1 and "50%" in mail.outbox[0].subject
        assert home_a.unit.name in mail.outbox[0].subject
        ForecastAccuracy.objects.filter(unit=home_a.unit).update(ape=0.05)
        with django_capture_on_commit_callbacks(execute=True):
            assert accuracy_alerts(end=end)[home_a.unit.pk] == "resolved"
        assert len(mail.outbox) == 2 and Alert.objects.get().resolved_at is not None


def test_accuracy_alert_waits_for_a_week_of_scored_days(home_a, today):
    _accuracy_rows(home_a.unit, today, 0.9, days=3)
    with scopes_disabled():
        assert accuracy_alerts(end=today) == {}


def test_forecast_status_reports_the_newest_forecast_and_mean_unit_mape(home_a, home_b, today):
    assert forecast_status() is None
    stored = _store(home_a.unit, history_end=today - timedelta(days=1))
    _accuracy_rows(home_a.unit, today, 0.2)
    _accuracy_rows(home_b.unit, today, 0.4)
    status = forecast_status()
    assert status.generated_at == stored.created_at
    assert status.mape == pytest.approx(0.3)


def test_forecast_accuracy_dashboard_gives_monthly_mape_percent_per_home(home_a, home_b, today):
    month = today.replace(day=1)
    with home_scope([home_a.home.pk]):
        assert forecast_accuracy(home_ids=[home_a.home.pk], months=[month]) is None
    _accuracy_rows(home_a.unit, month + timedelta(days=6), 0.1)
    _accuracy_rows(home_b.unit, month + timedelta(days=6), 0.3)
    with home_scope([home_a.home.pk]):
        points = forecast_accuracy(home_ids=[home_a.home.pk], months=[month])
    assert [(p.home_id, p.month, p.mape) for p in points] == [(home_a.home.pk, month, 10.0)]


def test_capacity_gaps_lists_days_where_forecast_exceeds_planned_hours(home_a, today):
    with home_scope([home_a.home.pk]):
        assert capacity_gaps(home_ids=[home_a.home.pk], start=today, days=7) is None
    _store(home_a.unit, history_end=today - timedelta(days=1), y_hat=20.0)
    with home_scope([home_a.home.pk]):
        gaps = capacity_gaps(home_ids=[home_a.home.pk], start=today, days=7)
    by_day = {gap.day: gap for gap in gaps}
    planned = by_day[home_a.shift.date]  # the fixture's 6-hour published shift
    assert planned.planned_hours == 6.0 and planned.gap_hours == pytest.approx(14.0)
    assert len(gaps) == 7 and all(gap.unit_id == home_a.unit.pk for gap in gaps)


# --- pages ------------------------------------------------------------------------------------


def test_unit_forecast_page_shows_chart_staffing_and_cache_rate_without_inline_code(
    client, home_a, today
):
    add_demand(home_a.unit, today - timedelta(days=1), 60)
    _store(home_a.unit, history_end=today - timedelta(days=1), y_hat=15.0, baseline=10.0)
    client.force_login(home_a.manager)
    response = client.get(reverse("unit_forecast", args=[home_a.unit.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert '<polygon class="band95"' in page and '<polygon class="band80"' in page
    assert "style=" not in page and "<script>" not in page
    assert "staffing-raised" in page  # 2 carers raised to 3 on the early shift
    assert "Forecast cache:" in page and "Fallback forecast" not in page


def test_unit_forecast_page_shows_the_fallback_note(client, home_a, today):
    _store(home_a.unit, history_end=today - timedelta(days=1), fallback=True)
    client.force_login(home_a.manager)
    page = client.get(reverse("unit_forecast", args=[home_a.unit.pk])).content.decode()
    assert "Fallback forecast" in page and "history shorter than 8 weeks" in page


def test_unit_forecast_page_without_forecast_or_history_answers_200(client, home_a):
    client.force_login(home_a.manager)
    response = client.get(reverse("unit_forecast", args=[home_a.unit.pk]))
    assert response.status_code == 200 and b"No forecast has been made" in response.content


def test_unit_forecast_page_is_closed_to_staff_and_other_units(client, home_a):
    client.force_login(home_a.staff_user)
    assert client.get(reverse("unit_forecast", args=[home_a.unit.pk])).status_code == 403
    client.force_login(home_a.manager)  # an OM of `unit` only
    assert client.get(reverse("unit_forecast", args=[home_a.other_unit.pk])).status_code == 404
    assert client.get("/units/99999999/forecast/").status_code == 404


def test_unit_forecast_page_query_count_does_not_grow_with_history(client, home_a, today):
    client.force_login(home_a.manager)
    url = reverse("unit_forecast", args=[home_a.unit.pk])
    add_demand(home_a.unit, today - timedelta(days=100), 1)
    _store(home_a.unit, history_end=today - timedelta(days=1), days=1)
    client.get(url)  # warm the session and the cache
    with count_queries() as one:
        client.get(url)
    add_demand(home_a.unit, today - timedelta(days=1), 60)
    _store(home_a.unit, history_end=today - timedelta(days=1), days=30)
    client.get(url)
    with count_queries() as many:
        client.get(url)
    assert len(one) == len(many)


def test_retrain_button_queues_a_background_job_only_after_commit(
    client, home_a, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(tasks.forecast_unit, "delay", lambda *a, **k: queued.append(a))
    client.force_login(home_a.manager)
    url = reverse("unit_forecast_retrain", args=[home_a.unit.pk])
    assert client.get(url).status_code == 405
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url)
    assert response.status_code == 302 and queued == []
    for callback in callbacks:
        callback()
    assert queued == [(home_a.unit.pk,)]
    with scopes_disabled():
        assert not UnitForecast.objects.exists()  # nothing ran inside the request


def test_forecast_compare_lists_only_visible_units_with_their_mape(client, home_a, home_b, today):
    manager = f.service_manager(home_a.home)
    _store(home_a.unit, history_end=today - timedelta(days=2))
    _accuracy_rows(home_a.unit, today - timedelta(days=1), 0.45)
    client.force_login(manager)
    page = client.get(reverse("forecast_compare")).content.decode()
    assert home_a.unit.name in page and home_a.other_unit.name in page
    assert home_b.unit.name not in page
    assert "45%" in page and "text-danger" in page


def test_forecast_compare_query_count_is_constant_in_units(client, home_a, today):
    manager = f.service_manager(home_a.home)
    client.force_login(manager)
    _store(home_a.unit, history_end=today - timedelta(days=2))
    client.get(reverse("forecast_compare"))
    with count_queries() as one:
        client.get(reverse("forecast_compare"))
    for _ in range(2):
        extra = f.unit(home_a.home)
        _store(extra, history_end=today - timedelta(days=2))
        _accuracy_rows(extra, today - timedelta(days=1), 0.1)
    with count_queries() as three:
        page = client.get(reverse("forecast_compare")).content.decode()
    assert page.count("calendar_arima 1") >= 3
    assert len(one) == len(three)
