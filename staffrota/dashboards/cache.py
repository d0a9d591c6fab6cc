"""Dashboard figures kept in Django's cache per home, refreshed when that home's data changes.

Each home has a version token in the cache; a home's figures are stored under a key that
includes its token and the day. Any save or delete of the rows the figures come from
replaces the token (see `signals`), so the next reader recomputes: nothing is ever served
from before a change. The time-out is a backstop for writes that bypass signals
(`bulk_create`, `update()`): call `stats_invalidate` after those.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from datetime import date

from django.core.cache import cache

from staffrota.dashboards.stats import HomeStats, home_stats_compute

STATS_TIMEOUT = 30 * 60
_VERSION = "dash:ver:{}"
_STATS = "dash:home:{}:{}:{}"


def stats_invalidate(home_ids: Iterable[int]) -> None:
    """Forget the cached figures of these homes."""
    ids = [home_id for home_id in home_ids if home_id is not None]
    if ids:
        cache.set_many({_VERSION.format(h): uuid.uuid4().hex for h in ids}, timeout=None)


def _versions(ids: list[int]) -> dict[int, str]:
    """Each home's current version token, made where missing: one round trip (two if new)."""
    version_keys = {h: _VERSION.format(h) for h in ids}
    versions = cache.get_many(list(version_keys.values()))
    fresh = {}
    for key in version_keys.values():
        if key not in versions:
            fresh[key] = versions[key] = uuid.uuid4().hex
    if fresh:
        cache.set_many(fresh, timeout=None)
    return {h: versions[version_keys[h]] for h in ids}


def stats_token(home_ids: Iterable[int], today: date) -> str:
    """A key for anything made only from these homes' figures on this day (a rendered
    dashboard): it changes whenever any of the homes' data does."""
    ids = sorted(set(home_ids))
    versions = _versions(ids)
    text = today.isoformat() + ";" + ";".join(f"{h}:{versions[h]}" for h in ids)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def home_stats_many(home_ids: Iterable[int], today: date) -> dict[int, HomeStats]:
    """Figures for each home, from the cache where current, computed together where not."""
    ids = list(dict.fromkeys(home_ids))
    if not ids:
        return {}
    versions = _versions(ids)
    keys = {h: _STATS.format(h, versions[h], today.isoformat()) for h in ids}
    found = cache.get_many(list(keys.values()))
    stats = {h: found[keys[h]] for h in ids if keys[h] in found}
    missing = [h for h in ids if h not in stats]
    if missing:
        computed = home_stats_compute(missing, today)
        cache.set_many({keys[h]: computed[h] for h in computed}, timeout=STATS_TIMEOUT)
        stats.update(computed)
    return {h: stats[h] for h in ids if h in stats}
