"""kombu's Redis transport with one crash taken out: a worker that loses Redis while a task is in flight.

With ``acks_late`` the worker holds that task's message unacknowledged. When the broker connection is
lost, the consumer closes the channel, and kombu (5.7) tries to put the unacknowledged messages back
through a connection it has already dropped: ``AttributeError: 'NoneType' object has no attribute
'hostname'`` in ``QoS.restore_unacked``. That is not one of the connection errors the worker tolerates,
so it stops ("Unrecoverable error") and never reconnects. Found by the Redis outage drill
(tests/engines/test_events_drill.py), which failed whenever a long task was running at the moment Redis
went away.

Nothing is lost by skipping the restore: the message still sits in Redis's unacked index, which kombu
puts back on the queue after the visibility timeout, and every task we run has a periodic pass that
finds its work in the database anyway (mailers/runner.py ``recovered_by``).
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


class Channel(redis.Channel):
    QoS = QoS


class Transport(redis.Transport):
    Channel = Channel
