"""Rate limits: per token for integrations, per user for browser sessions.

Rates come from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] at request time (scopes `token` and
`user`), so they can be tuned per deployment without a code change.
"""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken


class _DynamicRateThrottle(SimpleRateThrottle):
    def __init__(self):
        # Read the rate per request, not at import: settings can change (tests, reloads).
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


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
