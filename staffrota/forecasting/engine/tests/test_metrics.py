import math

import numpy as np
import pytest

from staffrota.forecasting.engine.metrics import (
    coverage,
    mape,
    mase,
    seasonal_naive_mae,
    smape,
)


def test_mape_hand_checked_value():
    # |100-110|/100 = 10%, |200-180|/200 = 10%
    assert mape(np.array([100, 200]), np.array([110, 180])) == pytest.approx(10.0)


def test_mape_skips_zero_actuals():
    assert mape(np.array([0, 50]), np.array([5, 40])) == pytest.approx(20.0)
    assert math.isnan(mape(np.array([0, 0]), np.array([1, 1])))


def test_smape_hand_checked_value():
    # |100-50| / ((100+50)/2) = 66.67%; both zero counts as perfect
    assert smape(np.array([100, 0]), np.array([50, 0])) == pytest.approx((200 / 3 + 0) / 2)


def test_seasonal_naive_mae_uses_lag_seven():
    history = np.array([10.0] * 7 + [12.0] * 7)  # every lag-7 change is 2
    assert seasonal_naive_mae(history) == pytest.approx(2.0)


def test_mase_scales_by_weekly_naive_error():
    history = np.array([10.0] * 7 + [12.0] * 7)
    # forecast MAE 1 against an in-sample weekly naive MAE of 2
    assert mase(np.array([13.0, 11.0]), np.array([12.0, 12.0]), history) == pytest.approx(0.5)


def test_mase_is_nan_without_a_scale():
    assert math.isnan(mase(np.array([1.0]), np.array([1.0]), np.ones(20)))
    assert math.isnan(mase(np.array([1.0]), np.array([1.0]), np.ones(5)))


def test_coverage_includes_bounds():
    actual = np.array([1.0, 2.0, 3.0, 4.0])
    assert coverage(actual, np.array([1, 3, 0, 5]), np.array([1, 4, 3, 6])) == pytest.approx(0.5)
