import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The rota's kept tables and labels are keyed by ids, and ids repeat between tests once
    # a test's rows roll back (SQLite): what one test kept must not reach the next.
    cache.clear()
    yield
    cache.clear()
