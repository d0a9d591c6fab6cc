"""The forecast figures the dashboards show (see staffrota.dashboards.forecast)."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Avg, Count, F, OuterRef, Subquery, Sum
from django.db.models.functions import TruncMonth

from staffrota.dashboards.forecast import AccuracyPoint, CapacityGap
from staffrota.forecasting.models import ForecastAccuracy, ForecastDay, UnitForecast
from staffrota.rota.models import Shift, ShiftStatus

MAX_GAPS = 50


def forecast_accuracy(*, home_ids: list[int], months: list[date]) -> list[AccuracyPoint] | None:
    """MAPE (percent) of the daily care-hours forecast per home and month."""
    if not months:
        return []
    if not ForecastAccuracy.objects.filter(care_home_id__in=home_ids).exists():
        return None
    first = min(months).replace(day=1)
    rows = (
        ForecastAccuracy.objects.filter(care_home_id__in=home_ids, date__gte=first)
        .annotate(month=TruncMonth("date"))
        .values("care_home_id", "month")
        .annotate(mape=Avg("ape"), n=Count("ape"))
        .order_by("care_home_id", "month")
    )
    wanted = {month.replace(day=1) for month in months}
    points = []
    for row in rows:
        month = row["month"]
        month = month.date() if hasattr(month, "date") else month
        if row["mape"] is None or month not in wanted:
            continue
        points.append(AccuracyPoint(row["care_home_id"], month, round(row["mape"] * 100, 1)))
    return points


def capacity_gaps(*, home_ids: list[int], start: date, days: int) -> list[CapacityGap] | None:
    """Unit-days where the latest forecast's care hours exceed the staff hours planned."""
    latest = UnitForecast.objects.filter(unit_id=OuterRef("forecast__unit_id")).order_by(
        "-created_at", "-pk"
    )
    end = start + timedelta(days=days - 1)
    if not UnitForecast.objects.filter(care_home_id__in=home_ids).exists():
        return None
    forecast = {
        (row["forecast__unit_id"], row["date"]): (row["care_home_id"], row["y_hat"])
        for row in ForecastDay.objects.filter(
            care_home_id__in=home_ids,
            date__range=(start, end),
            forecast__fallback=False,
            forecast_id=Subquery(latest.values("pk")[:1]),
        ).values("forecast__unit_id", "date", "care_home_id", "y_hat")
    }
    planned = {
        (row["unit_id"], row["date"]): float(row["hours"])
        for row in Shift.objects.filter(
            care_home_id__in=home_ids, date__range=(start, end), staff__isnull=False
        )
        .exclude(status=ShiftStatus.CANCELLED)
        .values("unit_id", "date")
        .annotate(hours=Sum(F("paid_hours")))
        .order_by()
    }
    gaps = [
        CapacityGap(home_id, unit_id, day, round(y_hat, 1), planned.get((unit_id, day), 0.0))
        for (unit_id, day), (home_id, y_hat) in forecast.items()
        if y_hat > planned.get((unit_id, day), 0.0)
    ]
    gaps.sort(key=lambda gap: (-gap.gap_hours, gap.day))
    return gaps[:MAX_GAPS]


__all__ = ["capacity_gaps", "forecast_accuracy"]
