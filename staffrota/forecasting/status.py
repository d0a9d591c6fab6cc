"""`forecast_status` for /healthz and the forecast-drift alert (staffrota.ops.hooks)."""

from django.db.models import Max
from django.utils import timezone
from django_scopes import scopes_disabled

from staffrota.forecasting.accuracy import unit_mape
from staffrota.forecasting.models import UnitForecast
from staffrota.ops.hooks import ForecastStatus


def forecast_status() -> ForecastStatus | None:
    """When the newest forecast was made, and the mean of the units' rolling MAPE.

    The system-wide figure is the mean over units; each unit also has its own alert
    (staffrota.forecasting.accuracy.accuracy_alerts).
    """
    with scopes_disabled():
        newest = UnitForecast.objects.aggregate(at=Max("created_at"))["at"]
        if newest is None:
            return None
        per_unit = unit_mape(end=timezone.localdate())
    values = [mape for mape, _days in per_unit.values() if mape is not None]
    return ForecastStatus(generated_at=newest, mape=sum(values) / len(values) if values else None)
