"""The no-server broker writes each message whole before a worker can see it."""

from queue import Empty

import pytest
from kombu import Connection

from staffrota.ops.filesystem_broker import Transport


def _connection(folder):
    return Connection(
        "filesystem://",
        transport=Transport,
        transport_options={"data_folder_in": str(folder), "data_folder_out": str(folder)},
    )


def test_a_message_is_renamed_into_place_and_read_back(tmp_path):
    with _connection(tmp_path) as connection:
        channel = connection.default_channel
        channel._put("celery", {"body": "hello"})
        names = [path.name for path in tmp_path.iterdir()]
        assert len(names) == 1 and names[0].endswith(".celery.msg")
        assert channel._get("celery") == {"body": "hello"}


def test_a_message_still_being_written_is_not_taken(tmp_path):
    (tmp_path / "1_abc.celery.msg.part").write_bytes(b"")  # a writer mid-way
    with _connection(tmp_path) as connection, pytest.raises(Empty):
        connection.default_channel._get("celery")
    assert (tmp_path / "1_abc.celery.msg.part").exists()


def test_the_default_broker_address_uses_the_atomic_transport():
    from staffrota.celery import app

    with Connection("filesystem://", transport_options=app.conf.broker_transport_options) as c:
        assert c.transport_cls == "filesystem"
        assert isinstance(c.transport, Transport)
