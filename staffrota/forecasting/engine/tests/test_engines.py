import importlib.util

import numpy as np
import pandas as pd
import pytest

from staffrota.forecasting.engine import ENGINES, forecast, get_engine
from staffrota.forecasting.engine.prepare import prepare_history

HAS_PROPHET = importlib.util.find_spec("prophet") is not None
CORE_ENGINES = [name for name in ENGINES if name != "prophet"]


def _assert_well_formed(result, history: pd.Series, horizon: int) -> None:
    assert result.horizon == horizon
    assert result.dates[0] == history.index[-1] + pd.Timedelta(days=1)
    assert (result.dates[1:] - result.dates[:-1] == pd.Timedelta(days=1)).all()
    assert np.isfinite(result.y_hat).all()
    assert (result.lo95 <= result.lo80).all()
    assert (result.lo80 <= result.y_hat).all()
    assert (result.y_hat <= result.hi80).all()
    assert (result.hi80 <= result.hi95).all()
    assert (result.lo95 >= 0).all()
    # Intervals must have width on a noisy series, or coverage would be a fiction.
    assert (result.hi95 - result.lo95).mean() > 0


@pytest.mark.parametrize("name", CORE_ENGINES)
def test_engine_forecasts_horizon_with_ordered_intervals(name, long_series):
    result = forecast(long_series.index, long_series.to_numpy(), horizon=30, engine=name)
    assert result.engine == name
    assert not result.fallback, result.notes
    _assert_well_formed(result, long_series, 30)
    # A sane level: within 25% of the last eight weeks' mean.
    recent = long_series.iloc[-56:].mean()
    assert abs(result.y_hat.mean() - recent) < 0.25 * recent


@pytest.mark.skipif(
    not HAS_PROPHET,
    reason="Prophet is not installed: pip install --require-hashes -r requirements-prophet.lock",
)
def test_prophet_engine_forecasts_horizon_with_ordered_intervals(long_series):
    result = forecast(long_series.index, long_series.to_numpy(), horizon=14, engine="prophet")
    assert result.engine == "prophet"
    assert not result.fallback, result.notes
    _assert_well_formed(result, long_series, 14)


@pytest.mark.skipif(HAS_PROPHET, reason="Prophet is installed; this checks the missing case")
def test_prophet_engine_missing_falls_back_with_install_hint(long_series):
    result = forecast(long_series.index, long_series.to_numpy(), engine="prophet")
    assert result.fallback
    assert any("requirements-prophet.lock" in note for note in result.notes)


def test_seasonal_naive_repeats_last_week(long_series):
    engine = get_engine("snaive")
    prepared = prepare_history(long_series.index, long_series.to_numpy())
    engine.fit(prepared.history)
    prediction = engine.predict(10)
    last_week = prepared.history.values[-7:]
    np.testing.assert_allclose(prediction.mean, np.concatenate([last_week, last_week[:3]]))
    # Two weeks ahead is less certain than one week ahead.
    assert (
        prediction.hi95[7:10] - prediction.lo95[7:10] > prediction.hi95[:3] - prediction.lo95[:3]
    ).all()


def test_forecast_default_horizon_is_thirty_days(long_series):
    result = forecast(long_series.index, long_series.to_numpy(), engine="snaive")
    assert result.horizon == 30
    assert list(result.to_frame().columns) == ["ds", "y_hat", "lo80", "hi80", "lo95", "hi95"]


def test_engine_version_is_known_for_every_engine_and_refuses_typos():
    from staffrota.forecasting.engine import UnknownEngine, engine_version

    assert all(engine_version(name) for name in ENGINES)
    with pytest.raises(UnknownEngine):
        engine_version("calendar_arma")
