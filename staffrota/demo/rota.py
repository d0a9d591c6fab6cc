"""Fill one home's minimum staffing day by day, the way a rota co-ordinator would.

Contracted staff first (those furthest behind their weekly hours), then overtime or bank,
then agency. Every assignment respects approved leave and sickness, a start date, a lapsed
registration, one shift a day, 11 hours' rest and the home's cap on consecutive days; with
one shift a day and 11 hours between shifts no two of a person's shifts can overlap.
In the past an unfilled slot simply ran short (history records worked shifts only); in the
future it stays on the rota as a vacancy. Pure Python, no Django.
"""

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from staffrota.demo.absence import Absences
from staffrota.demo.people import Person
from staffrota.demo.plan import HomePlan

LONDON = ZoneInfo("Europe/London")
REST_SECONDS = 11 * 3600
WTR_WEEK = 48.0  # hours a week without an opt-out (DOMAIN.md §5)
OPTED_OUT_WEEK = 60.0
PUBLISHED_AHEAD_DAYS = 14
PERIOD_DAYS = 28


@dataclass(slots=True)
class ShiftRow:
    unit: int
    day: int  # window day index
    code: str
    role: str
    person: int  # -1: vacancy
    source: str
    status: str
    note: str


@dataclass
class RotaResult:
    rows: list[ShiftRow]
    times: dict[tuple[int, str], tuple[datetime, datetime]]  # (day, code) -> UTC start, end
    short_in_past: int


def _times(window_start: date, ndays: int, plan: HomePlan):
    times: dict[tuple[int, str], tuple[datetime, datetime]] = {}
    stamps: dict[tuple[int, str], tuple[int, int]] = {}
    for i in range(ndays):
        day = window_start + timedelta(days=i)
        for spec in plan.shift_specs:
            end_day = day + timedelta(days=1) if spec.ends <= spec.starts else day
            start = datetime.combine(day, spec.starts, LONDON).astimezone(UTC)
            end = datetime.combine(end_day, spec.ends, LONDON).astimezone(UTC)
            times[(i, spec.code)] = (start, end)
            stamps[(i, spec.code)] = (int(start.timestamp()), int(end.timestamp()))
    return times, stamps


def make_rota(
    plan: HomePlan,
    people: list[Person],
    absences: Absences,
    rng: random.Random,
    *,
    window_start: date,
    today: date,
    ndays: int,
    bank_holidays: dict[date, str],
    max_consecutive: int = 6,
) -> RotaResult:
    """All shifts of the home over the window: worked history, then the planned rota."""
    today_i = (today - window_start).days
    times, stamps = _times(window_start, ndays, plan)
    hours = {s.code: float(s.paid_hours) for s in plan.shift_specs}
    is_night = {s.code: s.is_night for s in plan.shift_specs}
    start_order = {s.code: (s.starts, s.code) for s in plan.shift_specs}

    # Slots per weekday in start-time order: (unit, code, role, minimum).
    slots: list[list[tuple[int, str, str, int]]] = [[] for _ in range(7)]
    for u, unit in enumerate(plan.units):
        for (code, role, weekday), minimum in unit.requirements.items():
            slots[weekday].append((u, code, role, minimum))
    for day_slots in slots:
        day_slots.sort(key=lambda s: (start_order[s[1]], s[0], s[2]))

    # Candidate pools. Permanent: by (unit, role, group), own unit before cover units.
    own: dict[tuple[int, str, str], list[int]] = {}
    cover: dict[tuple[int, str, str], list[int]] = {}
    bank: dict[tuple[int, str], list[int]] = {}
    agency: dict[tuple[int, str], list[int]] = {}
    for p in people:
        units = [p.home_unit, *p.cover]
        if p.contract == "permanent":
            own.setdefault((p.home_unit, p.role, p.group), []).append(p.index)
            for u in p.cover:
                cover.setdefault((u, p.role, p.group), []).append(p.index)
        else:
            pool = agency if p.agency else bank
            for u in units:
                pool.setdefault((u, p.role), []).append(p.index)

    n = len(people)
    first_day = [max(0, (p.started_on - window_start).days) for p in people]
    last_day_allowed = [
        (p.registration_expiry - window_start).days if p.registration_expiry else ndays
        for p in people
    ]
    contracted = [p.contracted for p in people]
    week_cap = [OPTED_OUT_WEEK if p.wtr_opt_out else WTR_WEEK for p in people]
    overtime_cap = [min(p.contracted + 8.0, week_cap[p.index]) for p in people]
    max_week_shifts = [p.max_week_shifts for p in people]
    away = absences.away
    last_day = [-10] * n
    last_end = [0] * n
    streak = [0] * n
    week_hours = [0.0] * n
    week_shifts = [0] * n
    # Contracts balance over four-week periods, as real rotas do: 37.5 h a week is 13
    # long days in four weeks, which no single week can hold exactly.
    period_hours = [0.0] * n
    period_target = [c * PERIOD_DAYS / 7 + 2.0 for c in contracted]

    rows: list[ShiftRow] = []
    short = 0
    for i in range(ndays):
        day = window_start + timedelta(days=i)
        weekday = day.weekday()
        if weekday == 0 or i == 0:
            for p in range(n):
                week_hours[p] = 0.0
                week_shifts[p] = 0
        if i % PERIOD_DAYS == 0:
            for p in range(n):
                period_hours[p] = 0.0
        period_fraction = (i % PERIOD_DAYS + 1) / PERIOD_DAYS
        ahead = i - today_i
        status = "published" if ahead < PUBLISHED_AHEAD_DAYS else "draft"
        # Further ahead, fewer gaps have been filled by overtime, bank or agency yet.
        fill_chance = 1.0 if ahead < 0 else max(0.3, 0.98 - 0.018 * ahead)
        note = bank_holidays.get(day, "")

        def eligible(p: int, start_ts: int, i: int = i) -> bool:
            if last_day[p] == i or away[p][i] or i < first_day[p] or i > last_day_allowed[p]:
                return False
            if last_end[p] + REST_SECONDS > start_ts:
                return False
            return not (last_day[p] == i - 1 and streak[p] >= max_consecutive)

        for u, code, role, minimum in slots[weekday]:
            start_ts, end_ts = stamps[(i, code)]
            h = hours[code]
            group = "night" if is_night[code] else "day"
            own_pool = own.get((u, role, group), ())
            cover_pool = cover.get((u, role, group), ())
            for k in range(minimum):
                chosen, source = -1, "contracted"
                best = -1e9
                # Contracted: whoever is furthest behind their hours for the week so far.
                for pool, penalty in ((own_pool, 0.0), (cover_pool, 6.0)):
                    for p in pool:
                        if (
                            period_hours[p] + h > period_target[p]
                            or week_hours[p] + h > week_cap[p]
                            or not eligible(p, start_ts)
                        ):
                            continue
                        # A deterministic tie-break that rotates people day by day.
                        jitter = ((p * 7919 + i * 104729 + k * 31) % 97) / 24.0
                        score = (
                            period_target[p] * period_fraction - period_hours[p] - penalty + jitter
                        )
                        if score > best:
                            best, chosen = score, p
                if chosen < 0 and rng.random() < fill_chance:
                    for source in _extra_order(rng.random(), role):
                        chosen = _pick_extra(
                            source, own_pool, cover_pool, bank.get((u, role), ()),
                            agency.get((u, role), ()), h, eligible, start_ts, week_hours,
                            overtime_cap, week_shifts, max_week_shifts,
                        )  # fmt: skip
                        if chosen >= 0:
                            break
                if chosen < 0:
                    if ahead < 0:
                        short += 1
                        continue
                    rows.append(ShiftRow(u, i, code, role, -1, "contracted", status, note))
                    continue
                rows.append(ShiftRow(u, i, code, role, chosen, source, status, note))
                streak[chosen] = streak[chosen] + 1 if last_day[chosen] == i - 1 else 1
                last_day[chosen] = i
                last_end[chosen] = end_ts
                week_hours[chosen] += h
                week_shifts[chosen] += 1
                if source == "contracted":
                    period_hours[chosen] += h
    return RotaResult(rows=rows, times=times, short_in_past=short)


def _extra_order(draw: float, role: str) -> tuple[str, str, str]:
    """Who a co-ordinator asks first for an uncovered shift: usually bank, then overtime,
    some shifts go to a regular agency worker straight away (more often for nurses, whom
    homes struggle most to recruit: DOMAIN.md §6)."""
    agency_first = 0.3 if role == "rn" else 0.15
    if draw < agency_first:
        return ("agency", "bank", "overtime")
    if draw < agency_first + (1 - agency_first) * 0.65:
        return ("bank", "overtime", "agency")
    return ("overtime", "bank", "agency")


def _pick_extra(
    source, own_pool, cover_pool, bank_pool, agency_pool, h, eligible, start_ts,
    week_hours, week_cap, week_shifts, max_week_shifts,
) -> int:  # fmt: skip
    """The person who takes an extra shift from this source, or -1."""
    best, chosen = 1e9, -1
    if source == "overtime":
        for pool in (own_pool, cover_pool):
            for p in pool:
                # Overtime goes to whoever has worked least this week.
                hours = week_hours[p]
                if hours < best and hours + h <= week_cap[p] and eligible(p, start_ts):
                    best, chosen = hours, p
    else:
        for p in bank_pool if source == "bank" else agency_pool:
            if week_shifts[p] < min(best, max_week_shifts[p]) and eligible(p, start_ts):
                best, chosen = week_shifts[p], p
    return chosen
