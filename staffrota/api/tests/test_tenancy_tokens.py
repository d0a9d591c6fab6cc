"""The tenancy wall for token requests, which the middleware cannot scope by itself."""

import re

import pytest
from django.urls import reverse

from staffrota.accounts.tests.test_tenancy import _ids_of, _project_patterns
from staffrota.api.authentication import TenantScopedMixin
from staffrota.api.tests.conftest import bearer

pytestmark = pytest.mark.django_db


def _api_routes():
    for route, pattern, _name in _project_patterns():
        if route.startswith("api/v1/") and pattern.name and "schema" not in route:
            yield route, pattern


def test_every_api_url_with_another_homes_ids_answers_404_to_token(home_a, home_b):
    ids = _ids_of(home_a)
    client = bearer(home_b.manager)
    checked = 0
    for route, pattern in _api_routes():
        names = re.findall(r"<(?:\w+:)?(\w+)>", route)
        if not names:
            continue
        url = reverse(pattern.name, kwargs={n: ids[n] for n in names})
        response = client.get(url)
        if response.status_code == 405:
            response = client.post(url, {"reason": "test"}, format="json")
        assert response.status_code == 404, f"{url} answered {response.status_code}"
        checked += 1
    assert checked >= 6


def test_every_api_view_opens_the_tenant_scope():
    exempt = {"SpectacularAPIView", "SpectacularSwaggerSplitView"}  # no home data
    for route, pattern in _api_routes():
        view = getattr(pattern.callback, "view_class", None)
        if view is None or view.__name__ in exempt:  # a plain view (ping) reads nothing
            continue
        assert issubclass(view, TenantScopedMixin), f"{route} ({view.__name__})"


def test_token_request_for_own_ids_answers_200(home_a):
    client = bearer(home_a.manager)
    for url in (
        reverse("api_home", args=[home_a.home.pk]),
        reverse("api_unit", args=[home_a.unit.pk]),
        reverse("api_staff", args=[home_a.carer.pk]),
        reverse("api_shift", args=[home_a.shift.pk]),
    ):
        assert client.get(url).status_code == 200, url
