"""The page head and header kept per process: the same markup as the template draws, a
fresh CSRF token on each page, and a changed name or role on the next page."""

import re

import pytest
from django.middleware import csrf
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils.safestring import mark_safe

from staffrota.testing import factories as f
from staffrota.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _header(page: str) -> str:
    return page[page.index('<header class="site-header">') : page.index("</header>") + 9]


def test_the_kept_header_is_the_one_the_template_draws(client, home_a):
    client.login(username=home_a.manager.username, password=PASSWORD)
    page = client.get(reverse("unit_list")).content.decode()
    token = TOKEN.search(_header(page)).group(1)
    manager = home_a.manager
    menu = re.search(r'<ul class="navbar-nav[^>]*>\s*(.*?)\s*</ul>', page, re.S)
    drawn = render_to_string(
        "web/_page_header.html",
        {
            "signed_in": True,
            "nav_links": {
                "home": reverse("home"),
                "audit_log": reverse("audit_log"),
                "security": reverse("security_overview"),
                "logout": reverse("logout"),
            },
            "display_name": manager.get_full_name() or manager.username,
            "role_label": manager.get_role_display(),
            "manages": True,
            "nav_html": mark_safe(menu.group(1)),  # noqa: S308 - our own page's menu
            "csrf_token": token,
        },
    )
    assert _header(page) == drawn.removesuffix("\n")
    assert "Audit log" in _header(page)


def test_each_page_gets_its_own_token_and_the_log_out_form_accepts_it(home_a):
    client = Client(enforce_csrf_checks=True)
    client.login(username=home_a.staff_user.username, password=PASSWORD)
    first = TOKEN.search(client.get(reverse("my_shifts")).content.decode()).group(1)
    second = TOKEN.search(client.get(reverse("my_shifts")).content.decode()).group(1)
    assert first != second  # a fresh mask on every response
    secret = client.cookies[csrf.settings.CSRF_COOKIE_NAME].value
    assert csrf._unmask_cipher_token(first) == csrf._unmask_cipher_token(second) == secret
    response = client.post(reverse("logout"), {"csrfmiddlewaretoken": first})
    assert response.status_code == 302
    assert client.get(reverse("my_shifts")).status_code == 302  # signed out


def test_a_new_name_and_another_persons_header_show_on_the_next_page(client, home_a):
    client.login(username=home_a.staff_user.username, password=PASSWORD)
    assert "Signed in as </span>" in client.get(reverse("my_shifts")).content.decode()
    user = home_a.staff_user
    user.first_name, user.last_name = "Renata", "Renamed"
    user.save()
    page = client.get(reverse("my_shifts")).content.decode()
    assert "Renata Renamed · " in _header(page)
    other = f.staff_member(home_a.unit, "carer", first_name="Other", last_name="Person")
    client.login(username=other.user.username, password=PASSWORD)
    header = _header(client.get(reverse("my_shifts")).content.decode())
    assert "Other Person · " in header and "Renamed" not in header


def test_signed_out_pages_have_no_menu_and_no_token_in_the_header(client):
    page = client.get(reverse("login")).content.decode()
    header = _header(page)
    assert "Log out" not in header and "csrfmiddlewaretoken" not in header
    assert 'href="/">Staff Rota</a>' in header or f'href="{reverse("home")}"' in header
    assert '<link rel="stylesheet" href="/static/' in page and "htmx" in page
