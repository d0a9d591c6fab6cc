"""The vacancy page read as plain rows: the same candidates, order, verdicts, costs and
markup as from the staff records and the template loop it replaced."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.template import engines
from django.urls import reverse
from django_scopes import scopes_disabled

from staffrota.organisation.models import UnitCover
from staffrota.rota import offers
from staffrota.rota.costs import CATEGORY_ORDER, shift_cost
from staffrota.rota.eligibility import check_candidates
from staffrota.rota.grid_html import candidate_rows
from staffrota.rota.models import VACANT, Shift, ShiftStatus
from staffrota.rota.services import shift_create
from staffrota.rota.vacancies import _vacancy_order, candidate_pool, vacancy_candidates
from staffrota.testing import factories as f

pytestmark = pytest.mark.django_db


def _published_vacancy(world, day, role="carer"):
    return shift_create(
        unit=world.unit,
        day=day,
        shift_type=world.early,
        job_role=f.job_role(role),
        status=ShiftStatus.PUBLISHED,
    )


def _crowd(world, day):
    """Contracted, bank, overtime, a cover from the other unit, a name with markup, two
    people of one name, someone with no name, someone gone and someone who may not."""
    f.staff_member(world.unit, "carer", contract_type="bank", last_name="Bank")
    part_time = f.staff_member(
        world.unit, "carer", contracted_hours=Decimal("6"), last_name="Parttime"
    )
    monday = day - timedelta(days=day.weekday())
    shift_create(
        unit=world.unit,
        day=monday if monday != day else monday + timedelta(days=1),
        shift_type=world.early,
        job_role=part_time.job_role,
        staff=part_time,
    )
    f.staff_member(world.unit, "senior", first_name="<b>Sam</b>", last_name="O'Brien & Co")
    f.staff_member(world.unit, "carer", first_name="Twin", last_name="Same")
    f.staff_member(world.unit, "carer", first_name="Twin", last_name="Same")
    f.staff_member(world.unit, "carer", first_name="", last_name="")
    f.staff_member(world.unit, "carer", last_name="Gone", left_on=day - timedelta(days=1))
    f.staff_member(
        world.unit, "carer", last_name="Lapsed", registration_expiry=day - timedelta(days=1)
    )
    visitor = f.staff_member(world.other_unit, "carer", last_name="Visitor")
    UnitCover.objects.create(care_home_id=world.home.pk, unit=world.unit, staff=visitor)
    f.staff_member(world.other_unit, "carer", last_name="Elsewhere")  # covers nothing here


def _reference(shift):
    """The candidates as the staff records and `check_candidates` give them."""
    pool = candidate_pool(shift)
    verdicts = check_candidates(shift, pool)
    found = []
    for member in pool:
        verdict = verdicts[member.pk]
        cost = shift_cost(
            category=verdict.source,
            hours=shift.paid_hours,
            staff=member,
            home=shift.care_home,
            role=shift.job_role,
        )
        found.append((member, verdict, cost))
    eligible = [entry for entry in found if entry[1].ok]
    eligible.sort(
        key=lambda e: (CATEGORY_ORDER[e[1].source], e[2], e[1].week_hours_before, e[0].full_name)
    )
    excluded = sorted((e for e in found if not e[1].ok), key=lambda e: e[0].full_name)
    return [
        (
            member.pk,
            member.full_name,
            member.user.first_name,
            member.job_role.name,
            verdict.source,
            cost,
            verdict.week_hours_before,
            verdict.ok,
            verdict.summary(),
        )
        for member, verdict, cost in eligible + excluded
    ]


def test_candidates_from_rows_are_those_of_the_staff_records(home_a, today):
    day = today + timedelta(days=9)
    with scopes_disabled():
        _crowd(home_a, day)
        vacancy = _published_vacancy(home_a, day)
        ranked = vacancy_candidates(vacancy)
        expected = _reference(vacancy)
    found = [
        (
            c.staff.pk,
            c.staff.full_name,
            c.staff.first_name,
            c.staff.role_name,
            c.category,
            c.cost,
            c.week_hours,
            c.eligible,
            c.verdict.summary(),
        )
        for c in ranked.eligible + ranked.excluded
    ]
    assert found == expected
    assert len(ranked.eligible) >= 6 and len(ranked.excluded) >= 1
    assert {"contracted", "bank", "overtime"} <= {c.category for c in ranked.eligible}


def test_a_slot_nobody_may_take_lists_nobody(home_a, today):
    with scopes_disabled():
        vacancy = _published_vacancy(home_a, today + timedelta(days=9), role="rn")
        vacancy.job_role.code = "none"  # a role no other covers
        ranked = vacancy_candidates(vacancy)
    assert ranked.eligible == [] and ranked.excluded == []


_TEMPLATE_LOOP = """{% for c in candidates.eligible %}
  <tr><td>{{ c.staff.full_name }}</td><td>{{ c.staff.role_name }}</td><td>{{ c.category|capfirst }}</td><td>{{ c.week_hours|floatformat:"-1" }}</td><td>£{{ c.cost }}</td>
    <td class="text-end"><form method="post" action="{{ action_url }}">{{ csrf }}
      <input type="hidden" name="action" value="assign"><input type="hidden" name="staff" value="{{ c.staff.pk }}">
      <input type="hidden" name="next" value="{{ list_url }}">
      <button class="btn btn-sm btn-success" type="submit">Assign {{ c.staff.first_name }}</button></form></td></tr>
  {% endfor %}"""  # noqa: E501 - the template's loop as it was, line for line


def test_the_candidate_rows_built_in_python_are_the_templates(home_a, today):
    from django.utils.safestring import mark_safe

    day = today + timedelta(days=9)
    with scopes_disabled():
        _crowd(home_a, day)
        ranked = vacancy_candidates(_published_vacancy(home_a, day))
    csrf = mark_safe('<input type="hidden" name="csrfmiddlewaretoken" value="t">')  # noqa: S308
    context = {"candidates": ranked, "action_url": "/a/?b&c", "list_url": "/v/", "csrf": csrf}
    expected = engines["django"].from_string(_TEMPLATE_LOOP).render(context)
    built = candidate_rows(ranked.eligible, action_url="/a/?b&amp;c", list_url="/v/", csrf=csrf)
    assert built == expected
    assert "&lt;b&gt;Sam&lt;/b&gt;" in built and "O&#x27;Brien &amp; Co" in built


def test_vacancy_page_shows_candidates_bookings_and_the_open_offer(client, home_a, today):
    day = today + timedelta(days=9)
    with scopes_disabled():
        _crowd(home_a, day)
        vacancy = _published_vacancy(home_a, day)
        ranked = vacancy_candidates(vacancy)
    client.force_login(home_a.manager)
    url = reverse("vacancy_detail", args=[vacancy.pk])
    page = client.get(url).content.decode()
    for c in ranked.eligible:
        assert f'name="staff" value="{c.staff.pk}"' in page
    # Each candidate's form carries the CSRF field.
    signed = re.findall(
        r'name="csrfmiddlewaretoken" value="[^"]+">\n      <input type="hidden" '
        r'name="action" value="assign">',
        page,
    )
    assert len(signed) == len(ranked.eligible)
    assert "Agency bookings" not in page and "Offered since" not in page
    with scopes_disabled():
        offers.offer_open_shift(shift=vacancy, actor=home_a.manager)
        offers.request_agency(
            shift=vacancy, agency="Care <Co>", hourly_rate="23.50", actor=home_a.manager
        )
    page = client.get(url).content.decode()
    assert "Agency bookings" in page and "Care &lt;Co&gt; · £23.50/h" in page
    assert "Offered since" in page


def test_another_homes_vacancy_is_not_found(client, home_a, home_b):
    client.force_login(home_a.manager)
    response = client.get(reverse("vacancy_detail", args=[home_b.vacancy.pk]))
    assert response.status_code == 404


def test_a_filled_shift_names_who_is_on_it(client, home_a):
    client.force_login(home_a.manager)
    page = client.get(reverse("vacancy_detail", args=[home_a.shift.pk])).content.decode()
    assert f"{home_a.carer.full_name} is on it" in page


def test_a_page_of_vacancies_read_as_rows_is_that_of_the_shifts(home_a, home_b, today):
    """Soonest first (then by unit name), with cover and minimum, page by page, across
    units and homes; cancelled shifts and agency cover left out."""
    from staffrota.rota.vacancies import open_vacancies, vacancy_page

    with scopes_disabled():
        carer = f.job_role("carer")
        f.requirement(home_a.unit, home_a.early, carer, 3, (today + timedelta(days=2)).weekday())
        for world in (home_a, home_b):
            for offset in (2, 2, 3, 9, 20):
                _published_vacancy(world, today + timedelta(days=offset))
        other = shift_create(
            unit=home_a.other_unit,
            day=today + timedelta(days=2),
            shift_type=home_a.early,
            job_role=carer,
            status=ShiftStatus.PUBLISHED,
        )
        gone = _published_vacancy(home_a, today + timedelta(days=4))
        gone.status = ShiftStatus.CANCELLED
        gone.save()
        shift_create(
            unit=home_a.unit,
            day=today + timedelta(days=2),
            shift_type=home_a.early,
            job_role=carer,
            staff=f.staff_member(home_a.unit, "carer", last_name="Cover"),
            status=ShiftStatus.PUBLISHED,
        )
        units = [home_a.unit.pk, home_a.other_unit.pk, home_b.unit.pk]
        expected = [v.as_row() for v in open_vacancies(unit_ids=units, start=today)]
        pages = [
            vacancy_page(unit_ids=units, start=today, page=number, per_page=4)
            for number in ("1", "2", "3", "4", "99", "x")
        ]
    assert len(expected) >= 11 and other.pk in {row.pk for row in expected}
    assert gone.pk not in {row.pk for row in expected}
    assert len(expected) <= 16 and pages[0].paginator.num_pages == -(-len(expected) // 4)
    assert [row for page in pages[:4] for row in page.object_list] == expected
    assert pages[4].number == pages[0].paginator.num_pages  # as Django's get_page
    assert pages[5].number == 1
    assert pages[0].paginator.count == len(expected)
    assert any(row.shortfall and row.covered for row in expected)


def _as_select_related_gives(shift):
    from staffrota.rota.models import Shift

    return Shift.objects.select_related(
        "care_home", "unit", "shift_type", "job_role", "staff__user", "staff__job_role"
    ).get(pk=shift.pk)


def _fields(instance):
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_a_shift_read_with_related_is_as_select_related_builds_it(home_a, home_b):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from staffrota.rota.queries import shift_with_related

    with scopes_disabled():
        for shift in (home_a.shift, home_a.vacancy):
            expected = _as_select_related_gives(shift)
            with CaptureQueriesContext(connection) as read:
                found = shift_with_related(shift.pk, unit_ids=[home_a.unit.pk, home_b.unit.pk])
                assert _fields(found) == _fields(expected)
                for name in ("care_home", "unit", "shift_type", "job_role"):
                    assert _fields(getattr(found, name)) == _fields(getattr(expected, name))
                if expected.staff is None:
                    assert found.staff is None
                else:
                    assert _fields(found.staff) == _fields(expected.staff)
                    assert _fields(found.staff.user) == _fields(expected.staff.user)
                    assert found.staff.job_role.code == expected.staff.job_role.code
                    assert found.staff.full_name == home_a.carer.full_name
            assert len(read) == 1  # nothing read lazily afterwards
            assert not found._state.adding
        assert shift_with_related(home_a.shift.pk, unit_ids=[home_b.unit.pk]) is None
        assert shift_with_related(home_a.shift.pk).pk == home_a.shift.pk
        assert shift_with_related(10**9) is None


def test_the_vacancy_index_holds_exactly_the_vacant_shifts():
    """The partial index's condition is VACANT's: were they to drift apart, PostgreSQL
    could no longer answer the vacancy lists from the index."""
    index = next(i for i in Shift._meta.indexes if i.name == "shift_vacant_date")
    assert index.condition == VACANT


def test_postgresql_answers_the_vacancy_order_from_the_index_alone(home_a, today):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite has no index-only scans to check")
    with scopes_disabled():
        _published_vacancy(home_a, today + timedelta(days=3))
        queryset = _vacancy_order(
            units=[home_a.unit.pk], start=today, end=today + timedelta(days=27)
        )
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            # A few rows in a test database: the planner would rightly read the table.
            # What is checked is that the list's WHERE fits the index's condition and
            # its columns, so that a big table is never read for it.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using shift_vacant_date" in plan, plan
