"""Cached reads of each unit's latest forecast (Redis in production), and the hit rate.

A unit's latest forecast is cached whole, as plain data, until the next forecast for the
unit is stored (the store forgets the key after its transaction commits). Hits and misses
are counted twice: a Prometheus counter per process for /metrics, and two counters in the
cache itself so every process's page can show the same hit rate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.core.cache import cache
from prometheus_client import Counter

CACHE_READS = Counter(
    "staffrota_forecast_cache_reads",
    "Reads of a unit's stored forecast, by whether the cache answered (hit) or not (miss).",
    ["result"],
)

TIMEOUT = 8 * 24 * 3600  # a week between retrains, and a day to spare
_KEY = "forecast:unit:{}:v1"
_STAT = "forecast:cache:{}"
_NONE = "none"  # cached "this unit has no forecast yet", so such pages do not query either


@dataclass(frozen=True)
class Day:
    date: date
    y_hat: float
    lo80: float
    hi80: float
    lo95: float
    hi95: float


@dataclass(frozen=True)
class StoredForecast:
    """A unit's latest forecast as plain data: what pages, dashboards and raisers read."""

    id: int
    unit_id: int
    engine: str
    engine_version: str
    requested_engine: str
    created_at: datetime
    history_end: date | None
    history_days: int
    fallback: bool
    notes: tuple[str, ...]
    baseline_by_weekday: tuple[float | None, ...]
    days: tuple[Day, ...]

    def day(self, when: date) -> Day | None:
        if not self.days:
            return None
        offset = (when - self.days[0].date).days
        if 0 <= offset < len(self.days):
            return self.days[offset]
        return None


def _load(unit_id: int) -> StoredForecast | None:
    from staffrota.forecasting.models import UnitForecast

    row = UnitForecast.objects.filter(unit_id=unit_id).prefetch_related("days").first()
    if row is None:
        return None
    return StoredForecast(
        id=row.pk,
        unit_id=unit_id,
        engine=row.engine,
        engine_version=row.engine_version,
        requested_engine=row.requested_engine,
        created_at=row.created_at,
        history_end=row.history_end,
        history_days=row.history_days,
        fallback=row.fallback,
        notes=tuple(row.note_lines),
        baseline_by_weekday=tuple(row.baseline_by_weekday or ()),
        days=tuple(Day(d.date, d.y_hat, d.lo80, d.hi80, d.lo95, d.hi95) for d in row.days.all()),
    )


def _count(result: str) -> None:
    CACHE_READS.labels(result=result).inc()
    key = _STAT.format(result)
    try:
        cache.incr(key)
    except ValueError:  # not there yet (or evicted): start it
        cache.add(key, 0, timeout=None)
        cache.incr(key)


def forecast_latest(unit_id: int) -> StoredForecast | None:
    """The unit's newest stored forecast, from the cache when it holds it.

    The caller must already have checked the user may see the unit; on a miss the row is
    read through the scoped manager, so an active scope is needed.
    """
    key = _KEY.format(unit_id)
    found = cache.get(key)
    if found is not None:
        _count("hit")
        return None if found == _NONE else found
    _count("miss")
    stored = _load(unit_id)
    cache.set(key, _NONE if stored is None else stored, timeout=TIMEOUT)
    return stored


def forecast_cache_forget(unit_ids: Iterable[int]) -> None:
    cache.delete_many([_KEY.format(unit_id) for unit_id in unit_ids])


@dataclass(frozen=True)
class CacheStats:
    hits: int
    misses: int

    @property
    def reads(self) -> int:
        return self.hits + self.misses

    @property
    def hit_rate(self) -> float | None:
        return self.hits / self.reads if self.reads else None


def cache_stats() -> CacheStats:
    """Hits and misses of forecast reads across every process sharing the cache."""
    values = cache.get_many([_STAT.format("hit"), _STAT.format("miss")])
    return CacheStats(
        hits=int(values.get(_STAT.format("hit"), 0)),
        misses=int(values.get(_STAT.format("miss"), 0)),
    )
