"""Build the reference customer's demo data: 5 homes x scale, 42 units, 821 staff, a year of
worked shifts and four weeks of planned rota, with leave, sickness, training, supervision,
incidents and demand history.

Everything is derived from `random.Random` instances seeded from `seed` (one per home), so
the same seed and `today` give the same data, and home 1 is the same at every scale. Each
home is generated in plain Python and written with `bulk_create` before the next one is
generated, which keeps memory flat at 10x.
"""

import random
import time as clock
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import TextIO

import holidays
from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django_scopes import scopes_disabled

from staffrota.accounts.access import access_changed
from staffrota.accounts.models import Role, User
from staffrota.compliance.models import Incident, Supervision, TrainingCourse, TrainingRecord
from staffrota.demo.absence import make_absences
from staffrota.demo.people import Person, make_people
from staffrota.demo.plan import HomePlan, plan_replica
from staffrota.demo.records import demand_rows, incident_rows, supervision_rows, training_rows
from staffrota.demo.reference import COURSES, FIRST_NAMES, HOME_NAMES, JOB_ROLES, LAST_NAMES
from staffrota.demo.rota import LONDON, make_rota
from staffrota.leave.models import LeaveRequest, SicknessAbsence
from staffrota.organisation.models import (
    CareHome,
    DemandRecord,
    JobRole,
    ShiftType,
    StaffingRequirement,
    StaffMember,
    Unit,
    UnitCover,
)
from staffrota.rota.grid_cache import rota_changed
from staffrota.rota.models import AgencyBooking, AgencyStatus, Shift
from staffrota.tenancy import HomeOwned

DEMO_PASSWORD = "RotaDemo2026"  # noqa: S105 (a published demo password, not a secret)
STAFF_SAP_START = 100001
AGENCY_SAP_START = 800001
MANAGER_SAP_START = 900001
# Per replica: 9 Operational Managers, 3 Service Managers, 1 Head of Service.
OMS_PER_REPLICA, SMS_PER_REPLICA = 9, 3
MANAGERS_PER_REPLICA = OMS_PER_REPLICA + SMS_PER_REPLICA + 1
ADMINS = 2
DEMO_USERNAME_REGEX = r"^SAP[0-9]{6}$"


@dataclass
class DemoSummary:
    """What a build wrote, and how long it took."""

    homes: int = 0
    units: int = 0
    staff: int = 0
    users: int = 0
    shifts_worked: int = 0
    shifts_planned: int = 0
    vacancies: int = 0
    short_in_past: int = 0
    leave_requests: int = 0
    sickness_absences: int = 0
    training_records: int = 0
    supervisions: int = 0
    incidents: int = 0
    demand_records: int = 0
    seconds: float = 0.0

    def add(self, other: "DemoSummary") -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def lines(self) -> list[str]:
        """Human-readable counts, one per line."""
        return [
            f"{f.name.replace('_', ' '):>18}: {getattr(self, f.name):,}"
            if f.name != "seconds"
            else f"{'build seconds':>18}: {self.seconds:.1f}"
            for f in fields(self)
        ]


def demo_logins() -> list[tuple[str, str, str]]:
    """One (role, username, password) per role, valid after a default build at scale 1.

    The staff member is a full-time day carer on the first unit of the first home, kept
    free of future leave and sickness so their next four weeks hold shifts; the
    Operational Manager runs that unit.
    """
    first_om = MANAGER_SAP_START + ADMINS
    first_sm = first_om + OMS_PER_REPLICA
    return [
        ("Staff", f"SAP{STAFF_SAP_START:06d}", DEMO_PASSWORD),
        ("Operational Manager", f"SAP{first_om:06d}", DEMO_PASSWORD),
        ("Service Manager", f"SAP{first_sm:06d}", DEMO_PASSWORD),
        ("Head of Service", f"SAP{first_sm + SMS_PER_REPLICA:06d}", DEMO_PASSWORD),
        ("System admin", f"SAP{MANAGER_SAP_START:06d}", DEMO_PASSWORD),
    ]


def build_demo(
    *,
    seed: int = 42,
    scale: int = 1,
    today: date,
    history_days: int = 365,
    future_days: int = 28,
    stdout: TextIO | None = None,
) -> DemoSummary:
    """Write the demo customer into an empty database; returns the counts and build time."""
    if scale < 1:
        raise ValueError("scale must be 1 or more.")
    if history_days < 1 or future_days < 0:
        raise ValueError("history_days must be 1 or more and future_days 0 or more.")
    started = clock.perf_counter()
    summary = DemoSummary()
    # Hashing is deliberately slow; every demo user shares this one encoded password.
    password = make_password(DEMO_PASSWORD)
    window_start = today - timedelta(days=history_days)
    window_end = today + timedelta(days=future_days)
    bank_holidays = {
        day: name
        for day, name in holidays.country_holidays(
            "GB", subdiv="SCT", years=range(window_start.year, window_end.year + 1)
        ).items()
    }
    context = _Context(
        seed=seed,
        today=today,
        window_start=window_start,
        history_days=history_days,
        ndays=history_days + future_days,
        bank_holidays=bank_holidays,
        password=password,
    )
    with scopes_disabled(), transaction.atomic(), _given_timestamps():
        context.roles = _ensure_roles()
        context.courses = _ensure_courses(context.roles)
        _create_admins(context)
        summary.users += ADMINS
        staff_sap, agency_sap = STAFF_SAP_START, AGENCY_SAP_START
        for replica in range(scale):
            managers = _create_managers(context, replica)
            summary.users += len(managers)
            homes: list[tuple[HomePlan, CareHome, list[Unit]]] = []
            for plan in plan_replica(replica, seed):
                home_started = clock.perf_counter()
                home, units, built = _build_home(context, plan, managers, staff_sap, agency_sap)
                staff_sap += built.staff
                agency_sap += built.agency
                summary.add(built.summary)
                homes.append((plan, home, units))
                if stdout is not None:
                    stdout.write(
                        f"{home.name}: {len(units)} units, {built.summary.staff} staff, "
                        f"{built.summary.shifts_worked + built.summary.shifts_planned:,} "
                        f"shifts ({clock.perf_counter() - home_started:.1f} s)\n"
                    )
            _assign_managers(managers, homes)
    rota_changed(everywhere=True)  # written with bulk_create: no signals to refresh tables
    access_changed()
    summary.seconds = clock.perf_counter() - started
    return summary


@dataclass
class _Context:
    seed: int
    today: date
    window_start: date
    history_days: int
    ndays: int
    bank_holidays: dict[date, str]
    password: str
    roles: dict[str, JobRole] | None = None
    courses: dict[str, TrainingCourse] | None = None


@dataclass
class _Built:
    summary: DemoSummary
    staff: int
    agency: int


@contextmanager
def _given_timestamps() -> Iterator[None]:
    """Let bulk_create keep the creation times we set (a year-old shift was not created
    today); Django's auto_now fields would otherwise overwrite them."""
    targets = [
        Shift._meta.get_field("created_at"),
        Shift._meta.get_field("updated_at"),
        LeaveRequest._meta.get_field("created_at"),
        Incident._meta.get_field("reported_at"),
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in targets]
    for f in targets:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _batch() -> int:
    # SQLite caps bound parameters per statement; Django sizes batches for it itself.
    return 2000 if connection.vendor == "postgresql" else 500


def _ensure_roles() -> dict[str, JobRole]:
    roles = {}
    for code, name, needs_registration, body, rank in JOB_ROLES:
        roles[code], _ = JobRole.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "requires_registration": needs_registration,
                "registration_body": body,
                "rank": rank,
            },
        )
    return roles


def _ensure_courses(roles: dict[str, JobRole]) -> dict[str, TrainingCourse]:
    courses = {}
    for code, name, months, role_codes in COURSES:
        course, created = TrainingCourse.objects.get_or_create(
            code=code, defaults={"name": name, "validity_months": months}
        )
        if created:
            course.roles.set([roles[r] for r in role_codes])
        courses[code] = course
    return courses


def _aware(day: date, at: time = time(9)) -> datetime:
    return datetime.combine(day, at, LONDON).astimezone(UTC)


def _manager_user(context: _Context, number: int, role: str, rng: random.Random) -> User:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    username = f"SAP{number:06d}"
    return User(
        username=username,
        first_name=first,
        last_name=last,
        email=f"{first}.{last}.{username[3:]}@staffrota.example".lower().replace("'", ""),
        password=context.password,
        role=role,
        is_staff=role == Role.SYSTEM_ADMIN,
        is_superuser=role == Role.SYSTEM_ADMIN,
        date_joined=_aware(context.today - timedelta(days=3 * 365)),
    )


def _create_admins(context: _Context) -> None:
    rng = random.Random(f"{context.seed}:admins")
    User.objects.bulk_create(
        [
            _manager_user(context, MANAGER_SAP_START + i, Role.SYSTEM_ADMIN, rng)
            for i in range(ADMINS)
        ]
    )


def _create_managers(context: _Context, replica: int) -> list[User]:
    rng = random.Random(f"{context.seed}:managers:{replica}")
    first = MANAGER_SAP_START + ADMINS + replica * MANAGERS_PER_REPLICA
    roles = (
        [Role.OPERATIONAL_MANAGER] * OMS_PER_REPLICA
        + [Role.SERVICE_MANAGER] * SMS_PER_REPLICA
        + [Role.HEAD_OF_SERVICE]
    )
    return User.objects.bulk_create(
        [_manager_user(context, first + i, role, rng) for i, role in enumerate(roles)]
    )


def _om_for(template: int, unit_index: int, n_units: int) -> int:
    """Which of the replica's nine OMs runs a unit: homes 1-4 split between two OMs each,
    home 5 has one OM (who also covers the fourth home)."""
    if template == len(HOME_NAMES) - 1:
        return OMS_PER_REPLICA - 1
    return 2 * template + (0 if unit_index < (n_units + 1) // 2 else 1)


def _assign_managers(managers: list[User], homes: list[tuple[HomePlan, CareHome, list[Unit]]]):
    oms = managers[:OMS_PER_REPLICA]
    sms = managers[OMS_PER_REPLICA : OMS_PER_REPLICA + SMS_PER_REPLICA]
    unit_links, home_links = [], []
    for template, (_plan, home, units) in enumerate(homes):
        for u, unit in enumerate(units):
            om = _om_for(template, u, len(units))
            unit_links.append(User.managed_units.through(user_id=oms[om].pk, unit_id=unit.pk))
            if template == len(HOME_NAMES) - 2:
                unit_links.append(User.managed_units.through(user_id=oms[-1].pk, unit_id=unit.pk))
        sm = sms[min(template // 2, SMS_PER_REPLICA - 1)]
        home_links.append(User.managed_homes.through(user_id=sm.pk, carehome_id=home.pk))
    User.managed_units.through.objects.bulk_create(unit_links)
    User.managed_homes.through.objects.bulk_create(home_links)


@dataclass
class HomeSkeleton:
    """A home's rows that come before any shift or absence, and the random stream that
    goes on to draw them (the bench of leave replays the same draws)."""

    rng: random.Random
    home: CareHome
    units: list[Unit]
    shift_types: dict[str, ShiftType]
    people: list[Person]
    users: dict[int, User]
    staff: dict[int, StaffMember]


def build_home_skeleton(
    context: "_Context", plan: HomePlan, staff_sap: int, agency_sap: int
) -> HomeSkeleton:
    """The home, its units, shift types, requirements, people, log-ins and unit cover."""
    rng = random.Random(f"{context.seed}:home:{plan.index}")
    batch = _batch()
    today, window_start = context.today, context.window_start
    roles = context.roles or {}

    home = CareHome.objects.create(name=plan.name, code=plan.code, address=plan.address)
    units = Unit.objects.bulk_create(
        [Unit(care_home=home, name=u.name, care_type=u.care_type, beds=u.beds) for u in plan.units]
    )
    shift_types = {
        st.code: st
        for st in ShiftType.objects.bulk_create(
            [
                ShiftType(
                    care_home=home,
                    code=s.code,
                    name=s.name,
                    starts=s.starts,
                    ends=s.ends,
                    paid_hours=s.paid_hours,
                    is_night=s.is_night,
                )
                for s in plan.shift_specs
            ]
        )
    }
    StaffingRequirement.objects.bulk_create(
        [
            StaffingRequirement(
                care_home=home,
                unit=units[u],
                shift_type=shift_types[code],
                job_role=roles[role],
                weekday=weekday,
                minimum=minimum,
            )
            for u, unit_plan in enumerate(plan.units)
            for (code, role, weekday), minimum in unit_plan.requirements.items()
        ],
        batch_size=batch,
    )

    # People, their log-ins and the units they may cover.
    people = make_people(
        plan,
        rng,
        today=today,
        window_start=window_start,
        first_sap=staff_sap,
        first_agency_sap=agency_sap,
    )
    employees = [p for p in people if not p.agency]
    created_users = User.objects.bulk_create(
        [
            User(
                username=p.sap,
                first_name=p.first_name,
                last_name=p.last_name,
                email=p.email,
                password=context.password,
                role=Role.STAFF,
                date_joined=_aware(p.started_on),
            )
            for p in employees
        ],
        batch_size=batch,
    )
    created_staff = StaffMember.objects.bulk_create(
        [
            _staff_member(home, units, roles, p, user)
            for p, user in zip(employees, created_users, strict=True)
        ],
        batch_size=batch,
    )
    # Keyed by the person's index: agency workers have neither a login nor a staff record.
    users = {p.index: user for p, user in zip(employees, created_users, strict=True)}
    staff = {p.index: member for p, member in zip(employees, created_staff, strict=True)}
    UnitCover.objects.bulk_create(
        [
            UnitCover(care_home=home, staff=staff[p.index], unit=units[u])
            for p in employees
            for u in p.cover
        ],
        batch_size=batch,
    )
    return HomeSkeleton(rng, home, units, shift_types, people, users, staff)


def _build_home(
    context: _Context,
    plan: HomePlan,
    managers: list[User],
    staff_sap: int,
    agency_sap: int,
) -> tuple[CareHome, list[Unit], _Built]:
    batch = _batch()
    today, window_start = context.today, context.window_start
    summary = DemoSummary(homes=1, units=len(plan.units))
    skeleton = build_home_skeleton(context, plan, staff_sap, agency_sap)
    rng, home, units = skeleton.rng, skeleton.home, skeleton.units
    shift_types, people = skeleton.shift_types, skeleton.people
    users, staff = skeleton.users, skeleton.staff
    roles = context.roles or {}
    employees = [p for p in people if not p.agency]
    summary.staff = len(employees)
    summary.users = len(employees)

    oms = managers[:OMS_PER_REPLICA]
    template = plan.index % len(HOME_NAMES)

    def om_of(person: Person) -> User:
        return oms[_om_for(template, person.home_unit, len(units))]

    # Absence first: the rota must not put anyone to work while away.
    absences = make_absences(
        people, rng, window_start=window_start, today=today, ndays=context.ndays
    )
    rota = make_rota(
        plan,
        people,
        absences,
        rng,
        window_start=window_start,
        today=today,
        ndays=context.ndays,
        bank_holidays=context.bank_holidays,
    )
    summary.short_in_past = rota.short_in_past
    _write_shifts(home, units, shift_types, roles, people, staff, rota, context, summary, batch)

    _write_leave(home, people, staff, absences, om_of, rng, context, summary, batch)

    records = training_rows(people, rng, today=today)
    courses = context.courses or {}
    TrainingRecord.objects.bulk_create(
        [
            TrainingRecord(
                care_home=home,
                staff=staff[p],
                course=courses[code],
                completed_on=done,
                expires_on=expires,
            )
            for p, code, done, expires in records
        ],
        batch_size=batch,
    )
    summary.training_records = len(records)

    sups = supervision_rows(
        people, rng, today=today, history_start=window_start - timedelta(days=90)
    )
    Supervision.objects.bulk_create(
        [
            Supervision(
                care_home=home,
                staff=staff[s.person],
                supervisor=om_of(people[s.person]),
                held_on=s.held_on,
                next_due_on=s.next_due_on,
                notes=s.notes,
            )
            for s in sups
        ],
        batch_size=batch,
    )
    summary.supervisions = len(sups)

    incidents = incident_rows(
        plan,
        rota.rows,
        rng,
        window_start=window_start,
        history_days=context.history_days,
        today=today,
    )
    created = Incident.objects.bulk_create(
        [
            Incident(
                care_home=home,
                unit=units[row.unit],
                occurred_at=row.occurred_at,
                location=row.location,
                category=row.category,
                severity=row.severity,
                description=row.description,
                immediate_action=row.action,
                reported_by=next((users[p] for p in row.people if p in users), oms[0]),
                status=row.status,
                reported_at=row.occurred_at + timedelta(minutes=rng.randint(20, 180)),
            )
            for row in incidents
        ],
        batch_size=batch,
    )
    Incident.people_involved.through.objects.bulk_create(
        [
            Incident.people_involved.through(incident_id=incident.pk, staffmember_id=staff[p].pk)
            for incident, row in zip(created, incidents, strict=True)
            for p in row.people
            if p in staff
        ],
        batch_size=batch,
    )
    summary.incidents = len(incidents)

    demand = demand_rows(
        plan,
        rng,
        window_start=window_start,
        history_days=context.history_days,
        bank_holidays=context.bank_holidays,
    )
    DemandRecord.objects.bulk_create(
        [
            DemandRecord(
                care_home=home,
                unit=units[u],
                date=day,
                occupied_beds=occupied,
                dependency=dependency,
                care_hours_needed=hours,
            )
            for u, day, occupied, dependency, hours in demand
        ],
        batch_size=batch,
    )
    summary.demand_records = len(demand)
    agency = sum(1 for p in people if p.agency)
    return home, units, _Built(summary=summary, staff=len(employees), agency=agency)


def _staff_member(
    home: CareHome, units: list[Unit], roles: dict[str, JobRole], p: Person, user: User
) -> StaffMember:
    return StaffMember(
        care_home=home,
        user=user,
        sap_number=p.sap,
        job_role=roles[p.role],
        contract_type=p.contract,
        contracted_hours=Decimal(f"{p.contracted:.2f}"),
        hourly_rate=p.rate,
        home_unit=units[p.home_unit],
        registration_body=p.registration_body,
        registration_number=p.registration_number,
        registration_expiry=p.registration_expiry,
        wtr_opt_out=p.wtr_opt_out,
        started_on=p.started_on,
    )


# Shifts are written in chunks so 10x (a million shifts) never sits in memory at once.
SHIFT_CHUNK = 20000


def _write_shifts(
    home, units, shift_types, roles, people, staff, rota, context, summary, batch
) -> None:
    paid = {code: st.paid_hours for code, st in shift_types.items()}
    history_days = context.history_days
    chunk: list[Shift] = []
    rota_people: list[int] = []
    for row in rota.rows:
        starts_at, ends_at = rota.times[(row.day, row.code)]
        # Worked shifts were planned about four weeks ahead; planned ones over recent days.
        made = starts_at - timedelta(days=28 if row.day < history_days else (row.day % 9) + 1)
        chunk.append(
            Shift(
                care_home=home,
                unit=units[row.unit],
                date=context.window_start + timedelta(days=row.day),
                starts_at=starts_at,
                ends_at=ends_at,
                shift_type=shift_types[row.code],
                job_role=roles[row.role],
                # Agency cover has no staff record: the booking below names who came.
                staff=staff.get(row.person) if row.person >= 0 else None,
                paid_hours=paid[row.code],
                status=row.status,
                source=row.source,
                note=f"Agency: {people[row.person].note}" if row.source == "agency" else row.note,
                created_at=made,
                updated_at=made,
            )
        )
        if row.day < history_days:
            summary.shifts_worked += 1
        else:
            summary.shifts_planned += 1
            summary.vacancies += row.person < 0
        rota_people.append(row.person)
        if len(chunk) >= SHIFT_CHUNK:
            _write_shift_chunk(home, people, chunk, rota_people, batch)
            chunk, rota_people = [], []
    _write_shift_chunk(home, people, chunk, rota_people, batch)


def _write_shift_chunk(home, people, chunk, rota_people, batch) -> None:
    """Save shifts, and a confirmed agency booking for each shift agency staff covered."""
    saved = Shift.objects.bulk_create(chunk, batch_size=batch)
    AgencyBooking.objects.bulk_create(
        [
            AgencyBooking(
                care_home=home,
                shift=shift,
                agency=people[person].note or "Agency",
                hourly_rate=people[person].rate,
                worker_name=f"{people[person].first_name} {people[person].last_name}",
                status=AgencyStatus.CONFIRMED,
            )
            for shift, person in zip(saved, rota_people, strict=True)
            if shift.source == "agency"
        ],
        batch_size=batch,
    )


def leave_asked_on(row, yesterday: date, rng: random.Random) -> tuple[date, date | None]:
    """The day a demo leave request was made, and the day it was decided (None: pending)."""
    if row.decided_days_before is None:
        asked = min(yesterday, row.start - timedelta(days=1))
        return asked - timedelta(days=rng.randint(0, 20)), None
    decided = min(yesterday, row.start - timedelta(days=row.decided_days_before))
    return decided - timedelta(days=rng.randint(1, 10)), decided


def _write_leave(home, people, staff, absences, om_of, rng, context, summary, batch) -> None:
    yesterday = context.today - timedelta(days=1)
    leave = []
    for row in absences.leave:
        person = people[row.person]
        asked, decided = leave_asked_on(row, yesterday, rng)
        decided_at = _aware(decided, time(10, 30)) if decided else None
        leave.append(
            LeaveRequest(
                care_home=home,
                staff=staff[row.person],
                leave_type=row.leave_type,
                start_date=row.start,
                end_date=row.end,
                hours=Decimal(f"{row.hours:.2f}"),
                comment=row.comment,
                status=row.status,
                decided_by=om_of(person) if decided_at else None,
                decided_at=decided_at,
                created_at=_aware(asked, time(8, 15)),
            )
        )
    LeaveRequest.objects.bulk_create(leave, batch_size=batch)
    summary.leave_requests = len(leave)

    sickness = []
    for row in absences.sickness:
        closed = row.end is not None
        sickness.append(
            SicknessAbsence(
                care_home=home,
                staff=staff[row.person],
                start_date=row.start,
                expected_end_date=row.expected_end,
                end_date=row.end,
                reason=row.reason,
                fit_note=row.fit_note,
                return_to_work_on=row.end + timedelta(days=1) if closed else None,
                return_to_work_notes=(
                    "Return-to-work interview held; fit for full duties." if closed else ""
                ),
            )
        )
    SicknessAbsence.objects.bulk_create(sickness, batch_size=batch)
    summary.sickness_absences = len(sickness)


# Home-owned models in the order they can be deleted (children before parents).
_DELETE_ORDER: list[type[models.Model]] = [
    Incident,
    Supervision,
    TrainingRecord,
    SicknessAbsence,
    LeaveRequest,
    Shift,
    DemandRecord,
    StaffingRequirement,
    UnitCover,
    StaffMember,
    ShiftType,
    Unit,
]


def delete_demo_data() -> int:
    """Delete every care home with everything it owns, and the demo users (usernames
    SAP + six digits). Shared reference data (job roles, courses) stays. Returns the
    number of homes deleted. Runs in one transaction: all or nothing."""
    with scopes_disabled(), transaction.atomic():
        homes = CareHome.objects.count()
        # Rows other apps own per home (added later) go first: they may point at ours.
        others = [
            m for m in apps.get_models() if issubclass(m, HomeOwned) and m not in _DELETE_ORDER
        ]
        Incident.people_involved.through.objects.all().delete()
        User.managed_units.through.objects.all().delete()
        User.managed_homes.through.objects.all().delete()
        for model in [*others, *_DELETE_ORDER]:
            model._base_manager.all().delete()
        CareHome._base_manager.all().delete()
        User.objects.filter(username__regex=DEMO_USERNAME_REGEX).delete()
    rota_changed(everywhere=True)
    access_changed()
    return homes
