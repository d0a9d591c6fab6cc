"""Importing a care group's spreadsheets: staff, then their rota.

Everything runs in one transaction and is rolled back unless every row is good and the
caller asked to commit; a preview is the same run, always rolled back. Rota rows go
through `shift_create`, so the rota rules see earlier rows of the same file, and a rule
breach is reported against its row.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from staffrota.imports import parsing
from staffrota.imports.parsing import CellError
from staffrota.imports.reading import Row
from staffrota.organisation.models import (
    CareHome,
    ContractType,
    JobRole,
    ShiftType,
    StaffMember,
    Unit,
)
from staffrota.rota.models import ShiftStatus
from staffrota.rota.services import RotaError, RuleBreach, shift_create

STAFF_COLUMNS = [
    "sap_number",
    "first_name",
    "last_name",
    "job_role",
    "contract_type",
    "hourly_rate",
    "home_unit",
    "started_on",
]
STAFF_OPTIONAL = [
    "email",
    "contracted_hours",
    "registration_number",
    "registration_expiry",
    "wtr_opt_out",
]
ROTA_COLUMNS = ["date", "unit", "shift_type", "job_role"]
ROTA_OPTIONAL = ["sap_number", "status"]
KINDS = {"staff": STAFF_COLUMNS, "rota": ROTA_COLUMNS}


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportResult:
    kind: str
    rows: int = 0
    created: list[str] = field(default_factory=list)  # one line per good row, for the preview
    errors: list[RowError] = field(default_factory=list)
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


class _Lookups:
    """The home's units, roles, shift types and staff, read once for the whole file."""

    def __init__(self, home: CareHome, unit_ids: set[int] | None):
        units = Unit.objects.filter(care_home=home)
        if unit_ids is not None:
            units = units.filter(pk__in=unit_ids)
        self.units = {unit.name.lower(): unit for unit in units.select_related("care_home")}
        self.roles = {}
        for role in JobRole.objects.all():
            self.roles[role.code.lower()] = role
            self.roles[role.name.lower()] = role
        self.shift_types = {t.code.lower(): t for t in ShiftType.objects.filter(care_home=home)}
        self.staff = {
            member.sap_number.lower(): member
            for member in StaffMember.objects.filter(care_home=home).select_related(
                "user", "job_role"
            )
        }


def _unit(lookups: _Lookups, values: dict, column: str) -> Unit:
    name = parsing.text(values, column).lower()
    if name not in lookups.units:
        known = ", ".join(sorted(u.name for u in lookups.units.values())) or "none"
        raise CellError(column, f"No unit {name!r} that you manage in this home (units: {known}).")
    return lookups.units[name]


def _staff_row(row: Row, home: CareHome, lookups: _Lookups, seen: set[str]) -> str:
    v = row.values
    sap = parsing.text(v, "sap_number", max_length=12)
    if sap.lower() in seen:
        raise CellError("sap_number", f"SAP number {sap} appears twice in this file.")
    seen.add(sap.lower())
    user_model = get_user_model()
    if user_model.objects.filter(username__iexact=sap).exists():
        raise CellError("sap_number", f"SAP number {sap} already has an account.")
    role = parsing.choice(v, "job_role", lookups.roles)
    contract = parsing.choice(
        v, "contract_type", {"permanent": ContractType.PERMANENT, "bank": ContractType.BANK}
    )
    default_hours = Decimal("0") if contract == ContractType.BANK else None
    hours = parsing.number(
        v, "contracted_hours", low=Decimal(0), high=Decimal(60), default=default_hours
    )
    rate = parsing.number(v, "hourly_rate", low=Decimal("1"), high=Decimal("500"))
    unit = _unit(lookups, v, "home_unit")
    started = parsing.day(v, "started_on")
    email = parsing.text(v, "email", required=False, max_length=254)
    if email and "@" not in email:
        raise CellError("email", f"{email!r} is not an e-mail address.")
    first = parsing.text(v, "first_name", max_length=150)
    last = parsing.text(v, "last_name", max_length=150)
    registration = parsing.text(v, "registration_number", required=False, max_length=20)
    expiry = parsing.day(v, "registration_expiry", required=False)
    opt_out = parsing.yes_no(v, "wtr_opt_out")
    user = user_model(username=sap, first_name=first, last_name=last, email=email)
    user.set_unusable_password()  # they set one through "Forgotten your password?"
    user.save()
    member = StaffMember.objects.create(
        care_home=home,
        user=user,
        sap_number=sap,
        job_role=role,
        contract_type=contract,
        contracted_hours=hours,
        hourly_rate=rate,
        home_unit=unit,
        registration_body=role.registration_body if registration else "",
        registration_number=registration,
        registration_expiry=expiry,
        wtr_opt_out=opt_out,
        started_on=started,
    )
    lookups.staff[sap.lower()] = member
    return f"{sap} {first} {last}, {role.name}, {unit.name}"


def _rota_row(row: Row, home: CareHome, lookups: _Lookups, actor) -> str:
    v = row.values
    day = parsing.day(v, "date")
    unit = _unit(lookups, v, "unit")
    shift_type = parsing.choice(v, "shift_type", lookups.shift_types)
    role = parsing.choice(v, "job_role", lookups.roles)
    sap = parsing.text(v, "sap_number", required=False).lower()
    staff = None
    if sap:
        staff = lookups.staff.get(sap)
        if staff is None:
            raise CellError("sap_number", f"No staff member with SAP number {sap} in this home.")
    status = parsing.choice(
        v,
        "status",
        {"draft": ShiftStatus.DRAFT, "published": ShiftStatus.PUBLISHED},
        default=ShiftStatus.DRAFT,
    )
    try:
        shift_create(
            unit=unit,
            day=day,
            shift_type=shift_type,
            job_role=role,
            staff=staff,
            status=status,
            actor=actor,
        )
    except RuleBreach as breach:
        raise CellError("sap_number", breach.verdict.summary()) from breach
    except RotaError as error:
        raise CellError("sap_number", str(error)) from error
    who = staff.full_name if staff else "vacant"
    return f"{day:%a %d %b %Y} {shift_type.code} {unit.name} {role.name}: {who}"


def import_run(
    *,
    kind: str,
    home: CareHome,
    rows: list[Row],
    actor=None,
    unit_ids: set[int] | None = None,
    commit: bool = False,
) -> ImportResult:
    """Check (and with `commit`, save) every row; nothing is saved if any row is bad.

    `unit_ids` limits the units rows may name (an Operational Manager's); None allows all.
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown import {kind!r}.")
    result = ImportResult(kind=kind, rows=len(rows))
    with transaction.atomic():
        lookups = _Lookups(home, unit_ids)
        seen: set[str] = set()
        for row in rows:
            try:
                with transaction.atomic():  # a failed row leaves no half-written trace
                    if kind == "staff":
                        result.created.append(_staff_row(row, home, lookups, seen))
                    else:
                        result.created.append(_rota_row(row, home, lookups, actor))
            except CellError as error:
                result.errors.append(RowError(row.number, error.column, str(error)))
            except IntegrityError:  # a clash the checks above did not foresee
                column = "sap_number" if kind == "staff" else "date"
                message = "This row clashes with data already saved (a duplicate?)."
                result.errors.append(RowError(row.number, column, message))
        if commit and result.ok:
            result.committed = True
        else:
            transaction.set_rollback(True)
    return result
