from django.apps import AppConfig


class ForecastingConfig(AppConfig):
    name = "staffrota.forecasting"
    verbose_name = "Forecasting"

    def ready(self) -> None:
        # The forecast raises staffing minimums wherever the leave engine and the
        # optimiser ask for them (staffrota.leave.coverage.REQUIREMENT_RAISERS).
        from staffrota.forecasting import staffing

        staffing.register()
