"""Dataclasses passed into and out of the forecasting engines (no Django here)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

Region = Literal["England", "Scotland"]
REGIONS: tuple[Region, ...] = ("England", "Scotland")

#: The two interval levels every engine must produce, in percent.
LEVELS: tuple[int, int] = (80, 95)


@dataclass(frozen=True)
class History:
    """A clean daily series: contiguous dates, finite non-negative values, one region.

    Engines receive only this; `prepare.prepare_history` builds it from raw rows.
    """

    dates: pd.DatetimeIndex
    values: np.ndarray
    region: Region = "England"

    def __post_init__(self) -> None:
        if len(self.dates) != len(self.values):
            raise ValueError("dates and values differ in length")

    def __len__(self) -> int:
        return len(self.values)

    def future_dates(self, horizon: int) -> pd.DatetimeIndex:
        """The `horizon` days after the last observed day."""
        return pd.date_range(self.dates[-1] + pd.Timedelta(days=1), periods=horizon, freq="D")


@dataclass(frozen=True)
class Prediction:
    """What an engine returns: a point forecast and 80%/95% bounds, one value per day."""

    mean: np.ndarray
    lo80: np.ndarray
    hi80: np.ndarray
    lo95: np.ndarray
    hi95: np.ndarray

    def arrays(self) -> tuple[np.ndarray, ...]:
        return (self.lo95, self.lo80, self.mean, self.hi80, self.hi95)

    def map(self, fn: Callable[[np.ndarray], np.ndarray]) -> Prediction:
        """The same prediction with `fn` applied to the mean and every bound."""
        return Prediction(
            mean=fn(self.mean),
            lo80=fn(self.lo80),
            hi80=fn(self.hi80),
            lo95=fn(self.lo95),
            hi95=fn(self.hi95),
        )

    def is_finite(self) -> bool:
        return all(np.all(np.isfinite(a)) for a in self.arrays())

    def tidy(self) -> Prediction:
        """Clip at zero (demand is never negative) and force lo95<=lo80<=mean<=hi80<=hi95.

        Sorting each day's five numbers is the smallest change that guarantees the order
        even when an engine's bounds cross (for example after a back-transform).
        """
        stacked = np.sort(np.maximum(np.vstack(self.arrays()), 0.0), axis=0)
        return Prediction(
            mean=stacked[2], lo80=stacked[1], hi80=stacked[3], lo95=stacked[0], hi95=stacked[4]
        )


@dataclass(frozen=True)
class Forecast:
    """A forecast for one unit: `horizon` days with 80% and 95% intervals.

    `engine` is the engine that produced the numbers; it differs from `requested_engine`
    when the forecaster fell back to the baseline, and `notes` then says why (for the page).
    An empty history gives no numbers at all (`has_values` is False), never an exception.
    """

    dates: pd.DatetimeIndex
    y_hat: np.ndarray
    lo80: np.ndarray
    hi80: np.ndarray
    lo95: np.ndarray
    hi95: np.ndarray
    engine: str
    requested_engine: str
    fallback: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def horizon(self) -> int:
        return len(self.dates)

    @property
    def has_values(self) -> bool:
        return len(self.y_hat) > 0 and bool(np.all(np.isfinite(self.y_hat)))

    def to_frame(self) -> pd.DataFrame:
        """One row per day: ds, y_hat, lo80, hi80, lo95, hi95."""
        return pd.DataFrame(
            {
                "ds": self.dates,
                "y_hat": self.y_hat,
                "lo80": self.lo80,
                "hi80": self.hi80,
                "lo95": self.lo95,
                "hi95": self.hi95,
            }
        )
