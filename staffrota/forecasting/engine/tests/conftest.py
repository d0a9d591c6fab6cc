"""Synthetic daily series with a known shape, so tests stay fast and deterministic."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def demand_series(
    days: int, *, level: float = 100.0, seed: int = 7, end: str = "2019-12-31"
) -> pd.Series:
    """Poisson counts around a weekly pattern and a winter peak, ending on `end`."""
    dates = pd.date_range(end=end, periods=days, freq="D")
    weekly = np.array([1.10, 1.00, 0.97, 0.96, 1.00, 1.03, 0.94])[dates.day_of_week]
    yearly = 1.0 + 0.08 * np.cos(2 * np.pi * (dates.day_of_year - 15) / 365.25)
    rng = np.random.default_rng(seed)
    return pd.Series(rng.poisson(level * weekly * yearly).astype(float), index=dates)


@pytest.fixture
def long_series() -> pd.Series:
    """Two years and a bit: enough for every engine, including yearly seasonality."""
    return demand_series(2 * 365 + 30)
