"""API budgets: requests counted per client and fixed window in the shared cache.

DRF's SimpleRateThrottle keeps a list of request times per client and reads and writes the
whole list back on every request: two cache round trips, a pickled list as long as the
budget, and two requests at once can both pass on the same count. Here each window of the
rate's period is one counter, incremented atomically (Redis INCR with its expiry in the
same round trip), so concurrent requests are counted exactly and a request costs one
small round trip. A window that starts fresh can follow a full one: at most twice the
rate across a window boundary, the usual trade of a fixed-window counter.
"""

import time

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.throttling import BaseThrottle

from staffrota.api.models import ApiToken


class WindowCountThrottle(BaseThrottle):
    scope = ""

    def get_rate(self) -> str:
        raise NotImplementedError

    def get_cache_key(self, request, view) -> str | None:
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        allowed, period = _parse_rate(self.get_rate())
        now = time.time()
        window = int(now // period)
        self._wait = (window + 1) * period - now
        return _count(f"throttle:{key}:{period}:{window}", ttl=period + 1) <= allowed

    def wait(self) -> float:
        return self._wait


def _count(key: str, ttl: int) -> int:
    """Add one to the counter under `key` and return it; the counter expires after `ttl`."""
    client = _redis_client(key)
    if client is None:  # the embedded cache of a single-process install
        cache.add(key, 0, timeout=ttl)
        return cache.incr(key)
    name = cache.make_and_validate_key(key)
    backend = caches["default"]._cache
    if hasattr(backend, "incr_with_expiry"):
        # Written on a connection directly (ops.redis_cache): the same two commands in one
        # round trip, without redis-py's ~100 Python calls of pipeline machinery.
        return backend.incr_with_expiry(name, ttl)
    pipe = client.pipeline(transaction=False)
    pipe.incr(name)
    pipe.expire(name, ttl)
    count, _ = pipe.execute()
    return count


def _redis_client(key: str):
    """The Redis client behind the default cache, or None for another kind of cache."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None
    return backend._cache.get_client(key, write=True)


def _parse_rate(rate: str) -> tuple[int, int]:
    """DRF's rate strings: "1200/min" is 1,200 requests a 60-second window."""
    number, period = rate.split("/")
    return int(number), {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[0]]


class ClientRateThrottle(WindowCountThrottle):
    """A budget per token (each integration its own), or per user signed in on the web."""

    scope = "client"

    def get_rate(self):
        return settings.API_THROTTLE_RATE  # read each time so settings can change in tests

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            return f"token_{request.auth.pk}"
        if request.user and request.user.is_authenticated:
            return f"user_{request.user.pk}"
        return None


class AnonymousRateThrottle(WindowCountThrottle):
    scope = "anonymous"

    def get_rate(self):
        return settings.API_ANON_THROTTLE_RATE

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        return f"anon_{self.get_ident(request)}"
