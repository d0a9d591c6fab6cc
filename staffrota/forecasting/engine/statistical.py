"""Fast statistical engines on statsforecast: ETS, MSTL and regression with ARIMA errors.

All of them model log1p(demand): health demand varies in proportion to its level (the
winter peak is wider as well as higher), which a log makes additive and steady.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from statsforecast.models import ARIMA, MSTL, AutoETS

from .base import Engine, from_log
from .calendar import YEARLY_FOURIER_ORDER, features
from .schema import LEVELS, History, Prediction

YEAR = 365


def _prediction(raw: dict[str, np.ndarray]) -> Prediction:
    return Prediction(
        mean=np.asarray(raw["mean"], dtype=float),
        lo80=np.asarray(raw["lo-80"], dtype=float),
        hi80=np.asarray(raw["hi-80"], dtype=float),
        lo95=np.asarray(raw["lo-95"], dtype=float),
        hi95=np.asarray(raw["hi-95"], dtype=float),
    )


class _StatsforecastEngine(Engine):
    """Shared fit/predict around one statsforecast model on log1p(y)."""

    #: Days of history kept: older years add fit time but little for weekly models.
    max_history: int | None = None

    def _model(self, history: History) -> Any:
        raise NotImplementedError

    def fit(self, history: History) -> None:
        y = np.log1p(np.asarray(history.values, dtype=float))
        if self.max_history:
            y = y[-self.max_history :]
        self._model_fitted = self._model(history).fit(y)

    def predict(self, horizon: int) -> Prediction:
        raw = self._model_fitted.predict(h=horizon, level=list(LEVELS))
        return from_log(_prediction(raw))


class ETSEngine(_StatsforecastEngine):
    """Exponential smoothing with weekly seasonality, form chosen by AICc."""

    name = "ets"
    max_history = 3 * YEAR

    def _model(self, history: History) -> Any:
        return AutoETS(season_length=7)


class MSTLEngine(_StatsforecastEngine):
    """Weekly and yearly seasonal components (STL), trend by ETS.

    The yearly component needs two full years; with less it is weekly only.
    """

    name = "mstl"

    def _model(self, history: History) -> Any:
        seasons = [7, YEAR] if len(history) >= 2 * YEAR + 7 else [7]
        return MSTL(season_length=seasons, trend_forecaster=AutoETS(model="ZZN"))


class CalendarARIMAEngine(Engine):
    """Regression of log demand on the calendar (weekday, yearly Fourier terms, festive
    days, bank holidays) and a linear trend, with ARIMA(1,1,1) errors for the drifting level.

    The two stages are estimated one after the other (least squares, then the ARIMA on what
    the calendar leaves unexplained): the usual approximation of regression with ARIMA
    errors, the model the SWAST paper's authors kept. Fitting them jointly with an order
    search took 2-8 s a series; this takes well under one. A fixed (1,1,1) scored as well as
    the searched order in the backtest and cannot pick a wild one on a short series.
    """

    name = "calendar_arima"
    #: Years of history used: enough for a stable yearly shape, recent enough to be current.
    max_history = 4 * YEAR
    order = (1, 1, 1)

    def fit(self, history: History) -> None:
        dates = history.dates[-self.max_history :]
        y = np.log1p(np.asarray(history.values, dtype=float)[-self.max_history :])
        self._history = history
        self._settings = _calendar_settings(len(dates))
        x = self._design(dates)
        # A holiday that never occurs in the history has an all-zero column: no estimate.
        self._keep = np.flatnonzero(np.abs(x).sum(axis=0) > 0)
        self._beta, *_ = np.linalg.lstsq(x[:, self._keep], y, rcond=None)
        residuals = y - x[:, self._keep] @ self._beta
        with warnings.catch_warnings():
            # statsforecast warns when its optimiser stops early; the estimate it returns
            # is still usable, and the forecast is checked for sanity downstream.
            warnings.filterwarnings("ignore", message="possible convergence problem")
            self._resid_model = ARIMA(order=self.order).fit(residuals)

    def _design(self, dates: pd.DatetimeIndex) -> np.ndarray:
        yearly_order, trend = self._settings
        x = features(dates, self._history.region, yearly_order=yearly_order).to_numpy()
        columns = [np.ones(len(dates)), x]
        if trend:
            # Years since the last observed day, so the intercept is today's level.
            last = self._history.dates[-1]
            columns.append(((dates - last).days.to_numpy()) / 365.25)
        return np.column_stack(columns)

    def predict(self, horizon: int) -> Prediction:
        future = self._history.future_dates(horizon)
        calendar = self._design(future)[:, self._keep] @ self._beta
        resid = _prediction(self._resid_model.predict(h=horizon, level=list(LEVELS)))
        return from_log(resid.map(lambda bound: bound + calendar))


def _calendar_settings(days: int) -> tuple[int, bool]:
    """Yearly Fourier order and whether to fit a trend, by length of history.

    Under a year the season and a trend cannot be told apart, so neither is fitted; in the
    second year a smooth season only; from two years the full shape and the trend.
    """
    if days < YEAR:
        return 0, False
    if days < 2 * YEAR:
        return 3, False
    return YEARLY_FOURIER_ORDER, True
