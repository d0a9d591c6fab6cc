"""Command line: python -m bench.forecast --data FILE.csv --out DIR [options].

Writes forecasts.csv (every scored forecast), metrics.csv (per engine and series),
metrics_by_origin.csv (per engine, series and origin) into --out and prints the pooled
summary per engine.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from staffrota.forecasting.engine import ENGINES, REGIONS

from .backtest import Settings, available, load_long_csv, per_series, pooled, run


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.forecast",
        description="Rolling-origin backtest of the forecasting engines on a long-format CSV.",
    )
    parser.add_argument("--data", required=True, help="CSV with one row per series and day")
    parser.add_argument("--out", required=True, help="folder for forecasts.csv and metrics.csv")
    parser.add_argument("--horizon", type=int, default=30, help="days forecast (default 30)")
    parser.add_argument("--origins", type=int, default=8, help="origins per series (default 8)")
    parser.add_argument("--step", type=int, default=30, help="days between origins (default 30)")
    parser.add_argument(
        "--engine",
        action="append",
        help=f"engine to score, repeatable or comma-separated: {', '.join(ENGINES)} "
        "(default: all that are installed)",
    )
    parser.add_argument("--region", choices=REGIONS, default="England", help="bank holidays")
    parser.add_argument("--id-col", default="unique_id", help="series id column ('' = one)")
    parser.add_argument("--ds-col", default="ds", help="date column")
    parser.add_argument("--y-col", default="y", help="value column")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    requested = [
        n.strip() for group in (args.engine or [",".join(ENGINES)]) for n in group.split(",")
    ]
    unknown = [n for n in requested if n and n not in ENGINES]
    if unknown:
        print(f"unknown engine {', '.join(unknown)}; choose from {', '.join(ENGINES)}")
        return 2
    engines, skipped = available([n for n in requested if n])
    for message in skipped:
        print(message)
    if not engines:
        return 2
    settings = Settings(
        horizon=args.horizon, origins=args.origins, step=args.step, region=args.region
    )
    data = load_long_csv(args.data, args.id_col, args.ds_col, args.y_col)
    forecasts, metrics = run(data, engines, settings, jobs=args.jobs)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    forecasts.to_csv(out / "forecasts.csv", index=False, date_format="%Y-%m-%d")
    per_series(metrics).to_csv(out / "metrics.csv", index=False, float_format="%.4f")
    metrics.to_csv(
        out / "metrics_by_origin.csv", index=False, float_format="%.4f", date_format="%Y-%m-%d"
    )
    summary = pooled(metrics)
    summary.to_csv(out / "summary.csv", index=False, float_format="%.4f")
    print(f"{len(data)} series, {settings.origins} origins, horizon {settings.horizon} days")
    with pd.option_context("display.width", 120, "display.precision", 3):
        print(summary.to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
