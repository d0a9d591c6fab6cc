"""The Redis cache keeps one client per pool and still behaves as Django's cache."""

import pytest
from django.conf import settings
from django.core.cache import cache

pytestmark = pytest.mark.skipif(
    not settings.REDIS_URL, reason="needs Redis: runs in the PostgreSQL + Redis pass of CI"
)


def test_one_client_serves_every_call_and_values_round_trip():
    client = cache._cache.get_client(write=True)
    cache.set("redis-cache-test", {"unit": 7, "vacancies": [1, 2]}, timeout=30)
    assert cache.get("redis-cache-test") == {"unit": 7, "vacancies": [1, 2]}
    assert cache.get_many(["redis-cache-test", "missing"]) == {
        "redis-cache-test": {"unit": 7, "vacancies": [1, 2]}
    }
    assert cache._cache.get_client(write=True) is client
    assert cache.delete("redis-cache-test") is True
    assert cache.get("redis-cache-test") is None


def test_get_set_and_get_many_sent_directly_keep_djangos_meaning():
    cache.set("redis-cache-ttl", 1, timeout=30)
    cache.set("redis-cache-forever", 2, timeout=None)
    cache.set("redis-cache-gone", 3, timeout=30)
    cache.set("redis-cache-gone", 3, timeout=0)  # Django: a zero time-out deletes
    client = cache._cache.get_client(write=True)
    key = cache.make_key("redis-cache-ttl")
    assert 0 < client.ttl(key) <= 30
    assert client.ttl(cache.make_key("redis-cache-forever")) == -1
    assert cache.get("redis-cache-gone", "default") == "default"
    assert cache.get_many([]) == {}
    assert cache.get_many(["redis-cache-forever", "redis-cache-ttl"]) == {
        "redis-cache-forever": 2,
        "redis-cache-ttl": 1,
    }
    cache.delete_many(["redis-cache-ttl", "redis-cache-forever"])


def test_a_broken_connection_is_replaced_and_the_command_answered():
    cache.set("redis-cache-broken", "still here", timeout=30)
    conn = cache._cache._connection(False)
    conn._sock.close()  # as a Redis restart or an idle time-out leaves it
    assert cache.get("redis-cache-broken") == "still here"
    assert cache._cache._connection(False) is conn  # reconnected in place
    cache.delete("redis-cache-broken")


def test_an_error_reply_raises_and_leaves_the_connection_usable():
    from redis.exceptions import ResponseError

    client = cache._cache.get_client(write=True)
    client.lpush(cache.make_key("redis-cache-list"), "x")  # GET of a list is an error
    with pytest.raises(ResponseError):
        cache.get("redis-cache-list")
    cache.set("redis-cache-after", "fine", timeout=30)
    assert cache.get("redis-cache-after") == "fine"
    cache.delete_many(["redis-cache-list", "redis-cache-after"])


def test_another_process_opens_its_own_connection(monkeypatch):
    conn = cache._cache._connection(False)
    monkeypatch.setattr("staffrota.ops.redis_cache.os.getpid", lambda: -1)
    assert cache._cache._connection(False) is not conn


def test_incr_with_expiry_counts_and_sets_the_expiry_in_one_round_trip():
    key = cache.make_key("redis-cache-counter")
    backend = cache._cache
    assert backend.incr_with_expiry(key, 30) == 1
    assert backend.incr_with_expiry(key, 30) == 2
    client = backend.get_client(write=True)
    assert 0 < client.ttl(key) <= 30
    client.delete(key)


def test_an_error_reply_in_a_pipeline_is_raised_after_every_reply_is_read():
    from redis.exceptions import ResponseError

    key = cache.make_key("redis-cache-not-a-number")
    client = cache._cache.get_client(write=True)
    client.set(key, "abc")  # INCR of a non-number is an error; EXPIRE still answers
    with pytest.raises(ResponseError):
        cache._cache.incr_with_expiry(key, 30)
    assert 0 < client.ttl(key) <= 30  # the second command ran and its reply was read
    cache.set("redis-cache-after", "fine", timeout=30)
    assert cache.get("redis-cache-after") == "fine"  # no reply left over for this one
    client.delete(key)
    cache.delete("redis-cache-after")


def test_a_broken_connection_is_replaced_for_a_pipeline():
    key = cache.make_key("redis-cache-counter-broken")
    conn = cache._cache._connection(True)
    conn._sock.close()
    assert cache._cache.incr_with_expiry(key, 30) == 1
    cache._cache.get_client(write=True).delete(key)


def test_set_many_sent_directly_keeps_djangos_meaning():
    """Values and time-outs as Django's set_many leaves them (none: kept for good; zero:
    gone), in one transaction; a command refused inside it raises, and the connection
    then answers the next command."""
    from redis.exceptions import ResponseError

    client = cache._cache.get_client(write=True)
    cache.set_many({"redis-many-a": {"unit": 7}, "redis-many-b": 3}, timeout=30)
    cache.set_many({"redis-many-c": "forever"}, timeout=None)
    cache.set_many({"redis-many-d": 1}, timeout=0)
    assert cache.get_many(["redis-many-a", "redis-many-b", "redis-many-c", "redis-many-d"]) == {
        "redis-many-a": {"unit": 7},
        "redis-many-b": 3,
        "redis-many-c": "forever",
    }
    assert 0 < client.ttl(cache.make_key("redis-many-a")) <= 30
    assert 0 < client.ttl(cache.make_key("redis-many-b")) <= 30
    assert client.ttl(cache.make_key("redis-many-c")) == -1
    assert cache.incr("redis-many-b") == 4  # an int is stored as Django stores it
    with pytest.raises(ResponseError):
        cache._cache.set_many({cache.make_key("redis-many-e"): 1}, "soon")
    assert cache.get("redis-many-c") == "forever"
    cache.delete_many([f"redis-many-{k}" for k in "abcde"])


def test_incr_sent_directly_keeps_djangos_meaning():
    with pytest.raises(ValueError, match="not found"):
        cache.incr("redis-incr-missing")
    cache.set("redis-incr", 5, timeout=30)
    assert cache.incr("redis-incr") == 6
    assert cache.incr("redis-incr", 10) == 16
    assert cache.get("redis-incr") == 16
    assert cache.decr("redis-incr", 6) == 10
    cache.delete("redis-incr")
