"""Forecast accuracy measures used by the backtest and by accuracy tracking."""

from __future__ import annotations

import numpy as np

SEASON = 7


def mape(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Mean absolute percentage error in percent, over days with non-zero actuals
    (a zero actual has no percentage error); NaN when every actual is zero."""
    actual, forecast = np.asarray(actual, float), np.asarray(forecast, float)
    nonzero = actual != 0
    if not nonzero.any():
        return float("nan")
    return float(100.0 * np.mean(np.abs((actual - forecast)[nonzero] / actual[nonzero])))


def smape(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Symmetric MAPE in percent (0-200), |a-f| / ((|a|+|f|)/2); a day where both are
    zero counts as a perfect forecast."""
    actual, forecast = np.asarray(actual, float), np.asarray(forecast, float)
    denom = (np.abs(actual) + np.abs(forecast)) / 2.0
    ratio = np.divide(np.abs(actual - forecast), denom, out=np.zeros_like(denom), where=denom > 0)
    return float(100.0 * np.mean(ratio))


def seasonal_naive_mae(history: np.ndarray, season: int = SEASON) -> float:
    """In-sample MAE of the seasonal naive forecast (y_t predicted by y_{t-season})."""
    history = np.asarray(history, float)
    if len(history) <= season:
        return float("nan")
    return float(np.mean(np.abs(history[season:] - history[:-season])))


def mase(
    actual: np.ndarray, forecast: np.ndarray, history: np.ndarray, season: int = SEASON
) -> float:
    """Mean absolute scaled error: forecast MAE over the in-sample weekly naive MAE.

    Below 1 beats last week's value repeated; NaN when the scale is zero or undefined.
    """
    scale = seasonal_naive_mae(history, season)
    if not np.isfinite(scale) or scale == 0:
        return float("nan")
    error = np.mean(np.abs(np.asarray(actual, float) - np.asarray(forecast, float)))
    return float(error / scale)


def coverage(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
    """Share (0-1) of actuals inside [lower, upper], bounds included."""
    actual = np.asarray(actual, float)
    inside = (actual >= np.asarray(lower, float)) & (actual <= np.asarray(upper, float))
    return float(np.mean(inside))
