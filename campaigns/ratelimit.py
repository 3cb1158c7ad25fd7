"""A small fixed-window rate limit for public forms (hub pages, friend registration).

Counts live in Django's cache: per process with the default local-memory cache, shared by
every worker when CACHE_URL points at Redis (see the README's scale-out section).
"""

import hashlib

from django.conf import settings
from django.core.cache import cache


def client_ip(request) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is set by the client unless a trusted proxy rewrites it.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _cache_key(scope: str, key: str) -> str:
    return "rl:" + hashlib.sha256(f"{scope}:{key}".encode()).hexdigest()[:32]


def used(*, scope: str, key: str) -> int:
    """How many attempts (scope, key) has counted in its current window, without counting one."""
    return cache.get(_cache_key(scope, key), 0)


def allow(*, scope: str, key: str, limit: int | None = None, window: int | None = None) -> bool:
    """Count one attempt for (scope, key); False once the window's limit is passed."""
    limit = limit or settings.FORM_RATE_LIMIT
    window = window or settings.FORM_RATE_WINDOW_SECONDS
    cache_key = _cache_key(scope, key)
    if cache.add(cache_key, 1, timeout=window):
        return True
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window)
        return True
    return count <= limit
