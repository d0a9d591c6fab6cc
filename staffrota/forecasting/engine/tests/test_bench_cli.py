import pandas as pd

from bench.forecast.__main__ import main
from bench.forecast.backtest import FORECAST_COLUMNS, Settings, origin_positions

from .conftest import demand_series


def _tiny_csv(path) -> None:
    frames = [
        pd.DataFrame({"unique_id": uid, "ds": s.index.strftime("%Y-%m-%d"), "y": s.to_numpy()})
        for uid, s in (
            ("unit_a", demand_series(120, seed=1)),
            ("unit_b", demand_series(120, seed=2)),
        )
    ]
    pd.concat(frames).to_csv(path, index=False)


def test_origin_positions_count_back_from_the_end():
    # 100 days, horizon 30: the last origin is day index 69, then 59 and 49.
    assert origin_positions(100, Settings(horizon=30, origins=3, step=10)) == [49, 59, 69]
    # Origins that would need data before the first day are dropped.
    assert origin_positions(40, Settings(horizon=30, origins=3, step=10)) == [9]


def test_cli_writes_forecasts_and_metrics_with_expected_columns(tmp_path, capsys):
    data = tmp_path / "tiny.csv"
    _tiny_csv(data)
    out = tmp_path / "out"
    code = main(
        [
            "--data",
            str(data),
            "--horizon",
            "7",
            "--origins",
            "2",
            "--step",
            "7",
            "--engine",
            "snaive,ets",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    forecasts = pd.read_csv(out / "forecasts.csv")
    assert list(forecasts.columns[:8]) == FORECAST_COLUMNS
    # 2 engines x 2 series x 2 origins x 7 days, every one scored against an actual
    assert len(forecasts) == 2 * 2 * 2 * 7
    assert forecasts["y"].notna().all()
    assert set(forecasts["origin"]) == {"2019-12-17", "2019-12-24"}
    metrics = pd.read_csv(out / "metrics.csv")
    assert {"engine", "unique_id", "mape", "smape", "mase", "cov80", "cov95", "seconds"} <= set(
        metrics.columns
    )
    assert len(metrics) == 4
    assert metrics["mase"].between(0, 5).all()
    printed = capsys.readouterr().out
    assert "snaive" in printed and "ets" in printed


def test_cli_reports_missing_columns(tmp_path):
    data = tmp_path / "other.csv"
    pd.DataFrame({"area": ["x"], "date": ["2019-01-01"], "calls": [1]}).to_csv(data, index=False)
    try:
        main(["--data", str(data), "--out", str(tmp_path / "o"), "--engine", "snaive"])
    except SystemExit as exc:
        assert "--id-col" in str(exc)
    else:
        raise AssertionError("expected a clear exit about the columns")


def test_cli_reads_other_column_names(tmp_path):
    data = tmp_path / "other.csv"
    series = demand_series(80)
    pd.DataFrame({"date": series.index, "calls": series.to_numpy()}).to_csv(data, index=False)
    out = tmp_path / "o"
    code = main(
        [
            "--data",
            str(data),
            "--out",
            str(out),
            "--engine",
            "snaive",
            "--horizon",
            "7",
            "--origins",
            "1",
            "--id-col",
            "",
            "--ds-col",
            "date",
            "--y-col",
            "calls",
        ]
    )
    assert code == 0
    assert set(pd.read_csv(out / "forecasts.csv")["unique_id"]) == {"series"}
