"""Request counts per minute, shared by every web process through the cache.

Prometheus counters live in each process; the alert checks run on a worker and need the
whole site's numbers, so the middleware also adds each request to a per-minute bucket in
the cache. Buckets expire after two hours. With the in-process cache of a laptop run only
that process's requests are seen.

Each web process adds its requests up in memory and writes them to the cache at most once
a second (`request_note`; a server error at once), instead of one Redis round trip per
request: at 300 requests a second that round trip was a tenth of a cheap page's cost
(bench/load/README.md). The alert checks read whole minutes, so a second's delay changes
nothing they decide.
"""

import threading
import time
from dataclasses import dataclass

from django.core.cache import cache

BUCKET_TTL = 2 * 60 * 60
_FIELDS = ("count", "errors", "ms")


def _key(minute: int, field: str) -> str:
    return f"ops:req:{minute}:{field}"


def request_record(*, duration_seconds: float, error: bool, now: float | None = None) -> None:
    """Add one request to the cache's bucket at once (tests, and anything needing it now)."""
    minute = int((now if now is not None else time.time()) // 60)
    _write(
        {
            (minute, "count"): 1,
            (minute, "errors"): 1 if error else 0,
            (minute, "ms"): int(duration_seconds * 1000),
        }
    )


FLUSH_SECONDS = 1.0
_pending: dict[tuple[int, str], int] = {}
_pending_lock = threading.Lock()
_last_flush = 0.0


def request_note(*, duration_seconds: float, error: bool, now: float | None = None) -> None:
    """Add one request to this process's tally; written to the cache at most once a second."""
    global _last_flush
    now = now if now is not None else time.time()
    minute = int(now // 60)
    with _pending_lock:
        for field, amount in (
            ("count", 1),
            ("errors", 1 if error else 0),
            ("ms", int(duration_seconds * 1000)),
        ):
            _pending[minute, field] = _pending.get((minute, field), 0) + amount
        # A server error goes out at once: the alert on errors should not wait for traffic.
        if not error and now - _last_flush < FLUSH_SECONDS:
            return
        tally = dict(_pending)
        _pending.clear()
        _last_flush = now
    _write(tally)


def _write(tally: dict[tuple[int, str], int]) -> None:
    client = _redis_client()
    if client is not None:
        pipe = client.pipeline(transaction=False)
        for (minute, field), amount in tally.items():
            key = cache.make_and_validate_key(_key(minute, field))
            pipe.incrby(key, amount)
            pipe.expire(key, BUCKET_TTL)
        pipe.execute()
        return
    for (minute, field), amount in tally.items():
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
