"""Rate limits: per token for integrations, per user for browser sessions.

Rates come from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] at request time (scopes `token` and
`user`), so they can be tuned per deployment without a code change.
"""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken


class _DynamicRateThrottle(SimpleRateThrottle):
    """A fixed-window counter: one atomic increment in the shared cache per request.

    (DRF's default keeps every request time of the window in one cached list, read and rewritten
    on each request: with a budget of 1,200 a minute that is a list of up to 1,200 floats
    unpickled and pickled per request, and two concurrent requests can lose each other's count.)
    A window allows at most `num_requests`; a burst across a window boundary can see up to twice
    the rate for a moment, the usual price of fixed windows."""

    def __init__(self):
        # Read the rate per request, not at import: settings can change (tests, reloads).
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_ends = (window + 1) * self.duration
        key = f"{self.key}:{window}"
        if hasattr(self.cache, "count_in_window"):  # the shared Redis cache: one round trip
            return self.cache.count_in_window(key, self.duration + 1) <= self.num_requests
        try:
            count = self.cache.incr(key)
        except ValueError:  # the window's first request (or the counter expired)
            count = 1 if self.cache.add(key, 1, self.duration + 1) else self.cache.incr(key)
        return count <= self.num_requests

    def wait(self):
        return max(self.window_ends - self.now, 1)


class TokenRateThrottle(_DynamicRateThrottle):
    """Counts requests per API token (two tokens of one user have separate budgets)."""

    scope = "token"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class SessionUserRateThrottle(_DynamicRateThrottle):
    """Counts requests per signed-in user for browser sessions."""

    scope = "user"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken) or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
