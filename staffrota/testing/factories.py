"""Plain factory functions for tests: each makes exactly what it says, nothing more."""

from datetime import date, time
from decimal import Decimal
from itertools import count

from django_scopes import scopes_disabled

from staffrota.accounts.models import Role, User
from staffrota.organisation.models import (
    CareHome,
    CareType,
    ContractType,
    JobRole,
    ShiftType,
    StaffingRequirement,
    StaffMember,
    Unit,
)

PASSWORD = "Correct-Horse-7"  # noqa: S105 (test accounts only)
_serial = count(1)


def job_role(code: str = "carer") -> JobRole:
    names = {
        "rn": ("Registered nurse", True, "NMC", 1),
        "senior": ("Senior carer", True, "SSSC", 2),
        "carer": ("Carer", True, "SSSC", 3),
        "ancillary": ("Ancillary", False, "", 4),
    }
    name, needs_registration, body, rank = names[code]
    role, _ = JobRole.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "requires_registration": needs_registration,
            "registration_body": body,
            "rank": rank,
        },
    )
    return role


def care_home(name: str | None = None) -> CareHome:
    n = next(_serial)
    with scopes_disabled():
        return CareHome.objects.create(name=name or f"Home {n}", code=f"home-{n}")


def unit(home: CareHome, name: str | None = None, beds: int = 20) -> Unit:
    with scopes_disabled():
        return Unit.objects.create(
            care_home=home,
            name=name or f"Unit {next(_serial)}",
            care_type=CareType.RESIDENTIAL,
            beds=beds,
        )


def shift_type(
    home: CareHome, code: str = "E", starts=time(8), ends=time(14), hours="6", night=False
) -> ShiftType:
    with scopes_disabled():
        return ShiftType.objects.create(
            care_home=home,
            code=code,
            name={"E": "Early", "L": "Late", "N": "Night", "LD": "Long day"}.get(code, code),
            starts=starts,
            ends=ends,
            paid_hours=Decimal(hours),
            is_night=night,
        )


def user(role: str = Role.STAFF, username: str | None = None, **extra) -> User:
    username = username or f"SAP{next(_serial):06d}"
    created = User(username=username, role=role, email=f"{username.lower()}@example.org", **extra)
    created.set_password(PASSWORD)
    created.save()
    return created


def staff_member(home_unit: Unit, role_code: str = "carer", **extra) -> StaffMember:
    account = user(
        first_name=extra.pop("first_name", "Alex"), last_name=extra.pop("last_name", "Carer")
    )
    role = job_role(role_code)
    if role.requires_registration:
        extra.setdefault("registration_body", role.registration_body)
        extra.setdefault("registration_number", f"{role.registration_body}{account.pk:07d}")
        extra.setdefault("registration_expiry", date(2099, 12, 31))
    with scopes_disabled():
        return StaffMember.objects.create(
            care_home_id=home_unit.care_home_id,
            user=account,
            sap_number=account.username,
            job_role=role,
            contract_type=extra.pop("contract_type", ContractType.PERMANENT),
            contracted_hours=extra.pop("contracted_hours", Decimal("36")),
            hourly_rate=extra.pop("hourly_rate", Decimal("12.60")),
            home_unit=home_unit,
            started_on=extra.pop("started_on", date(2024, 1, 1)),
            **extra,
        )


def operational_manager(*units: Unit) -> User:
    manager = user(role=Role.OPERATIONAL_MANAGER, first_name="Olive", last_name="Manager")
    with scopes_disabled():
        manager.managed_units.set(units)
    return manager


def service_manager(*homes: CareHome) -> User:
    manager = user(role=Role.SERVICE_MANAGER, first_name="Sam", last_name="Service")
    with scopes_disabled():
        manager.managed_homes.set(homes)
    return manager


def requirement(unit_: Unit, type_: ShiftType, role: JobRole, minimum: int, weekday: int):
    with scopes_disabled():
        return StaffingRequirement.objects.create(
            care_home_id=unit_.care_home_id,
            unit=unit_,
            shift_type=type_,
            job_role=role,
            weekday=weekday,
            minimum=minimum,
        )
