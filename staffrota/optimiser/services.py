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
from staffrota.notifications.services import email_queue
from staffrota.optimiser import adapter, explain, fill
from staffrota.optimiser.engine.model import SOURCES, ProblemError
from staffrota.optimiser.models import ChangeKind, OptimiserRun, ProposedChange, RunStatus
from staffrota.organisation.models import CareHome, Unit
from staffrota.rota.models import Shift, ShiftStatus
from staffrota.rota.services import RotaError, shift_assign, shift_create
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
    """Drop the draft: nothing was written to the rota, so nothing on it changes."""
    with transaction.atomic():
        locked = OptimiserRun.objects.select_for_update().get(pk=run.pk)
        if not locked.finished:
            raise OptimiserError("Wait for the run to finish, or cancel it, before discarding.")
        if locked.published_at is not None:
            raise OptimiserError("This draft is already published; change the rota instead.")
        count = locked.changes.count()
        OptimiserRun.objects.filter(pk=run.pk).update(discarded=True)
        audit_record(actor=actor, action="optimiser.discard", target=run, after={"changes": count})
    return count


def run_publish(*, run: OptimiserRun, actor) -> int:
    """Put every change of the draft on the rota as published shifts, all or none.

    Each change goes through the rota's services, so the rules engine checks it again
    against the rota as it is now; a vacancy filled or a shift booked since the run makes
    the whole publish stop with the reasons, and nothing changes.
    """
    with transaction.atomic():
        locked = OptimiserRun.objects.select_for_update().get(pk=run.pk)
        if not locked.finished:
            raise OptimiserError("Wait for the run to finish before publishing.")
        if locked.discarded:
            raise OptimiserError("This draft was discarded; generate a new one.")
        if locked.published_at is not None:
            raise OptimiserError("This draft is already published.")
        changes = list(
            locked.changes.select_related(
                "unit__care_home", "shift_type", "job_role", "staff__user", "staff__job_role"
            )
        )
        problems: list[str] = []
        published: list[Shift] = []
        for change in changes:
            label = (
                f"{change.date:%a} {change.date.day} {change.date:%b} {change.unit.name} "
                f"{change.shift_type.name}, {change.staff.full_name}"
            )
            try:
                with transaction.atomic():
                    shift = _apply(change, actor)
            except RotaError as error:
                problems.append(f"{label}: {error}")
                continue
            change.shift = shift
            published.append(shift)
        if problems:
            transaction.set_rollback(True)
            raise OptimiserError(
                "Nothing was published: the rota has changed since this draft was made. "
                + " ".join(problems[:5])
                + (f" And {len(problems) - 5} more." if len(problems) > 5 else "")
                + " Generate the rota again."
            )
        ProposedChange.objects.bulk_update(changes, ["shift"])
        Shift.objects.filter(pk__in=[s.pk for s in published]).update(
            status=ShiftStatus.PUBLISHED, updated_at=timezone.now()
        )
        for shift in published:
            audit_record(
                actor=actor,
                action="shift.publish",
                target=shift,
                after={"status": ShiftStatus.PUBLISHED},
                reason=f"Published with generated rota {run.pk}",
            )
        OptimiserRun.objects.filter(pk=run.pk).update(
            published_at=timezone.now(), published_by=actor
        )
        audit_record(
            actor=actor, action="optimiser.publish", target=run, after={"shifts": len(published)}
        )
        _notify(published, run)
    return len(published)


def _apply(change: ProposedChange, actor) -> Shift:
    if change.kind == ChangeKind.FILL:
        vacancy = (
            Shift.objects.filter(pk=change.vacancy_id).select_related("care_home").first()
            if change.vacancy_id
            else None
        )
        if vacancy is None or vacancy.status == ShiftStatus.CANCELLED:
            raise RotaError("the vacancy it fills has been removed.")
        return shift_assign(shift=vacancy, staff=change.staff, actor=actor)
    return shift_create(
        unit=change.unit,
        day=change.date,
        shift_type=change.shift_type,
        job_role=change.job_role,
        staff=change.staff,
        status=ShiftStatus.DRAFT,
        actor=actor,
    )


def _notify(shifts: list[Shift], run: OptimiserRun) -> None:
    by_person: dict[int, list[Shift]] = defaultdict(list)
    for shift in shifts:
        by_person[shift.staff_id].append(shift)
    for items in by_person.values():
        person = items[0].staff
        lines = "\n".join(
            f"  {timezone.localtime(s.starts_at):%a %d %b %H:%M}–"
            f"{timezone.localtime(s.ends_at):%H:%M}  {s.shift_type.name} on {s.unit.name}"
            for s in sorted(items, key=lambda s: s.starts_at)
        )
        email_queue(
            to=[person.user.email],
            subject="New shifts for you have been published",
            body=(
                f"Hello {person.user.first_name},\n\nThe rota from {run.start:%d %b} to "
                f"{run.end:%d %b} is published with new shifts for you:\n\n{lines}\n\n"
                "You can see them any time under My shifts.\n\nStaff Rota"
            ),
        )


def pounds(pence: float) -> str:
    return str((Decimal(round(pence)) / 100).quantize(Decimal("0.01")))


def cost_in_pounds(cost: dict[str, int]) -> dict[str, str]:
    """Pence by source from `fill.period_cost`, as pound strings for JSON."""
    return {key: pounds(cost[key]) for key in (*SOURCES, "total")}


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


#: Share of the time limit kept for checking the draft, explaining it and saving it.
AFTER_SHARE = 0.25


def _execute(run: OptimiserRun) -> None:
    # The time limit covers the whole job: reading the rota, solving, checking, explaining.
    deadline = time.monotonic() + run.time_limit_s
    units = list(run.units.select_related("care_home").order_by("name"))
    try:
        mapping = adapter.build_problem(units=units, start=run.start, weeks=run.weeks)
    except ProblemError as error:
        _finish(run, RunStatus.FAILED, [f"The rota data cannot be used: {error}"])
        return
    if not mapping.problem.covers:
        _finish(
            run,
            RunStatus.FAILED,
            [
                "No staffing requirements or open vacancies for these units in this period, "
                "so there is nothing to fill."
            ],
        )
        return
    # Everything the rules engine needs is read here, in the job's thread and scope; the
    # solver's thread then works on plain data only.
    book = fill.RuleBook(mapping)
    before = fill.fixed_roster(mapping)
    tail = mapping.tail_pay()
    state: dict = {}
    cancel = _Cancel()

    def progress(p) -> None:
        state["objective"] = p.objective - tail
        state["elapsed"] = p.elapsed_s

    def work() -> None:
        try:
            state["plan"] = fill.plan(
                mapping,
                time_limit_s=max(
                    1.0, (deadline - time.monotonic()) - AFTER_SHARE * run.time_limit_s
                ),
                workers=getattr(settings, "OPTIMISER_WORKERS", 2),
                progress=progress,
                cancel=cancel,
                book=book,
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
            fields["best_cost"] = Decimal(pounds(state["objective"]))
        OptimiserRun.objects.filter(pk=run.pk).update(**fields)
        if OptimiserRun.objects.filter(pk=run.pk, cancel_requested=True).exists():
            cancel.event.set()
    if "error" in state:
        raise state["error"]
    result: fill.Plan = state["plan"]
    roster = result.roster
    # The draft is checked once more, as a whole, by the rules engine: nothing that fails
    # it is ever proposed.
    roster, late = fill.repair(book, roster)
    after_cost = fill.period_cost(mapping, roster)
    OptimiserRun.objects.filter(pk=run.pk).update(
        elapsed_s=round(time.monotonic() - started, 1),
        best_cost=Decimal(pounds(after_cost["total"])),
    )

    changes = []
    explainer = explain.Explainer(mapping, book, roster, deadline=deadline - 1)
    for p in adapter.proposals(mapping, roster):
        sid = str(p.staff.pk)
        source, cost = explain.shift_pay(mapping, roster, sid, p.offset)
        changes.append(
            ProposedChange(
                care_home_id=run.care_home_id,
                run=run,
                kind=ChangeKind.FILL if p.vacancy else ChangeKind.ADD,
                unit=p.unit,
                date=p.day,
                shift_type=p.shift_type,
                job_role=p.role,
                staff=p.staff,
                vacancy_id=p.vacancy,
                source=source,
                cost=Decimal(pounds(cost)),
                reason=explainer.why_person(sid, p.offset),
            )
        )
    ProposedChange.objects.bulk_create(changes)
    staffed = fill.cover_count(mapping, roster)
    unfilled = [
        explainer.why_unfilled(key, staffed[key])
        for key in fill._line_order(mapping)
        if staffed[key] < mapping.needs[key].minimum
    ]
    have, needed = fill.cover_achieved(mapping, roster)
    solution = result.solution
    messages = []
    if solution is not None and solution.roster is None:
        messages += [f"The optimiser found no better rota: {m}" for m in solution.messages]
    elif solution is None:
        messages.append("There was no time left for the optimiser; this is the greedy fill.")
    messages += [m for m in (solution.messages if solution else []) if "below minimum" not in m]
    removed = {**result.removed, **late}
    cancelled = cancel.is_set() or (solution is not None and solution.status == "CANCELLED")
    _finish(
        run,
        RunStatus.CANCELLED if cancelled else RunStatus.DONE,
        messages,
        before=cost_in_pounds(fill.period_cost(mapping, before)),
        after=cost_in_pounds(after_cost),
        greedy=cost_in_pounds(fill.period_cost(mapping, result.greedy)),
        chosen=result.chosen,
        cover={"have": have, "needed": needed},
        unfilled=unfilled,
        removed=[
            f"{mapping.staff[sid].full_name if sid in mapping.staff else 'Rota'}: {m}"
            for (sid, _), items in removed.items()
            for m in items
        ][:50],
        solver={
            "status": solution.status if solution else "not run",
            "seconds": {k: round(v, 1) for k, v in result.seconds.items()},
        },
        created=len(changes),
    )


def _finish(run: OptimiserRun, status: str, messages: list[str], **summary) -> None:
    """Record the outcome; a run always ends with a status and words for the manager."""
    OptimiserRun.objects.filter(pk=run.pk).update(
        status=status, finished_at=timezone.now(), messages=list(messages), summary=summary
    )
