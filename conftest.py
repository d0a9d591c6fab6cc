"""Test-wide settings: fast password hashing, real e-mail outbox, eager Celery."""

import pytest

from staffrota.celery import app as celery_app


def pytest_configure(config):
    # Jobs run inline in tests unless a test starts a real worker (see notifications tests).
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # MD5 only in tests: PBKDF2 at production cost would make login tests take seconds each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(scope="session", autouse=True)
def _cache_of_an_earlier_run_forgotten():
    # Each run makes a new test database whose ids start again from 1, while a Redis cache
    # outlives the run: pages kept for unit 1 of an earlier run, under versions it also
    # kept, would be served to this one. (Many tests clear the cache too, which on Redis
    # empties the whole database: tests need a Redis database of their own.)
    from django.core.cache import caches

    for cache in caches.all(initialized_only=False):
        cache.clear()
