"""The staff pages' kept parts built from plain reads when there is nothing to show
(rota/self_service.py): the same HTML and entries as built from the person's record."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django_scopes import scope, scopes_disabled

from staffrota.organisation.models import StaffMember
from staffrota.rota import grid_cache
from staffrota.rota.models import ShiftStatus
from staffrota.rota.offers import open_shift_units, open_shifts_for
from staffrota.rota.services import shift_create

pytestmark = pytest.mark.django_db


def _record(staff_id):
    return StaffMember.objects.select_related("user", "job_role", "home_unit").get(pk=staff_id)


def test_the_swap_entry_without_swaps_is_the_one_built_from_the_record(home_a, home_b, today):
    with scopes_disabled():
        home_a.early.name = 'Early <"long"> & late'
        home_a.early.save()
        for n in (3, 5):
            shift_create(
                unit=home_a.unit,
                day=today + timedelta(days=n),
                shift_type=home_a.early,
                job_role=home_a.carer.job_role,
                staff=home_a.carer,
                status=ShiftStatus.PUBLISHED,
            )
    entries = {}
    for person in (home_a.carer, home_a.nurse):
        with scope(care_home=[home_a.home.pk]):
            cache.clear()
            kept = grid_cache._swap_mine(
                staff_id=person.pk,
                home_id=home_a.home.pk,
                staff=lambda person=person: _record(person.pk),
                today=today,
            )
            record = _record(person.pk)
            built = grid_cache._swap_mine_render(staff=record, today=today)
        built.update(
            unit_id=record.home_unit_id,
            role_id=record.job_role_id,
            unit_home_id=record.home_unit.care_home_id,
        )
        assert kept == built
        entries[person.pk] = kept
    assert entries[home_a.carer.pk]["mine"].count("&lt;&quot;long&quot;&gt; &amp; late") == 3
    assert entries[home_a.nurse.pk]["mine"] == ""


def test_the_open_shifts_with_nothing_offered_are_the_templates_empty_list(home_a, today):
    with scope(care_home=[home_a.home.pk]):
        cache.clear()
        html = grid_cache.open_shifts_html(
            staff_id=home_a.carer.pk,
            home_id=home_a.home.pk,
            staff=lambda: _record(home_a.carer.pk),
            today=today,
        )
        record = _record(home_a.carer.pk)
        expected = str(
            render_to_string(
                "rota/_open_shift_list.html",
                {
                    "shifts": open_shifts_for(record, today=today, units=open_shift_units(record)),
                    "csrf_placeholder": mark_safe(grid_cache.CSRF_PLACEHOLDER),  # noqa: S308
                },
            )
        ).strip()
    assert html == expected
    assert "No open shifts you can take right now." in html
