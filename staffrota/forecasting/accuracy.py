"""Daily accuracy: yesterday's actual care hours against what was forecast for it, the
rolling MAPE per unit and engine version, and the once-per-incident alert over 40%."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Avg, Count, Max

from staffrota.forecasting.models import ForecastAccuracy, ForecastDay
from staffrota.ops.alerts import alert_open, alert_resolve
from staffrota.ops.models import Severity
from staffrota.organisation.models import DemandRecord, Unit

WINDOW_DAYS = 28  # rolling MAPE over the last four weeks
MIN_DAYS = 7  # fewer scored days than this say too little to alert on


def accuracy_record(*, day: date, unit_ids: Iterable[int] | None = None) -> int:
    """Score `day` for every unit in scope with an actual and a forecast made before it.

    Idempotent: one row per unit and day (a unique constraint; existing rows are kept).
    Returns the number of rows written.
    """
    actuals = DemandRecord.objects.filter(date=day)
    forecasts = ForecastDay.objects.filter(date=day, forecast__history_end__lt=day)
    if unit_ids is not None:
        unit_ids = list(unit_ids)
        actuals = actuals.filter(unit_id__in=unit_ids)
        forecasts = forecasts.filter(forecast__unit_id__in=unit_ids)
    actual = {
        unit_id: (home_id, float(hours))
        for unit_id, home_id, hours in actuals.values_list(
            "unit_id", "care_home_id", "care_hours_needed"
        )
    }
    latest: dict[int, tuple] = {}
    rows = forecasts.order_by("forecast__unit_id", "-forecast__created_at", "-forecast_id")
    for row in rows.values_list(
        "forecast__unit_id",
        "forecast_id",
        "y_hat",
        "forecast__engine",
        "forecast__engine_version",
        "forecast__history_end",
    ):
        latest.setdefault(row[0], row)  # the newest forecast made before the day
    records = []
    for unit_id, (_, forecast_id, y_hat, engine, version, history_end) in latest.items():
        if unit_id not in actual:
            continue
        home_id, value = actual[unit_id]
        records.append(
            ForecastAccuracy(
                care_home_id=home_id,
                unit_id=unit_id,
                forecast_id=forecast_id,
                date=day,
                engine=engine,
                engine_version=version,
                actual=value,
                predicted=y_hat,
                ape=abs(value - y_hat) / value if value > 0 else None,
                lead_days=(day - history_end).days,
            )
        )
    existing = set(
        ForecastAccuracy.objects.filter(
            date=day, unit_id__in=[r.unit_id for r in records]
        ).values_list("unit_id", flat=True)
    )
    fresh = [r for r in records if r.unit_id not in existing]
    ForecastAccuracy.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(fresh)


@dataclass(frozen=True)
class Mape:
    unit_id: int
    engine: str
    engine_version: str
    mape: float | None  # 0.12 = 12%
    days: int
    last_day: date | None


def rolling_mape(
    *, end: date, unit_ids: Iterable[int] | None = None, days: int = WINDOW_DAYS
) -> dict[int, list[Mape]]:
    """MAPE per unit and engine version over the `days` days up to `end`, newest first."""
    rows = ForecastAccuracy.objects.filter(date__gt=end - timedelta(days=days), date__lte=end)
    if unit_ids is not None:
        rows = rows.filter(unit_id__in=list(unit_ids))
    grouped = (
        rows.values("unit_id", "engine", "engine_version")
        .annotate(mape=Avg("ape"), days=Count("ape"), last_day=Max("date"))
        .order_by("unit_id", "-last_day", "engine", "engine_version")
    )
    result: dict[int, list[Mape]] = {}
    for row in grouped:
        result.setdefault(row["unit_id"], []).append(Mape(**row))
    return result


def unit_mape(*, end: date, unit_ids: Iterable[int] | None = None, days: int = WINDOW_DAYS):
    """One MAPE per unit over the window, whatever the engine: what the alert watches."""
    rows = ForecastAccuracy.objects.filter(date__gt=end - timedelta(days=days), date__lte=end)
    if unit_ids is not None:
        rows = rows.filter(unit_id__in=list(unit_ids))
    grouped = rows.values("unit_id").annotate(mape=Avg("ape"), days=Count("ape")).order_by()
    return {row["unit_id"]: (row["mape"], row["days"]) for row in grouped}


def alert_check_name(unit_id: int) -> str:
    return f"forecast_mape_unit_{unit_id}"


def accuracy_alerts(*, end: date) -> dict[int, str]:
    """Open (and e-mail, once per incident) or resolve each unit's MAPE alert.

    Uses the ops alert machinery, one check per unit, so a unit that stays over the limit
    e-mails once and a "resolved" e-mail follows when it comes back under.
    """
    limit = settings.ALERT_FORECAST_MAPE
    units = {unit.pk: unit for unit in Unit.objects.select_related("care_home")}
    outcome = {}
    for unit_id, (mape, days) in unit_mape(end=end, unit_ids=units).items():
        if mape is None or days < MIN_DAYS:
            continue
        check = alert_check_name(unit_id)
        if mape > limit:
            unit = units[unit_id]
            opened = alert_open(
                check=check,
                severity=Severity.LOW,
                summary=(
                    f"{unit.care_home.name}, {unit.name}: care-hours forecast error (MAPE) "
                    f"{mape:.0%} over the last {days} days, limit {limit:.0%}. Check the "
                    "unit's demand records, then retrain from its forecast page."
                ),
            )
            outcome[unit_id] = "opened" if opened else "still failing"
        else:
            outcome[unit_id] = "resolved" if alert_resolve(check=check) else "ok"
    return outcome
