"""Request counts per minute, shared by every web process through the cache.

Prometheus counters live in each process; the alert checks run on a worker and need the
whole site's numbers, so the middleware also adds each request to a per-minute bucket in
the cache (Redis in production: one round trip per request). Buckets expire after two
hours. With the in-process cache of a laptop run only that process's requests are seen.
"""

import time
from dataclasses import dataclass

from django.core.cache import cache

BUCKET_TTL = 2 * 60 * 60
_FIELDS = ("count", "errors", "ms")


def _key(minute: int, field: str) -> str:
    return f"ops:req:{minute}:{field}"


def request_record(*, duration_seconds: float, error: bool, now: float | None = None) -> None:
    minute = int((now if now is not None else time.time()) // 60)
    values = {"count": 1, "errors": 1 if error else 0, "ms": int(duration_seconds * 1000)}
    client = _redis_client()
    if client is not None:
        pipe = client.pipeline(transaction=False)
        for field, amount in values.items():
            key = cache.make_and_validate_key(_key(minute, field))
            pipe.incrby(key, amount)
            pipe.expire(key, BUCKET_TTL)
        pipe.execute()
        return
    for field, amount in values.items():
        if not amount:
            continue
        key = _key(minute, field)
        if not cache.add(key, amount, BUCKET_TTL):
            try:
                cache.incr(key, amount)
            except ValueError:  # expired between add and incr
                cache.add(key, amount, BUCKET_TTL)


def _redis_client():
    backend = getattr(cache, "_cache", None)
    if backend is None or not hasattr(backend, "get_client"):
        return None
    return backend.get_client(write=True)


@dataclass(frozen=True)
class Window:
    requests: int
    errors: int
    total_ms: int

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0

    @property
    def mean_seconds(self) -> float:
        return self.total_ms / self.requests / 1000 if self.requests else 0.0


def window(*, minutes: int = 15, now: float | None = None) -> Window:
    """Totals over the last `minutes` whole minutes plus the current one."""
    current = int((now if now is not None else time.time()) // 60)
    keys = [_key(m, f) for m in range(current - minutes, current + 1) for f in _FIELDS]
    raw = cache.get_many(keys)
    totals = dict.fromkeys(_FIELDS, 0)
    for key, value in raw.items():
        totals[key.rsplit(":", 1)[1]] += int(value)
    return Window(requests=totals["count"], errors=totals["errors"], total_ms=totals["ms"])
