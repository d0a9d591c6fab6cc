import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from staffrota.api.models import TokenKind, TokenScope
from staffrota.api.tokens import api_token_create


def bearer(user, scope=TokenScope.WRITE, kind=TokenKind.PERSONAL) -> APIClient:
    """A client sending a fresh token of `user` on every request."""
    _, raw = api_token_create(user=user, name="test", scope=scope, kind=kind)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def manager_api(home_a):
    return bearer(home_a.manager)


@pytest.fixture
def staff_api(home_a):
    return bearer(home_a.staff_user)


@pytest.fixture(autouse=True)
def _fresh_throttle_history():
    # Ids repeat between tests once their transactions roll back; so would throttle keys.
    cache.clear()
