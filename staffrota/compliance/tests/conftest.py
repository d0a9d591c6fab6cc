import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Dashboard figures are cached per home id; ids repeat between tests on SQLite.
    cache.clear()
    yield
    cache.clear()
