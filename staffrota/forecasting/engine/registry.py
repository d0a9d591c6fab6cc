"""Engines by name, and the default chosen by the backtest (bench/forecast/README.md)."""

from __future__ import annotations

from collections.abc import Callable

from .base import Engine
from .ensemble import EnsembleEngine
from .naive import SeasonalNaiveEngine
from .prophet_engine import ProphetEngine
from .statistical import CalendarARIMAEngine, ETSEngine, MSTLEngine

BASELINE = "snaive"


def _ensemble() -> Engine:
    # The best pair in the backtest; Prophet is optional, and without it the ensemble
    # runs the calendar model alone, with a note saying so.
    return EnsembleEngine("ensemble", [CalendarARIMAEngine, ProphetEngine])


ENGINES: dict[str, Callable[[], Engine]] = {
    "snaive": SeasonalNaiveEngine,
    "ets": ETSEngine,
    "mstl": MSTLEngine,
    "calendar_arima": CalendarARIMAEngine,
    "prophet": ProphetEngine,
    "ensemble": _ensemble,
}

#: The backtest winner on accuracy first, then speed (bench/forecast/README.md): the
#: calendar regression had the lowest pooled MASE on the SWAST series and is the fastest
#: engine after the baseline; no ensemble beat it.
DEFAULT_ENGINE = "calendar_arima"


#: Bumped whenever an engine's numbers change for the same input (a new feature, a new
#: order, new data rules), so stored forecasts and their accuracy can be told apart.
ENGINE_VERSIONS: dict[str, str] = {
    "snaive": "1",
    "ets": "1",
    "mstl": "1",
    "calendar_arima": "1",
    "prophet": "1",
    "ensemble": "1",
}


def engine_version(name: str) -> str:
    """The version string stored with a forecast made by engine `name`."""
    if name not in ENGINES:
        raise UnknownEngine(f"unknown forecasting engine {name!r}")
    return ENGINE_VERSIONS.get(name, "1")


class UnknownEngine(ValueError):
    """No engine is registered under that name."""


def get_engine(name: str = DEFAULT_ENGINE) -> Engine:
    """A fresh, unfitted engine registered as `name`."""
    try:
        factory = ENGINES[name]
    except KeyError:
        raise UnknownEngine(
            f"unknown forecasting engine {name!r}; choose from {', '.join(sorted(ENGINES))}"
        ) from None
    return factory()
