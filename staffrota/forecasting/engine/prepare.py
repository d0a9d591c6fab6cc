"""Turn raw (date, value) rows into a clean `History`, and decide when to distrust it.

Rules, in the order applied (each leaves a note a manager can read):
- non-finite or negative values and duplicate dates are dropped (last value per date kept);
- missing days are filled from the same weekday nearby, so engines see a regular series;
- unusual spikes or drops (outside bank holidays and the festive fortnight) are damped to
  the local median so one bad day does not bend a 30-day forecast;
- the series is flagged for the baseline engine when history is under 8 weeks, gaps are
  long or many, zeros dominate the recent weeks, or outliers are too frequent to trust.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .calendar import bank_holidays
from .schema import History, Region

MIN_HISTORY_DAYS = 56  # 8 weeks: the threshold for trusting a model
MAX_GAP_DAYS = 14  # a longer hole means the unit's pattern may have changed
MAX_MISSING_SHARE = 0.10
RECENT_DAYS = 56  # window in which zeros are counted
MAX_RECENT_ZERO_SHARE = 0.20
OUTLIER_THRESHOLD = 6.0  # robust z-score; high so genuine busy days survive
MAX_OUTLIER_SHARE = 0.02


@dataclass(frozen=True)
class Prepared:
    """The outcome of `prepare_history`: a history (None if there was no usable data),
    notes for the page, and why a model should not be trusted (None when it may be)."""

    history: History | None
    notes: tuple[str, ...]
    fallback_reason: str | None


def _to_series(
    dates: Sequence | pd.DatetimeIndex, values: Sequence[float] | np.ndarray
) -> pd.Series:
    index = pd.DatetimeIndex(pd.to_datetime(list(dates)))
    if len(index) != len(values):
        raise ValueError(f"{len(index)} dates but {len(values)} values")
    # Anything that is not a number (None, "", "n/a") becomes NaN and is dropped later.
    numbers = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce")
    return pd.Series(numbers.to_numpy(dtype=float), index=index.normalize())


def _fill_gaps(series: pd.Series) -> pd.Series:
    """Fill each missing day with the mean of the nearest observed same-weekday values
    before and after it; a plain interpolation would flatten the weekly pattern."""
    filled = series.copy()
    for weekday in range(7):
        same_day = filled[filled.index.day_of_week == weekday]
        filled.loc[same_day.index] = same_day.interpolate(limit_direction="both")
    # A weekday never observed at all (very short series): use the overall median.
    return filled.fillna(series.median())


def _robust_z(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Robust z-scores against a centred 4-week rolling median, and that median."""
    local = pd.Series(values).rolling(29, center=True, min_periods=7).median().to_numpy()
    resid = values - local
    scale = 1.4826 * np.nanmedian(np.abs(resid - np.nanmedian(resid)))
    if not np.isfinite(scale) or scale <= 0:
        # A constant stretch: nothing can be called unusual.
        return np.zeros_like(values), local
    return np.nan_to_num(resid / scale), local


def _festive_or_holiday(dates: pd.DatetimeIndex, region: Region) -> np.ndarray:
    festive = ((dates.month == 12) & (dates.day >= 20)) | ((dates.month == 1) & (dates.day <= 3))
    return np.asarray(festive) | bank_holidays(dates, region)


def prepare_history(
    dates: Sequence | pd.DatetimeIndex,
    values: Sequence[float] | np.ndarray,
    region: Region = "England",
) -> Prepared:
    """Clean raw daily rows into a `History` and say whether a model may be trusted."""
    notes: list[str] = []
    reasons: list[str] = []
    series = _to_series(dates, values)
    bad = ~np.isfinite(series.to_numpy()) | (series.to_numpy() < 0)
    if bad.any():
        notes.append(f"ignored {int(bad.sum())} missing or negative values")
        series = series[~bad]
    if series.index.has_duplicates:
        notes.append("duplicate dates: kept the last value of each")
        series = series[~series.index.duplicated(keep="last")]
    series = series.sort_index()
    if series.empty:
        return Prepared(None, (*notes, "no history: nothing to forecast from"), "no history")

    full_index = pd.date_range(series.index[0], series.index[-1], freq="D")
    observed = series.reindex(full_index)
    missing = observed.isna().to_numpy()
    if missing.any():
        runs = _run_lengths(missing)
        notes.append(f"filled {int(missing.sum())} missing days from the same weekday")
        if runs.max() > MAX_GAP_DAYS or missing.mean() > MAX_MISSING_SHARE:
            reasons.append(f"gaps in the history (longest {int(runs.max())} days)")
    filled = _fill_gaps(observed).to_numpy(dtype=float)

    if len(filled) < MIN_HISTORY_DAYS:
        reasons.append(f"only {len(filled)} days of history (a model needs 8 weeks)")

    recent = filled[-RECENT_DAYS:]
    if len(recent) and np.mean(recent == 0) > MAX_RECENT_ZERO_SHARE:
        reasons.append(f"{int(np.sum(recent == 0))} zero days in the last {len(recent)}")
    elif len(filled) >= 14:
        filled = _damp_outliers(filled, full_index, region, notes, reasons)

    history = History(dates=full_index, values=filled, region=region)
    return Prepared(history, tuple(notes), "; ".join(reasons) or None)


def _damp_outliers(
    values: np.ndarray,
    dates: pd.DatetimeIndex,
    region: Region,
    notes: list[str],
    reasons: list[str],
) -> np.ndarray:
    z, local = _robust_z(values)
    flagged = (np.abs(z) > OUTLIER_THRESHOLD) & ~_festive_or_holiday(dates, region)
    if not flagged.any():
        return values
    notes.append(f"damped {int(flagged.sum())} unusual days to the local median")
    if flagged.mean() > MAX_OUTLIER_SHARE:
        reasons.append(f"{int(flagged.sum())} unusual days ({flagged.mean():.0%} of history)")
    damped = values.copy()
    damped[flagged] = local[flagged]
    return damped


def _run_lengths(mask: np.ndarray) -> np.ndarray:
    """Lengths of the runs of True in a boolean array (empty array gives [0])."""
    padded = np.concatenate(([0], mask.astype(np.int8), [0]))
    edges = np.flatnonzero(np.diff(padded))
    lengths = edges[1::2] - edges[::2]
    return lengths if len(lengths) else np.array([0])
