"""Vacancies across a manager's units, and who could fill each one, cheapest first."""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.utils import timezone, translation

from staffrota.organisation.models import StaffingRequirement, StaffMember, UnitCover
from staffrota.rota.costs import CATEGORY_ORDER, agency_rate, shift_cost
from staffrota.rota.eligibility import PERSON_COLUMNS, _Count, check_people, person_of_row
from staffrota.rota.kept_sql import kept_rows
from staffrota.rota.models import VACANT, Shift, ShiftSource, ShiftStatus
from staffrota.rota.rules import ROLE_COVERS, Person, Verdict


@dataclass
class Vacancy:
    shift: Shift
    minimum: int
    covered: int

    @property
    def shortfall(self) -> int:
        """How many people below the minimum this slot is (0 if the vacancy is a spare)."""
        return max(self.minimum - self.covered, 0)

    def as_row(self) -> "VacancyRow":
        shift = self.shift
        return VacancyRow(
            pk=shift.pk,
            date=shift.date,
            starts_at=shift.starts_at,
            unit_name=shift.unit.name,
            home_name=shift.unit.care_home.name,
            type_name=shift.shift_type.name,
            role_name=shift.job_role.name,
            minimum=self.minimum,
            covered=self.covered,
        )


class VacancyRow(NamedTuple):
    """A vacancy as the vacancy list shows it, read as one plain row.

    A named tuple, not a frozen dataclass: a page of a group's list builds 50 of them
    each time it is built again, and a frozen dataclass sets each of nine fields through
    a call of its own."""

    pk: int
    date: date
    starts_at: datetime
    unit_name: str
    home_name: str
    type_name: str
    role_name: str
    minimum: int
    covered: int

    @property
    def shortfall(self) -> int:
        return max(self.minimum - self.covered, 0)


def _covered_counts(units, start: date, end: date, types=None, roles=None) -> dict[tuple, int]:
    shifts = Shift.objects.filter(unit__in=units, date__range=(start, end))
    if types is not None:  # only the slots asked about: a page's, not every slot of a month
        shifts = shifts.filter(shift_type__in=types, job_role__in=roles)
    rows = (
        shifts.exclude(status=ShiftStatus.CANCELLED)
        .filter(Q(staff__isnull=False) | Q(source=ShiftSource.AGENCY))
        .values_list("unit_id", "date", "shift_type_id", "job_role_id")
        .annotate(n=Count("pk"))
    )
    return {(u, d, t, r): n for u, d, t, r, n in rows}


def _minimums(units) -> dict[tuple, int]:
    rows = StaffingRequirement.objects.filter(unit__in=units).values_list(
        "unit_id", "weekday", "shift_type_id", "job_role_id", "minimum"
    )
    return {(u, w, t, r): m for u, w, t, r, m in rows}


def _vacant_shifts(units, start: date, end: date):
    return (
        Shift.objects.filter(VACANT, unit__in=units, date__range=(start, end))
        .select_related("unit", "unit__care_home", "shift_type", "job_role")
        .order_by("starts_at", "unit__name", "pk")
    )


def open_vacancies(*, unit_ids, start: date, days: int = 28) -> list[Vacancy]:
    """Unfilled shifts on these units from `start`, soonest first, with the shortfall.

    Three queries whatever the number of units, days or vacancies.
    """
    units = list(unit_ids)
    end = start + timedelta(days=days - 1)
    return _with_shortfall(list(_vacant_shifts(units, start, end)), units, start, end)


def vacancy_page(*, unit_ids, start: date, days: int = 28, page, per_page: int = 50):
    """One page of `open_vacancies`: a group's 500-odd vacancies are a list to work
    through, not a page to render at once (bench/load/README.md). Returns a Django Page
    whose object_list holds `VacancyRow`s; four queries whatever the size.

    Read as plain rows through kept SQL (`kept_rows`): the list is built again whenever a
    shift on any of its units changes, which under load (managers filling vacancies all
    day) is most times a senior manager opens it; compiling its four queries and building
    a page of shifts with their unit, home, type and role cost more than the rest."""
    units = sorted(set(unit_ids))
    end = start + timedelta(days=days - 1)
    order = [pk for (pk,) in kept_rows(_vacancy_order, units=units, start=start, end=end)]
    paged = Paginator(order, per_page).get_page(page)
    shown = list(paged.object_list)
    found = {}
    if shown:
        found = {row[0]: row for row in kept_rows(_vacancy_details, pks=shown)}
    rows = [found[pk] for pk in shown if pk in found]
    paged.object_list = _rows_with_shortfall(rows)
    return paged


def page_fingerprint(paged, *, many_homes: bool, unit_value: str) -> str:
    """A digest of everything the vacancy table (rota/_vacancy_table.html with
    `grid_html.vacancy_rows`) shows of a page of `vacancy_page`: the same digest, the
    same HTML. A vacancy filled and made vacant again gives the list it had before, which
    then need not be rendered again (grid_cache.vacancy_list_html)."""
    paginator = paged.paginator
    shown = (
        paginator.count,
        paginator.num_pages,
        paginator.per_page,
        paged.number,
        many_homes,
        unit_value,
        timezone.get_current_timezone_name(),
        translation.get_language(),
        [tuple(row) for row in paged.object_list],
    )
    return hashlib.sha256(repr(shown).encode()).hexdigest()


def _vacancy_order(units: list[int], start: date, end: date):
    return (
        Shift.objects.filter(VACANT, unit__in=units, date__range=(start, end))
        .order_by("starts_at", "unit__name", "pk")
        .values_list("pk")
    )


def _vacancy_details(pks: list[int]):
    return Shift.objects.filter(pk__in=pks).values_list(
        "pk",
        "unit_id",
        "date",
        "shift_type_id",
        "job_role_id",
        "starts_at",
        "unit__name",
        "unit__care_home__name",
        "shift_type__name",
        "job_role__name",
    )


def _covered_rows(units: list[int], start: date, end: date, types: list[int], roles: list[int]):
    # `_covered_counts` for kept SQL: the count as the driver sends it (no converter).
    return (
        Shift.objects.filter(
            unit__in=units, date__range=(start, end), shift_type__in=types, job_role__in=roles
        )
        .exclude(status=ShiftStatus.CANCELLED)
        .filter(Q(staff__isnull=False) | Q(source=ShiftSource.AGENCY))
        .values_list("unit_id", "date", "shift_type_id", "job_role_id")
        .annotate(n=_Count("pk"))
    )


def _minimum_rows(units: list[int]):
    return StaffingRequirement.objects.filter(unit__in=units).values_list(
        "unit_id", "weekday", "shift_type_id", "job_role_id", "minimum"
    )


def _rows_with_shortfall(rows: list[tuple]) -> list["VacancyRow"]:
    """`_with_shortfall` for rows of `_vacancy_details`."""
    if not rows:
        return []
    units = sorted({row[1] for row in rows})
    days = [row[2] for row in rows]
    types = sorted({row[3] for row in rows})
    roles = sorted({row[4] for row in rows})
    values = {"units": units, "start": min(days), "end": max(days)}
    covered = {
        (u, d, t, r): n
        for u, d, t, r, n in kept_rows(_covered_rows, types=types, roles=roles, **values)
    }
    minimums = {(u, w, t, r): m for u, w, t, r, m in kept_rows(_minimum_rows, units=units)}
    found = []
    for row in rows:
        pk, unit, day, type_id, role_id, starts_at, unit_name, home_name, type_name, role_name = row
        found.append(
            VacancyRow(
                pk=pk,
                date=day,
                starts_at=starts_at,
                unit_name=unit_name,
                home_name=home_name,
                type_name=type_name,
                role_name=role_name,
                minimum=minimums.get((unit, day.weekday(), type_id, role_id), 0),
                covered=covered.get((unit, day, type_id, role_id), 0),
            )
        )
    return found


def _with_shortfall(shifts: list[Shift], units, start: date, end: date) -> list[Vacancy]:
    if not shifts:
        return []
    # Only the units and days on this page: a page of a group's list touches a few units.
    units = sorted({shift.unit_id for shift in shifts})
    start, end = min(s.date for s in shifts), max(s.date for s in shifts)
    types = sorted({shift.shift_type_id for shift in shifts})
    roles = sorted({shift.job_role_id for shift in shifts})
    covered = _covered_counts(units, start, end, types, roles)
    minimums = _minimums(units)
    return [
        Vacancy(
            shift=shift,
            minimum=minimums.get(
                (shift.unit_id, shift.date.weekday(), shift.shift_type_id, shift.job_role_id), 0
            ),
            covered=covered.get(
                (shift.unit_id, shift.date, shift.shift_type_id, shift.job_role_id), 0
            ),
        )
        for shift in shifts
    ]


@dataclass(frozen=True)
class PoolMember:
    """What the candidates page shows and costs of a person: read as one plain row, not
    as a staff record with its user and role (building those was a fifth of the page)."""

    pk: int
    full_name: str
    first_name: str
    role_name: str
    hourly_rate: Decimal


@dataclass
class Candidate:
    staff: PoolMember
    verdict: Verdict
    category: str  # contracted, bank or overtime
    cost: Decimal
    week_hours: Decimal

    @property
    def eligible(self) -> bool:
        return self.verdict.ok


@dataclass
class CandidateList:
    eligible: list[Candidate]
    excluded: list[Candidate]
    agency_cost: Decimal
    agency_rate: Decimal


def candidate_pool(shift: Shift) -> list[StaffMember]:
    """Active staff of the home who may work on this unit in a role that covers the slot."""
    roles = [code for code, covers in ROLE_COVERS.items() if shift.job_role.code in covers]
    covering = UnitCover.objects.filter(unit=shift.unit_id).values("staff_id")
    return list(
        StaffMember.objects.filter(care_home=shift.care_home_id, job_role__code__in=roles)
        .filter(Q(home_unit=shift.unit_id) | Q(pk__in=covering))
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=shift.date))
        .filter(started_on__lte=shift.date)
        .select_related("user", "job_role")
    )


def _pool_rows(home: int, unit: int, day: date, roles: list[str]):
    # `candidate_pool`'s people as plain rows, in the same order (the staff ordering).
    covering = UnitCover.objects.filter(unit=unit).values("staff_id")
    return (
        StaffMember.objects.filter(care_home=home, job_role__code__in=roles)
        .filter(Q(home_unit=unit) | Q(pk__in=covering))
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=day))
        .filter(started_on__lte=day)
        .values_list(*PERSON_COLUMNS, "hourly_rate")
    )


def _pool_people(shift: Shift) -> list[tuple[PoolMember, Person]]:
    """`candidate_pool` read as rows through kept SQL (`kept_rows`): each person as the
    page shows them and as the rules see them (`eligibility.person_of`)."""
    roles = [code for code, covers in ROLE_COVERS.items() if shift.job_role.code in covers]
    if not roles:
        return []
    values = {"home": shift.care_home_id, "unit": shift.unit_id, "day": shift.date}
    found = []
    for row in kept_rows(_pool_rows, roles=roles, **values):
        person = person_of_row(row)
        member = PoolMember(
            pk=person.staff_id,
            full_name=person.name,
            first_name=row[1],
            role_name=person.role_name,
            hourly_rate=row[-1],
        )
        found.append((member, person))
    return found


def vacancy_candidates(shift: Shift) -> CandidateList:
    """Everyone who could fill `shift`: those passing every rule ranked cheapest first
    (contracted hours left, then bank, then overtime), and the rest with the reasons."""
    pool = _pool_people(shift)
    verdicts = check_people(shift, [person for _member, person in pool]) if pool else {}
    home = shift.care_home
    eligible, excluded = [], []
    for member, _person in pool:
        verdict = verdicts[member.pk]
        candidate = Candidate(
            staff=member,
            verdict=verdict,
            category=verdict.source,
            cost=shift_cost(
                category=verdict.source,
                hours=shift.paid_hours,
                staff=member,
                home=home,
                role=shift.job_role,
            ),
            week_hours=verdict.week_hours_before,
        )
        (eligible if verdict.ok else excluded).append(candidate)
    eligible.sort(
        key=lambda c: (CATEGORY_ORDER[c.category], c.cost, c.week_hours, c.staff.full_name)
    )
    excluded.sort(key=lambda c: c.staff.full_name)
    rate = agency_rate(shift.job_role)
    return CandidateList(
        eligible=eligible,
        excluded=excluded,
        agency_cost=(rate * shift.paid_hours).quantize(Decimal("0.01")),
        agency_rate=rate,
    )
