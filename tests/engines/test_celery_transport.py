"""A worker that loses Redis while a task runs keeps going (cms/celery_transport.py)."""

from unittest import mock

import pytest
from django.conf import settings

from cms.celery_transport import QoS


def test_closing_a_lost_connection_with_a_task_in_flight_is_not_fatal(caplog):
    channel = mock.Mock()
    # What kombu 5.7 raises when it puts unacknowledged messages back through the dropped connection.
    channel.conn_or_acquire.side_effect = AttributeError("'NoneType' object has no attribute 'hostname'")
    qos = QoS(channel)
    qos._delivered["tag-1"] = mock.Mock()

    qos.restore_unacked()

    assert not qos._delivered
    assert "1 unacknowledged task(s)" in caplog.text


@pytest.mark.parametrize("settle", ["ack", "reject"])
def test_settling_a_finished_task_after_the_connection_was_lost_is_not_fatal(settle, caplog):
    channel = mock.Mock()
    # What kombu 5.7 raises when the task finishes after the consumer dropped the connection.
    channel.conn_or_acquire.side_effect = AttributeError("'NoneType' object has no attribute 'client'")
    qos = QoS(channel)
    qos._delivered["tag-1"] = mock.Mock()

    getattr(qos, settle)("tag-1")
    qos._flush()

    assert not qos._delivered  # out of the prefetch count: the worker takes new messages again
    assert "Redis redelivers it" in caplog.text


def test_other_errors_are_still_kombus_to_raise():
    channel = mock.Mock()
    channel.conn_or_acquire.side_effect = RuntimeError("something else")
    qos = QoS(channel)
    qos._delivered["tag-1"] = mock.Mock()
    with pytest.raises(RuntimeError):
        qos.restore_unacked()
    with pytest.raises(RuntimeError):
        qos.ack("tag-1")
    qos._delivered.clear()  # else kombu's exit-time finalizer tries the restore once more


def test_a_redis_broker_uses_the_patched_transport():
    assert settings.CELERY_BROKER_TRANSPORT == "cms.celery_transport:Transport"
