"""Plain-language explanations: why a requirement cannot be met, or why there is no rota."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import replace

from ortools.sat.python import cp_model

from .model import Cover, Problem, Staff


def _cover_label(problem: Problem, cover: Cover) -> str:
    label = f"{problem.day_label(cover.day)} {cover.shift}"
    return f"{label}, {cover.role}" if cover.role else label


def why_not_available(problem: Problem, cover: Cover) -> tuple[int, str]:
    """Number of people who could work this cover line, and why the others cannot.

    Gives e.g. ``(0, "2 on annual leave, 1 registration expired")``.
    """
    eligible = 0
    reasons: Counter[str] = Counter()
    for person in problem.staff:
        if cover.role is not None and cover.role not in person.roles:
            continue
        fixed = person.fixed.get(cover.day)
        if fixed is not None and fixed != cover.shift:
            reasons[f"on a published {fixed} shift"] += 1
        elif fixed == cover.shift:
            eligible += 1
        elif cover.day in person.unavailable:
            reasons[person.unavailable[cover.day]] += 1
        elif not problem.can_work(person, cover.shift):
            reasons[f"may not work {cover.shift} shifts"] += 1
        else:
            eligible += 1
    text = ", ".join(f"{n} {why}" for why, n in reasons.most_common())
    return eligible, text


def cover_message(problem: Problem, cover: Cover, have: int | None = None) -> str:
    """One sentence on a cover line that cannot reach its minimum."""
    eligible, why = why_not_available(problem, cover)
    label = _cover_label(problem, cover)
    if eligible == 0:
        head = f"{label}: no eligible person"
    else:
        head = f"{label}: only {eligible} eligible for a minimum of {cover.minimum}"
    if have is not None and have < cover.minimum and eligible >= cover.minimum:
        head = f"{label}: {have} of minimum {cover.minimum} rostered (other rules prevent more)"
    return f"{head}; {why}" if why else head


def person_capacity(problem: Problem, person: Staff) -> tuple[int, list[str]]:
    """An upper bound on the minutes a person can work, with the limits that cause it."""
    c = person.contract
    allowed = [s for s in problem.shift_types if problem.can_work(person, s.id)]
    reasons: list[str] = []
    free_days = [d for d in range(problem.days) if d not in person.unavailable or d in person.fixed]
    off = problem.days - len(free_days)
    if off:
        why = Counter(person.unavailable[d] for d in range(problem.days) if d not in free_days)
        reasons.append(
            f"{off} of {problem.days} days unavailable ("
            + ", ".join(f"{n} {w}" for w, n in why.most_common())
            + ")"
        )
    if not allowed:
        return 0, ["may not work any shift type"]
    # Longest shifts first over the available days, capped per type by the contract.
    slots = len(free_days)
    if c.max_consecutive_shifts is not None:
        k = c.max_consecutive_shifts
        cap = (problem.days // (k + 1)) * k + min(k, problem.days % (k + 1))
        if cap < slots:
            slots = cap
            reasons.append(f"at most {k} shifts in a row")
    capacity = 0
    for s in sorted(allowed, key=lambda s: -s.minutes):
        n = min(slots, c.max_shifts.get(s.id, problem.days))
        capacity += n * s.minutes
        slots -= n
    return capacity, reasons


def precheck(problem: Problem) -> tuple[list[str], list[str]]:
    """Quick, certain checks before solving: (reasons there can be no rota, warnings)."""
    fatal: list[str] = []
    warnings: list[str] = []
    shifts = problem.shift_by_id
    for person in problem.staff:
        c = person.contract
        capacity, reasons = person_capacity(problem, person)
        if capacity < c.min_minutes:
            why = "; ".join(reasons) if reasons else "the contract's limits"
            fatal.append(
                f"{person.label}: must work at least {c.min_minutes} minutes but can work at most "
                f"{capacity} ({why})"
            )
        for d, s in sorted(person.fixed.items()):
            if not problem.can_work(person, s):
                warnings.append(
                    f"{person.label}: published {s} shift on {problem.day_label(d)} is outside "
                    "the contract; kept as published"
                )
            nxt = person.fixed.get(d + 1)
            if nxt is not None and nxt in shifts[s].forbidden_next:
                fatal.append(
                    f"{person.label}: published {nxt} on {problem.day_label(d + 1)} may not "
                    f"follow the published {s} the day before (too little rest)"
                )
    for cover in problem.covers:
        if cover.minimum <= 0:
            continue
        eligible, _ = why_not_available(problem, cover)
        pool = problem.agency
        if pool is not None and (pool.roles is None or cover.role in pool.roles):
            eligible += pool.max_per_shift if pool.max_per_shift is not None else cover.minimum
        if eligible < cover.minimum:
            (fatal if cover.hard else warnings).append(cover_message(problem, cover))
    return fatal, warnings


def explain_infeasible(problem: Problem, time_limit_s: float) -> list[str]:
    """Find which requirements conflict, person by person first, then the cover minimums."""
    from .cpmodel import RotaModel  # local: cpmodel is heavier and only needed here

    deadline = time.monotonic() + max(0.1, time_limit_s)
    messages: list[str] = []
    for person in problem.staff:
        if time.monotonic() > deadline:
            break
        # A person alone, without cover lines, meets every personal rule or never will.
        single = replace(problem, staff=(person,), covers=(), requests=(), fairness=())
        core = _core(RotaModel(single, explain=True), deadline)
        if core is not None:
            rules = " and ".join(core) if core else "the contract's limits"
            messages.append(
                f"{person.label}: the contract cannot be met: {rules} conflict with the "
                "maximum shifts, rest and consecutive-day rules"
            )
    if messages:
        return messages
    hard = [c for c in problem.covers if c.hard and c.minimum]
    if hard and time.monotonic() < deadline:
        core = _core(RotaModel(problem, explain=True), deadline)
        if core:
            return ["these requirements cannot all be met together: " + "; ".join(core)]
    if time.monotonic() >= deadline:
        return ["no rota found and no time left to find out why; try a longer time limit"]
    return ["no rota satisfies every rule together; relax a contract limit or a minimum cover"]


def _core(rota: object, deadline: float) -> list[str] | None:
    """Requirements in an infeasible core, [] if infeasible without any, None if feasible."""
    model = rota.model  # type: ignore[attr-defined]
    assumptions = rota.assumptions  # type: ignore[attr-defined]
    model.add_assumptions(assumptions.literals)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, deadline - time.monotonic())
    solver.parameters.num_workers = 1
    status = solver.solve(model)
    if status != cp_model.INFEASIBLE:
        return None
    core = solver.sufficient_assumptions_for_infeasibility()
    return [assumptions.meaning[i] for i in core if i in assumptions.meaning]
