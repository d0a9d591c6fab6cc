"""Kombu's Redis broker, publishing through one Redis client per channel.

Kombu's channel makes a new `redis.Redis` object for every message it publishes (the same
connection pool under it); making one registers some 170 response callbacks, about a
quarter of the 1,900 Python calls of publishing a job, and every leave asked for or
withdrawn publishes one. A client is a thin, thread-safe wrapper over its pool, so the
channel keeps the one it made until its pool is replaced (after a reconnection). The
messages, queues and commands are kombu's own.
"""

import kombu.transport
from kombu.transport import redis


class Channel(redis.Channel):
    _kept_client = None

    def _create_client(self, asynchronous=False):
        if asynchronous:  # the consumer's: made as kombu makes it
            return super()._create_client(asynchronous=True)
        kept = self._kept_client
        if kept is None or kept.connection_pool is not self.pool:
            kept = self._kept_client = super()._create_client()
        return kept


class Transport(redis.Transport):
    Channel = Channel


def register() -> None:
    """Make the "redis://" broker address mean this transport, in the web process and the
    worker alike (both import `staffrota.celery`)."""
    kombu.transport.TRANSPORT_ALIASES["redis"] = f"{__name__}:Transport"
    # kombu caches the class per name on first use; forget one resolved before this ran.
    kombu.transport._transport_cache.pop("redis", None)
