"""Generate rota: start a run, watch its progress, review or discard what it proposes."""

from collections import Counter

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from staffrota.optimiser import diff, services
from staffrota.optimiser.forms import RunForm
from staffrota.optimiser.models import OptimiserRun
from staffrota.organisation.models import CareHome, Unit
from staffrota.web.permissions import manager_required


def _targets(request) -> list[tuple[str, str]]:
    units = list(
        Unit.objects.filter(pk__in=request.access.unit_ids)
        .select_related("care_home")
        .order_by("care_home__name", "name")
    )
    seen = set(request.access.unit_ids)
    choices = []
    for home in CareHome.objects.filter(pk__in=request.access.home_ids):
        home_units = set(Unit.objects.filter(care_home=home).values_list("pk", flat=True))
        if home_units and home_units <= seen:
            choices.append((f"home:{home.pk}", f"{home.name}: whole home"))
    choices += [(f"unit:{u.pk}", f"{u.care_home.name}: {u.name}") for u in units]
    return choices


def _run(request, run_id: int) -> OptimiserRun:
    run = get_object_or_404(
        OptimiserRun.objects.select_related("care_home"),
        pk=run_id,
        care_home_id__in=request.access.home_ids,
    )
    if not set(run.units.values_list("pk", flat=True)) <= set(request.access.unit_ids):
        raise Http404("No such run.")
    return run


@manager_required
@require_http_methods(["GET", "POST"])
def run_new(request):
    form = RunForm(request.POST or None, targets=_targets(request))
    if request.method == "POST" and form.is_valid():
        kind, pk = form.cleaned_data["target"].split(":")
        if kind == "home":
            home = get_object_or_404(CareHome, pk=int(pk), pk__in=request.access.home_ids)
            units = list(Unit.objects.filter(care_home=home))
        else:
            unit = get_object_or_404(Unit, pk=int(pk), pk__in=request.access.unit_ids)
            home, units = unit.care_home, [unit]
        try:
            run = services.run_start(
                home=home,
                units=units,
                whole_home=kind == "home",
                start=form.cleaned_data["start"],
                weeks=form.cleaned_data["weeks"],
                actor=request.user,
            )
        except services.OptimiserError as error:
            form.add_error(None, str(error))
        else:
            return redirect("optimiser_run", run_id=run.pk)
    runs = OptimiserRun.objects.filter(care_home_id__in=request.access.home_ids)[:10]
    return render(request, "optimiser/run_new.html", {"form": form, "runs": runs})


COST_ROWS = ("contracted", "overtime", "bank", "agency", "total")


def _unit_choice(request, run: OptimiserRun, units: list[Unit], changes) -> Unit | None:
    wanted = request.GET.get("unit")
    if wanted:
        for unit in units:
            if str(unit.pk) == wanted:
                return unit
        raise Http404("That unit is not part of this run.")
    with_changes = {c.unit_id for c in changes}
    return next((u for u in units if u.pk in with_changes), units[0] if units else None)


def _context(request, run: OptimiserRun) -> dict:
    summary = run.summary or {}
    context = {"run": run, "summary": summary}
    if not run.finished or not summary.get("after"):
        return context
    units = list(run.units.order_by("name"))
    changes = list(
        run.changes.select_related(
            "unit", "shift_type", "job_role", "staff__user", "staff__job_role"
        )
    )
    unit = _unit_choice(request, run, units, changes)
    per_unit = Counter(c.unit_id for c in changes)
    context.update(
        cost_rows=[
            (
                key.title(),
                (summary.get("before") or {}).get(key),
                (summary.get("after") or {}).get(key),
                (summary.get("greedy") or {}).get(key),
            )
            for key in COST_ROWS
        ],
        changes=[c for c in changes if unit is None or c.unit_id == unit.pk],
        change_count=len(changes),
        units=[(u, per_unit[u.pk]) for u in units],
        unit=unit,
        diff=diff.unit_diff(run, unit, changes) if unit else None,
    )
    return context


@manager_required
@require_GET
def run_detail(request, run_id: int):
    run = _run(request, run_id)
    return render(request, "optimiser/run_detail.html", _context(request, run))


@manager_required
@require_GET
def run_diff(request, run_id: int):
    """The diff of one unit, swapped into the page by htmx when the manager picks a unit."""
    run = _run(request, run_id)
    return render(request, "optimiser/_diff.html", _context(request, run))


@manager_required
@require_GET
def run_progress(request, run_id: int):
    run = _run(request, run_id)
    response = render(request, "optimiser/_progress.html", {"run": run})
    if run.finished and request.htmx:
        response["HX-Refresh"] = "true"  # show the result page
    return response


@manager_required
@require_POST
def run_cancel(request, run_id: int):
    run = _run(request, run_id)
    try:
        services.run_cancel(run=run, actor=request.user)
        messages.info(request, "Cancelling: the best rota found so far will be kept as a draft.")
    except services.OptimiserError as error:
        messages.error(request, str(error))
    return redirect("optimiser_run", run_id=run.pk)


@manager_required
@require_POST
def run_discard(request, run_id: int):
    run = _run(request, run_id)
    try:
        services.run_discard(run=run, actor=request.user)
    except services.OptimiserError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Draft discarded; the rota is as it was.")
    return redirect("optimiser_run", run_id=run.pk)


@manager_required
@require_POST
def run_publish(request, run_id: int):
    run = _run(request, run_id)
    try:
        count = services.run_publish(run=run, actor=request.user)
    except services.OptimiserError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"Published {count} shift{'s' if count != 1 else ''}; staff are told by e-mail.",
        )
    return redirect("optimiser_run", run_id=run.pk)
