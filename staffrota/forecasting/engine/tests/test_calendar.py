import pandas as pd
import pytest

from staffrota.forecasting.engine.calendar import bank_holidays, features, holiday_table


def test_bank_holidays_differ_between_scotland_and_england():
    dates = pd.DatetimeIndex(["2019-01-02", "2019-04-22", "2019-08-05", "2019-08-26"])
    # 2 January and the first Monday of August are Scottish; Easter Monday and the last
    # Monday of August are English.
    assert list(bank_holidays(dates, "Scotland")) == [True, False, True, False]
    assert list(bank_holidays(dates, "England")) == [False, True, False, True]


def test_features_mark_festive_days_and_other_bank_holidays():
    dates = pd.date_range("2019-12-23", "2020-01-02", freq="D")
    table = features(dates, "England")
    assert table.loc["2019-12-25", "christmas_day"] == 1.0
    assert table.loc["2019-12-25", "bank_holiday"] == 0.0  # counted once, in its own column
    assert table.loc["2019-12-31", "new_years_eve"] == 1.0
    assert table["weekday_6"].sum() == 1  # one Sunday: 29 December
    assert not table.isna().any().any()


def test_holiday_table_names_each_holiday():
    dates = pd.date_range("2019-01-01", "2019-12-31", freq="D")
    table = holiday_table(dates, "Scotland")
    assert "Saint Andrew's Day" in set(table["holiday"])
    assert len(table) == 10


def test_features_reject_unknown_region():
    with pytest.raises(ValueError, match="England, Scotland"):
        features(pd.date_range("2019-01-01", periods=3), "Wales")
