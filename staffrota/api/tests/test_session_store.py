"""SESSION_STORE: sessions in Redis only when asked, and never without Redis."""

import os
import subprocess
import sys

from django.conf import settings


def _settings_with(**env) -> subprocess.CompletedProcess:
    code = "import staffrota.settings as s; print(getattr(s, 'SESSION_ENGINE', 'default'))"
    environment = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "SESSION_STORE"}}
    return subprocess.run(  # noqa: S603 (our own interpreter and settings)
        [sys.executable, "-c", code],
        env={**environment, **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )


def test_session_store_cache_uses_redis_sessions():
    done = _settings_with(SESSION_STORE="cache", REDIS_URL="redis://127.0.0.1:6379/15")
    # Django's cache sessions, read with the signed-in user in one round trip.
    assert done.stdout.strip() == "staffrota.accounts.sessions"
    from django.contrib.sessions.backends.cache import SessionStore as DjangoCacheSessions

    from staffrota.accounts.sessions import SessionStore

    assert issubclass(SessionStore, DjangoCacheSessions)


def test_session_store_cache_without_redis_refuses_to_start():
    done = _settings_with(SESSION_STORE="cache")
    assert done.returncode != 0
    assert "needs REDIS_URL" in done.stderr
