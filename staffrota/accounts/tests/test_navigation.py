"""The menu, drawn once per kind of person and page: the current page marked, and each
person given the menu of their own role."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _menu(page: str) -> str:
    return page[page.index('<ul class="navbar-nav') : page.index("</ul>")]


def test_the_current_page_is_marked_and_only_it(client, home_a):
    client.force_login(home_a.staff_user)
    menu = _menu(client.get(reverse("my_shifts")).content.decode())
    assert re.search(r'class="nav-link active" aria-current="page" href="/my/shifts/"', menu)
    assert menu.count("aria-current") == 1
    swaps = _menu(client.get(reverse("my_swaps")).content.decode())
    assert re.search(r'class="nav-link active" aria-current="page" href="/my/swaps/"', swaps)
    assert 'class="nav-link" href="/my/shifts/"' in swaps


def test_a_page_outside_the_menu_marks_nothing(client, home_a):
    client.force_login(home_a.manager)
    page = client.get(reverse("unit_rota", args=[home_a.unit.pk])).content.decode()
    assert "aria-current" not in _menu(page)


def test_each_person_gets_the_menu_of_their_role(client, home_a):
    client.force_login(home_a.manager)
    managers = _menu(client.get(reverse("vacancy_list")).content.decode())
    client.force_login(home_a.staff_user)
    staffs = _menu(client.get(reverse("my_shifts")).content.decode())
    assert "Vacancies" in managers and "My shifts" not in managers
    assert "My shifts" in staffs and "Vacancies" not in staffs
