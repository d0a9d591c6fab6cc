"""Hooks into parts built elsewhere: the forecasts' freshness and accuracy.

FORECAST_STATUS_HOOK names a callable returning `ForecastStatus` (or None while there are
no forecasts). Until the forecasting app provides `staffrota.forecasting.status.
forecast_status`, the import fails quietly and health and alerts leave forecasts out.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class ForecastStatus:
    generated_at: datetime  # when the newest forecast was produced
    mape: float | None = None  # its latest measured error, 0.25 = 25%


def forecast_status() -> ForecastStatus | None:
    path = settings.FORECAST_STATUS_HOOK
    if not path:
        return None
    try:
        hook = import_string(path)
    except ImportError:
        return None
    return hook()
