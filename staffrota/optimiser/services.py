"""Starting, running, cancelling and discarding "Generate rota" runs.

The solver runs in a thread of the job; the job's own thread writes its progress to the
run row and reads the cancel flag, so only one thread talks to the database.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from staffrota.audit.services import audit_record
from staffrota.optimiser import adapter
from staffrota.optimiser.engine import diagnose
from staffrota.optimiser.engine.evaluate import evaluate
from staffrota.optimiser.engine.model import SOURCES, ProblemError
from staffrota.optimiser.engine.solver import solve
from staffrota.optimiser.models import OptimiserRun, RunStatus
from staffrota.organisation.models import CareHome, Unit
from staffrota.rota.costs import shift_cost
from staffrota.rota.models import Shift, ShiftStatus
from staffrota.rota.services import RotaError, shift_create, snapshot
from staffrota.tenancy import home_scope

log = logging.getLogger(__name__)
#: How often the job writes progress and looks for a cancel request, in seconds.
POLL_S = 0.5


class OptimiserError(Exception):
    """A run that cannot be started or changed; the message is for a manager."""


def run_start(
    *, home: CareHome, units: list[Unit], whole_home: bool, start: date, weeks: int, actor
) -> OptimiserRun:
    """Queue a run; the job starts once this transaction commits."""
    from staffrota.optimiser.tasks import optimise

    if not units:
        raise OptimiserError("Choose a unit or a whole home.")
    if not 1 <= weeks <= 6:
        raise OptimiserError("Generate between 1 and 6 weeks at a time.")
    with transaction.atomic():
        run = OptimiserRun.objects.create(
            care_home=home,
            whole_home=whole_home,
            start=start,
            weeks=weeks,
            time_limit_s=getattr(settings, "OPTIMISER_TIME_LIMIT_S", 30),
            created_by=actor,
        )
        run.units.set(units)
        audit_record(actor=actor, action="optimiser.start", target=run, after={"weeks": weeks})
        transaction.on_commit(lambda: optimise.delay(run.pk))
    return run


def run_cancel(*, run: OptimiserRun, actor) -> None:
    if run.finished:
        raise OptimiserError("This run has already finished.")
    OptimiserRun.objects.filter(pk=run.pk).update(cancel_requested=True)
    audit_record(actor=actor, action="optimiser.cancel", target=run)


def run_discard(*, run: OptimiserRun, actor) -> int:
    """Delete the run's proposed shifts that are still drafts; published ones stay."""
    with transaction.atomic():
        drafts = list(run.proposed.select_for_update(of=("self",)).filter(status=ShiftStatus.DRAFT))
        for shift in drafts:
            audit_record(
                actor=actor,
                action="shift.discard",
                target=shift,
                before=snapshot(shift),
                reason=f"Discarded with generated rota {run.pk}",
            )
        Shift.objects.filter(pk__in=[s.pk for s in drafts]).delete()
        OptimiserRun.objects.filter(pk=run.pk).update(discarded=True)
    return len(drafts)


def cost_by_source(shifts) -> dict[str, str]:
    """Pounds by source (contracted, overtime, bank, agency) and total, as strings for JSON."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for s in shifts:
        if s.staff_id is None and s.source != "agency":
            continue
        totals[s.source] += shift_cost(
            category=s.source, hours=s.paid_hours, staff=s.staff, home=s.care_home, role=s.job_role
        )
    result = {source: str(totals.get(source, Decimal("0.00"))) for source in SOURCES}
    result["total"] = str(sum(totals.values(), Decimal("0.00")))
    return result


def _period_shifts(run: OptimiserRun):
    return (
        Shift.objects.filter(units_q(run), date__range=(run.start, run.end))
        .exclude(status=ShiftStatus.CANCELLED)
        .select_related("staff", "care_home", "job_role")
    )


def units_q(run: OptimiserRun):
    from django.db.models import Q

    return Q(unit_id__in=list(run.units.values_list("pk", flat=True)))


class _Cancel:
    def __init__(self) -> None:
        self.event = threading.Event()

    def is_set(self) -> bool:
        return self.event.is_set()


def run_execute(run_id: int) -> OptimiserRun:
    """The job: build the problem, solve it, write the drafts through the rota services."""
    run = OptimiserRun.objects.get(pk=run_id)  # caller opened the scope
    if run.status != RunStatus.QUEUED:
        return run
    OptimiserRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, started_at=timezone.now()
    )
    try:
        with home_scope([run.care_home_id]):
            _execute(run)
    except Exception as error:  # the manager sees a message, never a stuck "running"
        log.exception("optimiser run %s failed", run.pk)
        OptimiserRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED,
            finished_at=timezone.now(),
            messages=[f"The optimiser stopped with an error: {error}"],
        )
    run.refresh_from_db()
    return run


def _execute(run: OptimiserRun) -> None:
    units = list(run.units.select_related("care_home").order_by("name"))
    before = cost_by_source(_period_shifts(run))
    try:
        mapping = adapter.build_problem(units=units, start=run.start, weeks=run.weeks)
    except ProblemError as error:
        _finish(run, RunStatus.FAILED, [f"The rota data cannot be used: {error}"], before=before)
        return
    problem = mapping.problem
    if not problem.covers:
        _finish(
            run,
            RunStatus.FAILED,
            ["No staffing requirements are set for these units, so there is nothing to fill."],
            before=before,
        )
        return

    state: dict = {}
    cancel = _Cancel()

    def progress(p) -> None:
        state["objective"] = p.objective
        state["elapsed"] = p.elapsed_s

    def work() -> None:
        try:
            state["solution"] = solve(
                problem,
                time_limit_s=run.time_limit_s,
                workers=getattr(settings, "OPTIMISER_WORKERS", 2),
                progress=progress,
                cancel=cancel,
            )
        except Exception as error:  # handed to the job's thread below
            state["error"] = error

    started = time.monotonic()
    thread = threading.Thread(target=work, name=f"optimiser-run-{run.pk}", daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(POLL_S)
        fields = {"elapsed_s": round(time.monotonic() - started, 1)}
        if "objective" in state:
            fields["best_cost"] = Decimal(str(round(state["objective"] / 100, 2)))
        OptimiserRun.objects.filter(pk=run.pk).update(**fields)
        if OptimiserRun.objects.filter(pk=run.pk, cancel_requested=True).exists():
            cancel.event.set()
    if "error" in state:
        raise state["error"]
    solution = state["solution"]
    elapsed = round(time.monotonic() - started, 1)
    OptimiserRun.objects.filter(pk=run.pk).update(elapsed_s=elapsed)

    if solution.roster is None:
        status = RunStatus.CANCELLED if solution.status == "CANCELLED" else RunStatus.FAILED
        _finish(run, status, solution.messages or ["No rota was found."], before=before)
        return

    unfilled = []
    evaluation = evaluate(problem, solution.roster)
    staffed = defaultdict(int)
    for person in problem.staff:
        for d, s in enumerate(solution.roster.shifts[person.id]):
            role = solution.roster.roles.get((person.id, d))
            if role is None and len(person.roles) == 1:
                role = next(iter(person.roles))
            if s is not None and role is not None:
                staffed[(d, s, role)] += 1
    for cover in problem.covers:
        have = staffed[(cover.day, cover.shift, cover.role)]
        if have < cover.minimum:
            unfilled.append(diagnose.cover_message(problem, cover, have))
    refused: list[str] = []
    created: list[Shift] = []
    for p in adapter.proposals(mapping, solution.roster):
        try:
            shift = shift_create(
                unit=p.unit,
                day=p.day,
                shift_type=p.shift_type,
                job_role=p.role,
                staff=p.staff,
                status=ShiftStatus.DRAFT,
                actor=run.created_by,
            )
        except RotaError as error:
            refused.append(
                f"{p.day:%a %-d %b} {p.unit.name} {p.shift_type.name}, {p.role.name}: "
                f"{p.staff.full_name} not proposed: {error}"
            )
            continue
        created.append(shift)
    run.proposed.add(*created)
    after = cost_by_source(_period_shifts(run))
    messages = [m for m in solution.messages if not m.startswith("below minimum cover")]
    status = RunStatus.CANCELLED if solution.status == "CANCELLED" else RunStatus.DONE
    _finish(
        run,
        status,
        messages,
        before=before,
        after=after,
        unfilled=unfilled,
        refused=refused,
        solver={
            "status": solution.status,
            "objective": solution.objective,
            "bound": solution.bound,
            "seconds": round(solution.wall_time_s, 1),
            "evaluator_feasible": evaluation.feasible,
        },
        created=len(created),
    )


def _finish(run: OptimiserRun, status: str, messages: list[str], **summary) -> None:
    OptimiserRun.objects.filter(pk=run.pk).update(
        status=status, finished_at=timezone.now(), messages=list(messages), summary=summary
    )
