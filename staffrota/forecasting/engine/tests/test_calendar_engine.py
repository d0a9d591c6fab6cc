import numpy as np
import pandas as pd
import pytest

from staffrota.forecasting.engine import EngineUnavailable, forecast, prophet_engine
from staffrota.forecasting.engine.schema import Prediction
from staffrota.forecasting.engine.statistical import _calendar_settings

from .conftest import demand_series


@pytest.mark.parametrize(("days", "expected"), [(100, (0, False)), (500, (3, False))])
def test_calendar_settings_shrink_with_short_history(days, expected):
    assert _calendar_settings(days) == expected
    order, trend = _calendar_settings(3 * 365)
    assert order >= 8 and trend


@pytest.mark.parametrize("days", [60, 200, 500])
def test_calendar_arima_fits_short_histories_without_fallback(days):
    series = demand_series(days, end="2019-06-30")
    result = forecast(series.index, series.to_numpy(), engine="calendar_arima")
    assert not result.fallback, result.notes
    assert result.horizon == 30
    assert abs(result.y_hat.mean() - series.iloc[-28:].mean()) < 0.2 * series.mean()


def test_calendar_arima_forecasts_christmas_day_apart_from_other_days():
    # Christmas Day at a third above a normal day, every year: the model must carry it.
    series = demand_series(3 * 365, end="2019-11-30")
    series[(series.index.month == 12) & (series.index.day == 25)] *= 1.35
    result = forecast(series.index, series.to_numpy(), engine="calendar_arima")
    frame = result.to_frame().set_index("ds")
    christmas = frame.loc["2019-12-25", "y_hat"]
    same_weekday = frame.loc[["2019-12-18", "2019-12-11"], "y_hat"].mean()
    assert christmas > 1.15 * same_weekday


def test_forecast_scotland_region_is_accepted(long_series):
    result = forecast(long_series.index, long_series.to_numpy(), region="Scotland")
    assert not result.fallback and result.horizon == 30


def test_ensemble_without_prophet_runs_calendar_model_with_note(monkeypatch, long_series):
    def missing():
        raise EngineUnavailable("the 'prophet' engine needs the optional Prophet package")

    monkeypatch.setattr(prophet_engine, "load_prophet", missing)
    with_prophet_missing = forecast(long_series.index, long_series.to_numpy(), engine="ensemble")
    calendar_only = forecast(long_series.index, long_series.to_numpy(), engine="calendar_arima")
    assert not with_prophet_missing.fallback
    assert any("prophet left out of ensemble" in n for n in with_prophet_missing.notes)
    np.testing.assert_allclose(with_prophet_missing.y_hat, calendar_only.y_hat)


def test_prediction_tidy_orders_crossed_bounds_and_clips_at_zero():
    crossed = Prediction(
        mean=np.array([10.0, 5.0]),
        lo80=np.array([12.0, -1.0]),  # above the mean, and negative
        hi80=np.array([11.0, 6.0]),
        lo95=np.array([8.0, -3.0]),
        hi95=np.array([13.0, 7.0]),
    ).tidy()
    stacked = np.vstack([crossed.lo95, crossed.lo80, crossed.mean, crossed.hi80, crossed.hi95])
    assert (np.diff(stacked, axis=0) >= 0).all()
    assert (stacked >= 0).all()
    assert pd.Series(crossed.hi95).tolist() == [13.0, 7.0]
