"""Kombu's file-system broker with atomic writes: the no-server broker of `dev.py run`.

Kombu's own transport creates the message file in the folder the worker reads and then
writes into it. Its lock is advisory and the reader does not take it, so a worker polling at
that moment can move away an empty file and die on a JSONDecodeError (seen once in a test
run on a busy machine). Here the message is written under a name the reader ignores and then
renamed into place, which is atomic on one file system: the reader sees a whole message or
none. In production the broker is Redis and this module is not used.
"""

import os
import uuid
from time import monotonic

import kombu.transport
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        # The reader takes only names ending in ".<queue>.msg"; ".part" is skipped.
        partial = final + ".part"
        try:
            with open(partial, "wb") as message:
                message.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise filesystem.ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel


def register() -> None:
    """Make the "filesystem://" broker address mean this transport, in the web process and
    the worker alike (both import `staffrota.celery`). An address naming another broker
    (Redis in production, or a test pointing at an unreachable one) is left alone."""
    kombu.transport.TRANSPORT_ALIASES["filesystem"] = f"{__name__}:Transport"
    # kombu caches the class per name on first use; forget one resolved before this ran.
    kombu.transport._transport_cache.pop("filesystem", None)
