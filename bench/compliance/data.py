"""A demo-scale care group for the dashboard benchmark, built with bulk inserts.

Used when `manage.py demo_data` (being written separately) is not available. At scale 1:
5 homes, 42 units, 821 staff, a year of worked shifts and 4 weeks planned ahead (about
110,000 shifts), training, supervision, leave, sickness, incidents and daily demand.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django_scopes import scopes_disabled

LOCAL = ZoneInfo("Europe/London")
UNITS_PER_HOME = [9, 8, 9, 8, 8]  # 42 units
STAFF_PER_HOME = [170, 160, 170, 160, 161]  # 821 staff
SHIFT_TYPES = [
    ("E", "Early", time(8), time(14), "6", False),
    ("L", "Late", time(14), time(20), "6", False),
    ("N", "Night", time(20), time(8), "12", True),
]
# Per unit and shift type: (role code, minimum).
MINIMUMS = {
    "E": [("rn", 1), ("carer", 3)],
    "L": [("rn", 1), ("carer", 2)],
    "N": [("rn", 1), ("carer", 1)],
}


def build(*, scale: int = 1, seed: int = 42, today: date) -> dict:
    from staffrota.accounts.models import Role, User
    from staffrota.compliance.models import Incident, Supervision, TrainingCourse, TrainingRecord
    from staffrota.leave.models import LeaveRequest, SicknessAbsence
    from staffrota.organisation.models import (
        CareHome,
        DemandRecord,
        JobRole,
        ShiftType,
        StaffingRequirement,
        StaffMember,
        Unit,
    )
    from staffrota.rota.models import Shift

    rng = random.Random(seed)
    password = make_password("RotaDemo2026")
    with scopes_disabled():
        roles = {}
        for code, name, needs, body, rank in [
            ("rn", "Registered nurse", True, "NMC", 1),
            ("senior", "Senior carer", True, "SSSC", 2),
            ("carer", "Carer", True, "SSSC", 3),
            ("ancillary", "Ancillary", False, "", 4),
        ]:
            roles[code], _ = JobRole.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "requires_registration": needs,
                    "registration_body": body,
                    "rank": rank,
                },
            )
        courses = list(TrainingCourse.objects.prefetch_related("roles"))
        course_roles = {c.pk: {r.pk for r in c.roles.all()} for c in courses}
        serial = 100000
        hos = User.objects.create(
            username="bench-hos",
            role=Role.HEAD_OF_SERVICE,
            password=password,
            email="hos@example.org",
        )
        sms, oms = [], []
        for copy in range(scale):
            for h, (n_units, n_staff) in enumerate(
                zip(UNITS_PER_HOME, STAFF_PER_HOME, strict=True)
            ):
                home = CareHome.objects.create(name=f"Home {copy}-{h}", code=f"h{copy}-{h}")
                units = [
                    Unit.objects.create(
                        care_home=home,
                        name=f"Unit {copy}-{h}-{u}",
                        care_type="nursing",
                        beds=rng.randint(14, 24),
                    )
                    for u in range(n_units)
                ]
                types = {
                    code: ShiftType.objects.create(
                        care_home=home,
                        code=code,
                        name=name,
                        starts=s,
                        ends=e,
                        paid_hours=Decimal(p),
                        is_night=n,
                    )
                    for code, name, s, e, p, n in SHIFT_TYPES
                }
                StaffingRequirement.objects.bulk_create(
                    StaffingRequirement(
                        care_home=home,
                        unit=u,
                        shift_type=types[code],
                        job_role=roles[role],
                        weekday=wd,
                        minimum=m,
                    )
                    for u in units
                    for code, needs in MINIMUMS.items()
                    for role, m in needs
                    for wd in range(7)
                )
                sm = User.objects.create(
                    username=f"bench-sm-{copy}-{h}",
                    role=Role.SERVICE_MANAGER,
                    password=password,
                    email=f"sm{copy}{h}@example.org",
                )
                sm.managed_homes.set([home])
                sms.append(sm)
                om = User.objects.create(
                    username=f"bench-om-{copy}-{h}",
                    role=Role.OPERATIONAL_MANAGER,
                    password=password,
                    email=f"om{copy}{h}@example.org",
                )
                om.managed_units.set(units[:3])
                oms.append(om)
                users = []
                for _ in range(n_staff):
                    serial += 1
                    users.append(
                        User(
                            username=f"SAP{serial}",
                            password=password,
                            first_name=rng.choice(["Ann", "Bob", "Cat", "Dan", "Eve", "Fay"]),
                            last_name=f"Staff{serial}",
                        )
                    )
                users = User.objects.bulk_create(users)
                staff = []
                for i, user in enumerate(users):
                    j = i // n_units  # spread roles evenly over the units
                    role = "rn" if j % 6 == 0 else ("ancillary" if j % 10 == 1 else "carer")
                    expiry = (
                        today + timedelta(days=rng.randint(-20, 900))
                        if role != "ancillary"
                        else None
                    )
                    staff.append(
                        StaffMember(
                            care_home=home,
                            user=user,
                            sap_number=user.username,
                            job_role=roles[role],
                            contract_type="permanent" if i % 8 else "bank",
                            contracted_hours=Decimal("36"),
                            hourly_rate=Decimal("19.50") if role == "rn" else Decimal("12.60"),
                            home_unit=units[i % n_units],
                            registration_body=roles[role].registration_body,
                            registration_number=f"R{serial}{i}" if role != "ancillary" else "",
                            registration_expiry=expiry,
                            started_on=today - timedelta(days=rng.randint(60, 3000)),
                        )
                    )
                staff = StaffMember.objects.bulk_create(staff)
                by_unit_role = {}
                for member in staff:
                    by_unit_role.setdefault((member.home_unit_id, member.job_role_id), []).append(
                        member
                    )
                _shifts(Shift, home, units, types, roles, by_unit_role, today, rng)
                TrainingRecord.objects.bulk_create(
                    TrainingRecord(
                        care_home=home,
                        staff=m,
                        course=c,
                        completed_on=(done := today - timedelta(days=rng.randint(1, 420))),
                        expires_on=done + timedelta(days=30 * c.validity_months),
                    )
                    for m in staff
                    for c in courses
                    if (not course_roles[c.pk] or m.job_role_id in course_roles[c.pk])
                    and rng.random() < 0.93
                )
                Supervision.objects.bulk_create(
                    Supervision(
                        care_home=home,
                        staff=m,
                        supervisor=om,
                        held_on=(held := today - timedelta(days=rng.randint(5, 120))),
                        next_due_on=held + timedelta(weeks=8),
                        notes="Bench",
                    )
                    for m in staff
                    if rng.random() < 0.9
                )
                LeaveRequest.objects.bulk_create(
                    LeaveRequest(
                        care_home=home,
                        staff=m,
                        leave_type="annual",
                        start_date=(s := today + timedelta(days=rng.randint(1, 60))),
                        end_date=s + timedelta(days=2),
                        hours=Decimal("18"),
                    )
                    for m in rng.sample(staff, 12)
                )
                SicknessAbsence.objects.bulk_create(
                    SicknessAbsence(
                        care_home=home,
                        staff=m,
                        start_date=today - timedelta(days=rng.randint(0, 5)),
                        reason="gastro",
                    )
                    for m in rng.sample(staff, 6)
                )
                Incident.objects.bulk_create(
                    Incident(
                        care_home=home,
                        unit=rng.choice(units),
                        occurred_at=datetime.combine(
                            today - timedelta(days=rng.randint(0, 364)),
                            time(rng.randint(0, 23), 15),
                            LOCAL,
                        ),
                        category=rng.choice(["fall", "medication", "behaviour", "other"]),
                        severity=rng.choice(["low", "low", "moderate", "high", "severe"]),
                        description="Bench incident",
                        status=rng.choice(["open", "investigating", "closed", "closed"]),
                    )
                    for _ in range(200)
                )
                DemandRecord.objects.bulk_create(
                    DemandRecord(
                        care_home=home,
                        unit=u,
                        date=today - timedelta(days=d),
                        occupied_beds=u.beds - rng.randint(0, 3),
                        dependency=Decimal("4.5"),
                        care_hours_needed=Decimal("100"),
                    )
                    for u in units
                    for d in range(365)
                )
    return {"hos": hos, "sm": sms[0], "om": oms[0]}


def _shifts(Shift, home, units, types, roles, by_unit_role, today, rng):  # noqa: N803
    rows = []
    first = today - timedelta(days=365)
    for unit in units:
        cursor = {}
        for offset in range(365 + 28):
            day = first + timedelta(days=offset)
            for code, needs in MINIMUMS.items():
                st = types[code]
                starts = datetime.combine(day, st.starts, LOCAL)
                ends = datetime.combine(
                    day + timedelta(days=1) if st.is_night else day, st.ends, LOCAL
                )
                for role, minimum in needs:
                    pool = by_unit_role.get((unit.pk, roles[role].pk), [])
                    for _ in range(minimum):
                        roll = rng.random()
                        staff, source = None, "contracted"
                        if roll < 0.05:
                            source = "agency"
                        elif roll < 0.07:
                            pass  # vacancy
                        elif pool:
                            # Each person works at most one shift in three days: no overlaps.
                            index = cursor.get(role, 0)
                            staff = pool[index % len(pool)]
                            cursor[role] = index + 1
                            source = "overtime" if roll > 0.95 else "contracted"
                        rows.append(
                            Shift(
                                care_home=home,
                                unit=unit,
                                date=day,
                                starts_at=starts,
                                ends_at=ends,
                                shift_type=st,
                                job_role=roles[role],
                                staff=staff,
                                paid_hours=st.paid_hours,
                                status="published" if day < today + timedelta(days=14) else "draft",
                                source=source,
                            )
                        )
    Shift.objects.bulk_create(rows, batch_size=5000)
