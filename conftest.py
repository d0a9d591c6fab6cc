"""Test-wide settings: fast password hashing, real e-mail outbox, eager Celery."""

import pytest


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # MD5 only in tests: PBKDF2 at production cost would make login tests take seconds each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
