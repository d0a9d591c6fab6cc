"""Dashboards: each shows only the user's scope, is cached, refreshes on change, and runs a
fixed number of queries whatever the amount of data."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from staffrota.conftest import build_home
from staffrota.dashboards.charts import Series, bar_chart, line_chart
from staffrota.leave.models import LeaveRequest, SicknessAbsence
from staffrota.rota.models import ShiftSource, ShiftStatus
from staffrota.rota.services import shift_create
from staffrota.testing import factories as f
from staffrota.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _get(client, name):
    response = client.get(reverse(f"dashboards:{name}"))
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_om_dashboard_shows_only_my_units(client, home_a, home_b, today):
    with scopes_disabled():
        LeaveRequest.objects.create(
            care_home=home_a.home,
            staff=home_a.nurse,
            leave_type="annual",
            start_date=today + timedelta(days=10),
            end_date=today + timedelta(days=12),
            hours=Decimal("36"),
        )
        SicknessAbsence.objects.create(
            care_home=home_b.home, staff=home_b.carer, start_date=today, reason="gastro"
        )
    client.login(username=home_a.manager.username, password=PASSWORD)
    page = _get(client, "om")
    assert home_a.unit.name in page
    assert home_a.other_unit.name not in page  # same home, not this manager's unit
    assert home_b.unit.name not in page and home_b.carer.full_name not in page
    assert home_a.nurse.full_name in page  # pending leave
    assert "Nobody is off sick today." in page


def test_sm_dashboard_shows_only_my_homes_and_is_closed_to_oms(client, home_a, home_b):
    manager = f.service_manager(home_a.home)
    client.login(username=manager.username, password=PASSWORD)
    page = _get(client, "sm")
    assert home_a.home.name in page and home_b.home.name not in page
    assert "Forecast accuracy (MAPE by month) will appear here" in page
    assert client.get(reverse("dashboards:hos")).status_code == 403
    client.login(username=home_a.manager.username, password=PASSWORD)
    assert client.get(reverse("dashboards:sm")).status_code == 403


def test_hos_dashboard_shows_every_home_with_readiness(client, home_a, home_b, head_of_service):
    client.login(username=head_of_service.username, password=PASSWORD)
    page = _get(client, "hos")
    assert home_a.home.name in page and home_b.home.name in page
    assert "Inspection readiness" in page
    assert "Capacity gaps (forecast care hours against hours planned) will appear here" in page


def test_staff_are_kept_off_dashboards(client, home_a):
    client.login(username=home_a.staff_user.username, password=PASSWORD)
    for name in ("om", "sm", "hos"):
        assert client.get(reverse(f"dashboards:{name}")).status_code == 403
    assert client.get(reverse("dashboards:index")).status_code == 302


def test_agency_cost_uses_the_default_role_rate(client, home_a, today):
    past = today - timedelta(days=today.day)  # last day of last month
    with scopes_disabled():
        shift_create(
            unit=home_a.unit,
            day=past,
            shift_type=home_a.early,
            job_role=home_a.carer.job_role,
            status=ShiftStatus.PUBLISHED,
            source=ShiftSource.AGENCY,
        )
    manager = f.service_manager(home_a.home)
    client.login(username=manager.username, password=PASSWORD)
    page = _get(client, "sm")
    # 6 hours at the carer's default agency rate of £22.00, with no booking rate to use.
    assert '£132</span><span class="kpi-label">Agency cost' in page


def _stats_queries(client, name) -> int:
    with CaptureQueriesContext(connection) as queries:
        _get(client, name)
    return len(queries)


def test_figures_are_cached_and_refreshed_when_data_changes(client, home_a, today):
    client.login(username=home_a.manager.username, password=PASSWORD)
    cold = _stats_queries(client, "om")
    warm = _stats_queries(client, "om")
    assert warm < cold
    page = _get(client, "om")
    before = re.search(r'kpi-value">(\d+)</span><span class="kpi-label">vacant', page).group(1)
    with scopes_disabled():
        shift_create(
            unit=home_a.unit,
            day=today + timedelta(days=3),
            shift_type=home_a.early,
            job_role=home_a.carer.job_role,
        )
    page = _get(client, "om")
    after = re.search(r'kpi-value">(\d+)</span><span class="kpi-label">vacant', page).group(1)
    assert int(after) == int(before) + 1


def _add_home_data(world, today, n):
    with scopes_disabled():
        for i in range(n):
            person = f.staff_member(world.unit, first_name=f"Extra{i}")
            shift_create(
                unit=world.unit,
                day=today - timedelta(days=2 + i),
                shift_type=world.early,
                job_role=person.job_role,
                staff=person,
                status=ShiftStatus.PUBLISHED,
            )


@pytest.mark.parametrize("name", ["om", "sm", "hos"])
def test_dashboard_query_count_is_constant_in_data_size(client, name, today):
    homes = [build_home("Alder")]
    user = f.user(role="hos")
    with scopes_disabled():
        user.managed_homes.set([homes[0].home])
        user.managed_units.set([homes[0].unit])
    user.role = {"om": "om", "sm": "sm", "hos": "hos"}[name]
    user.save()
    client.login(username=user.username, password=PASSWORD)
    from django.core.cache import cache

    cache.clear()
    one = _stats_queries(client, name)
    # Three times the homes (HOS sees them all), staff and shifts.
    homes += [build_home("Beech"), build_home("Cedar")]
    with scopes_disabled():
        user.managed_homes.set([w.home for w in homes])
        user.managed_units.set([w.unit for w in homes])
    for world in homes:
        _add_home_data(world, today, 3)
    cache.clear()
    three = _stats_queries(client, name)
    assert one == three


def test_charts_are_svg_without_script_or_inline_style():
    labels = ["Jan", "Feb"]
    svg = str(bar_chart("Cost", labels, [Series("A<b>", [1.0, 2.0])], "£"))
    svg += str(line_chart("Trend", labels, [Series("B", [None, 3.0])], "%"))
    assert svg.count("<svg") == 2
    assert "<script" not in svg and "style=" not in svg
    assert "A&lt;b&gt;" in svg  # labels are escaped


def test_hos_board_is_kept_rendered_until_a_home_changes(client, home_a, home_b, head_of_service):
    client.login(username=head_of_service.username, password=PASSWORD)
    _get(client, "hos")
    with CaptureQueriesContext(connection) as warm:
        first = _get(client, "hos")
    assert not any("rota_shift" in q["sql"] for q in warm.captured_queries)  # nothing computed
    staff = re.search(r'kpi-value">(\d+)</span><span class="kpi-label">staff', first).group(1)
    f.staff_member(home_b.unit, first_name="Newcomer")
    after = _get(client, "hos")
    now = re.search(r'kpi-value">(\d+)</span><span class="kpi-label">staff', after).group(1)
    assert int(now) == int(staff) + 1


def test_hos_capacity_gaps_name_the_home_and_are_not_kept_with_the_board(
    client, home_a, head_of_service, today
):
    from staffrota.forecasting.tests.test_forecasting import _store

    client.login(username=head_of_service.username, password=PASSWORD)
    assert "will appear here" in _get(client, "hos")
    _store(home_a.unit, history_end=today - timedelta(days=1), y_hat=20.0)  # no home change
    page = _get(client, "hos")
    assert "will appear here" not in page
    assert f"<td>{home_a.home.name}</td>" in page
