"""Admins create tokens and see them once; revoking stops them at once."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from staffrota.accounts.models import Role
from staffrota.api.models import ApiToken
from staffrota.testing import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = f.user(role=Role.SYSTEM_ADMIN, is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


def test_admin_add_token_shows_it_once(admin_client, home_a):
    response = admin_client.post(
        reverse("admin:api_apitoken_add"),
        {
            "user": home_a.manager.pk,
            "name": "Payroll bureau",
            "kind": "integration",
            "scope": "read",
        },
        follow=True,
    )
    page = response.content.decode()
    token = ApiToken.objects.get(name="Payroll bureau")
    start = page.index(token.hint)
    raw = page[start : start + 47]
    assert "cannot be shown again" in page
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/me/").json()["token"] == "Payroll bureau"
    changed = admin_client.get(reverse("admin:api_apitoken_change", args=[token.pk]))
    assert raw not in changed.content.decode()


def test_admin_revoke_action_stops_token(admin_client, home_a, capsys):
    call_command("api_token", home_a.manager.username, "--scope", "write")
    raw = capsys.readouterr().out.strip()
    token = ApiToken.objects.get()
    admin_client.post(
        reverse("admin:api_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/me/").status_code == 401


def test_api_docs_page_loads_without_cdn(client, db):
    page = client.get("/api/v1/docs/").content.decode()
    assert "swagger-ui" in page
    assert "cdn" not in page.lower() and "https://" not in page
    assert "<style" not in page  # the CSP allows no inline style
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
