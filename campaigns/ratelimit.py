"""Rate limits for public forms (hub pages, friend registration), and who the client is.

The counting is the `limits` package's fixed window (the window opens with the first attempt, as a
cache key with a timeout would): in the Redis of ``CACHE_URL`` when set, so every gunicorn worker and
machine shares one count (``RATE_LIMIT_STORAGE_URL``), otherwise in this process's memory. While
that Redis is away the limits fail open (the forms keep working, unthrottled) and say so in the log.

The client is ``REMOTE_ADDR``, unless that is one of ``TRUSTED_PROXIES``: then the right-most
``X-Forwarded-For`` entry that is not a trusted proxy (every proxy appends the address it saw; what
is left of that came from the client and proves nothing).
"""

import functools
import hashlib
import ipaddress
import logging
import threading
import time

from django.conf import settings
from limits import RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

logger = logging.getLogger(__name__)

LOG_EVERY_SECONDS = 10.0
# A Redis that does not answer must not hold a form post for long.
REDIS_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}

# --- Who the client is ------------------------------------------------------------------------

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@functools.lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _parse(value: str) -> IPAddress | None:
    """An address as a proxy writes it: bare, or with a port (1.2.3.4:5678, [2001:db8::1]:443)."""
    value = value.strip()
    if value.startswith("[") and "]" in value:
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    # ::ffff:1.2.3.4 is the IPv4 client on a dual-stack socket: one client, one bucket.
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _trusted(address) -> bool:
    return address is not None and any(address in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))


def is_trusted_proxy(remote_addr: str) -> bool:
    """Whether ``remote_addr`` is one of ``TRUSTED_PROXIES`` (an address or in one of its networks)."""
    return _trusted(_parse(remote_addr or ""))


def client_address(request) -> str | None:
    """The client's address as a valid IP, or None when even REMOTE_ADDR is not one (a unix socket)."""
    remote = _parse(request.META.get("REMOTE_ADDR", "") or "")
    if not _trusted(remote):
        # No proxy configured, or this request did not come through one: X-Forwarded-For is the client's own say.
        return str(remote) if remote is not None else None
    nearest = remote  # the outermost trusted proxy seen so far
    for entry in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _parse(entry)
        if address is None:
            # Trusted proxies write addresses; junk here was written before them, by the client.
            break
        if not _trusted(address):
            return str(address)
        nearest = address
    return str(nearest)


def client_ip(request) -> str:
    """The rate-limit key for this client (see ``client_address``)."""
    return client_address(request) or "unknown"


# --- Counting ---------------------------------------------------------------------------------


class _Window(RateLimitItemPerSecond):
    """A window of ``multiples`` seconds whose key names the scope and window but not the limit, so
    ``used()`` reads the same count that ``allow(limit=...)`` adds to."""

    def key_for(self, *identifiers) -> str:
        return "/".join(["form", *map(str, identifiers), str(self.multiples)])


@functools.lru_cache(maxsize=4)
def _limiter(url: str) -> FixedWindowRateLimiter:
    options = {"wrap_exceptions": True}
    if url.startswith(("redis://", "rediss://")):
        options.update(REDIS_OPTIONS)
    storage: Storage = storage_from_string(url, **options)
    return FixedWindowRateLimiter(storage)


def _key(scope: str, key: str) -> str:
    return hashlib.sha256(f"{scope}:{key}".encode()).hexdigest()[:32]


class _Outage:
    """Logs a storage outage at most every LOG_EVERY_SECONDS per process, with the count in between."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.logged_at = -LOG_EVERY_SECONDS
        self.failures = 0

    def failed(self, operation: str, exc: Exception) -> None:
        now = time.monotonic()
        with self.lock:
            self.failures += 1
            if now - self.logged_at < LOG_EVERY_SECONDS:
                return
            failures, self.failures, self.logged_at = self.failures, 0, now
        logger.warning(
            "rate-limit storage unavailable (%s: %s): limits are open; %d failed call(s) since the last report",
            operation,
            exc.__cause__ or exc,
            failures,
        )


_outage = _Outage()


def used(*, scope: str, key: str, window: int | None = None) -> int:
    """How many attempts (scope, key) has counted in its current window, without counting one."""
    item = _Window(1, window or settings.FORM_RATE_WINDOW_SECONDS)
    try:
        return _limiter(settings.RATE_LIMIT_STORAGE_URL).storage.get(item.key_for(_key(scope, key)))
    except StorageError as exc:
        _outage.failed("used", exc)
        return 0


def allow(*, scope: str, key: str, limit: int | None = None, window: int | None = None) -> bool:
    """Count one attempt for (scope, key); False once the window's limit is passed."""
    item = _Window(limit or settings.FORM_RATE_LIMIT, window or settings.FORM_RATE_WINDOW_SECONDS)
    try:
        return _limiter(settings.RATE_LIMIT_STORAGE_URL).hit(item, _key(scope, key))
    except StorageError as exc:
        # Fail open: a form that cannot be throttled for a minute beats a form that does not answer.
        _outage.failed("allow", exc)
        return True


def reset() -> None:
    """Forget every count (the test suite, between tests)."""
    try:
        _limiter(settings.RATE_LIMIT_STORAGE_URL).storage.reset()
    except StorageError as exc:
        _outage.failed("reset", exc)
