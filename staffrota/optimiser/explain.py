"""Sentences for the manager reviewing a draft: why this person, why a shift stays unfilled."""

from __future__ import annotations

import time
from collections import Counter

from staffrota.optimiser.adapter import Mapping
from staffrota.optimiser.engine.model import Roster
from staffrota.optimiser.fill import RuleBook, _State, candidates, copy_roster

RULES_PASSED = (
    "no overlap, 11 hours' rest, at most {days} days in a row, weekly rest, 48-hour week "
    "and 17-week average, registration, role, not on leave or sick"
)


def _pounds(pence: float) -> str:
    return f"£{pence / 100:,.2f}"


def _hours(minutes: float) -> str:
    return f"{minutes / 60:g}"


def shift_pay(mapping: Mapping, roster: Roster, sid: str, d: int) -> tuple[str, float]:
    """How one shift of the roster is paid and what it adds to the period (pence): the
    difference the shift makes to the person's pay for the period."""
    person = mapping.problem.staff_by_id[sid]
    shifts = mapping.problem.shift_by_id
    minutes = shifts[roster.shifts[sid][d]].minutes
    pay = person.pay
    if pay.source == "bank":
        return "bank", pay.hourly * minutes / 60
    worked = sum(shifts[s].minutes for s in roster.shifts[sid][: mapping.period_days] if s)
    limit = int(mapping.staff[sid].contracted_hours * 60 * (mapping.period_days // 7))
    ot = pay.overtime_hourly or pay.hourly

    def cost(m: float) -> float:
        return pay.hourly * min(m, limit) / 60 + ot * max(0, m - limit) / 60

    extra = cost(worked) - cost(worked - minutes)
    return ("overtime" if worked > limit else "contracted"), extra


class Explainer:
    """Explanations for one draft: the draft's state is built once and each question takes
    one shift out and puts it back, so a whole home's draft is explained in seconds."""

    def __init__(
        self, mapping: Mapping, book: RuleBook, roster: Roster, deadline: float | None = None
    ) -> None:
        self.deadline = deadline
        self.mapping = mapping
        self.book = book
        self.roster = copy_roster(roster)
        self.state = _State(mapping, self.roster)
        for sid in self.roster.shifts:
            self.state.added[sid] = [book.shift(x, s) for x, s in book.new_shifts(self.roster, sid)]

    def why_person(self, sid: str, d: int) -> str:
        """Cost, hours, the rules passed, and who else was free for the same shift."""
        mapping, roster = self.mapping, self.roster
        member = mapping.staff[sid]
        shifts = mapping.problem.shift_by_id
        source, cost = shift_pay(mapping, roster, sid, d)
        worked = self.state.minutes[sid]
        weeks = mapping.period_days // 7
        if source == "bank":
            hours = f"bank, {_hours(worked)} h in the period"
        else:
            hours = (
                f"{_hours(worked)} h in the period against {member.contracted_hours:g} h a "
                f"week contracted ({float(member.contracted_hours) * weeks:g} h)"
            )
        text = (
            f"{member.full_name}: {_pounds(cost)} as {source} at £{member.hourly_rate}/h; "
            f"{hours}. Rules passed: "
            f"{RULES_PASSED.format(days=mapping.home.max_consecutive_days)}."
        )
        shift = roster.shifts[sid][d]
        role = mapping.role_of(roster, sid, d)
        key = (d, shift, role.name)
        if key not in mapping.needs or (
            self.deadline is not None and time.monotonic() > self.deadline
        ):
            return text  # past the time limit the alternatives are left out
        # Who else could take it, with this person's shift taken out of the draft.
        row, added = roster.shifts[sid], self.state.added[sid]
        taken = self.book.shift(d, shift)
        row[d] = None
        self.state.minutes[sid] -= shifts[shift].minutes
        self.state.added[sid] = [w for w in added if w.starts_at != taken.starts_at]
        try:
            found, _ = candidates(self.book, self.state, key, limit=3)
        finally:
            row[d] = shift
            self.state.minutes[sid] += shifts[shift].minutes
            self.state.added[sid] = added
        others = [c for c in found if c.sid != sid]
        if not others:
            return text + " Nobody else could work this shift."
        cheapest = others[0]
        name = mapping.staff[cheapest.sid].full_name
        if cheapest.cost < cost:
            return text + (
                f" {name} could work it for {_pounds(cheapest.cost)}, but is worth more on "
                "other shifts of the period: the draft has the lowest cost for the period "
                "as a whole."
            )
        return text + f" Next cheapest: {name} at {_pounds(cheapest.cost)}."

    def why_unfilled(self, key: tuple[int, str, str], have: int) -> str:
        """E.g. "Tue 3 Mar Rowan Night, Registered nurse: 0 of 1; no eligible person: 2 on
        annual leave, 1 registration expired or missing"."""
        mapping = self.mapping
        need = mapping.needs[key]
        found, why = candidates(self.book, self.state, key, limit=1)
        head = (
            f"{mapping.problem.day_label(need.day)} {need.unit.name} {need.shift_type.name}, "
            f"{need.role.name}: {have} of {need.minimum}"
        )
        reasons = ", ".join(f"{n} {reason}" for reason, n in _ordered(why))
        if found:
            name = mapping.staff[found[0].sid].full_name
            return (
                f"{head}; left to an agency ({_pounds(need.agency_pence)}) because the "
                f"cheapest person who may work it, {name}, would cost {_pounds(found[0].cost)}"
            )
        tail = f"; {reasons}" if reasons else "; nobody on the unit has this role"
        return f"{head}; no eligible person{tail}"


def _ordered(why: Counter) -> list[tuple[str, int]]:
    return sorted(why.items(), key=lambda item: (-item[1], item[0]))
