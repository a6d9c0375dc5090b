"""Rate limits per signed-in user, per client address, and stricter ones for sign-in (API tokens and the page).

Counters live in the default cache (Redis in production, so every web process shares them). When Redis does not
answer, the counters fall back to this process's own memory for a while (logged), so the API keeps serving and
the limits still hold, per process, instead of every request failing. Clients are told apart by
`kam.clients.client_address` (the trusted-proxy setting), never by a header the client can write. Rates are read
on each request rather than frozen at import, so settings changes (and tests) take effect.
"""

from __future__ import annotations

import logging
import time

from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from kam.clients import client_address

logger = logging.getLogger(__name__)

# After a failure the shared cache is left alone this long, so a dead Redis costs one timeout, not one per request.
RETRY_SHARED_AFTER_SECONDS = 10


class FallbackCache:
    """The shared cache while it answers; this process's memory while it does not."""

    def __init__(self):
        self.local = LocMemCache("kam-throttle-fallback", {"OPTIONS": {"MAX_ENTRIES": 10000}})
        self.down_until = 0.0

    def _call(self, method: str, *args):
        if time.monotonic() >= self.down_until:
            try:
                return getattr(caches["default"], method)(*args)
            except Exception as exc:
                self.down_until = time.monotonic() + RETRY_SHARED_AFTER_SECONDS
                logger.warning(
                    "Rate limits: the shared cache does not answer (%r); counting in this process for %s s",
                    exc,
                    RETRY_SHARED_AFTER_SECONDS,
                )
        return getattr(self.local, method)(*args)

    def get(self, key, default=None):
        return self._call("get", key, default)

    def set(self, key, value, timeout=None):
        return self._call("set", key, value, timeout)

    def clear(self):
        self.local.clear()
        self.down_until = 0.0


throttle_cache = FallbackCache()


class _KamThrottleMixin:
    cache = throttle_cache

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request):
        return client_address(request)


class UserThrottle(_KamThrottleMixin, UserRateThrottle):
    """Signed-in callers, keyed by user id (anonymous callers are left to AnonThrottle)."""

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class AnonThrottle(_KamThrottleMixin, AnonRateThrottle):
    """Anonymous callers, keyed by client address."""


class TokenThrottle(_KamThrottleMixin, SimpleRateThrottle):
    """Password and refresh-token exchanges, keyed by client address: guessing is slow work."""

    scope = "token"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class SignInThrottle(TokenThrottle):
    """The sign-in page's POSTs, per client address (a Django request is enough: only META is read)."""

    scope = "sign_in"
