"""The demo customer: its size, the rota rules it keeps, and that a seed reproduces it.

One build (two weeks of history, three weeks ahead) is shared by the module and rolled
back at the end; the determinism test deletes it and builds again inside its own
transaction.
"""

import hashlib
from collections import defaultdict
from datetime import date, timedelta

import pytest
from django.db import transaction
from django.db.models import F
from django.test import override_settings
from django_scopes import scopes_disabled

from staffrota.accounts.models import Role, User
from staffrota.compliance.models import Incident, Supervision, TrainingCourse, TrainingRecord
from staffrota.demo.build import (
    DEMO_PASSWORD,
    DemoSummary,
    build_demo,
    delete_demo_data,
    demo_logins,
)
from staffrota.leave.models import LeaveRequest, LeaveStatus, SicknessAbsence
from staffrota.organisation.models import (
    CareHome,
    DemandRecord,
    StaffingRequirement,
    StaffMember,
    Unit,
)
from staffrota.rota.models import (
    VACANT,
    AgencyBooking,
    AgencyStatus,
    Shift,
    ShiftSource,
    ShiftStatus,
)

TODAY = date(2026, 3, 2)
HISTORY, FUTURE = 14, 21
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
BUILD = {"seed": 42, "scale": 1, "today": TODAY, "history_days": HISTORY, "future_days": FUTURE}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    # The test-wide fast hasher is set per test; this module-wide build needs it too.
    with (
        override_settings(PASSWORD_HASHERS=FAST_HASHERS),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        summary = build_demo(**BUILD)
        yield summary
        transaction.set_rollback(True)


def live_shifts():
    return Shift.objects.exclude(status=ShiftStatus.CANCELLED)


def fingerprint() -> tuple:
    """Counts of everything built plus a hash of every shift by natural keys."""
    with scopes_disabled():
        counts = tuple(
            m.objects.count()
            for m in (
                CareHome,
                Unit,
                StaffMember,
                Shift,
                LeaveRequest,
                SicknessAbsence,
                TrainingRecord,
                Supervision,
                Incident,
                DemandRecord,
            )
        )
        rows = Shift.objects.order_by("unit__care_home__code", "unit__name", "starts_at", "pk")
        digest = hashlib.sha256()
        for row in rows.values_list(
            "unit__care_home__code",
            "unit__name",
            "date",
            "shift_type__code",
            "job_role__code",
            "staff__sap_number",
            "source",
            "status",
        ):
            digest.update(repr(row).encode())
    return counts, digest.hexdigest()


@pytest.mark.django_db
def test_demo_has_the_reference_customers_size(demo: DemoSummary):
    with scopes_disabled():
        assert CareHome.objects.count() == 5
        assert Unit.objects.count() == 42
        assert StaffMember.objects.count() == 821
    assert User.objects.filter(role=Role.OPERATIONAL_MANAGER).count() == 9
    assert User.objects.filter(role=Role.SERVICE_MANAGER).count() == 3
    assert User.objects.filter(role=Role.HEAD_OF_SERVICE).count() == 1
    assert (
        User.objects.filter(role=Role.SYSTEM_ADMIN, is_superuser=True, is_staff=True).count() == 2
    )
    assert demo.staff == 821 and demo.homes == 5


@pytest.mark.django_db
def test_demo_every_unit_has_staff_and_requirements(demo):
    with scopes_disabled():
        for unit in Unit.objects.all():
            assert StaffMember.objects.filter(home_unit=unit).exists(), unit
            assert StaffingRequirement.objects.filter(unit=unit).exists(), unit
            assert 8 <= unit.beds <= 30
        nursing = StaffingRequirement.objects.filter(job_role__code="rn")
        assert set(nursing.values_list("unit__care_type", flat=True)) == {"nursing"}


@pytest.mark.django_db
def test_demo_shifts_never_overlap_and_leave_11_hours_rest(demo):
    with scopes_disabled():
        rows = live_shifts().filter(staff__isnull=False).order_by("staff_id", "starts_at")
        previous: dict[int, tuple] = {}
        days: dict[int, list[date]] = defaultdict(list)
        for staff_id, starts, ends, day in rows.values_list(
            "staff_id", "starts_at", "ends_at", "date"
        ):
            if staff_id in previous:
                assert starts - previous[staff_id] >= timedelta(hours=11), staff_id
            previous[staff_id] = ends
            days[staff_id].append(day)
    for staff_id, worked in days.items():
        run = 1
        for a, b in zip(worked, worked[1:], strict=False):
            run = run + 1 if b - a == timedelta(days=1) else 1
            assert run <= 6, f"staff {staff_id} works more than 6 days in a row"


@pytest.mark.django_db
def test_demo_nobody_works_on_approved_leave_or_while_sick(demo):
    with scopes_disabled():
        worked = set(live_shifts().filter(staff__isnull=False).values_list("staff_id", "date"))
        for leave in LeaveRequest.objects.filter(status=LeaveStatus.APPROVED):
            day = leave.start_date
            while day <= leave.end_date:
                assert (leave.staff_id, day) not in worked
                day += timedelta(days=1)
        last_day = TODAY + timedelta(days=FUTURE)
        for spell in SicknessAbsence.objects.all():
            end = spell.end_date or spell.expected_end_date or last_day
            day = spell.start_date
            while day <= end:
                assert (spell.staff_id, day) not in worked
                day += timedelta(days=1)
        assert SicknessAbsence.objects.filter(end_date__isnull=True).exists()


@pytest.mark.django_db
def test_demo_shift_roles_match_people_and_registrations(demo):
    with scopes_disabled():
        mismatched = (
            live_shifts().filter(staff__isnull=False).exclude(job_role=F("staff__job_role"))
        )
        assert not mismatched.exists()
        lapsed = live_shifts().filter(
            staff__registration_expiry__isnull=False,
            date__gt=F("staff__registration_expiry"),
        )
        assert not lapsed.exists()
        assert not live_shifts().filter(date__lt=F("staff__started_on")).exists()


@pytest.mark.django_db
def test_demo_vacancies_only_in_the_future_and_statuses_follow_the_date(demo):
    with scopes_disabled():
        past = Shift.objects.filter(date__lt=TODAY)
        future = Shift.objects.filter(date__gte=TODAY)
        assert not past.filter(VACANT).exists()
        assert set(past.values_list("status", flat=True)) == {ShiftStatus.PUBLISHED}
        vacant = future.filter(VACANT).count()
        assert 0.02 <= vacant / future.count() <= 0.10
        cutoff = TODAY + timedelta(days=14)
        assert set(future.filter(date__lt=cutoff).values_list("status", flat=True)) == {
            ShiftStatus.PUBLISHED
        }
        assert set(future.filter(date__gte=cutoff).values_list("status", flat=True)) == {
            ShiftStatus.DRAFT
        }
        # Two weeks is too short for much overtime; bank and agency cover from day one.
        sources = set(past.values_list("source", flat=True))
        assert {ShiftSource.CONTRACTED, ShiftSource.BANK, ShiftSource.AGENCY} <= sources
        # Agency cover is not a staff member: each such shift has a confirmed booking instead.
        agency = Shift.objects.filter(source=ShiftSource.AGENCY)
        assert not agency.filter(staff__isnull=False).exists()
        booked = AgencyBooking.objects.filter(status=AgencyStatus.CONFIRMED)
        assert booked.count() == agency.count()
        assert set(booked.values_list("shift_id", flat=True)) == set(
            agency.values_list("pk", flat=True)
        )


@pytest.mark.django_db
def test_demo_compliance_data_has_something_to_flag(demo):
    with scopes_disabled():
        assert TrainingCourse.objects.count() == 18
        records = TrainingRecord.objects
        assert records.filter(expires_on__lt=TODAY).exists()
        assert records.filter(expires_on__range=(TODAY, TODAY + timedelta(days=30))).exists()
        overdue = Supervision.objects.filter(next_due_on__lt=TODAY - timedelta(weeks=6))
        assert overdue.exists()
        assert StaffMember.objects.filter(registration_expiry__lt=TODAY).exists()
        assert Incident.objects.exists()
        assert DemandRecord.objects.count() == 42 * HISTORY
        assert not DemandRecord.objects.filter(date__gte=TODAY).exists()


@pytest.mark.django_db
def test_demo_logins_exist_and_work(demo, client):
    logins = demo_logins()
    assert {role for role, _u, _p in logins} == {
        "Staff",
        "Operational Manager",
        "Service Manager",
        "Head of Service",
        "System admin",
    }
    for _role, username, password in logins:
        assert password == DEMO_PASSWORD
        assert client.login(username=username, password=password), username
        client.logout()
    staff_user = User.objects.get(username=logins[0][1])
    om = User.objects.get(username=logins[1][1])
    with scopes_disabled():
        member = staff_user.staff_member
        upcoming = member.shifts.filter(date__gte=TODAY, date__lt=TODAY + timedelta(days=28))
        assert upcoming.count() >= 5
        assert om.managed_units.filter(pk=member.home_unit_id).exists()
        assert StaffMember.objects.filter(home_unit__in=om.managed_units.all()).count() > 20
        assert User.objects.get(username=logins[2][1]).managed_homes.exists()


@pytest.mark.django_db
def test_demo_same_seed_gives_same_data(demo):
    first = fingerprint()
    delete_demo_data()
    with scopes_disabled():
        assert CareHome.objects.count() == 0
    assert not User.objects.filter(username__startswith="SAP").exists()
    build_demo(**BUILD)
    assert fingerprint() == first
