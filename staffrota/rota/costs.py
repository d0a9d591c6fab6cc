"""What a shift costs, by who fills it. The figures managers compare when filling a gap."""

from decimal import Decimal

from staffrota.organisation.models import CareHome, JobRole, StaffMember

# Agency charges per hour when a role has none set. DOMAIN.md: agency carers £19.57 and
# nurses £37.56 an hour in England in 2022; Scottish agency nurses £324-£379 a 12-hour day
# in 2021. Uprated to 2026 and rounded; every home can set its own on the role.
DEFAULT_AGENCY_RATES = {
    "rn": Decimal("40.00"),
    "senior": Decimal("25.00"),
    "carer": Decimal("22.00"),
    "ancillary": Decimal("18.00"),
}
CATEGORY_ORDER = {"contracted": 0, "bank": 1, "overtime": 2, "agency": 3}


def agency_rate(role: JobRole) -> Decimal:
    return role.agency_hourly_rate or DEFAULT_AGENCY_RATES.get(role.code, Decimal("22.00"))


def shift_cost(
    *, category: str, hours: Decimal, staff: StaffMember | None, home: CareHome, role: JobRole
) -> Decimal:
    """Cost of `hours` paid as `category`: contracted and bank at the person's rate,
    overtime with the home's premium, agency at the role's agency rate."""
    if category == "agency" or staff is None:
        rate = agency_rate(role)
    elif category == "overtime":
        rate = staff.hourly_rate * home.overtime_premium
    else:
        rate = staff.hourly_rate
    return (rate * hours).quantize(Decimal("0.01"))
