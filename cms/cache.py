"""A Redis cache that degrades to "no cache" while Redis is away, instead of failing the request.

Everything the engine keeps in the cache can be rebuilt from the database (program facts, rendered
landing pages, share cards): a read that cannot reach Redis is a miss, a write is dropped. Each
failure is logged, at most once every ``LOG_EVERY_SECONDS`` per process, so an outage under load
writes a few lines, not one per request. After a failure the cache does not try Redis again for
``RETRY_AFTER`` seconds (an option, default 1): a Redis that does not answer costs one socket timeout
per process per second, not one per cache call.

Configured by ``cms.settings.env.cache_from_env`` whenever ``CACHE_URL`` is set.
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

LOG_EVERY_SECONDS = 10.0


class _Outage:
    """Per-process memory of a Redis outage, shared by the per-thread cache instances of one location."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.down_until = 0.0
        self.logged_at = -LOG_EVERY_SECONDS
        self.failures = 0

    def failed(self, *, operation: str, location: str, retry_after: float, exc: Exception) -> None:
        now = time.monotonic()
        with self.lock:
            self.down_until = now + retry_after
            self.failures += 1
            if now - self.logged_at < LOG_EVERY_SECONDS:
                return
            failures, self.failures, self.logged_at = self.failures, 0, now
        logger.warning(
            "cache unavailable (%s on %s: %s): serving without the cache; %d failed call(s) since the last report",
            operation,
            location,
            exc,
            failures,
        )

    def is_down(self) -> bool:
        return time.monotonic() < self.down_until


_outages: dict[str, _Outage] = {}
_outages_lock = threading.Lock()


def _outage_for(location: str) -> _Outage:
    with _outages_lock:
        return _outages.setdefault(location, _Outage())


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's client, but one ``redis.Redis`` per connection pool instead of a new one per call.

    Django builds a ``redis.Redis`` for every cache operation, and redis-py's constructor fills a table
    of about 170 response callbacks each time: on the events API (one flag read per accepted event) that
    was a third of a millisecond per request, more than the read itself. A client over a pool keeps no
    state of its own and is safe to share between threads."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class FailSoftRedisCache(RedisCache):
    """Django's RedisCache; a Redis error makes a read a miss and a write a no-op (logged)."""

    def __init__(self, server, params):
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        self.retry_after = float(options.pop("RETRY_AFTER", 1.0))
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
        self._location = server if isinstance(server, str) else ",".join(server)
        self._outage = _outage_for(self._location)

    def _guard(self, operation: str, call, fallback):
        if self._outage.is_down():
            return fallback()
        try:
            return call()
        except RedisError as exc:
            self._outage.failed(
                operation=operation, location=_redacted(self._location), retry_after=self.retry_after, exc=exc
            )
            return fallback()

    # Reads: a miss. Writes: dropped (add says it stored nothing, delete that nothing was there).
    def get(self, key, default=None, version=None):
        return self._guard("get", lambda: super(FailSoftRedisCache, self).get(key, default, version), lambda: default)

    def get_many(self, keys, version=None):
        return self._guard("get_many", lambda: super(FailSoftRedisCache, self).get_many(keys, version), dict)

    def has_key(self, key, version=None):
        return self._guard("has_key", lambda: super(FailSoftRedisCache, self).has_key(key, version), _false)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._guard("set", lambda: super(FailSoftRedisCache, self).set(key, value, timeout, version), _none)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        # Django's contract: the keys that failed to be inserted.
        return self._guard(
            "set_many", lambda: super(FailSoftRedisCache, self).set_many(data, timeout, version), lambda: list(data)
        )

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("add", lambda: super(FailSoftRedisCache, self).add(key, value, timeout, version), _false)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("touch", lambda: super(FailSoftRedisCache, self).touch(key, timeout, version), _false)

    def delete(self, key, version=None):
        return self._guard("delete", lambda: super(FailSoftRedisCache, self).delete(key, version), _false)

    def delete_many(self, keys, version=None):
        self._guard("delete_many", lambda: super(FailSoftRedisCache, self).delete_many(keys, version), _none)

    def incr(self, key, delta=1, version=None):
        return self._guard("incr", lambda: super(FailSoftRedisCache, self).incr(key, delta, version), _missing(key))

    def clear(self):
        return self._guard("clear", lambda: super(FailSoftRedisCache, self).clear(), _false)


def _false() -> bool:
    return False


def _none() -> None:
    return None


def _missing(key):
    def fallback():
        # Django's contract for incr/decr of a key that is not there: callers already handle it.
        raise ValueError(f"Key {key!r} not found (the cache is unavailable)")

    return fallback


def _redacted(location: str) -> str:
    """The location without its password (redis://:secret@host → redis://***@host)."""
    scheme, sep, rest = location.partition("://")
    if "@" in rest:
        rest = "***@" + rest.rsplit("@", 1)[1]
    return scheme + sep + rest
