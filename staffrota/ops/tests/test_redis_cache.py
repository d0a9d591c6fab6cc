"""The Redis cache keeps one client per pool and still behaves as Django's cache."""

import pytest
from django.conf import settings
from django.core.cache import cache

pytestmark = pytest.mark.skipif(
    not settings.REDIS_URL, reason="needs Redis: runs in the PostgreSQL + Redis pass of CI"
)


def test_one_client_serves_every_call_and_values_round_trip():
    client = cache._cache.get_client(write=True)
    cache.set("redis-cache-test", {"unit": 7, "vacancies": [1, 2]}, timeout=30)
    assert cache.get("redis-cache-test") == {"unit": 7, "vacancies": [1, 2]}
    assert cache.get_many(["redis-cache-test", "missing"]) == {
        "redis-cache-test": {"unit": 7, "vacancies": [1, 2]}
    }
    assert cache._cache.get_client(write=True) is client
    assert cache.delete("redis-cache-test") is True
    assert cache.get("redis-cache-test") is None
