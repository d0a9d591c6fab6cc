"""The Redis broker publishes through one client per channel, the messages kombu's own."""

import pytest
from django.conf import settings
from kombu import Connection, Queue

from staffrota.ops import redis_broker

pytestmark = pytest.mark.skipif(
    not settings.REDIS_URL, reason="needs Redis: runs in the PostgreSQL + Redis pass of CI"
)


def test_a_channel_publishes_every_message_through_one_client():
    queue = Queue("staffrota-test-broker", routing_key="staffrota-test-broker")
    with Connection(settings.REDIS_URL) as connection:
        channel = connection.default_channel
        assert isinstance(channel, redis_broker.Channel)
        producer = connection.Producer()
        bound = queue(channel)
        bound.declare()
        bound.purge()
        producer.publish({"n": 1}, routing_key=queue.routing_key, declare=[queue])
        kept = channel._kept_client
        producer.publish({"n": 2}, routing_key=queue.routing_key)
        assert channel._kept_client is kept
        channel._pool = None  # as a reconnection leaves it: a new pool, a new client
        producer.publish({"n": 3}, routing_key=queue.routing_key)
        assert channel._kept_client is not kept
        assert channel._kept_client.connection_pool is channel.pool
        got = [bound.get(no_ack=True) for _ in range(4)]
        assert [message.payload for message in got[:3]] == [{"n": 1}, {"n": 2}, {"n": 3}]
        assert got[3] is None
        bound.delete()


def test_celery_publishes_through_this_transport():
    from staffrota.celery import app

    if not app.conf.broker_url.startswith("redis://"):
        pytest.skip("the broker of this run is not Redis")
    with app.connection_for_write() as connection:
        assert isinstance(connection.default_channel, redis_broker.Channel)
