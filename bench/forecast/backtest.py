"""Rolling-origin backtest: refit at each origin, forecast, score against what happened.

Origins are counted back from the end of each series, `step` days apart; the origin is
the last training day and the `horizon` days after it are scored. Each forecast goes
through `staffrota.forecasting.engine.forecast`, the same call the product makes, so the
fallback rules are part of what is measured.
"""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from staffrota.forecasting.engine import EngineUnavailable, Region, forecast, get_engine
from staffrota.forecasting.engine.metrics import coverage, mape, mase, smape

FORECAST_COLUMNS = ["unique_id", "origin", "ds", "y_hat", "lo80", "hi80", "lo95", "hi95"]


@dataclass(frozen=True)
class Settings:
    """What the command line asked for."""

    horizon: int = 30
    origins: int = 8
    step: int = 30
    region: Region = "England"


def load_long_csv(path: str, id_col: str, ds_col: str, y_col: str) -> dict[str, pd.Series]:
    """Read a long-format CSV into one daily series per id (sorted, dates as index).

    An empty `id_col` reads the whole file as one series named 'series'.
    """
    frame = pd.read_csv(path)
    missing = [c for c in (id_col, ds_col, y_col) if c and c not in frame.columns]
    if missing:
        raise SystemExit(
            f"{path}: no column {', '.join(missing)}; columns are {', '.join(frame.columns)} "
            "(use --id-col/--ds-col/--y-col)"
        )
    if not id_col:
        frame = frame.assign(_id="series")
        id_col = "_id"
    frame[ds_col] = pd.to_datetime(frame[ds_col])
    out: dict[str, pd.Series] = {}
    for uid, group in frame.groupby(id_col, sort=True):
        group = group.sort_values(ds_col)
        out[str(uid)] = pd.Series(
            pd.to_numeric(group[y_col], errors="coerce").to_numpy(dtype=float),
            index=pd.DatetimeIndex(group[ds_col]),
        )
    return out


def origin_positions(length: int, settings: Settings) -> list[int]:
    """Positions of the last training day, oldest first, each leaving a full horizon after."""
    last = length - 1 - settings.horizon
    positions = [last - k * settings.step for k in range(settings.origins)]
    return sorted(p for p in positions if p >= 0)


def backtest_series(
    engine: str, uid: str, series: pd.Series, settings: Settings
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All origins of one series with one engine: (forecast rows, metric rows per origin)."""
    forecasts, metrics = [], []
    for pos in origin_positions(len(series), settings):
        train = series.iloc[: pos + 1]
        test = series.iloc[pos + 1 : pos + 1 + settings.horizon]
        started = time.perf_counter()
        result = forecast(
            train.index,
            train.to_numpy(),
            horizon=settings.horizon,
            engine=engine,
            region=settings.region,
        )
        seconds = time.perf_counter() - started
        frame = result.to_frame()
        frame.insert(0, "origin", train.index[-1])
        frame.insert(0, "unique_id", uid)
        # Score by date, so a series with missing days is matched day by day.
        frame = frame.merge(
            pd.DataFrame({"ds": test.index, "y": test.to_numpy()}), on="ds", how="inner"
        )
        frame = frame[np.isfinite(frame["y"])]
        frame["engine"] = engine
        forecasts.append(frame)
        history = train.dropna().to_numpy()
        metrics.append(
            {
                "engine": engine,
                "unique_id": uid,
                "origin": train.index[-1],
                "days": len(frame),
                "mean_y": frame["y"].mean(),
                "mape": mape(frame["y"], frame["y_hat"]),
                "smape": smape(frame["y"], frame["y_hat"]),
                "mase": mase(frame["y"], frame["y_hat"], history),
                "cov80": coverage(frame["y"], frame["lo80"], frame["hi80"]),
                "cov95": coverage(frame["y"], frame["lo95"], frame["hi95"]),
                "seconds": seconds,
                "fallback": result.fallback,
                "engine_used": result.engine,
            }
        )
    return pd.concat(forecasts, ignore_index=True), pd.DataFrame(metrics)


def _task(args: tuple[str, str, pd.Series, Settings]) -> tuple[pd.DataFrame, pd.DataFrame]:
    return backtest_series(*args)


def available(engines: list[str]) -> tuple[list[str], list[str]]:
    """Split engine names into those that can run here and messages for those that cannot."""
    runnable, skipped = [], []
    for name in engines:
        try:
            engine = get_engine(name)
            if name == "prophet":
                from staffrota.forecasting.engine.prophet_engine import load_prophet

                load_prophet()
            del engine
        except EngineUnavailable as exc:
            skipped.append(f"skipped {name}: {exc}")
            continue
        runnable.append(name)
    return runnable, skipped


def run(
    data: dict[str, pd.Series], engines: list[str], settings: Settings, jobs: int = 1
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Backtest every engine on every series; returns (forecasts, per-origin metrics)."""
    tasks = [(engine, uid, series, settings) for engine in engines for uid, series in data.items()]
    if jobs > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(_task, tasks))
    else:
        results = [_task(t) for t in tasks]
    forecasts = pd.concat([r[0] for r in results], ignore_index=True)
    metrics = pd.concat([r[1] for r in results], ignore_index=True)
    forecasts = forecasts[[*FORECAST_COLUMNS, "y", "engine"]]
    return forecasts, metrics


def per_series(metrics: pd.DataFrame) -> pd.DataFrame:
    """Metrics per engine and series, averaged over origins."""
    return (
        metrics.groupby(["engine", "unique_id"], sort=True)
        .agg(
            origins=("origin", "count"),
            mean_y=("mean_y", "mean"),
            mape=("mape", "mean"),
            smape=("smape", "mean"),
            mase=("mase", "mean"),
            cov80=("cov80", "mean"),
            cov95=("cov95", "mean"),
            seconds=("seconds", "mean"),
            fallbacks=("fallback", "sum"),
        )
        .reset_index()
    )


def pooled(metrics: pd.DataFrame) -> pd.DataFrame:
    """One row per engine: means over every (series, origin) window, best MASE first."""
    table = (
        metrics.groupby("engine")
        .agg(
            windows=("origin", "count"),
            mase=("mase", "mean"),
            mape=("mape", "mean"),
            smape=("smape", "mean"),
            cov80=("cov80", "mean"),
            cov95=("cov95", "mean"),
            seconds_per_fit=("seconds", "mean"),
            fallbacks=("fallback", "sum"),
        )
        .sort_values(["mase", "seconds_per_fit"])
    )
    return table.reset_index()
