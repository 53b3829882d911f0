"""The request a write happens in, for the audit row's client address and browser: services write
the row (the one audit path) without being handed the request, whichever door (web UI, API) the
request came through."""

from __future__ import annotations

import contextvars

_current_request: contextvars.ContextVar = contextvars.ContextVar("baton_audit_request", default=None)


def current_request():
    """The HTTP request being handled, or None (Celery tasks, commands, the engine's timers)."""
    return _current_request.get()


class AuditRequestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)
