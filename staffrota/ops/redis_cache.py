"""Django's Redis cache, keeping one client per connection pool, and the commands every
page sends (GET, MGET, SET, and the API budget's INCR with EXPIRE) sent straight on a
connection.

Django's RedisCacheClient builds a new `redis.Redis` object for every cache call (about
170 response callbacks registered each time); with sessions, access, the rota table and
request statistics that is several per page view, close to a millisecond of CPU in the
load test's profile (bench/load/README.md). A client is a thin, thread-safe wrapper over
its pool, so one per pool is enough.

Even so, redis-py 8 runs about 140 Python calls around each command (retry wrapper,
observability hooks that record nothing unless configured, pool bookkeeping) for a
round trip whose own work is a dozen. GET, MGET and SET, the commands of every signed-in
page, the MSET of the cache versions every write replaces, and INCR are therefore written
and read directly on a connection this thread keeps (each thread has its own cache object
and pools, and a forked process opens its own). A connection that fails part-way is closed by
redis-py before the error reaches us, so no half-read reply is ever taken for the next
command's; a broken connection is retried once on a fresh one, as redis-py's default
retry would. Everything else goes through the client as before.
"""

import os
import threading

try:  # redis-py packs with hiredis when it is installed; the same function, called once
    from hiredis import pack_command as _hiredis_pack
except ImportError:  # pragma: no cover - hiredis is in requirements
    _hiredis_pack = None

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError as RedisResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError


class PooledClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}
        self._held = threading.local()

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._client(connection_pool=self._get_connection_pool(write))
            self._clients[index] = client
        return client

    def _connection(self, write: bool):
        """This thread's connection to the server for reads (or writes: the same one when
        one server takes both)."""
        index = self._get_connection_pool_index(write)
        held = self._held.__dict__
        entry = held.get(index)
        if entry is None or entry[0] != os.getpid():
            # After a fork the parent's connection is left alone: its socket is the parent's.
            entry = held[index] = (os.getpid(), self._get_connection_pool(write).make_connection())
        return entry[1]

    def _command(self, write: bool, *args):
        conn = self._connection(write)
        try:
            conn.send_packed_command(_packed(conn, (args,)))
            return conn.read_response()
        except (RedisConnectionError, RedisTimeoutError):
            # redis-py has closed it; the next send connects afresh.
            conn.send_packed_command(_packed(conn, (args,)))
            return conn.read_response()

    def _pipelined(self, write: bool, commands: tuple[tuple, ...]) -> list:
        """Several commands sent together and their replies read in one round trip, as
        redis-py's pipeline (without MULTI) does. Every reply is read before an error reply
        is raised, so none is left on the connection for the next command."""
        try:
            replies = self._send_and_read(self._connection(write), commands)
        except (RedisConnectionError, RedisTimeoutError):
            # redis-py has closed it; sent again, whole, on a fresh one (as its retry does).
            replies = self._send_and_read(self._connection(write), commands)
        for reply in replies:
            if isinstance(reply, RedisResponseError):
                raise reply
        return replies

    @staticmethod
    def _send_and_read(conn, commands) -> list:
        conn.send_packed_command(_packed(conn, commands))
        replies = []
        for _ in commands:
            try:
                replies.append(conn.read_response())
            except RedisResponseError as error:
                replies.append(error)
        return replies

    def incr_with_expiry(self, key: str, ttl: int) -> int:
        """Add one to the counter at `key` (made by the cache's key function) and set it to
        expire after `ttl` seconds; the new count. One round trip."""
        return self._pipelined(True, (("INCR", key), ("EXPIRE", key, ttl)))[0]

    def get(self, key, default):
        value = self._command(False, "GET", key)
        return default if value is None else self._serializer.loads(value)

    def get_many(self, keys):
        keys = list(keys)
        if not keys:
            return {}
        values = self._command(False, "MGET", *keys)
        loads = self._serializer.loads
        return {k: loads(v) for k, v in zip(keys, values, strict=True) if v is not None}

    def set(self, key, value, timeout):
        value = self._serializer.dumps(value)
        if timeout == 0:
            self._command(True, "DEL", key)
        elif timeout is None:
            self._command(True, "SET", key, value)
        else:
            self._command(True, "SET", key, value, "EX", int(timeout))

    def incr(self, key, delta):
        """As Django's: EXISTS (a missing key is a ValueError), then INCRBY. Sent directly:
        the leave cover's minimums count each forecast read this way, several times a
        request, and redis-py cost some 140 Python calls a command."""
        if not self._command(True, "EXISTS", key):
            raise ValueError(f"Key '{key}' not found.")
        return self._command(True, "INCRBY", key, delta)

    def set_many(self, data, timeout):
        """As Django's: MSET, and an EXPIRE for each key when there is a time-out, in one
        MULTI ... EXEC. Sent directly: every leave asked for or withdrawn and every fill
        replaces cache versions this way (four to ten times a write), and redis-py's
        transaction pipeline cost some 270 Python calls each."""
        dumps = self._serializer.dumps
        mset = ["MSET"]
        for key, value in data.items():
            mset += (key, dumps(value))
        commands = [("MULTI",), tuple(mset)]
        if timeout is not None:
            commands += [("EXPIRE", key, timeout) for key in data]
        commands.append(("EXEC",))
        # A command refused inside the transaction comes back in EXEC's reply, as
        # redis-py's pipeline raises it.
        for reply in self._pipelined(True, tuple(commands))[-1] or ():
            if isinstance(reply, Exception):
                raise reply


def _packed(conn, commands) -> list[bytes]:
    """`commands` in Redis's protocol, as redis-py's packer writes them: with hiredis, one
    C call for each (redis-py's own wrapper costs a dozen Python calls a command, for
    arguments that here are always str, bytes or int)."""
    if _hiredis_pack is None:
        return conn.pack_commands(commands)
    if len(commands) == 1:
        return [_hiredis_pack(commands[0])]
    return [b"".join([_hiredis_pack(command) for command in commands])]


class PooledClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = PooledClientRedisCacheClient

    def make_and_validate_key(self, key, version=None):
        # Django's check warns about keys memcached would refuse (spaces, over 250
        # characters), one character at a time; Redis takes any key.
        return self.make_key(key, version=version)
