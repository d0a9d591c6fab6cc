"""Background job of the optimiser."""

from celery import shared_task
from django_scopes import scopes_disabled

from staffrota.optimiser.models import OptimiserRun
from staffrota.tenancy import home_scope


@shared_task
def optimise(run_id: int) -> str:
    """Solve one queued run; its row records progress and the result."""
    from staffrota.optimiser.services import run_execute

    with scopes_disabled():
        home_id = OptimiserRun.objects.values_list("care_home_id", flat=True).get(pk=run_id)
    with home_scope([home_id]):
        return run_execute(run_id).status
