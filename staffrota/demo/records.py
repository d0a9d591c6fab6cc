"""Training, supervision, incidents and daily demand for one home. Pure Python."""

import calendar
import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from staffrota.demo.people import Person
from staffrota.demo.plan import HomePlan
from staffrota.demo.reference import COURSES, INCIDENT_KINDS, LOCATIONS, SUPERVISION_NOTES
from staffrota.demo.rota import LONDON, ShiftRow


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def training_rows(
    people: list[Person], rng: random.Random, *, today: date
) -> list[tuple[int, str, date, date]]:
    """(person, course code, completed, expires): some expired, some due soon, some missing."""
    rows = []
    for person in people:
        if person.agency:
            continue  # the agency keeps its own workers' training records
        for code, _name, months, roles in COURSES:
            if person.role not in roles:
                continue
            draw = rng.random()
            if draw < 0.04:
                continue  # never done: "missing" on the matrix
            if draw < 0.12:
                expires = today - timedelta(days=rng.randint(1, 200))
            elif draw < 0.18:
                expires = today + timedelta(days=rng.randint(0, 30))
            else:
                expires = today + timedelta(days=rng.randint(31, months * 30))
            completed = add_months(expires, -months)
            rows.append((person.index, code, completed, expires))
    return rows


@dataclass(slots=True)
class SupervisionRow:
    person: int
    held_on: date
    next_due_on: date
    notes: str


def supervision_rows(
    people: list[Person], rng: random.Random, *, today: date, history_start: date
) -> list[SupervisionRow]:
    """Supervisions every 8-12 weeks (DOMAIN.md §7); about one person in 14 is over six
    weeks overdue."""
    rows = []
    for person in people:
        if person.agency:
            continue
        interval = timedelta(weeks=rng.choice([8, 10, 12]))
        if rng.random() < 0.07:
            due = today - timedelta(days=rng.randint(43, 120))
        else:
            due = today + timedelta(days=rng.randint(-30, 80))
        held = due - interval
        earliest = max(history_start, person.started_on)
        while held >= earliest:
            rows.append(SupervisionRow(person.index, held, due, rng.choice(SUPERVISION_NOTES)))
            due = held + timedelta(days=rng.randint(-5, 5))
            held = due - interval
    return rows


@dataclass(slots=True)
class IncidentRow:
    unit: int
    occurred_at: datetime
    location: str
    category: str
    severity: str
    description: str
    action: str
    status: str
    people: list[int]


def incident_rows(
    plan: HomePlan,
    shifts: list[ShiftRow],
    rng: random.Random,
    *,
    window_start: date,
    history_days: int,
    today: date,
) -> list[IncidentRow]:
    """About three incidents per bed a year, half of them falls; involving staff on duty."""
    on_duty: dict[tuple[int, int], list[int]] = {}
    for row in shifts:
        if row.day < history_days and row.person >= 0:
            on_duty.setdefault((row.unit, row.day), []).append(row.person)
    kinds = list(INCIDENT_KINDS)
    kind_weights = [INCIDENT_KINDS[k][0] for k in kinds]
    severities = ["low", "moderate", "high", "severe"]
    rows = []
    for u, unit in enumerate(plan.units):
        daily = unit.beds * unit.occupancy * 3.0 / 365
        for i in range(history_days):
            if rng.random() >= daily:
                continue
            category = rng.choices(kinds, kind_weights)[0]
            _w, sev_weights, description, action = INCIDENT_KINDS[category]
            day = window_start + timedelta(days=i)
            when = datetime.combine(day, time(rng.randint(0, 23), rng.choice([5, 20, 35, 50])))
            age = (today - day).days
            if age > 30:
                status = "closed" if rng.random() < 0.96 else "investigating"
            else:
                status = rng.choices(["open", "investigating", "closed"], [40, 40, 20])[0]
            staff = on_duty.get((u, i), [])
            involved = (
                sorted(rng.sample(staff, min(len(staff), rng.choice([1, 1, 2])))) if staff else []
            )
            location = rng.choice(LOCATIONS)
            if location == "Bedroom":
                location = f"Bedroom {rng.randint(1, unit.beds)}"
            rows.append(
                IncidentRow(
                    unit=u,
                    occurred_at=when.replace(tzinfo=LONDON).astimezone(UTC),
                    location=location,
                    category=category,
                    severity=rng.choices(severities, sev_weights)[0],
                    description=description,
                    action=action,
                    status=status,
                    people=involved,
                )
            )
    return rows


def demand_rows(
    plan: HomePlan,
    rng: random.Random,
    *,
    window_start: date,
    history_days: int,
    bank_holidays: dict[date, str],
) -> list[tuple[int, date, int, Decimal, Decimal]]:
    """(unit, date, occupied beds, dependency, care hours needed) for every history day.

    Occupancy wanders around the unit's 85-95% and rises in winter, when hospitals
    discharge more people into care; dependency rises in winter too. Care hours follow
    residents x dependency with a weekly rhythm (busier Mondays, quieter weekends) and
    lighter bank holidays (no activities, visiting professionals or admissions).
    """
    rows = []
    for u, unit in enumerate(plan.units):
        occupancy = unit.occupancy
        dependency = unit.dependency
        for i in range(history_days):
            day = window_start + timedelta(days=i)
            season = math.cos(2 * math.pi * (day.timetuple().tm_yday - 15) / 365.25)  # +1 mid-Jan
            target = min(0.99, unit.occupancy + 0.03 * season)
            occupancy += 0.15 * (target - occupancy) + rng.gauss(0, 0.012)
            occupancy = min(1.0, max(0.6, occupancy))
            occupied = max(1, min(unit.beds, round(unit.beds * occupancy)))
            dependency += 0.1 * (unit.dependency + 0.25 * season - dependency) + rng.gauss(0, 0.03)
            dependency = min(9.0, max(1.0, dependency))
            rhythm = (1.04, 1.01, 1.0, 1.0, 1.0, 0.96, 0.95)[day.weekday()]
            if day in bank_holidays:
                rhythm *= 0.95
            hours = occupied * dependency * 0.75 * rhythm * (1 + 0.04 * max(season, 0))
            hours *= 1 + rng.gauss(0, 0.02)
            rows.append(
                (
                    u,
                    day,
                    occupied,
                    Decimal(f"{dependency:.2f}"),
                    Decimal(f"{max(hours, 0):.1f}"),
                )
            )
    return rows
