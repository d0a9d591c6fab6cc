"""A manager's list of one unit's shifts is joined from the unit's weeks kept for every
manager who sees the unit (api/shift_weeks.py): the same JSON and pages as the query gives,
a change in a week shown on the next request, and never another home's shifts."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from staffrota.api.tests.conftest import bearer
from staffrota.rota.models import Shift, ShiftStatus
from staffrota.rota.services import shift_assign, shift_create
from staffrota.testing import factories as f

pytestmark = pytest.mark.django_db


def _week_of_shifts(world, first, days: int):
    """Two shifts a day from `first`: an early (held every other day) and a vacant night,
    drafts and published."""
    with scopes_disabled():
        for n in range(days):
            day = first + timedelta(days=n)
            held = world.carer if n % 2 == 0 else None
            for shift_type, person in ((world.early, held), (world.night, None)):
                shift_create(
                    unit=world.unit,
                    day=day,
                    shift_type=shift_type,
                    job_role=world.carer.job_role,
                    staff=person,
                    status=ShiftStatus.PUBLISHED if n % 3 else ShiftStatus.DRAFT,
                )


def _get(client, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/shifts/", params)
    assert response.status_code == 200, response.content
    return response.json(), len(queries)


def test_the_kept_weeks_give_what_the_query_gives(home_a, home_b, today):
    """The same pages (count, links, rows and their order) as the list filtered in the
    database: asked with a filter the weeks do not serve (`vacant=`) for the reference."""
    first = today + timedelta(days=10)
    _week_of_shifts(home_a, first, 16)
    _week_of_shifts(home_b, first, 16)
    client = bearer(home_a.manager)
    for start, days, pages in (
        (first + timedelta(days=2), 7, "12"),
        (first, 16, "123"),
        (today, 1, "1"),
        (first, 93, "1234"),
    ):
        for page in pages:
            params = {
                "unit": home_a.unit.pk,
                "date_from": str(start),
                "date_to": str(start + timedelta(days=days - 1)),
                "page_size": "10",
                "page": page,
            }
            got, _ = _get(client, **params)
            # Either vacant or not: both lists together are the reference, by id.
            whole = {**params, "page_size": "500", "page": "1"}
            vacant, _ = _get(client, **whole, vacant="true")
            held, _ = _get(client, **whole, vacant="false")
            everything = sorted(
                vacant["results"] + held["results"], key=lambda s: (s["starts_at"], s["id"])
            )
            first_row = (int(page) - 1) * 10
            assert got["count"] == len(everything)
            assert got["results"] == everything[first_row : first_row + 10]
            assert {s["home"] for s in got["results"]} <= {home_a.home.pk}
            assert (got["next"] is not None) == (first_row + 10 < len(everything))
            assert (got["previous"] is not None) == (page != "1")
            if got["next"]:
                assert f"page={int(page) + 1}" in got["next"]


def test_a_change_in_one_week_shows_and_leaves_the_other_weeks_kept(home_a, today):
    first = today + timedelta(days=14 - today.weekday())  # a Monday two weeks on
    _week_of_shifts(home_a, first, 14)
    client = bearer(home_a.manager)
    week_one = {
        "unit": home_a.unit.pk,
        "date_from": str(first),
        "date_to": str(first + timedelta(6)),
    }
    second_monday = first + timedelta(days=7)
    week_two = {
        "unit": home_a.unit.pk,
        "date_from": str(second_monday),
        "date_to": str(second_monday + timedelta(days=6)),
    }
    _get(client, **week_one)
    _get(client, **week_two)
    with scopes_disabled():
        vacancy = Shift.objects.get(unit=home_a.unit, date=second_monday, shift_type=home_a.early)
        shift_assign(shift=vacancy, staff=home_a.carer, actor=home_a.manager)
    after_two, _ = _get(client, **week_two)
    assert {s["id"]: s["staff"] for s in after_two["results"]}[vacancy.pk] == home_a.carer.pk
    # The first week's page and its week were kept: no query reads shifts again.
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v1/shifts/", week_one)
    assert not [q for q in queries.captured_queries if "rota_shift" in q["sql"]]


def test_another_manager_of_the_unit_reads_the_kept_weeks(home_a, today):
    """A service manager (every unit of the home) asks for the weeks an operational
    manager's request read: their page is their own, the weeks are shared."""
    first = today + timedelta(days=3)
    _week_of_shifts(home_a, first, 7)
    params = {"unit": home_a.unit.pk, "date_from": str(first), "date_to": str(first + timedelta(6))}
    ours, _ = _get(bearer(home_a.manager), **params)
    service = f.service_manager(home_a.home)
    with CaptureQueriesContext(connection) as queries:
        theirs = bearer(service).get("/api/v1/shifts/", params).json()
    assert theirs == ours
    assert not [q for q in queries.captured_queries if "rota_shift" in q["sql"]]


def test_the_kept_weeks_never_reach_another_homes_manager(home_a, home_b, today):
    first = today + timedelta(days=3)
    _week_of_shifts(home_a, first, 7)
    params = {"unit": home_a.unit.pk, "date_from": str(first), "date_to": str(first + timedelta(6))}
    ours, _ = _get(bearer(home_a.manager), **params)
    theirs, _ = _get(bearer(home_b.manager), **params)
    other_unit, _ = _get(bearer(home_a.manager), **{**params, "unit": home_a.other_unit.pk})
    assert ours["count"] == 14
    assert theirs["count"] == 0
    assert other_unit["count"] == 0


def test_a_week_read_again_writes_changed_rows_afresh_and_keeps_the_others(
    home_a, today, monkeypatch
):
    """After a fill the week is read again: the filled shift, and a shift whose note or
    times changed, are written out anew; every other row's JSON is the one kept, and the
    page is the one the serializer gives."""
    from staffrota.api.views import shifts as shift_views

    first = today + timedelta(days=14 - today.weekday())  # a Monday two weeks on
    _week_of_shifts(home_a, first, 7)
    client = bearer(home_a.manager)
    week = {
        "unit": home_a.unit.pk,
        "date_from": str(first),
        "date_to": str(first + timedelta(days=6)),
        "page_size": "100",
    }
    before, _ = _get(client, **week)
    written = []
    real = shift_views.shift_json

    def recording(row):
        written.append(row[0])
        return real(row)

    monkeypatch.setattr(shift_views, "shift_json", recording)
    with scopes_disabled():
        vacancy = Shift.objects.filter(unit=home_a.unit, date=first, staff__isnull=True).get()
        relief = f.staff_member(home_a.unit, "carer", first_name="Rae", last_name="Relief")
        shift_assign(shift=vacancy, staff=relief, actor=home_a.manager)
        noted = Shift.objects.filter(unit=home_a.unit, date=first + timedelta(days=3)).first()
        noted.note = "Handover at 8"
        noted.starts_at += timedelta(minutes=30)
        noted.save()
    after, _ = _get(client, **week)
    assert sorted(written) == sorted([vacancy.pk, noted.pk])
    changed = {s["id"]: s for s in after["results"]}
    assert changed[vacancy.pk]["staff"] == relief.pk
    assert changed[noted.pk]["note"] == "Handover at 8"
    assert after["count"] == before["count"] == 14
    # The reference: the serializer over the rows the query gives (a filter the weeks do
    # not serve).
    vacant, _ = _get(client, **week, vacant="true")
    held, _ = _get(client, **week, vacant="false")
    reference = sorted(vacant["results"] + held["results"], key=lambda s: (s["starts_at"], s["id"]))
    assert after["results"] == reference


def test_the_weeks_kept_read_holds_to_the_managers_units(home_a, home_b, today):
    """The week's rows are read (through kept SQL) among the manager's units only, as
    `shifts_visible` limits them: the rows the ORM gives, and none of a unit not theirs."""
    from staffrota.api import shift_weeks
    from staffrota.api.views.shifts import _SHIFT_COLUMNS, shift_json
    from staffrota.rota.kept_sql import kept_rows

    first = today + timedelta(days=3)
    _week_of_shifts(home_a, first, 7)
    reader = shift_weeks._week_reader(_SHIFT_COLUMNS)
    assert shift_weeks._week_reader(tuple(_SHIFT_COLUMNS)) is reader  # one SQL kept
    span = {"first": first, "last": first + timedelta(days=6)}
    with scopes_disabled():
        for units in ([home_a.unit.pk], [home_b.unit.pk], [home_b.unit.pk, home_a.unit.pk]):
            values = {"units": units, "unit": home_a.unit.pk, **span}
            for _ in range(2):
                assert kept_rows(reader, **values) == list(reader(**values))
        theirs = shift_weeks.unit_shifts_json(
            [home_b.unit.pk, home_a.other_unit.pk],
            unit_id=home_a.unit.pk,
            home_ids=[home_b.home.pk],
            columns=_SHIFT_COLUMNS,
            to_json=shift_json,
            **span,
        )
        ours = shift_weeks.unit_shifts_json(
            [home_a.other_unit.pk, home_a.unit.pk],
            unit_id=home_a.unit.pk,
            home_ids=[home_a.home.pk],
            columns=_SHIFT_COLUMNS,
            to_json=shift_json,
            **span,
        )
    assert theirs == []
    assert len(ours) == 14 and {s["unit"] for s in ours} == {home_a.unit.pk}
