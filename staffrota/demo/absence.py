"""Leave requests and sickness spells for one home, and the days each person is away.
Pure Python: the rota generator reads `Absences.away` so nobody works while off."""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from staffrota.demo.people import Person
from staffrota.demo.reference import LEAVE_COMMENTS

LEAVE = 1
SICK = 2

# A year's annual leave in blocks of calendar days: 5.6 weeks, about 39 days (DOMAIN.md §4).
LEAVE_BLOCKS = [14, 7, 7, 4, 3, 2, 1, 1]
LEAVE_DAYS_PER_YEAR = sum(LEAVE_BLOCKS)
# Sickness spell lengths (days) and weights: about 4.8 days a spell, 1.5 spells a year, so
# ~7 days a year, between the 4.8 and 9.7 days of DOMAIN.md §6.
SPELL_DAYS = [1, 2, 3, 5, 7, 10, 14, 28, 56]
SPELL_WEIGHTS = [35, 20, 15, 12, 6, 4, 3, 3, 2]
REASONS = ["msk", "respiratory", "gastro", "mental", "injury", "other"]
REASON_WEIGHTS = [22, 30, 22, 16, 5, 5]


@dataclass(slots=True)
class LeaveRow:
    person: int
    leave_type: str
    start: date
    end: date
    hours: float
    comment: str
    status: str
    decided_days_before: int | None  # None while pending


@dataclass(slots=True)
class SickRow:
    person: int
    start: date
    expected_end: date | None
    end: date | None
    reason: str
    fit_note: bool


@dataclass
class Absences:
    away: list[bytearray]  # per person, per window day: 0, LEAVE or SICK
    leave: list[LeaveRow] = field(default_factory=list)
    sickness: list[SickRow] = field(default_factory=list)


def _season_weight(day: date) -> float:
    # Leave clusters in the school summer holidays, at Easter and at Christmas.
    if day.month in (7, 8):
        return 1.0
    if day.month in (4, 10, 12):
        return 0.7
    return 0.45


def _sick_weight(day: date) -> float:
    # Winter pressure: colds, flu and norovirus peak from December to February.
    return {12: 1.0, 1: 1.0, 2: 0.85, 3: 0.6, 11: 0.7}.get(day.month, 0.45)


def make_absences(
    people: list[Person],
    rng: random.Random,
    *,
    window_start: date,
    today: date,
    ndays: int,
) -> Absences:
    """Annual and other leave (approved, pending, rejected) and sickness (some still open)."""
    today_i = (today - window_start).days
    result = Absences(away=[bytearray(ndays) for _ in people])

    def free(away: bytearray, a: int, b: int) -> bool:
        return all(away[i] == 0 for i in range(max(a, 0), min(b, ndays - 1) + 1))

    for person in people:
        if person.agency:
            continue  # the agency manages its own workers' leave
        away = result.away[person.index]
        first_i = max(0, (person.started_on - window_start).days)
        if first_i >= ndays:
            continue
        span = ndays - first_i
        if person.contract == "permanent":
            _leave_for(person, rng, result, away, window_start, today_i, first_i, span, free)
        _sickness_for(person, rng, result, away, window_start, today_i, first_i, ndays, free)
    return result


def _leave_for(person, rng, result, away, window_start, today_i, first_i, span, free) -> None:
    blocks: list[int] = []
    target = LEAVE_DAYS_PER_YEAR * span / 365
    while sum(blocks) < target:
        blocks.extend(rng.sample(LEAVE_BLOCKS, len(LEAVE_BLOCKS)))
    while blocks and sum(blocks) - blocks[-1] >= target * rng.uniform(0.9, 1.1):
        blocks.pop()
    ndays = len(away)
    for length in blocks:
        for _try in range(6):
            start_i = first_i + rng.randrange(span)
            start = window_start + timedelta(days=start_i)
            if rng.random() > _season_weight(start):
                continue
            end_i = start_i + length - 1
            if person.protected and end_i >= today_i:
                continue
            if not free(away, start_i, end_i):
                continue
            leave_type = rng.choices(
                ["annual", "toil", "training", "compassionate", "unpaid", "parental"],
                [88, 4, 3, 2, 2, 1],
            )[0]
            if leave_type != "annual":
                length = min(length, 3)
                end_i = start_i + length - 1
            if start_i >= today_i:
                status = rng.choices(["approved", "pending", "rejected"], [60, 35, 5])[0]
            else:
                status = "approved"
            hours = round(person.contracted * length / 7 * 4) / 4 or 0.25
            result.leave.append(
                LeaveRow(
                    person=person.index,
                    leave_type=leave_type,
                    start=start,
                    end=window_start + timedelta(days=end_i),
                    hours=hours,
                    comment=rng.choice(LEAVE_COMMENTS[leave_type]),
                    status=status,
                    decided_days_before=None if status == "pending" else rng.randint(3, 40),
                )
            )
            if status == "approved":
                for i in range(start_i, min(end_i, ndays - 1) + 1):
                    away[i] = LEAVE
            break
    # About one request in twenty is turned down (a clash with colleagues' leave); it
    # leaves the person on the rota.
    if rng.random() < 0.3:
        start_i = first_i + rng.randrange(span)
        length = rng.choice([1, 2, 3, 7])
        result.leave.append(
            LeaveRow(
                person=person.index,
                leave_type="annual",
                start=window_start + timedelta(days=start_i),
                end=window_start + timedelta(days=start_i + length - 1),
                hours=round(person.contracted * length / 7 * 4) / 4 or 0.25,
                comment="",
                status="rejected",
                decided_days_before=rng.randint(5, 30),
            )
        )


def _sickness_for(person, rng, result, away, window_start, today_i, first_i, ndays, free):
    history = today_i - first_i
    if history <= 0:
        return
    # Spells are known only up to today: start before today, perhaps still going on.
    proneness = rng.choice([0.3, 0.6, 1.0, 1.0, 1.4, 2.5])
    expected = 1.5 * proneness * history / 365
    spells = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
    for _ in range(spells):
        for _try in range(6):
            start_i = first_i + rng.randrange(history)
            start = window_start + timedelta(days=start_i)
            if rng.random() > _sick_weight(start):
                continue
            length = rng.choices(SPELL_DAYS, SPELL_WEIGHTS)[0]
            end_i = start_i + length - 1
            if person.protected and end_i >= today_i - 1:
                continue
            if not free(away, start_i, min(end_i, today_i + 60)):
                continue
            reason = rng.choices(REASONS, REASON_WEIGHTS)[0]
            if length >= 14 and reason in ("respiratory", "gastro"):
                reason = rng.choice(["msk", "mental"])
            still_off = end_i >= today_i
            expected_end = window_start + timedelta(days=end_i)
            if still_off:
                # Open spell: most have an expected return date (fit note or self-certified);
                # without one the person stays off the whole planned rota.
                known = rng.random() < 0.8
                block_to = end_i if known else ndays - 1
                row = SickRow(
                    person.index, start, expected_end if known else None, None, reason,
                    length > 7,
                )  # fmt: skip
            else:
                block_to = end_i
                row = SickRow(person.index, start, expected_end, expected_end, reason, length > 7)
            for i in range(start_i, min(block_to, ndays - 1) + 1):
                away[i] = SICK
            result.sickness.append(row)
            break
