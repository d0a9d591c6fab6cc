"""Django-free demand forecasting: engines behind one interface, and the fallback rules.

from staffrota.forecasting.engine import forecast
result = forecast(dates, values, horizon=30, region="Scotland")
result.y_hat, result.lo80, result.hi95, result.engine, result.notes
"""

from .api import DEFAULT_HORIZON, forecast
from .base import Engine, EngineUnavailable
from .prepare import Prepared, prepare_history
from .registry import (
    BASELINE,
    DEFAULT_ENGINE,
    ENGINE_VERSIONS,
    ENGINES,
    UnknownEngine,
    engine_version,
    get_engine,
)
from .schema import LEVELS, REGIONS, Forecast, History, Prediction, Region

__all__ = [
    "BASELINE",
    "DEFAULT_ENGINE",
    "DEFAULT_HORIZON",
    "ENGINES",
    "ENGINE_VERSIONS",
    "LEVELS",
    "REGIONS",
    "Engine",
    "EngineUnavailable",
    "Forecast",
    "History",
    "Prediction",
    "Prepared",
    "Region",
    "UnknownEngine",
    "engine_version",
    "forecast",
    "get_engine",
    "prepare_history",
]
