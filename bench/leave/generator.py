"""A year of demo leave requests for one care home, deterministic from a seed.

Written here because the shared demo data (`manage.py demo_data`) had not landed on main
when this bench was built. Three units, each with a master rota published for the whole
year (long days 08–20 and nights 20–08, people on fixed three-shift weekly patterns), the
staffing requirement of each unit, and each person's requests through the year.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal

from django.utils import timezone
from django_scopes import scopes_disabled

from staffrota.leave.models import BlackoutPeriod
from staffrota.rota.models import Shift, ShiftStatus
from staffrota.rota.services import shift_times
from staffrota.testing import factories as f

YEAR_START = date(2026, 4, 1)
DAYS = 365
PATTERN = {0, 2, 4}  # a person works when (day + offset) % 7 is in here: 3 shifts a week
# (role, shift type code, people, minimum): per unit.
TEAMS = [
    ("rn", "LD", 4, 1),
    ("rn", "N", 4, 1),
    ("carer", "LD", 9, 3),
    ("carer", "N", 6, 2),
]


@dataclass(frozen=True)
class PlannedRequest:
    submitted: date
    staff_id: int
    leave_type: str
    start: date
    end: date


def build(seed: int = 42):
    """The home, its staff and rota; returns (home, staff list, planned requests)."""
    rng = random.Random(seed)
    with scopes_disabled():
        home = f.care_home("Bench House")
        long_day = f.shift_type(home, "LD", time(8), time(20), "12")
        night = f.shift_type(home, "N", time(20), time(8), "12", night=True)
        types = {"LD": long_day, "N": night}
        BlackoutPeriod.objects.create(
            care_home=home,
            name="Christmas",
            start_date=date(2026, 12, 20),
            end_date=date(2027, 1, 2),
        )
        staff, shifts = [], []
        for unit_no in range(3):
            unit = f.unit(home, f"Unit {unit_no + 1}")
            for role_code, type_code, people, minimum in TEAMS:
                role = f.job_role(role_code)
                for weekday in range(7):
                    f.requirement(unit, types[type_code], role, minimum, weekday)
                for offset in range(people):
                    member = f.staff_member(
                        unit,
                        role_code,
                        first_name=f"{role_code}{type_code}{offset}",
                        last_name=f"U{unit_no + 1}",
                        contracted_hours=Decimal("36"),
                        started_on=date(2020, 1, 1),
                    )
                    staff.append(member)
                    for n in range(DAYS):
                        day = YEAR_START + timedelta(days=n)
                        if (n + offset) % 7 in PATTERN:
                            starts, ends = shift_times(shift_type=types[type_code], day=day)
                            shifts.append(
                                Shift(
                                    care_home=home,
                                    unit=unit,
                                    date=day,
                                    starts_at=starts,
                                    ends_at=ends,
                                    shift_type=types[type_code],
                                    job_role=role,
                                    staff=member,
                                    paid_hours=Decimal("12"),
                                    status=ShiftStatus.PUBLISHED,
                                )
                            )
        # Generator only: the pattern has no overlaps, so the rules are not re-run per shift.
        Shift.objects.bulk_create(shifts, batch_size=2000)
    return home, staff, _requests(rng, staff)


def _requests(rng: random.Random, staff) -> list[PlannedRequest]:
    planned = []
    for member in staff:
        # About 5.6 weeks a year in 3 to 5 requests of 3 to 14 days, plus the odd other type.
        for _ in range(rng.randint(3, 5)):
            start = YEAR_START + timedelta(days=rng.randint(20, DAYS - 15))
            length = rng.choice([1, 2, 3, 4, 7, 7, 10, 14])
            lead = rng.choices(
                [rng.randint(28, 120), rng.randint(14, 27), rng.randint(1, 13)],
                weights=[70, 20, 10],
            )[0]
            planned.append(_planned(member, "annual", start, length, lead))
        if rng.random() < 0.35:
            kind = rng.choice(["training", "compassionate", "toil", "unpaid"])
            start = YEAR_START + timedelta(days=rng.randint(20, DAYS - 5))
            lead = rng.randint(0, 3) if kind == "compassionate" else rng.randint(14, 60)
            planned.append(_planned(member, kind, start, rng.choice([1, 1, 2, 3]), lead))
    return sorted(planned, key=lambda p: (p.submitted, p.staff_id, p.start))


def _planned(member, kind, start, length, lead) -> PlannedRequest:
    return PlannedRequest(
        submitted=max(YEAR_START, start - timedelta(days=lead)),
        staff_id=member.pk,
        leave_type=kind,
        start=start,
        end=start + timedelta(days=length - 1),
    )


def now() -> date:
    return timezone.localdate()
