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
