"""A kept page: its versions and the entry in one round trip, rebuilt after any change."""

import pytest
from django.core.cache import cache

from staffrota.rota.grid_cache import kept, rota_changed, version_keys


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


def test_a_kept_value_is_built_once_until_one_of_its_versions_changes():
    built = []
    keys = version_keys(units=[7], homes=[3])

    def build():
        built.append(1)
        return f"page {len(built)}"

    assert kept(keys, "test:kept:page", build) == "page 1"
    assert kept(keys, "test:kept:page", build) == "page 1"
    rota_changed(unit_ids=[7])
    assert kept(keys, "test:kept:page", build) == "page 2"
    rota_changed(home_ids=[99])  # another home: nothing of this page
    assert kept(keys, "test:kept:page", build) == "page 2"
    rota_changed(everywhere=True)
    assert kept(keys, "test:kept:page", build) == "page 3"


def test_a_read_of_a_kept_value_is_one_round_trip(monkeypatch):
    keys = version_keys(people=[5], homes=[3])
    kept(keys, "test:kept:mine", lambda: "mine")
    calls, depth = [], [0]

    def counting(name, real):
        def call(*args, **kwargs):
            if depth[0] == 0:  # a backend's get_many may call its own get: one trip
                calls.append(name)
            depth[0] += 1
            try:
                return real(*args, **kwargs)
            finally:
                depth[0] -= 1

        return call

    for name in ("get", "get_many", "set", "set_many"):
        monkeypatch.setattr(cache, name, counting(name, getattr(cache, name)))
    assert kept(keys, "test:kept:mine", lambda: "rebuilt") == "mine"
    assert calls == ["get_many"]


def test_an_evicted_version_never_matches_an_old_entry():
    keys = version_keys(units=[8])
    assert kept(keys, "test:kept:evicted", lambda: "before") == "before"
    cache.delete_many(keys)  # as an LRU eviction would
    assert kept(keys, "test:kept:evicted", lambda: "after") == "after"
