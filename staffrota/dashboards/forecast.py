"""The hook where the forecasting work plugs into the dashboards.

Forecasting is being built separately. When it lands it provides a module (by default
`staffrota.forecasting.dashboard`, or the dotted path in the setting
`STAFFROTA_FORECAST_DASHBOARD`) with two functions:

    forecast_accuracy(*, home_ids: list[int], months: list[date]) -> list[AccuracyPoint]
    capacity_gaps(*, home_ids: list[int], start: date, days: int) -> list[CapacityGap]

Until then both return None and the dashboards show a placeholder saying so.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import date

from django.conf import settings

DEFAULT_MODULE = "staffrota.forecasting.dashboard"


@dataclass(frozen=True)
class AccuracyPoint:
    home_id: int
    month: date
    mape: float  # mean absolute percentage error of the daily care-hours forecast


@dataclass(frozen=True)
class CapacityGap:
    home_id: int
    unit_id: int | None
    day: date
    forecast_hours: float
    planned_hours: float

    @property
    def gap_hours(self) -> float:
        return self.forecast_hours - self.planned_hours


def _provider():
    path = getattr(settings, "STAFFROTA_FORECAST_DASHBOARD", DEFAULT_MODULE)
    try:
        return importlib.import_module(path)
    except ImportError:
        return None


def forecast_accuracy(*, home_ids: list[int], months: list[date]) -> list[AccuracyPoint] | None:
    provider = _provider()
    if provider is None or not hasattr(provider, "forecast_accuracy"):
        return None
    return provider.forecast_accuracy(home_ids=home_ids, months=months)


def capacity_gaps(*, home_ids: list[int], start: date, days: int) -> list[CapacityGap] | None:
    provider = _provider()
    if provider is None or not hasattr(provider, "capacity_gaps"):
        return None
    return provider.capacity_gaps(home_ids=home_ids, start=start, days=days)
