"""The vacancy list, cached per set of units: reused while nothing changes, shown afresh after
a vacancy is filled or made vacant again, a minimum or a name changes, and never given to a
manager who sees other units."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from staffrota.leave.models import LeaveRequest, LeaveStatus
from staffrota.rota.models import ShiftStatus
from staffrota.rota.services import shift_create
from staffrota.testing import factories as f

pytestmark = pytest.mark.django_db


def _list(client, **params) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("vacancy_list"), params)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def _table(page: str) -> str:
    return page[page.index("<tbody>") : page.index("</tbody>")]


def _fills(page: str) -> int:
    return page.count("Fill…")


def _published_vacancy(world, day):
    with scopes_disabled():
        return shift_create(
            unit=world.unit,
            day=day,
            shift_type=world.early,
            job_role=world.carer.job_role,
            status=ShiftStatus.PUBLISHED,
        )


def test_second_view_reuses_the_list(client, home_a):
    client.force_login(home_a.manager)
    first, first_queries = _list(client)
    second, second_queries = _list(client)
    assert second_queries < first_queries
    assert _table(second) == _table(first)
    assert _fills(second) == 1


def test_filling_a_vacancy_and_making_it_vacant_again_show_at_once(client, home_a, today):
    """The load test's manager write: fill from the list, then undo it."""
    vacancy = _published_vacancy(home_a, today + timedelta(days=5))
    client.force_login(home_a.manager)
    before, _ = _list(client)
    action = reverse("shift_action", args=[vacancy.pk])
    filled = client.post(
        action, {"action": "assign", "staff": home_a.carer.pk, "next": reverse("vacancy_list")}
    )
    assert filled.status_code == 302
    after_fill, _ = _list(client)
    undone = client.post(
        action, {"action": "unassign", "reason": "undo", "next": reverse("vacancy_list")}
    )
    assert undone.status_code == 302
    after_undo, _ = _list(client)
    assert _fills(after_fill) == _fills(before) - 1
    assert _fills(after_undo) == _fills(before)


def test_a_new_minimum_shows_at_once(client, home_a):
    client.force_login(home_a.manager)
    before, _ = _list(client)
    with scopes_disabled():
        f.requirement(home_a.unit, home_a.night, f.job_role("rn"), 1, home_a.vacancy.date.weekday())
    after, _ = _list(client)
    assert "1 short" not in before
    assert "1 short" in after


def test_a_renamed_home_shows_on_a_list_across_homes(client, home_a, home_b):
    client.force_login(f.service_manager(home_a.home, home_b.home))
    before, _ = _list(client)
    with scopes_disabled():
        home_a.home.name = "Ashgrove Renamed"
        home_a.home.save()
    after, _ = _list(client)
    assert "Ashgrove Renamed" not in _table(before)
    assert "Ashgrove Renamed" in _table(after)


def test_another_homes_manager_never_gets_this_list(client, home_a, home_b):
    client.force_login(home_a.manager)
    ours, _ = _list(client)
    theirs_client = Client()
    theirs_client.force_login(home_b.manager)
    theirs, _ = _list(theirs_client)
    assert home_a.unit.name in _table(ours) and home_b.unit.name not in _table(ours)
    assert home_b.unit.name in _table(theirs) and home_a.unit.name not in _table(theirs)


def test_a_manager_of_other_units_in_the_same_home_gets_their_own_list(client, home_a, today):
    with scopes_disabled():
        shift_create(
            unit=home_a.other_unit,
            day=today + timedelta(days=3),
            shift_type=home_a.early,
            job_role=home_a.carer.job_role,
            status=ShiftStatus.PUBLISHED,
        )
    client.force_login(home_a.manager)
    ours, _ = _list(client)
    other = Client()
    other.force_login(f.operational_manager(home_a.other_unit))
    theirs, _ = _list(other)
    assert home_a.unit.name in _table(ours) and home_a.other_unit.name not in _table(ours)
    assert home_a.other_unit.name in _table(theirs) and home_a.unit.name not in _table(theirs)


def test_leave_asked_for_keeps_the_list_which_shows_no_leave(client, home_a, today):
    """Staff ask for and withdraw leave all day; that alone must not rebuild the list."""
    client.force_login(home_a.manager)
    _list(client)
    _, cached_queries = _list(client)
    with scopes_disabled():
        LeaveRequest.objects.create(
            care_home=home_a.home,
            staff=home_a.carer,
            leave_type="annual",
            start_date=home_a.shift.date,
            end_date=home_a.shift.date,
            hours=6,
            status=LeaveStatus.PENDING,
        )
    _, after_queries = _list(client)
    assert after_queries == cached_queries


def _select(page: str) -> str:
    return page[page.index('<select name="unit"') : page.index("</select>")]


def test_the_unit_filter_is_kept_per_set_of_units_and_shows_a_rename(client, home_a, home_b):
    wide = f.operational_manager(home_a.unit, home_a.other_unit)
    client.force_login(wide)
    before = _select(_list(client)[0])
    narrow = Client()
    narrow.force_login(home_a.manager)
    only_one = _select(_list(narrow)[0])
    elsewhere = Client()
    elsewhere.force_login(home_b.manager)
    other_home = _select(_list(elsewhere)[0])
    with scopes_disabled():
        home_a.other_unit.name = "Juniper"
        home_a.other_unit.save()
    after = _select(_list(client)[0])
    assert home_a.other_unit.pk and f'value="{home_a.other_unit.pk}"' in before
    assert f'value="{home_a.other_unit.pk}"' not in only_one
    assert f'value="{home_a.unit.pk}"' in only_one
    assert f'value="{home_a.unit.pk}"' not in other_home
    assert f'value="{home_b.unit.pk}"' in other_home
    assert "Juniper" not in before and "Juniper" in after
    # Filtered, the chosen unit is selected (the bound form is rendered as before).
    chosen = _select(_list(client, unit=home_a.unit.pk)[0])
    assert f'value="{home_a.unit.pk}" selected' in chosen


_TEMPLATE_LOOP = """{% for v in vacancies %}
  <tr>
    <td>{{ v.shift.date|date:"D j M" }} {{ v.shift.starts_at|time:"H:i" }}</td>
    <td>{{ v.shift.unit.name }}{% if many_homes %} <span class="text-body-secondary small">{{ v.shift.unit.care_home.name }}</span>{% endif %}</td><td>{{ v.shift.shift_type.name }}</td><td>{{ v.shift.job_role.name }}</td>
    <td>{{ v.covered }}/{{ v.minimum }}</td>
    <td>{% if v.shortfall %}<span class="badge text-bg-danger">{{ v.shortfall }} short</span>{% else %}<span class="text-body-secondary">at minimum</span>{% endif %}</td>
    <td class="text-end"><a class="btn btn-sm btn-primary" href="{% url 'vacancy_detail' v.shift.pk %}">Fill…</a></td>
  </tr>
  {% endfor %}"""  # noqa: E501 - the template's loop as it was, line for line


def test_the_rows_built_in_python_are_the_templates(home_a, today):
    """Names with markup in them, a short slot and one at minimum, one home and several."""
    from django.template import engines

    from staffrota.rota.grid_html import vacancy_rows
    from staffrota.rota.vacancies import open_vacancies

    with scopes_disabled():
        home_a.home.name = 'Ash <grove> & "Co"'
        home_a.home.save()
        home_a.unit.name = "Rowan's <b>"
        home_a.unit.save()
        f.requirement(home_a.unit, home_a.early, f.job_role("carer"), 3, today.weekday())
        for offset in (0, 7, 8):
            _published_vacancy(home_a, today + timedelta(days=offset))
        vacancies = open_vacancies(unit_ids=[home_a.unit.pk], start=today)
    assert len(vacancies) >= 4
    assert {bool(v.shortfall) for v in vacancies} == {True, False}
    template = engines["django"].from_string(_TEMPLATE_LOOP)
    for many_homes in (False, True):
        expected = template.render({"vacancies": vacancies, "many_homes": many_homes})
        assert str(vacancy_rows(vacancies, many_homes=many_homes)) == expected


def test_a_list_back_as_it_was_after_a_fill_and_undo_is_not_rendered_again(
    client, home_a, today, monkeypatch
):
    from staffrota.rota import grid_html

    vacancy = _published_vacancy(home_a, today + timedelta(days=5))
    _published_vacancy(home_a, today + timedelta(days=6))
    client.force_login(home_a.manager)
    before, _ = _list(client)
    rendered = []
    real = grid_html.vacancy_rows
    monkeypatch.setattr(
        grid_html, "vacancy_rows", lambda rows, **kw: rendered.append(1) or real(rows, **kw)
    )
    action = reverse("shift_action", args=[vacancy.pk])
    client.post(action, {"action": "assign", "staff": home_a.carer.pk})
    after_fill, _ = _list(client)
    assert len(rendered) == 1 and _fills(after_fill) == _fills(before) - 1
    client.post(action, {"action": "unassign", "reason": "undo"})
    after_undo, _ = _list(client)
    assert len(rendered) == 1  # the table of before, kept by what it shows
    assert _table(after_undo) == _table(before)


def test_the_fingerprint_of_a_page_changes_with_anything_it_shows(home_a, today):
    from staffrota.rota.vacancies import page_fingerprint, vacancy_page

    _published_vacancy(home_a, today + timedelta(days=5))
    with scopes_disabled():
        page = vacancy_page(unit_ids=[home_a.unit.pk], start=today, page=1)
        again = vacancy_page(unit_ids=[home_a.unit.pk], start=today, page=1)
    digest = page_fingerprint(page, many_homes=False, unit_value="")
    assert page_fingerprint(again, many_homes=False, unit_value="") == digest
    assert page_fingerprint(page, many_homes=True, unit_value="") != digest
    assert page_fingerprint(page, many_homes=False, unit_value="7") != digest
    first = page.object_list[0]
    again.object_list = [first._replace(covered=first.covered + 1), *page.object_list[1:]]
    assert page_fingerprint(again, many_homes=False, unit_value="") != digest
    again.object_list = [first._replace(unit_name="Elsewhere"), *page.object_list[1:]]
    assert page_fingerprint(again, many_homes=False, unit_value="") != digest
