"""Rolling-origin backtest of the forecasting engines (`python -m bench.forecast`)."""
