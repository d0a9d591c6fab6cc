"""The reads of asking for and withdrawing leave run through `kept_rows` (their SQL written
once per process): each gives the rows the ORM gives for the same query, under each home's
scope and on its second run as on its first, so the decisions, e-mails and pages built
from them are the ones the querysets gave."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from staffrota.leave import allowance, coverage, engine, entitlement, impact, my_page, services
from staffrota.leave import views as leave_views
from staffrota.leave.models import BlackoutPeriod, LeaveAllowance, LeaveRequest, SicknessAbsence
from staffrota.organisation.models import ContractType, UnitCover
from staffrota.rota.kept_sql import kept_rows
from staffrota.testing import factories as f

pytestmark = pytest.mark.django_db


def _leave(world, first, last, status="approved", **extra):
    return LeaveRequest.objects.create(
        care_home=world.home,
        staff=extra.pop("staff", world.carer),
        leave_type=extra.pop("leave_type", "annual"),
        start_date=first,
        end_date=last,
        hours=Decimal("6"),
        status=status,
        hours_by_day={first.isoformat(): "6.00"},
        **extra,
    )


@pytest.fixture
def busy(home_a, home_b, today):
    """Both homes with leave, sickness, a blackout, an allowance, bank staff and managers:
    something for each read to find, and another home's rows that must stay out."""
    with scopes_disabled():
        for world in (home_a, home_b):
            day = today + timedelta(days=10)
            _leave(world, day, day + timedelta(days=2))
            _leave(world, day + timedelta(days=1), day + timedelta(days=1), status="pending")
            _leave(world, day, day, staff=world.nurse)
            SicknessAbsence.objects.create(
                care_home=world.home, staff=world.nurse, start_date=today, reason="other"
            )
            BlackoutPeriod.objects.create(
                care_home=world.home,
                name="Christmas",
                start_date=day - timedelta(days=1),
                end_date=day + timedelta(days=3),
            )
            LeaveAllowance.objects.create(
                care_home=world.home, unit=world.unit, job_role=world.carer.job_role, places=2
            )
            bank = f.staff_member(world.other_unit, "carer", contract_type=ContractType.BANK)
            UnitCover.objects.create(care_home=world.home, staff=bank, unit=world.unit)
            f.staff_member(world.unit, "carer", contract_type=ContractType.BANK)
            f.service_manager(world.home)
    return today + timedelta(days=10)


def _reads(world, day):
    """Each kept read of the leave paths with the values asking for leave gives it."""
    staff, unit, role = world.carer, world.unit, world.carer.job_role_id
    home = world.home.pk
    span = {"start": day - timedelta(days=3), "end": day + timedelta(days=3)}
    people = {"unit_id": unit.pk, "role_id": role, "staff_id": staff.pk}
    window = {"first": day - timedelta(days=60), "last": day + timedelta(days=3)}
    return [
        (engine._own_paid_rows, {"staff_id": staff.pk, **span}),
        (engine._rota_day_rows, {"unit_id": unit.pk, **span}),
        (engine._clash_rows, {"staff_id": staff.pk, **span}),
        (engine._sick_rows, {"staff_id": world.nurse.pk, **span}),
        (engine._blackout_rows, {"home_id": home, **span}),
        (allowance._places_rows, {"unit_id": unit.pk, "role_id": role}),
        (allowance._headcount_rows, {"unit_id": unit.pk, "role_id": role, "day": day}),
        (allowance._others_off_rows, {"home_id": home, **people, **span}),
        (coverage._extra_rows, {"unit_id": unit.pk, "role_id": role, **window}),
        (coverage._pool_rows, {**people, **window}),
        (coverage._bank_rows, {"home_id": home, **people, **window}),
        (impact._bank_rate_rows, {"home_id": home, "code": "carer"}),
        (services._rostered_unit_rows, {"staff_id": staff.pk, **span}),
        (services._held_shift_rows, {"staff_id": staff.pk, **span}),
        (services._manager_rows, {"unit_id": unit.pk, "home_id": home}),
        (entitlement._annual_rows, {"staff_id": staff.pk}),
        (leave_views._staff_rows, {"pk": staff.pk}),
        (leave_views._staff_rows, {"pk": staff.pk, "unit_ids": [unit.pk, world.other_unit.pk]}),
        (leave_views._request_rows, {"pk": 0, "staff_id": staff.pk}),
        (my_page._list_rows, {"staff_id": staff.pk}),
        (my_page._list_rows, {"staff_id": staff.pk, "unit_ids": [unit.pk]}),
    ]


def test_each_kept_read_gives_the_rows_of_its_queryset(home_a, home_b, busy):
    found = 0
    for world in (home_a, home_b, home_a):  # the second time in home A: the kept SQL
        with scope(care_home=[world.home.pk]):
            for build, values in _reads(world, busy):
                orm = list(build(**values))
                kept = kept_rows(build, **values)
                # With DISTINCT the ordering columns come back after the ones asked for.
                width = len(orm[0]) if orm else 0
                assert [row[:width] for row in kept] == orm, build.__name__
                found += bool(orm)
    assert found >= 3 * 12  # most reads find rows: the comparisons are not all empty


def test_the_unit_lock_reads_the_units_it_locks(home_a, busy):
    with scope(care_home=[home_a.home.pk]), transaction.atomic():
        for _ in range(2):
            ids = sorted([home_a.other_unit.pk, home_a.unit.pk])
            rows = kept_rows(services._unit_lock_rows, unit_ids=ids)
            assert rows == [(pk,) for pk in ids]


def test_annual_requests_reads_what_the_model_holds(home_a, busy):
    with scope(care_home=[home_a.home.pk]):
        rows = entitlement.annual_requests(home_a.carer.pk)
        models = list(
            LeaveRequest.objects.filter(
                staff=home_a.carer, leave_type="annual", status__in=("approved", "pending")
            )
        )
    assert len(rows) == 2
    assert [(r.pk, r.status, r.start_date, r.end_date, r.hours, r.hours_by_day) for r in rows] == [
        (m.pk, m.status, m.start_date, m.end_date, m.hours, m.hours_by_day) for m in models
    ]
    assert rows[0].hours_by_day == {rows[0].start_date.isoformat(): "6.00"}


def test_a_clash_names_the_leave_it_overlaps(home_a, busy):
    with scope(care_home=[home_a.home.pk]), pytest.raises(engine.LeaveError) as refused:
        engine.check_request(
            staff=home_a.carer,
            leave_type="annual",
            start=busy + timedelta(days=1),
            end=busy + timedelta(days=1),
            part_day_hours=None,
            today=busy - timedelta(days=20),
        )
    day = busy.strftime("%a ") + str(busy.day) + busy.strftime(" %b %Y")
    assert str(refused.value).startswith(f"This overlaps your annual leave from {day} to ")
    assert "(approved)" in str(refused.value)


def test_sickness_overlap_names_the_latest_episode(home_a, busy, today):
    with scopes_disabled():
        SicknessAbsence.objects.create(
            care_home=home_a.home,
            staff=home_a.nurse,
            start_date=today - timedelta(days=5),
            end_date=today + timedelta(days=30),
            reason="other",
        )
    with scope(care_home=[home_a.home.pk]), pytest.raises(engine.LeaveError) as refused:
        engine.check_request(
            staff=home_a.nurse,
            leave_type="annual",
            start=today + timedelta(days=1),
            end=today + timedelta(days=1),
            part_day_hours=None,
            today=today,
        )
    assert f"from {today:%a} {today.day} {today:%b %Y};" in str(refused.value)


def test_withdrawing_checks_whose_request_it_is(home_a, home_b, busy):
    """Staff see only their own requests (another's: 404, whichever home); the manager
    sees their unit's but may not withdraw for them (403); one's own is withdrawn."""
    with scopes_disabled():
        mine = LeaveRequest.objects.filter(staff=home_a.carer, status="pending").get()
        colleague = LeaveRequest.objects.get(staff=home_a.nurse)
        elsewhere = LeaveRequest.objects.filter(staff=home_b.carer).first()
    staff, manager = Client(), Client()
    staff.force_login(home_a.staff_user)
    manager.force_login(home_a.manager)

    def cancel(client, leave):
        return client.post(reverse("leave_cancel", args=[leave.pk])).status_code

    assert cancel(staff, elsewhere) == 404
    assert cancel(staff, colleague) == 404
    assert cancel(manager, elsewhere) == 404
    assert cancel(manager, mine) == 403
    assert staff.get(reverse("leave_cancel", args=[mine.pk])).status_code == 405
    assert cancel(staff, mine) == 302
    with scopes_disabled():
        mine.refresh_from_db()
        colleague.refresh_from_db()
    assert (mine.status, colleague.status) == ("cancelled", "approved")


def test_a_withdrawal_tells_the_person_and_audits_it_as_before(
    ward, django_capture_on_commit_callbacks
):
    """The withdrawal reads the person's account with the request and nothing else of
    theirs; the e-mail and the audit entry are the ones the full read gave."""
    from django.core import mail

    from staffrota.audit.models import AuditEntry

    person = ward.carers[0]
    with scope(care_home=[ward.world.home.pk]):
        request = _leave(ward.world, ward.day, ward.day, status="pending", staff=person)
        with (
            django_capture_on_commit_callbacks(execute=True),
            CaptureQueriesContext(connection) as queries,
        ):
            services.leave_cancel(request=request, actor=ward.world.staff_user)
    assert not any("organisation_carehome" in q["sql"] for q in queries.captured_queries)
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([person.user.email], "Your leave is cancelled")
    ]
    day = f"{ward.day:%a} {ward.day.day} {ward.day:%b %Y}"
    assert mail.outbox[0].body == (
        f"Hello {person.user.first_name},\n\nYour annual leave {day} (6 hours) is cancelled."
        "\n\nStaff Rota"
    )
    with scopes_disabled():
        entry = AuditEntry.all_homes.order_by("-pk").first()
    assert (entry.action, entry.object_id, entry.care_home_id) == (
        "leave.cancel",
        str(request.pk),
        ward.world.home.pk,
    )
    assert (entry.before["status"], entry.after["status"]) == ("pending", "cancelled")
    assert entry.after["staff"] == person.pk
