"""Prophet, the seed system's engine, kept to compare against. It is an optional extra:
install it with `pip install --require-hashes -r requirements-prophet.lock`."""

from __future__ import annotations

import importlib
import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd

from .base import Engine, EngineUnavailable, from_log
from .calendar import holiday_table
from .schema import History, Prediction

#: Samples drawn for the intervals; 500 keeps the 2.5% tail stable to about a percent.
SAMPLES = 500
SEED = 20240601  # Prophet samples with numpy's global generator: seed it for repeatability


def load_prophet() -> Any:
    """Import Prophet on first use; a clear error, not an ImportError, if it is missing."""
    try:
        module = importlib.import_module("prophet")
    except ImportError as exc:
        raise EngineUnavailable(
            "the 'prophet' engine needs the optional Prophet package: "
            "pip install --require-hashes -r requirements-prophet.lock"
        ) from exc
    # cmdstanpy logs two INFO lines per fit, which would drown a backtest's output. It
    # installs its own INFO handler only when its logger has none, so give it one first;
    # warnings still propagate to whatever the application configured.
    stan_logger = logging.getLogger("cmdstanpy")
    if not stan_logger.handlers:
        stan_logger.addHandler(logging.NullHandler())
    stan_logger.setLevel(logging.WARNING)
    return module.Prophet


@contextmanager
def _quiet_prophet() -> Iterator[None]:
    """Silence deprecation warnings raised inside Prophet's own code (it uses pandas
    features that pandas 3.1 deprecates): not ours to fix, and our tests treat warnings
    as errors."""
    with warnings.catch_warnings():
        for category in (DeprecationWarning, FutureWarning):
            warnings.filterwarnings("ignore", category=category, module=r"prophet(\.|$)")
        yield


class ProphetEngine(Engine):
    """Prophet on log1p(y) with weekly and yearly seasonality and the region's bank holidays
    plus the festive days, intervals from its own posterior predictive samples."""

    name = "prophet"

    def fit(self, history: History) -> None:
        prophet_class = load_prophet()
        self._history = history
        horizon_pad = pd.date_range(history.dates[0], periods=len(history) + 400, freq="D")
        holidays = pd.concat(
            [holiday_table(horizon_pad, history.region), _festive_table(horizon_pad)]
        )
        self._model = prophet_class(
            yearly_seasonality=len(history) >= 2 * 365,
            weekly_seasonality=True,
            daily_seasonality=False,
            holidays=holidays,
            uncertainty_samples=SAMPLES,
        )
        frame = pd.DataFrame({"ds": history.dates, "y": np.log1p(history.values)})
        with _quiet_prophet():
            self._model.fit(frame)

    def predict(self, horizon: int) -> Prediction:
        future = pd.DataFrame({"ds": self._history.future_dates(horizon)})
        state = np.random.get_state()
        np.random.seed(SEED)
        try:
            with _quiet_prophet():
                samples = self._model.predictive_samples(future)["yhat"]
                point = self._model.predict(future)["yhat"].to_numpy()
        finally:
            np.random.set_state(state)
        q = np.quantile(samples, [0.025, 0.10, 0.90, 0.975], axis=1)
        return from_log(Prediction(mean=point, lo80=q[1], hi80=q[2], lo95=q[0], hi95=q[3]))


def _festive_table(dates: pd.DatetimeIndex) -> pd.DataFrame:
    """Christmas Eve to New Year's Day as named holidays, so each gets its own effect."""
    names = {(12, 24): "christmas_eve", (12, 31): "new_years_eve"}
    rows = [(day, names[(day.month, day.day)]) for day in dates if (day.month, day.day) in names]
    return pd.DataFrame(rows, columns=["ds", "holiday"])
