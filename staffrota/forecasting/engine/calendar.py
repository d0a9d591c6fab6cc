"""Calendar features shared by the engines: weekday, season and UK bank holidays.

Bank holidays come from the `holidays` package for England or Scotland (their dates
differ: 2 January and St Andrew's Day in Scotland, Easter Monday only in England).
"""

from __future__ import annotations

from functools import lru_cache

import holidays
import numpy as np
import pandas as pd

from .schema import REGIONS, Region

_SUBDIVISION: dict[str, str] = {"England": "ENG", "Scotland": "SCT"}

#: Days whose effect on health demand is large and specific enough to get their own column;
#: the remaining bank holidays share one. Christmas Eve and New Year's Eve are not bank
#: holidays but move demand as much as one (evening events), so they are fixed-date columns.
_FIXED_DAYS: dict[str, tuple[int, int]] = {
    "christmas_eve": (12, 24),
    "christmas_day": (12, 25),
    "boxing_day": (12, 26),
    "new_years_eve": (12, 31),
    "new_years_day": (1, 1),
}

#: Yearly Fourier pairs by default. The backtest (bench/forecast/README.md) found 8-16
#: pairs clearly better than 2-4 on daily health demand: the winter peak is sharp and
#: the late-December trough short, which a few smooth waves cannot follow.
YEARLY_FOURIER_ORDER = 8


def _check_region(region: str) -> None:
    if region not in REGIONS:
        raise ValueError(f"region must be one of {', '.join(REGIONS)}, not {region!r}")


@lru_cache(maxsize=64)
def _bank_holidays(region: str, first_year: int, last_year: int) -> dict[pd.Timestamp, str]:
    _check_region(region)
    years = range(first_year, last_year + 1)
    days = holidays.country_holidays("GB", subdiv=_SUBDIVISION[region], years=years)
    return {pd.Timestamp(day): name for day, name in days.items()}


def bank_holidays(dates: pd.DatetimeIndex, region: Region) -> np.ndarray:
    """Boolean mask: which of `dates` are bank holidays (substitute days included)."""
    if len(dates) == 0:
        return np.zeros(0, dtype=bool)
    known = _bank_holidays(region, int(dates.min().year), int(dates.max().year))
    return np.fromiter((day.normalize() in known for day in dates), dtype=bool, count=len(dates))


def holiday_table(dates: pd.DatetimeIndex, region: Region) -> pd.DataFrame:
    """Bank holidays within `dates` as a two-column frame (ds, holiday) named as in the
    `holidays` package, for Prophet (one effect per named holiday)."""
    if len(dates) == 0:
        return pd.DataFrame({"ds": pd.DatetimeIndex([]), "holiday": []})
    known = _bank_holidays(region, int(dates.min().year), int(dates.max().year))
    rows = [(day, known[day.normalize()]) for day in dates if day.normalize() in known]
    return pd.DataFrame(rows, columns=["ds", "holiday"])


def features(
    dates: pd.DatetimeIndex, region: Region, yearly_order: int = YEARLY_FOURIER_ORDER
) -> pd.DataFrame:
    """Regression features, one row per date: weekday dummies, yearly Fourier terms,
    fixed festive days and other bank holidays.

    Monday is the reference weekday, so there is no column for it (avoids collinearity
    with an intercept).
    """
    out: dict[str, np.ndarray] = {}
    weekday = dates.day_of_week.to_numpy()
    for day in range(1, 7):
        out[f"weekday_{day}"] = (weekday == day).astype(float)
    # Day of year on a 365.25-day circle so leap years do not shift the season.
    phase = 2.0 * np.pi * (dates.day_of_year.to_numpy() - 1) / 365.25
    for k in range(1, yearly_order + 1):
        out[f"year_sin_{k}"] = np.sin(k * phase)
        out[f"year_cos_{k}"] = np.cos(k * phase)
    festive = np.zeros(len(dates), dtype=bool)
    for name, (month, day) in _FIXED_DAYS.items():
        hit = (dates.month == month) & (dates.day == day)
        out[name] = hit.astype(float)
        festive |= hit
    out["bank_holiday"] = (bank_holidays(dates, region) & ~festive).astype(float)
    return pd.DataFrame(out, index=dates)
