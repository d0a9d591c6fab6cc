"""Weekly seasonal naive: next Monday is last Monday. The baseline and the fallback."""

from __future__ import annotations

import numpy as np

from .base import Engine, normal_prediction
from .schema import History, Prediction

SEASON = 7


class SeasonalNaiveEngine(Engine):
    """Repeats the last observed week; works from a single day of history upward.

    Intervals use the in-sample spread of week-on-week changes, widened with the square
    root of the number of weeks ahead (a random walk across weeks).
    """

    name = "snaive"
    min_history = 1

    def fit(self, history: History) -> None:
        y = np.asarray(history.values, dtype=float)
        if len(y) == 0:
            raise ValueError("seasonal naive needs at least one day of history")
        if len(y) >= SEASON:
            self._pattern = y[-SEASON:]
        else:
            # Under a week: no weekday pattern to repeat, so a flat mean is the honest guess.
            self._pattern = np.full(SEASON, y.mean())
        diffs = y[SEASON:] - y[:-SEASON]
        if len(diffs) >= 3:
            self._sigma = float(np.sqrt(np.mean(diffs**2)))
        elif len(y) >= 2:
            self._sigma = float(np.sqrt(2.0) * y.std(ddof=1))
        else:
            # One observation: say plainly that we know little (half its size either way).
            self._sigma = 0.5 * abs(float(y[0]))

    def predict(self, horizon: int) -> Prediction:
        steps = np.arange(horizon)
        mean = self._pattern[steps % SEASON]
        weeks_ahead = steps // SEASON + 1
        return normal_prediction(mean, self._sigma * np.sqrt(weeks_ahead))
