"""Background jobs: weekly retraining (one job per home, so workers share the load), a
retrain on demand for one unit, and the daily accuracy check."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone
from django_scopes import scopes_disabled

from staffrota.forecasting.accuracy import accuracy_alerts, accuracy_record
from staffrota.forecasting.services import forecast_units
from staffrota.organisation.models import CareHome, Unit
from staffrota.tenancy import home_scope


@shared_task
def forecast_all() -> int:
    """Weekly (Sunday 02:00): queue one retraining job per care home."""
    with scopes_disabled():
        home_ids = list(CareHome.objects.values_list("pk", flat=True))
    for home_id in home_ids:
        forecast_home.delay(home_id)
    return len(home_ids)


@shared_task
def forecast_home(home_id: int, force: bool = False) -> int:
    """Forecast every unit of one home. Idempotent: a unit whose stored forecast already
    covers its latest demand day with the same engine version is skipped."""
    with home_scope([home_id]):
        return len(forecast_units(force=force).made)


@shared_task
def forecast_unit(unit_id: int, force: bool = True) -> int:
    """Retrain one unit now (the manager's button)."""
    with scopes_disabled():
        home_id = Unit.objects.filter(pk=unit_id).values_list("care_home_id", flat=True).first()
    if home_id is None:
        return 0  # deleted since the button was pressed
    with home_scope([home_id]):
        return len(forecast_units(unit_ids=[unit_id], force=force).made)


@shared_task
def forecast_accuracy_daily() -> int:
    """Daily: score yesterday's forecasts per home, then open or resolve MAPE alerts."""
    yesterday = timezone.localdate() - timedelta(days=1)
    with scopes_disabled():
        home_ids = list(CareHome.objects.values_list("pk", flat=True))
    written = 0
    for home_id in home_ids:
        with home_scope([home_id]):
            written += accuracy_record(day=yesterday)
    with scopes_disabled():  # alerts are system-wide rows, and read every home's units
        accuracy_alerts(end=yesterday)
    return written
