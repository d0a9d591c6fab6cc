"""Every view needs login; the role matrix; CSRF enforced; security headers everywhere."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from staffrota.accounts.models import Role
from staffrota.testing.factories import PASSWORD, service_manager, user

pytestmark = pytest.mark.django_db

# Views anyone may open: logging in, resetting a password, and what monitors fetch.
PUBLIC = {
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "healthz",
    "metrics",
    # The API's schema, its docs page and the load test's trivial view (issue 9).
    "api_schema",
    "api_docs",
    "api_ping",
}


def _patterns(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith("admin/"):
                continue  # the admin site guards itself (checked in the matrix below)
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _patterns(entry, route, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield route, f"{namespace}{entry.name}"


def _url(name, route, world):
    ids = {
        "unit_id": world.unit.pk,
        "home_id": world.home.pk,
        "shift_id": world.shift.pk,
        "staff_id": world.carer.pk,
        "user_id": world.staff_user.pk,
        "uidb64": "MQ",
        "token": "set-password",
    }
    names = re.findall(r"<(?:\w+:)?(\w+)>", route)
    return reverse(name, kwargs={n: ids.get(n, 1) for n in names})


def _all_urls(world):
    return [(name, _url(name, route, world)) for route, name in _patterns()]


def _token_authenticated(name: str) -> bool:
    # A link carrying its own secret (a password reset, a calendar feed for a phone) is
    # its own credential: a wrong token must show nothing, which is a 404 or a redirect.
    route = next(route for route, n in _patterns() if n == name)
    return "<token>" in route or ":token>" in route


def test_every_view_needs_login_except_the_public_ones(client, home_a):
    checked = 0
    for name, url in _all_urls(home_a):
        if name in PUBLIC:
            continue
        allowed = (302, 404, 405) if _token_authenticated(name) else (302, 405)
        if name.startswith("api_"):
            allowed = (401,)  # the API answers JSON with a Bearer challenge, not a redirect
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code in allowed, f"{method} {url}: {response.status_code}"
            if response.status_code == 401:
                assert response["WWW-Authenticate"].startswith("Bearer"), url
            if response.status_code == 302:
                assert response["Location"].startswith(reverse("login")), url
        checked += 1
    assert checked >= 8


def test_public_views_answer_without_login(client, db):
    for name in ("login", "password_reset", "healthz", "metrics"):
        assert client.get(reverse(name)).status_code == 200, name


@pytest.fixture
def personas(home_a, home_b):
    return {
        "staff": home_a.staff_user,
        "om": home_a.manager,
        "sm": service_manager(home_a.home),
        "hos": user(role=Role.HEAD_OF_SERVICE),
        "admin": user(role=Role.SYSTEM_ADMIN, is_staff=True, is_superuser=True),
        "other_home_om": home_b.manager,
    }


# url name -> expected status for: staff, om, sm, hos, admin, other home's om
MATRIX = {
    "home": (302, 302, 302, 302, 302, 302),
    "my_shifts": (200, 200, 200, 200, 200, 200),
    "unit_list": (403, 200, 200, 200, 200, 200),
    "unit_rota": (403, 200, 200, 200, 200, 404),
    "audit_log": (403, 200, 200, 200, 200, 200),
    "security_overview": (200, 200, 200, 200, 200, 200),
    "my_data_download": (200, 200, 200, 200, 200, 200),
    "two_factor_backup_codes": (200, 200, 200, 200, 200, 200),
    "admin:index": (302, 302, 302, 302, 200, 302),
    "admin:audit_auditentry_changelist": (302, 302, 302, 302, 200, 302),
    "admin:accounts_user_personal_data": (302, 302, 302, 302, 200, 302),
    "healthz": (200, 200, 200, 200, 200, 200),
    "metrics": (200, 200, 200, 200, 200, 200),
}
ROLES = ("staff", "om", "sm", "hos", "admin", "other_home_om")


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix_each_role_gets_the_expected_status(client, personas, home_a, role):
    client.force_login(personas[role])
    args = {
        "unit_rota": [home_a.unit.pk],
        "admin:accounts_user_personal_data": [home_a.staff_user.pk],
    }
    column = ROLES.index(role)
    got = {name: client.get(reverse(name, args=args.get(name, []))).status_code for name in MATRIX}
    expected = {name: statuses[column] for name, statuses in MATRIX.items()}
    assert got == expected


def test_csrf_is_enforced_on_login_logout_and_forms(home_a):
    client = Client(enforce_csrf_checks=True)
    assert (
        client.post(
            reverse("login"), {"username": home_a.staff_user.username, "password": PASSWORD}
        ).status_code
        == 403
    )
    client.force_login(home_a.staff_user)
    for name in ("logout", "consent_update", "two_factor_disable"):
        assert client.post(reverse(name)).status_code == 403, name
    page = client.get(reverse("security_overview"))
    token = page.context["csrf_token"]
    response = client.post(
        reverse("consent_update"),
        {"purpose": "photo", "given": "1", "csrfmiddlewaretoken": str(token)},
    )
    assert response.status_code == 302


def _assert_headers(response, url):
    assert "default-src 'self'" in response["Content-Security-Policy"], url
    assert response["X-Frame-Options"] == "DENY", url
    assert response["X-Content-Type-Options"] == "nosniff", url
    assert response["Referrer-Policy"] == "same-origin", url
    assert response["X-Request-ID"], url


def test_security_headers_are_on_every_response(home_a):
    anonymous, admin = Client(), Client()
    admin.force_login(user(role=Role.SYSTEM_ADMIN, is_staff=True, is_superuser=True))
    checked = 0
    for who in (anonymous, admin):
        for _, url in _all_urls(home_a) + [("x", "/no/such/page/"), ("x", "/admin/")]:
            _assert_headers(who.get(url), url)
            checked += 1
    assert checked > 20
