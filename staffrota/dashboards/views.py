"""Dashboards. Thin: check the role, ask `services` for the user's scope, render."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from staffrota.accounts.models import Role
from staffrota.dashboards import services
from staffrota.dashboards.cache import STATS_TIMEOUT, stats_token
from staffrota.web.permissions import manager_required

SM_ROLES = {Role.SERVICE_MANAGER, Role.HEAD_OF_SERVICE, Role.SYSTEM_ADMIN}
HOS_ROLES = {Role.HEAD_OF_SERVICE, Role.SYSTEM_ADMIN}


def _require(request, roles) -> None:
    if not (request.user.is_superuser or request.user.role in roles):
        raise PermissionDenied("This dashboard is for a wider management role.")


@login_required
def index(request):
    """Each manager lands on the dashboard for their level."""
    user = request.user
    if user.is_superuser or user.role in HOS_ROLES:
        return redirect("dashboards:hos")
    if user.role == Role.SERVICE_MANAGER:
        return redirect("dashboards:sm")
    if request.access.manages:
        return redirect("dashboards:om")
    return redirect("compliance:my")


@manager_required
def om(request):
    board = services.om_dashboard(access=request.access, today=timezone.localdate())
    return render(request, "dashboards/om.html", {"board": board})


@manager_required
def sm(request):
    _require(request, SM_ROLES)
    board = services.sm_dashboard(access=request.access, today=timezone.localdate())
    return render(request, "dashboards/sm.html", {"board": board})


@manager_required
def hos(request):
    _require(request, HOS_ROLES)
    access, today = request.access, timezone.localdate()
    # The board is rendered once per change to any of the homes: at 50 homes, building its
    # charts and tables costs more than everything else on a warm request.
    board = SimpleLazyObject(lambda: services.hos_dashboard(access=access, today=today))
    return render(
        request,
        "dashboards/hos.html",
        {
            "board": board,
            "board_key": stats_token(access.home_ids, today),
            "board_timeout": STATS_TIMEOUT,
            "gaps": services.hos_capacity_gaps(access=access, today=today),
        },
    )
