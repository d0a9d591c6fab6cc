"""The one call the product makes: `forecast(dates, values)`, which never raises on bad data.

Bad or short data goes to the baseline engine with a note; an engine that fails is caught
and replaced by the baseline the same way, so a page always has something to show.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .base import Engine
from .prepare import prepare_history
from .registry import BASELINE, DEFAULT_ENGINE, get_engine
from .schema import REGIONS, Forecast, History, Prediction, Region

logger = logging.getLogger(__name__)

DEFAULT_HORIZON = 30


def forecast(
    dates: Sequence | pd.DatetimeIndex,
    values: Sequence[float] | np.ndarray,
    *,
    horizon: int = DEFAULT_HORIZON,
    engine: str = DEFAULT_ENGINE,
    region: Region = "England",
) -> Forecast:
    """Forecast `horizon` days after the last date, with 80% and 95% intervals.

    An unknown engine or region and a non-positive horizon are programming errors and
    raise ValueError; everything about the data itself is handled with a fallback and a note.
    """
    if horizon < 1:
        raise ValueError(f"horizon must be at least 1 day, not {horizon}")
    if region not in REGIONS:
        raise ValueError(f"region must be one of {', '.join(REGIONS)}, not {region!r}")
    chosen = get_engine(engine)  # raises UnknownEngine for a typo, before any work
    prepared = prepare_history(dates, values, region)
    notes = list(prepared.notes)
    history = prepared.history
    if history is None:
        return _empty(engine, notes)

    if prepared.fallback_reason or len(history) < chosen.min_history:
        reason = prepared.fallback_reason or f"history shorter than {engine} needs"
        notes.append(f"baseline forecast used: {reason}")
        return _run_baseline(history, horizon, engine, notes)

    try:
        prediction = _fit_predict(chosen, history, horizon)
    except Exception as exc:  # any engine failure must degrade to the baseline, not crash
        logger.warning("forecast engine %s failed: %s", engine, exc, exc_info=True)
        notes.append(f"baseline forecast used: {engine} failed ({exc})")
        return _run_baseline(history, horizon, engine, notes)
    notes.extend(chosen.notes())
    return _result(history, prediction, engine, engine, notes, fallback=False)


def _fit_predict(engine: Engine, history: History, horizon: int) -> Prediction:
    engine.fit(history)
    prediction = engine.predict(horizon)
    if not prediction.is_finite() or len(prediction.mean) != horizon:
        raise ArithmeticError("engine returned non-finite or mis-sized values")
    return prediction.tidy()


def _run_baseline(history: History, horizon: int, requested: str, notes: list[str]) -> Forecast:
    baseline = get_engine(BASELINE)
    prediction = _fit_predict(baseline, history, horizon)
    return _result(history, prediction, BASELINE, requested, notes, fallback=True)


def _result(
    history: History,
    prediction: Prediction,
    engine: str,
    requested: str,
    notes: list[str],
    *,
    fallback: bool,
) -> Forecast:
    return Forecast(
        dates=history.future_dates(len(prediction.mean)),
        y_hat=prediction.mean,
        lo80=prediction.lo80,
        hi80=prediction.hi80,
        lo95=prediction.lo95,
        hi95=prediction.hi95,
        engine=engine,
        requested_engine=requested,
        fallback=fallback,
        notes=tuple(notes),
    )


def _empty(requested: str, notes: list[str]) -> Forecast:
    nothing = np.zeros(0)
    return Forecast(
        dates=pd.DatetimeIndex([]),
        y_hat=nothing,
        lo80=nothing,
        hi80=nothing,
        lo95=nothing,
        hi95=nothing,
        engine=BASELINE,
        requested_engine=requested,
        fallback=True,
        notes=tuple(notes),
    )
