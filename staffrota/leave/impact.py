"""Impact analysis for a manager: each shift that would fall short, by how much, which
role, and what the cheapest eligible cover would cost (checked by the rota rules)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q

from staffrota.leave.coverage import Coverage
from staffrota.leave.entitlement import fmt_day, hours, policy_for
from staffrota.organisation.models import ContractType, JobRole, StaffMember, UnitCover
from staffrota.rota.eligibility import PERSON_COLUMNS, check_people, person_of_row
from staffrota.rota.kept_instances import Joined
from staffrota.rota.kept_sql import kept_rows
from staffrota.rota.models import Shift
from staffrota.rota.rules import ROLE_COVERS, Person

# When nobody employed may work the shift: agency hourly rates, England 2022 (DOMAIN.md
# section 3 [29]); no Scottish figure was found. Senior carers are costed as carers.
AGENCY_RATES = {
    "rn": Decimal("37.56"),
    "senior": Decimal("19.57"),
    "carer": Decimal("19.57"),
    "ancillary": Decimal("19.57"),
}


def _cost(rate: Decimal, paid_hours: Decimal, source: str, multiplier: Decimal) -> Decimal:
    factor = multiplier if source == "overtime" else Decimal(1)
    return hours(Decimal(rate) * Decimal(paid_hours) * factor)


def _pool_rows(home_id: int, unit_id: int, fits: list[str], exclude_id: int):
    covering = UnitCover.objects.filter(unit_id=unit_id).values("staff_id")
    return (
        StaffMember.objects.filter(care_home_id=home_id, job_role__code__in=fits, left_on=None)
        .filter(Q(home_unit_id=unit_id) | Q(pk__in=covering) | Q(contract_type=ContractType.BANK))
        .exclude(pk=exclude_id)
        .values_list(*PERSON_COLUMNS, "hourly_rate")
    )


def _pool(
    home_id: int, unit_id: int, role_code: str, exclude_id: int
) -> list[tuple[Person, Decimal]]:
    """People who could be asked (the unit's own, those who cover it, and the home's
    bank) as the rules see them, each with their hourly rate."""
    fits = [code for code, covers in ROLE_COVERS.items() if role_code in covers] or [role_code]
    rows = kept_rows(_pool_rows, home_id=home_id, unit_id=unit_id, fits=fits, exclude_id=exclude_id)
    return [(person_of_row(row), row[-1]) for row in rows]


def _bank_rate_rows(home_id: int, code: str):
    """The cheapest bank rate of the role at the home (at most one row)."""
    return (
        StaffMember.objects.filter(
            care_home_id=home_id, contract_type=ContractType.BANK, job_role__code=code, left_on=None
        )
        .order_by("hourly_rate")
        .values_list("hourly_rate")[:1]
    )


# The short shifts with what the rules and the costing read of them, made as
# `select_related` makes them, through kept SQL: building and compiling that query with
# four joined models and populating them cost some 2,000 Python calls a referred request.
_SHIFT = Joined(Shift, ("care_home", "unit", "shift_type", "job_role"))


def _shift_rows(ids: list[int]):
    return Shift.objects.filter(pk__in=ids).values_list(*_SHIFT.columns)


def impact_of(*, coverage: Coverage, requester: StaffMember) -> list[dict]:
    """One entry per shortfall; JSON-ready, stored on the request for the manager's queue."""
    policy = policy_for(requester.care_home)
    multiplier = Decimal(policy.overtime_multiplier)
    entries = []
    short = coverage.short_slots
    shifts = {
        shift.pk: shift
        for shift in map(
            _SHIFT.instance, kept_rows(_shift_rows, ids=[slot.shift_id for slot in short])
        )
    }
    for slot in short:
        shift = shifts[slot.shift_id]
        role_code = shift.job_role.code
        pool = _pool(requester.care_home_id, slot.unit_id, role_code, requester.pk)
        verdicts = check_people(shift, [person for person, _ in pool]) if pool else {}
        options = []
        for person, rate in pool:
            verdict = verdicts[person.staff_id]
            if verdict.ok:
                cost = _cost(rate, shift.paid_hours, verdict.source, multiplier)
                options.append((cost, person.staff_id, person, verdict.source))
        options.sort(key=lambda option: option[:2])
        if options:
            cost, _, person, source = options[0]
            cover = {"name": person.name, "source": source, "cost": str(cost)}
        else:
            rate = AGENCY_RATES.get(role_code, AGENCY_RATES["carer"])
            cover = {
                "name": "agency",
                "source": "agency",
                "cost": str(hours(rate * Decimal(shift.paid_hours))),
            }
        entries.append(
            {
                "date": slot.day.isoformat(),
                "day": fmt_day(slot.day),
                "unit": slot.unit_name,
                "shift_type": slot.shift_type_name,
                "role": slot.job_role_name,
                "remaining": slot.remaining,
                "minimum": slot.minimum,
                "short": slot.short,
                "eligible": len(options),
                "cover": cover,
            }
        )
    roles = {role.pk: role for role in JobRole.objects.all()} if coverage.short_estimates else {}
    for estimate in coverage.short_estimates:
        role = roles.get(estimate.job_role_id)
        code = role.code if role else "carer"
        cheapest = kept_rows(_bank_rate_rows, home_id=requester.care_home_id, code=code)
        bank_rate = cheapest[0][0] if cheapest else None
        rate = bank_rate or AGENCY_RATES.get(code, AGENCY_RATES["carer"])
        entries.append(
            {
                "date": estimate.day.isoformat(),
                "day": fmt_day(estimate.day),
                "unit": estimate.unit_name,
                "shift_type": "no published rota",
                "role": estimate.job_role_name,
                "remaining": str(estimate.available_hours),
                "minimum": str(estimate.required_hours),
                "short": f"{estimate.short_hours} h",
                # Short even with the person at work: the rota fills that part anyway.
                "short_before": f"{estimate.short_before} h",
                "made_short_by_this_leave": estimate.made_short,
                "bank_people": estimate.bank_people,
                "eligible": None,
                "cover": {
                    "name": "bank" if bank_rate else "agency",
                    "source": "bank" if bank_rate else "agency",
                    "cost": str(hours(rate * estimate.short_hours)),
                },
            }
        )
    return entries
