"""The adapter between the Django models and the Django-free engine: rows in, forecasts out.

`forecast_units` forecasts care hours needed per day for every unit in the active scope and
stores each result; reads go through `forecasts.forecast_latest`, which is cached.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from staffrota.forecasting.cache import forecast_cache_forget
from staffrota.forecasting.engine import DEFAULT_ENGINE, engine_version, forecast
from staffrota.forecasting.models import ForecastDay, UnitForecast
from staffrota.organisation.models import DemandRecord, Nation, Unit

HORIZON = 30
BASELINE_DAYS = 56  # the 8 weeks the staffing minimums are taken to be sized for


class ForecastError(Exception):
    """A forecast that could not be made, with a reason a manager can read."""


@dataclass
class ForecastRun:
    """What one call of `forecast_units` did."""

    made: list[int] = field(default_factory=list)  # unit ids with a new forecast
    skipped: list[int] = field(default_factory=list)  # already current for their data
    fallback: list[int] = field(default_factory=list)
    seconds: float = 0.0


def demand_history(unit_ids: Iterable[int]) -> dict[int, tuple[list[date], list[float]]]:
    """Each unit's daily care hours needed, oldest first, in one query."""
    history: dict[int, tuple[list[date], list[float]]] = defaultdict(lambda: ([], []))
    rows = (
        DemandRecord.objects.filter(unit_id__in=list(unit_ids))
        .order_by("unit_id", "date")
        .values_list("unit_id", "date", "care_hours_needed")
    )
    for unit_id, day, hours in rows:
        dates, values = history[unit_id]
        dates.append(day)
        values.append(float(hours))
    return dict(history)


def baseline_by_weekday(dates: list[date], values: list[float]) -> list[float | None]:
    """Mean care hours per weekday (Monday first) over the last 8 weeks of history."""
    if not dates:
        return [None] * 7
    since = dates[-1] - timedelta(days=BASELINE_DAYS - 1)
    sums, counts = [0.0] * 7, [0] * 7
    for day, value in zip(dates, values, strict=True):
        if day >= since and value > 0:
            sums[day.weekday()] += value
            counts[day.weekday()] += 1
    return [round(s / c, 3) if c else None for s, c in zip(sums, counts, strict=True)]


def _region(unit: Unit) -> str:
    return "Scotland" if unit.care_home.nation == Nation.SCOTLAND else "England"


def unit_forecast_create(
    *,
    unit: Unit,
    dates: list[date],
    values: list[float],
    engine: str = DEFAULT_ENGINE,
    force: bool = False,
    now=None,
) -> UnitForecast | None:
    """Forecast one unit from its history and store it; None when the stored forecast is
    already current (same last day of history and engine version) and `force` is off."""
    version = engine_version(engine)  # raises UnknownEngine for a typo
    last_day = dates[-1] if dates else None
    if not force:
        latest = UnitForecast.objects.filter(unit=unit).only(
            "history_end", "requested_engine", "engine_version"
        )
        latest = latest.first()
        if (
            latest is not None
            and latest.history_end == last_day
            and latest.requested_engine == engine
            and latest.engine_version == version
        ):
            return None
    started = time.perf_counter()
    result = forecast(dates, values, horizon=HORIZON, engine=engine, region=_region(unit))
    seconds = time.perf_counter() - started
    notes = list(result.notes)
    if not dates:
        notes.append("no demand history recorded for this unit yet")
    with transaction.atomic():
        stored = UnitForecast.objects.create(
            care_home_id=unit.care_home_id,
            unit=unit,
            engine=result.engine,
            engine_version=engine_version(result.engine),
            requested_engine=engine,
            created_at=now or timezone.now(),
            history_start=dates[0] if dates else None,
            history_end=last_day,
            history_days=len(dates),
            fallback=result.fallback,
            notes="\n".join(notes),
            baseline_by_weekday=baseline_by_weekday(dates, values),
            seconds=round(seconds, 3),
        )
        if result.has_values:
            ForecastDay.objects.bulk_create(
                ForecastDay(
                    care_home_id=unit.care_home_id,
                    forecast=stored,
                    date=ds.date(),
                    y_hat=round(float(y), 2),
                    lo80=round(float(lo80), 2),
                    hi80=round(float(hi80), 2),
                    lo95=round(float(lo95), 2),
                    hi95=round(float(hi95), 2),
                )
                for ds, y, lo80, hi80, lo95, hi95 in zip(
                    result.dates,
                    result.y_hat,
                    result.lo80,
                    result.hi80,
                    result.lo95,
                    result.hi95,
                    strict=True,
                )
            )
        unit_id = unit.pk
        transaction.on_commit(lambda: forecast_cache_forget([unit_id]))
    return stored


def forecast_units(
    *, unit_ids: Iterable[int] | None = None, engine: str = DEFAULT_ENGINE, force: bool = False
) -> ForecastRun:
    """Forecast every unit in the active scope (or just `unit_ids`) and store the results."""
    started = time.perf_counter()
    units = Unit.objects.select_related("care_home").order_by("pk")
    if unit_ids is not None:
        units = units.filter(pk__in=list(unit_ids))
    units = list(units)
    history = demand_history(unit.pk for unit in units)
    run = ForecastRun()
    for unit in units:
        dates, values = history.get(unit.pk, ([], []))
        stored = unit_forecast_create(
            unit=unit, dates=dates, values=values, engine=engine, force=force
        )
        if stored is None:
            run.skipped.append(unit.pk)
            continue
        run.made.append(unit.pk)
        if stored.fallback:
            run.fallback.append(unit.pk)
    run.seconds = time.perf_counter() - started
    return run
