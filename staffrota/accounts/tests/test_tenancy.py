"""The tenancy wall: nobody sees another home's data unless their role covers it."""

import re
from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_scopes import ScopeError, scopes_disabled

from staffrota.accounts.models import Role
from staffrota.compliance.models import Incident
from staffrota.leave.models import LeaveRequest, SicknessAbsence
from staffrota.optimiser.models import OptimiserRun
from staffrota.organisation.models import CareHome, StaffMember, Unit
from staffrota.rota.models import AgencyBooking, Shift, ShiftStatus, ShiftSwap
from staffrota.rota.services import shift_create
from staffrota.testing import factories as f
from staffrota.testing.factories import PASSWORD, service_manager

pytestmark = pytest.mark.django_db


def test_unscoped_query_of_tenant_data_raises(home_a):
    for model in (CareHome, Unit, StaffMember, Shift, LeaveRequest):
        with pytest.raises(ScopeError):
            list(model.objects.all())


def _project_patterns(resolver=None, prefix="", namespace=""):
    """Every URL pattern of our own apps, with its full route and its (namespaced) name."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith("admin/"):
                continue  # the admin is for system admins, who see every home
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _project_patterns(entry, route, inner)
        elif isinstance(entry, URLPattern):
            yield route, entry, f"{namespace}{entry.name}"


def _ids_of(world) -> dict[str, object]:
    """Real ids of one home's objects for every URL keyword the project uses."""
    with scopes_disabled():
        booking = AgencyBooking.objects.create(
            care_home=world.home, shift=world.vacancy, agency="Agency A", hourly_rate=22
        )
        other_shift = shift_create(
            unit=world.unit,
            day=world.shift.date + timedelta(days=3),
            shift_type=world.early,
            job_role=world.nurse.job_role,
            staff=world.nurse,
            status=ShiftStatus.PUBLISHED,
        )
        swap = ShiftSwap.objects.create(
            care_home=world.home,
            proposer=world.carer,
            proposer_shift=world.shift,
            colleague=world.nurse,
            colleague_shift=other_shift,
        )
        leave = LeaveRequest.objects.create(
            care_home=world.home,
            staff=world.carer,
            leave_type="annual",
            start_date=world.shift.date,
            end_date=world.shift.date,
            hours=6,
        )
        sickness = SicknessAbsence.objects.create(
            care_home=world.home, staff=world.nurse, start_date=world.shift.date, reason="other"
        )
        incident = Incident.objects.create(
            care_home=world.home,
            unit=world.unit,
            occurred_at=timezone.now() - timedelta(hours=1),
            category="fall",
            severity="low",
            description="A fall in the lounge.",
            reported_by=world.staff_user,
        )
        run = OptimiserRun.objects.create(
            care_home=world.home, start=world.shift.date, weeks=1, status="done"
        )
        run.units.set([world.unit])
    return {
        "run_id": run.pk,
        "unit_id": world.unit.pk,
        "home_id": world.home.pk,
        "shift_id": world.shift.pk,
        "staff_id": world.carer.pk,
        "booking_id": booking.pk,
        "swap_id": swap.pk,
        "leave_id": leave.pk,
        "answer": "accept",
        "request_id": leave.pk,
        "sickness_id": sickness.pk,
        "incident_id": incident.pk,
    }


# Keywords that are not ids: secret tokens are the key themselves (a calendar feed works
# for whoever holds its address, by design) and password-reset links carry their own proof.
NOT_IDS = {"uidb64", "token"}


def test_every_url_with_another_homes_ids_answers_404(client, home_a, home_b):
    """Walk every URL that names an object, as home B's people with home A's real ids.

    Staff pages (/my/...) are walked as home B's staff member, the rest as its manager;
    a page that only takes POST is posted to.
    """
    ids = _ids_of(home_a)
    checked = 0
    for route, _pattern, name in _project_patterns():
        names = re.findall(r"<(?:\w+:)?(\w+)>", route)
        if not names or NOT_IDS & set(names):
            continue
        missing = [n for n in names if n not in ids]
        assert not missing, f"add ids for {missing} to _ids_of so {route} is checked"
        visitor = home_b.staff_user if route.startswith("my/") else home_b.manager
        client.force_login(visitor)
        url = reverse(name, kwargs={n: ids[n] for n in names})
        response = client.get(url)
        if response.status_code == 405:
            response = client.post(url, {"action": "assign", "staff": home_a.carer.pk})
        assert response.status_code == 404, f"{url} answered {response.status_code}"
        checked += 1
    assert checked >= 15


def test_operational_manager_cannot_open_unassigned_unit_in_same_home(client, home_a):
    client.login(username=home_a.manager.username, password=PASSWORD)
    assert client.get(reverse("unit_rota", args=[home_a.unit.pk])).status_code == 200
    assert client.get(reverse("unit_rota", args=[home_a.other_unit.pk])).status_code == 404


def test_service_manager_sees_only_their_homes(client, home_a, home_b):
    manager = service_manager(home_a.home)
    client.login(username=manager.username, password=PASSWORD)
    page = client.get(reverse("unit_list")).content.decode()
    assert home_a.unit.name in page
    assert home_b.unit.name not in page
    assert client.get(reverse("unit_rota", args=[home_b.unit.pk])).status_code == 404


def test_head_of_service_sees_every_home(client, home_a, home_b, head_of_service):
    client.login(username=head_of_service.username, password=PASSWORD)
    page = client.get(reverse("unit_list")).content.decode()
    assert home_a.unit.name in page and home_b.unit.name in page
    assert client.get(reverse("unit_rota", args=[home_b.unit.pk])).status_code == 200


def test_staff_get_403_on_manager_pages(client, home_a):
    client.login(username=home_a.staff_user.username, password=PASSWORD)
    assert client.get(reverse("unit_list")).status_code == 403
    assert client.get(reverse("unit_rota", args=[home_a.unit.pk])).status_code == 403


def test_anonymous_users_are_sent_to_login(client, home_a):
    for url in (reverse("my_shifts"), reverse("unit_list"), reverse("unit_rota", args=[1])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_picking_another_homes_id_in_home_picker_is_404(client, home_a, home_b):
    client.login(username=home_b.manager.username, password=PASSWORD)
    assert client.get(reverse("unit_list"), {"home": home_a.home.pk}).status_code == 404
    response = client.get(reverse("unit_list"), {"home": "abc"})
    assert response.status_code == 200
    assert "Choose a care home from the list." in response.content.decode()


def test_withdrawn_unit_is_gone_on_the_next_request_despite_the_access_cache(client, home_a):
    """Access is cached per user; taking a unit away must still close it at once."""
    manager = f.operational_manager(home_a.unit, home_a.other_unit)
    client.force_login(manager)
    url = reverse("unit_rota", args=[home_a.other_unit.pk])
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200  # now from the cache
    with scopes_disabled():
        manager.managed_units.remove(home_a.other_unit)
    assert client.get(url).status_code == 404
    manager.role = Role.STAFF
    manager.save()
    assert client.get(reverse("unit_rota", args=[home_a.unit.pk])).status_code in (403, 404)
