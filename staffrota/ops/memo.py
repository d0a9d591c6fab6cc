"""Things a web process works out once and reuses (page fragments, kept SQL, labels).

Each store is a plain dict emptied when it reaches its size, so keys that come and go
(versions, days) cannot make it grow without bound. Under the web server's threads two
threads may work the same value out at once (both results are equal) and one may empty
the store while another writes: `keep` returns the value it was given, never reads it
back, so that is harmless.
"""

from collections.abc import Hashable
from typing import Any


class ProcessMemo:
    def __init__(self, most: int):
        self._items: dict = {}
        self._most = most

    def get(self, key: Hashable, default: Any = None) -> Any:
        return self._items.get(key, default)

    def keep(self, key: Hashable, value: Any) -> Any:
        """Store `value` under `key` (starting again when full) and return it."""
        if len(self._items) >= self._most:
            self._items.clear()
        self._items[key] = value
        return value

    def __len__(self) -> int:
        return len(self._items)
