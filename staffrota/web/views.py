"""Pages. Thin: they check who is asking, read through the shared queries and render."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import dateformat, timezone
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from staffrota.ops.memo import ProcessMemo
from staffrota.organisation.models import CareHome, Unit
from staffrota.rota.grid_cache import my_shifts_html, rota_table, unit_groups_html
from staffrota.rota.queries import rota_grid
from staffrota.web.forms import RotaPeriodForm
from staffrota.web.permissions import manager_required


@login_required
def home(request):
    if request.access.manages:
        return redirect("dashboards:index")
    return redirect("my_shifts")


@login_required
def my_shifts(request):
    body = None
    if request.access.staff_id:
        # Kept per person until one of their shifts, their leave or a name it shows changes.
        body = my_shifts_html(
            staff_id=request.access.staff_id,
            home_id=request.access.home_ids[0],
            start=timezone.localdate(),
        )
    return render(request, "web/my_shifts.html", {"body": body})


@manager_required
def unit_list(request):
    homes = CareHome.objects.all()
    selected_home = None
    home_param = request.GET.get("home", "")
    if home_param:
        if not home_param.isdigit():
            messages.error(request, "Choose a care home from the list.")
        else:
            selected_home = get_object_or_404(homes, pk=int(home_param))
    # Kept until a unit or a home of this manager's changes.
    groups = unit_groups_html(
        unit_ids=request.access.unit_ids,
        home_ids=request.access.home_ids,
        home_id=selected_home.pk if selected_home else None,
    )
    return render(
        request,
        "web/unit_list.html",
        {"homes": homes, "groups": groups, "selected_home": selected_home},
    )


# The unit a rota page shows, kept per process under the access version, which any save
# of a unit or a home replaces (accounts.access): a manager's warm rota page runs no query.
# Only read here (the page and the kept table), never changed.
_ROTA_UNITS = ProcessMemo(most=2000)


def _rota_unit(request, unit_id: int) -> Unit:
    """The unit, if this manager's access covers it (404 otherwise, as for any outsider)."""
    access = request.access
    if unit_id not in access.unit_ids:
        raise Http404
    version = getattr(request, "access_version", None)
    unit = _ROTA_UNITS.get((unit_id, version)) if version else None
    if unit is None:
        unit = get_object_or_404(
            Unit.objects.select_related("care_home"), pk=unit_id, pk__in=access.unit_ids
        )
        if version:
            _ROTA_UNITS.keep((unit_id, version), unit)
    if unit.care_home_id not in access.home_ids:
        raise Http404
    return unit


# The addresses and labels of a rota page's period, by unit, period and language: the
# template's date filters and URL tags were a fifth of a kept rota page's work.
_ROTA_PERIODS = ProcessMemo(most=5000)


def _rota_period(unit_id: int, start, days: int) -> dict:
    key = (unit_id, start, days, get_language(), get_script_prefix(), get_urlconf())
    period = _ROTA_PERIODS.get(key)
    if period is None:
        last = start + timedelta(days=days - 1)
        period = {
            "first_label": dateformat.format(start, "D j M"),
            "last_label": dateformat.format(last, "D j M Y"),
            "start": start.isoformat(),
            "end": last.isoformat(),
            "previous": (start - timedelta(days=days)).isoformat(),
            "next": (start + timedelta(days=days)).isoformat(),
            "publish_url": reverse("rota_publish", args=[unit_id]),
            "export_url": reverse("rota_export", args=[unit_id]),
        }
        _ROTA_PERIODS.keep(key, period)
    return period


@manager_required
def unit_rota(request, unit_id: int):
    unit = _rota_unit(request, unit_id)
    if request.GET:
        form = RotaPeriodForm(request.GET)
        if not form.is_valid():
            messages.error(
                request,
                "That period could not be read: pick a date as YYYY-MM-DD and 1 or 4 weeks. "
                "Showing this week instead.",
            )
        start, days = form.period()
    else:  # the unit's own link: this week, without building a form
        start, days = RotaPeriodForm.default_period()
    if request.GET.get("print"):
        # One table per week, each printed on its own landscape A4 page.
        weeks_grids = [
            rota_grid(unit=unit, start=start + timedelta(days=offset), days=7, include_drafts=False)
            for offset in range(0, days, 7)
        ]
        return render(
            request, "web/unit_rota_print.html", {"unit": unit, "weeks_grids": weeks_grids}
        )
    return render(
        request,
        "web/unit_rota.html",
        {
            "unit": unit,
            "grid": rota_table(unit=unit, start=start, days=days),
            "weeks": days // 7,
            "period": _rota_period(unit.pk, start, days),
        },
    )


@require_GET
@never_cache
def healthz(request):
    """200 while database, cache and broker answer, else 503; details for system admins."""
    from staffrota.ops.health import health_report
    from staffrota.security.views import is_admin

    healthy, checks = health_report()
    degraded = healthy and not all(check["ok"] for check in checks.values())
    body = {"status": "unhealthy" if not healthy else "degraded" if degraded else "ok"}
    if is_admin(request.user):
        body["checks"] = checks
    return JsonResponse(body, status=200 if healthy else 503)
