"""The budget counter under concurrency: every request counted once, none on the same count."""

from concurrent.futures import ThreadPoolExecutor

from staffrota.api.throttling import _count


def test_requests_at_once_each_get_their_own_count():
    key = "test:throttle:concurrent"
    with ThreadPoolExecutor(max_workers=8) as pool:
        counts = list(pool.map(lambda _: _count(key, ttl=60), range(200)))
    # DRF's list-of-times throttle reads, appends and writes back: two requests at once
    # could both see the same count and both pass. Each count here is handed out once.
    assert sorted(counts) == list(range(1, 201))
