"""Forecast pages: one per unit (chart, implied staffing, accuracy) and a comparison of
units. Thin: resolve the unit against request.access, read, render."""

from datetime import timedelta

from django.contrib import messages
from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from staffrota.forecasting.accuracy import WINDOW_DAYS, rolling_mape
from staffrota.forecasting.cache import cache_stats, forecast_latest
from staffrota.forecasting.chart import forecast_chart
from staffrota.forecasting.models import UnitForecast
from staffrota.forecasting.staffing import implied_staffing
from staffrota.organisation.models import DemandRecord, Unit
from staffrota.web.permissions import manager_required

HISTORY_SHOWN_DAYS = 120
STAFFING_DAYS = 14


def _unit(request, unit_id: int) -> Unit:
    return get_object_or_404(
        Unit.objects.select_related("care_home"), pk=unit_id, pk__in=request.access.unit_ids
    )


@require_GET
@manager_required
def unit_forecast(request, unit_id: int):
    unit = _unit(request, unit_id)
    stored = forecast_latest(unit.pk)
    today = timezone.localdate()
    history = [
        (day, float(hours))
        for day, hours in DemandRecord.objects.filter(
            unit=unit, date__gt=today - timedelta(days=HISTORY_SHOWN_DAYS)
        )
        .order_by("date")
        .values_list("date", "care_hours_needed")
    ]
    days = list(stored.days) if stored else []
    chart = forecast_chart(
        title=f"{unit.name}: care hours needed per day, recorded and forecast",
        history=history,
        days=days,
    )
    staffing_days = [d.date for d in days if d.date >= today][:STAFFING_DAYS]
    staffing = implied_staffing(unit=unit, stored=stored, days=staffing_days)
    accuracy = rolling_mape(end=today - timedelta(days=1), unit_ids=[unit.pk]).get(unit.pk, [])
    return render(
        request,
        "forecasting/unit_forecast.html",
        {
            "unit": unit,
            "stored": stored,
            "chart": chart,
            "days": days,
            "staffing": staffing,
            "staffing_days": staffing_days,
            "accuracy": accuracy,
            "window_days": WINDOW_DAYS,
            "cache": cache_stats(),
        },
    )


@require_POST
@manager_required
def unit_forecast_retrain(request, unit_id: int):
    # Imported here: the job module loads the engine (pandas, statsforecast), which the
    # web process needs only when a manager asks for a retrain.
    from staffrota.forecasting import tasks

    unit = _unit(request, unit_id)
    # A background job, queued only once this request's transaction has committed.
    tasks.forecast_unit.delay_on_commit(unit.pk)
    messages.success(
        request,
        f"Retraining the forecast for {unit.name} in the background; "
        "reload this page in a minute to see it.",
    )
    return redirect("unit_forecast", unit_id=unit.pk)


@require_GET
@manager_required
def forecast_compare(request):
    """Every unit the manager may see, with its latest forecast and rolling MAPE."""
    latest = UnitForecast.objects.filter(unit_id=OuterRef("pk")).order_by("-created_at", "-pk")
    units = list(
        Unit.objects.filter(pk__in=request.access.unit_ids)
        .select_related("care_home")
        .annotate(
            forecast_engine=Subquery(latest.values("engine")[:1]),
            forecast_version=Subquery(latest.values("engine_version")[:1]),
            forecast_created=Subquery(latest.values("created_at")[:1]),
            forecast_fallback=Subquery(latest.values("fallback")[:1]),
        )
        .order_by("care_home__name", "name")
    )
    today = timezone.localdate()
    mape = rolling_mape(end=today - timedelta(days=1), unit_ids=[u.pk for u in units])
    rows = [(unit, mape.get(unit.pk, [])) for unit in units]
    return render(
        request,
        "forecasting/compare.html",
        {"rows": rows, "window_days": WINDOW_DAYS, "cache": cache_stats()},
    )
