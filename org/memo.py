"""A per-request memo for org-chart reads that many layers ask for within one request.

The group tree of a user is read by the permission backend, by `visible_to`, by the engine's
candidate checks and by the inbox, 2 to 3 times per request (3 queries each: about a quarter of the
SQL of an approval step over the API). `RequestMemoMiddleware` opens a memo for the request;
outside a request (Celery tasks, commands, tests calling services) there is no memo and every
call reads the database, so nothing can go stale there. Inside a request, any change to group
membership or the group tree empties the memo (signals below), so a request that edits groups
reads its own writes.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar

_memo: ContextVar[dict | None] = ContextVar("org_request_memo", default=None)


@contextmanager
def request_memo():
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def remembered(key, compute: Callable):
    """`compute()`, remembered under `key` for the rest of the request (if one is open)."""
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def forget(*_args, **_kwargs) -> None:
    """Signal receiver: group membership or the group tree changed."""
    memo = _memo.get()
    if memo is not None:
        memo.clear()


class RequestMemoMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_memo():
            return self.get_response(request)
