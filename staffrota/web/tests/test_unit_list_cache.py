"""The list of a manager's units, cached per set of units: a renamed unit or home shows at
once, and a manager of other units never gets this list."""

import pytest
from django.test import Client
from django.urls import reverse
from django_scopes import scopes_disabled

from staffrota.testing import factories as f

pytestmark = pytest.mark.django_db


def _units(client, **params) -> str:
    response = client.get(reverse("unit_list"), params)
    assert response.status_code == 200
    page = response.content.decode()
    return page[page.index("</form>") :]


def test_a_renamed_unit_and_home_show_at_once(client, home_a):
    client.force_login(home_a.manager)
    before = _units(client)
    with scopes_disabled():
        home_a.unit.name = "Willow"
        home_a.unit.save()
    renamed_unit = _units(client)
    with scopes_disabled():
        home_a.home.name = "Ashgrove Court"
        home_a.home.save()
    renamed_home = _units(client)
    assert "Willow" not in before and "Willow" in renamed_unit
    assert "Ashgrove Court" not in renamed_unit and "Ashgrove Court" in renamed_home


def test_each_manager_gets_the_list_of_their_own_units(client, home_a, home_b):
    client.force_login(home_a.manager)
    ours = _units(client)
    other_unit = Client()
    other_unit.force_login(f.operational_manager(home_a.other_unit))
    same_home = _units(other_unit)
    other_home = Client()
    other_home.force_login(home_b.manager)
    theirs = _units(other_home)
    assert home_a.unit.name in ours and home_a.other_unit.name not in ours
    assert home_a.other_unit.name in same_home and home_a.unit.name not in same_home
    assert home_b.unit.name in theirs and home_a.unit.name not in theirs


def test_narrowing_to_one_home_is_its_own_list(client, home_a, home_b):
    client.force_login(f.service_manager(home_a.home, home_b.home))
    both = _units(client)
    one = _units(client, home=home_b.home.pk)
    assert home_a.unit.name in both and home_b.unit.name in both
    assert home_b.unit.name in one and home_a.unit.name not in one
