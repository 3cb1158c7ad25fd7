"""kombu's Redis transport with two crashes taken out, both of a worker that loses Redis while a task is
in flight.

With ``acks_late`` the worker holds that task's message unacknowledged. When the broker connection is
lost, the consumer closes the channel, and kombu (5.7) then reaches Redis through a connection it has
already dropped, in two places:

- putting the unacknowledged messages back (``QoS.restore_unacked``): ``AttributeError: 'NoneType' object
  has no attribute 'hostname'``;
- acknowledging the task when it finishes after the loss (``QoS.ack`` / ``reject``): ``AttributeError:
  'NoneType' object has no attribute 'client'``.

Neither is one of the connection errors the worker tolerates, so it stops ("Unrecoverable error") and
never reconnects. Found by the Redis outage drill (tests/engines/test_events_drill.py), which failed
whenever a task was running, or finished, around the moment Redis went away.

Nothing is lost by skipping either call: the message still sits in Redis's unacked index, which kombu
puts back on the queue after the visibility timeout; every task we run is idempotent (a second run of a
finished one reads its row and returns), and has a periodic pass that finds its work in the database
anyway (mailers/runner.py ``recovered_by``).
"""

import logging

from kombu.transport import redis

logger = logging.getLogger(__name__)


class QoS(redis.QoS):
    def restore_unacked(self, client=None):
        try:
            return super().restore_unacked(client)
        except AttributeError:  # the connection is gone (see above); any other error is kombu's to raise
            logger.warning(
                "broker connection lost with %d unacknowledged task(s); Redis redelivers them after the "
                "visibility timeout and the periodic passes pick up their work",
                len(self._delivered),
            )
            self._delivered.clear()

    def ack(self, delivery_tag):
        try:
            return super().ack(delivery_tag)
        except AttributeError:
            self._forget(delivery_tag, "acknowledge")

    def reject(self, delivery_tag, requeue=False):
        try:
            return super().reject(delivery_tag, requeue=requeue)
        except AttributeError:
            self._forget(delivery_tag, "reject")

    def _forget(self, delivery_tag, what: str) -> None:
        """The channel lost its connection before the message could be settled: drop it here; Redis
        redelivers it after the visibility timeout."""
        logger.warning(
            "broker connection lost: could not %s a finished task's message; Redis redelivers it after the "
            "visibility timeout and the task finds its work done",
            what,
        )
        self._quick_ack(delivery_tag)  # what kombu's own ack does after Redis: out of the prefetch count


class Channel(redis.Channel):
    QoS = QoS


class Transport(redis.Transport):
    Channel = Channel
