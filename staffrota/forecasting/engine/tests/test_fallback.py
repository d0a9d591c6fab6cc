import numpy as np
import pandas as pd
import pytest

from staffrota.forecasting.engine import UnknownEngine, forecast, registry
from staffrota.forecasting.engine.base import Engine

from .conftest import demand_series


def _ordered(result) -> bool:
    return bool(
        (result.lo95 <= result.lo80).all()
        and (result.lo80 <= result.y_hat).all()
        and (result.y_hat <= result.hi80).all()
        and (result.hi80 <= result.hi95).all()
    )


def test_forecast_short_history_falls_back_to_baseline_with_note():
    series = demand_series(40)
    result = forecast(series.index, series.to_numpy(), engine="ets")
    assert result.fallback
    assert result.engine == "snaive"
    assert result.requested_engine == "ets"
    assert any("8 weeks" in note for note in result.notes)
    assert result.horizon == 30 and _ordered(result)


@pytest.mark.parametrize("days", [1, 3, 8])
def test_forecast_tiny_history_still_forecasts(days):
    series = demand_series(days)
    result = forecast(series.index, series.to_numpy(), horizon=7)
    assert result.fallback
    assert result.horizon == 7
    assert np.isfinite(result.y_hat).all() and _ordered(result)


def test_forecast_empty_history_returns_no_values_with_note():
    result = forecast([], [], engine="ets")
    assert not result.has_values
    assert result.fallback
    assert any("no history" in note for note in result.notes)


def test_forecast_long_gap_falls_back_with_note():
    series = demand_series(400)
    gappy = series.drop(series.index[200:230])
    result = forecast(gappy.index, gappy.to_numpy(), engine="ets")
    assert result.fallback
    assert any("gaps" in note for note in result.notes)
    assert result.dates[0] == series.index[-1] + pd.Timedelta(days=1)
    assert np.isfinite(result.y_hat).all() and _ordered(result)


def test_forecast_one_missing_day_is_filled_and_keeps_engine():
    series = demand_series(400)
    holed = series.drop(series.index[300])
    result = forecast(holed.index, holed.to_numpy(), engine="ets")
    assert not result.fallback
    assert result.engine == "ets"
    assert any("filled 1 missing" in note for note in result.notes)


def test_forecast_non_numeric_and_nan_values_are_ignored():
    series = demand_series(200)
    values: list = list(series.to_numpy())
    values[50], values[60], values[70] = None, "n/a", float("nan")
    result = forecast(series.index, values, engine="ets")
    assert result.has_values
    assert any("ignored 3" in note for note in result.notes)


def test_forecast_mostly_zero_recent_history_falls_back_with_note():
    series = demand_series(300)
    series.iloc[-40:] = 0.0
    result = forecast(series.index, series.to_numpy(), engine="ets")
    assert result.fallback
    assert any("zero days" in note for note in result.notes)
    assert _ordered(result) and (result.lo95 >= 0).all()


def test_forecast_single_outlier_is_damped_not_copied_forward():
    # Mid-year, so the spike is not in the festive fortnight (which is never damped).
    series = demand_series(300, end="2019-06-30")
    series.iloc[-3] = 5000.0  # a data-entry slip, repeated by a naive forecast if kept
    result = forecast(series.index, series.to_numpy(), engine="snaive")
    assert any("damped 1 unusual" in note for note in result.notes)
    assert result.y_hat.max() < 200


def test_forecast_many_outliers_fall_back_with_note():
    series = demand_series(300)
    series.iloc[::10] = 2000.0
    result = forecast(series.index, series.to_numpy(), engine="ets")
    assert result.fallback
    assert any("unusual days" in note for note in result.notes)
    assert result.y_hat.max() < 200 and _ordered(result)


def test_forecast_failing_engine_falls_back_with_note(monkeypatch, long_series):
    class Broken(Engine):
        name = "broken"

        def fit(self, history):
            raise np.linalg.LinAlgError("singular matrix")

        def predict(self, horizon):
            raise AssertionError("not reached")

    monkeypatch.setitem(registry.ENGINES, "broken", Broken)
    result = forecast(long_series.index, long_series.to_numpy(), engine="broken")
    assert result.fallback and result.engine == "snaive"
    assert any("broken failed (singular matrix)" in note for note in result.notes)


def test_forecast_unknown_engine_raises_clear_error(long_series):
    with pytest.raises(UnknownEngine, match="choose from"):
        forecast(long_series.index, long_series.to_numpy(), engine="prophett")


def test_forecast_zero_horizon_is_rejected(long_series):
    with pytest.raises(ValueError, match="horizon"):
        forecast(long_series.index, long_series.to_numpy(), horizon=0)


def test_forecast_unknown_region_is_rejected(long_series):
    with pytest.raises(ValueError, match="England, Scotland"):
        forecast(long_series.index, long_series.to_numpy(), region="Wales")


@pytest.mark.parametrize("engine", ["calendar_arima", "ets", "mstl"])
def test_forecast_constant_series_never_crashes(engine):
    dates = pd.date_range("2018-01-01", periods=800, freq="D")
    result = forecast(dates, np.full(800, 12.0), engine=engine, horizon=14)
    assert result.has_values and result.horizon == 14
    np.testing.assert_allclose(result.y_hat, 12.0, rtol=0.05)
    assert _ordered(result)


def test_forecast_negative_values_are_ignored_with_note():
    series = demand_series(200)
    series.iloc[100] = -5.0
    result = forecast(series.index, series.to_numpy(), engine="calendar_arima")
    assert any("negative" in note for note in result.notes)
    assert not result.fallback
