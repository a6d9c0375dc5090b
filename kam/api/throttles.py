"""Rate limits per signed-in user, per anonymous client, and a stricter one for the token endpoints.

Counters live in the default cache (Redis in production, so every web process shares them). Rates are
read on each request rather than frozen at import, so settings changes (and tests) take effect.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle


class _LiveRateMixin:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class UserThrottle(_LiveRateMixin, UserRateThrottle):
    """Signed-in callers, keyed by user id (anonymous callers are left to AnonThrottle)."""

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class AnonThrottle(_LiveRateMixin, AnonRateThrottle):
    """Anonymous callers, keyed by client address."""


class TokenThrottle(_LiveRateMixin, SimpleRateThrottle):
    """Password and refresh-token exchanges, keyed by client address: guessing is slow work."""

    scope = "token"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
