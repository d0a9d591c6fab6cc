"""Invent the people of one home: roles, contracts, pay, registrations and cover. Pure Python."""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from staffrota.demo.plan import AGENCY_SHARE, BANK_SHARE, HomePlan, split_largest_remainder
from staffrota.demo.reference import (
    AGENCY_NAMES,
    AGENCY_RATES,
    FIRST_NAMES,
    LAST_NAMES,
    PAY_BANDS,
)

ROLE_ORDER = ("carer", "senior", "rn", "ancillary")
FULL_TIME = {"day": 37.5, "night": 36.0}  # nights: three 12-hour shifts
PART_TIME = {"day": [16.0, 20.0, 22.5, 24.0, 30.0], "night": [21.0, 24.0, 30.0]}
CONTRACT_COVER = 0.9  # contracted hours per hour of minimum staffing


@dataclass(slots=True)
class Person:
    index: int  # position in the home's list
    sap: str
    first_name: str
    last_name: str
    role: str
    contract: str  # "permanent" or "bank"
    agency: bool
    group: str  # "day", "night" or "any" (bank and agency)
    home_unit: int
    cover: list[int]
    contracted: float
    rate: Decimal
    wtr_opt_out: bool
    started_on: date
    registration_body: str = ""
    registration_number: str = ""
    registration_expiry: date | None = None
    max_week_shifts: int = 5
    # The demo staff login: kept free of future absence so "My shifts" is never empty.
    protected: bool = False
    note: str = field(default="")

    @property
    def email(self) -> str:
        local = f"{self.first_name}.{self.last_name}".lower().replace("'", "").replace(" ", "")
        domain = "agency.staffrota.example" if self.agency else "staffrota.example"
        return f"{local}.{self.sap[3:]}@{domain}"


def _contract(rng: random.Random, group: str, target: float) -> float:
    if target >= FULL_TIME[group] - 4:
        return FULL_TIME[group]
    options = sorted(PART_TIME[group] + [FULL_TIME[group]], key=lambda h: abs(h - target))
    return options[0] if rng.random() < 0.7 else options[1]


def _rate(rng: random.Random, role: str, years: float) -> Decimal:
    low, high = (Decimal(x) for x in PAY_BANDS[role])
    # Longer service earns a little more, with scatter (DOMAIN.md §3: experience adds little).
    position = min(1.0, years / 10) * 0.7 + rng.random() * 0.3
    return (low + (high - low) * Decimal(str(round(position, 3)))).quantize(Decimal("0.01"))


def _registration(
    rng: random.Random, role: str, today: date, body: str
) -> tuple[str, date | None] | tuple[str, None]:
    if not body:
        return "", None
    if body == "NMC":
        number = f"{rng.randint(0, 99):02d}{rng.choice('ABCDEFGHIJ')}{rng.randint(0, 9999):04d}"
        number += rng.choice("ESOW")
        horizon = 365  # NMC: yearly retention fee
    else:
        number = f"{rng.randint(1000000, 9999999)}"
        horizon = 5 * 365  # SSSC: renew every 5 years
    draw = rng.random()
    # A few lapsed or about to lapse: the compliance pages must have something to flag.
    if draw < 0.015:
        expiry = today - timedelta(days=rng.randint(3, 45))
    elif draw < 0.07:
        expiry = today + timedelta(days=rng.randint(0, 60))
    else:
        expiry = today + timedelta(days=rng.randint(61, horizon))
    return number, expiry


def make_people(
    plan: HomePlan,
    rng: random.Random,
    *,
    today: date,
    window_start: date,
    first_sap: int,
    first_agency_sap: int,
) -> list[Person]:
    """The home's staff: permanent by unit workload, then bank, then agency workers."""
    cells = plan.weekly_hours()
    role_hours: dict[str, float] = {r: 0.0 for r in ROLE_ORDER}
    for (_u, role, _g), hours in cells.items():
        role_hours[role] += hours
    heads = plan.headcount
    # Agency workers are not the home's staff: they are extra, used only to fill shifts
    # (stored as agency-covered shifts with a booking), so the headcount stays the home's.
    n_agency = max(4, round(heads * AGENCY_SHARE))
    n_bank = round(heads * BANK_SHARE)
    n_perm = heads - n_bank

    # Cells in a fixed order: unit, then role (carers first), day before night. The home's
    # first person is therefore a day carer on its first unit: the demo staff login.
    keys = sorted(cells, key=lambda k: (k[0], ROLE_ORDER.index(k[1]), k[2] != "day"))
    # Everyone needed somewhere has at least one post; the rest follow the hours.
    mean_post = sum(cells.values()) / max(1, n_perm)
    per_cell = [
        1 + extra
        for extra in split_largest_remainder(
            n_perm - len(keys), [max(0.0, cells[k] - mean_post) for k in keys]
        )
    ]
    people: list[Person] = []
    units_by_role: dict[str, list[int]] = {r: [] for r in ROLE_ORDER}
    for u, role, _g in keys:
        if u not in units_by_role[role]:
            units_by_role[role].append(u)

    def name() -> tuple[str, str]:
        return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)

    def started(years_max: float) -> date:
        # Some joined during the last year (DOMAIN.md §6: turnover 24-30%; most leavers'
        # posts were filled by people who themselves had left again, so fewer remain).
        if rng.random() < 0.12:
            return today - timedelta(days=rng.randint(20, 365))
        return today - timedelta(days=rng.randint(366, int(years_max * 365)))

    sap = first_sap
    for key, count in zip(keys, per_cell, strict=True):
        u, role, group = key
        # Contracts that add up to about the cell's minimum hours, so that leave and
        # sickness are what bank, overtime and agency cover (DOMAIN.md §6: part-time share
        # not found; care homes run on many part-timers).
        remaining = cells[key] * CONTRACT_COVER
        for left in range(count, 0, -1):
            first, last = name()
            hours = _contract(rng, group, remaining / left)
            remaining -= hours
            start = started(22)
            body = "NMC" if role == "rn" else ("" if role == "ancillary" else "SSSC")
            number, expiry = _registration(rng, role, today, body)
            person = Person(
                index=len(people),
                sap=f"SAP{sap:06d}",
                first_name=first,
                last_name=last,
                role=role,
                contract="permanent",
                agency=False,
                group=group,
                home_unit=u,
                cover=[],
                contracted=hours,
                rate=_rate(rng, role, (today - start).days / 365),
                wtr_opt_out=rng.random() < 0.06,
                started_on=start,
                registration_body=body,
                registration_number=number,
                registration_expiry=expiry,
            )
            sap += 1
            # A quarter may also work one or two sister units (same role needed there).
            others = [x for x in units_by_role[role] if x != u]
            if others and rng.random() < 0.25:
                person.cover = sorted(rng.sample(others, min(len(others), rng.randint(1, 2))))
            people.append(person)

    if plan.index == 0 and people:
        demo = people[0]
        demo.contracted, demo.protected, demo.wtr_opt_out = 37.5, True, False
        demo.started_on = today - timedelta(days=6 * 365)
        demo.registration_expiry = today + timedelta(days=900)

    roles = [r for r in ROLE_ORDER if role_hours[r] > 0]
    for role, count in zip(
        roles, split_largest_remainder(n_bank, [role_hours[r] for r in roles]), strict=True
    ):
        for _ in range(count):
            first, last = name()
            start = started(8)
            body = "NMC" if role == "rn" else ("" if role == "ancillary" else "SSSC")
            number, expiry = _registration(rng, role, today, body)
            units = units_by_role[role]
            home_unit = rng.choice(units)
            others = [x for x in units if x != home_unit]
            people.append(
                Person(
                    index=len(people),
                    sap=f"SAP{sap:06d}",
                    first_name=first,
                    last_name=last,
                    role=role,
                    contract="bank",
                    agency=False,
                    group="any",
                    home_unit=home_unit,
                    cover=sorted(rng.sample(others, min(len(others), rng.randint(2, 4)))),
                    contracted=0.0,
                    # Bank staff are paid the permanent rate plus a little for flexibility.
                    rate=_rate(rng, role, (today - start).days / 365) + Decimal("0.25"),
                    wtr_opt_out=rng.random() < 0.1,
                    started_on=start,
                    registration_body=body,
                    registration_number=number,
                    registration_expiry=expiry,
                    max_week_shifts=rng.choice([1, 2, 2, 3, 3]),
                )
            )
            sap += 1

    # Agency workers regularly booked by this home. They get no staff record: their shifts
    # are stored as agency cover with a confirmed booking naming the agency and the worker.
    agency_sap = first_agency_sap
    # One regular of every role, the rest by hours; nurses weigh more (DOMAIN.md §6: 60% of
    # services with nurses report RN vacancies).
    weights = [role_hours[r] * (3.0 if r == "rn" else 1.0) for r in roles]
    extra = split_largest_remainder(n_agency - len(roles), weights)
    for role, count in zip(roles, extra, strict=True):
        for _ in range(count + 1):
            first, last = name()
            body = "NMC" if role == "rn" else ("" if role == "ancillary" else "SSSC")
            number, _expiry = _registration(rng, role, today, body)
            units = units_by_role[role]
            people.append(
                Person(
                    index=len(people),
                    sap=f"SAP{agency_sap:06d}",
                    first_name=first,
                    last_name=last,
                    role=role,
                    contract="bank",
                    agency=True,
                    group="any",
                    home_unit=units[0],
                    cover=units[1:],
                    contracted=0.0,
                    rate=Decimal(AGENCY_RATES[role]),
                    wtr_opt_out=True,
                    started_on=min(window_start, today - timedelta(days=rng.randint(400, 900))),
                    registration_body=body,
                    registration_number=number,
                    registration_expiry=(
                        today + timedelta(days=rng.randint(90, 700)) if body else None
                    ),
                    max_week_shifts=5,
                    note=rng.choice(AGENCY_NAMES),
                )
            )
            agency_sap += 1
    return people
