"""Remembering slow-changing reads (a user's group tree, permissions, row scope, staff status,
the lane groups of tasks, the active version of each process, webhook subscriptions, API tokens
with their users) within a request and, with a shared cache, across requests. Values are grouped
in scopes ("org", "definitions", "webhooks", "tokens"): a change forgets its own scope only.

Within a request: `RequestMemoMiddleware` opens a memo, and `remembered(key, compute)` runs
`compute()` once per key for the rest of the request. Outside a request (Celery tasks, commands,
services called from tests) nothing is remembered: every call reads the database.

Across requests (when `ORG_CACHE_SECONDS` > 0, the default with a shared `CACHE_URL`): values are
also kept in this process, filed under a *stamp* that lives in the shared cache. Every change to
what they are computed from (the apps connect `forget` to those models' signals) puts a new stamp
in the shared cache at once and again when the transaction commits, so every web process sees
the change from its next request on; what was filed under the old stamp is never read again. A
request reads the stamp once (one cache round trip) and only when it needs a remembered value.
A busy process reads the stamps at most every `MEMO_STAMP_SECONDS` (0.1 s): between two reads
its requests use the stamps it read last, so a change made by *another* process is seen within
that time rather than from the very next request (a change made in this process is seen at once:
it files its new stamps here too). Under load this spares nearly every request the round trip.
A request that changed such data reads its own writes (its memo is emptied and it stops using
the cross-request store). `ORG_CACHE_SECONDS` also bounds how long a value is used at all, a
backstop for a change that bypassed signals (raw SQL, `QuerySet.update`).

When the shared cache cannot be reached, requests fall back to reading the database.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Hashable
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

STAMP_KEY = "baton:memo:stamp:{}"
_MAX_ENTRIES = 20_000
_DIRTY = object()

_memo: ContextVar[dict | None] = ContextVar("baton_request_memo", default=None)
# (scope, key) -> (stamp, stored at (monotonic), value); shared by the threads of this process
_store: dict[tuple[str, Hashable], tuple[str, float, object]] = {}
# the scopes this process has remembered values in (their stamps are read together)
_scopes: set[str] = set()
# scope -> (read at (monotonic), stamp): the stamps this process read or filed last
_recent: dict[str, tuple[float, str]] = {}
# scope -> how many times this process filed a new stamp (a read that raced a change is not kept)
_filed: dict[str, int] = {}


def _seconds() -> float:
    return float(getattr(settings, "ORG_CACHE_SECONDS", 0) or 0)


@contextmanager
def request_memo():
    token = _memo.set({"__stamps__": {}})
    try:
        yield
    finally:
        _memo.reset(token)


def _stamp(memo: dict, scope: str) -> str | None:
    """The scope's shared stamp, read once per request; None: the cross-request store is off.
    The first read fetches the stamps of every scope this process has used, in one round trip."""
    stamps = memo["__stamps__"]
    if scope not in stamps:
        _scopes.add(scope)
        wanted = [s for s in tuple(_scopes) if s not in stamps]
        read: dict[str, str | None] = dict.fromkeys(wanted)
        if _seconds() > 0:
            read = _recent_stamps(wanted) or _read_stamps(wanted)
        stamps.update(read)
    stamp = stamps[scope]
    return None if stamp is _DIRTY else stamp


def _stamp_seconds() -> float:
    return float(getattr(settings, "MEMO_STAMP_SECONDS", 0.1) or 0)


def _recent_stamps(wanted: list[str]) -> dict[str, str] | None:
    """The stamps of `wanted` as this process read or filed them within MEMO_STAMP_SECONDS; None
    when one of them is older (then all are read again, in one round trip)."""
    now = time.monotonic()
    window = _stamp_seconds()
    found = {}
    for name in wanted:
        recent = _recent.get(name)
        if recent is None or now - recent[0] >= window:
            return None
        found[name] = recent[1]
    return found


def _read_stamps(wanted: list[str]) -> dict[str, str | None]:
    filed = {name: _filed.get(name, 0) for name in wanted}
    try:
        held = cache.get_many([STAMP_KEY.format(s) for s in wanted])
        for name in wanted:
            key = STAMP_KEY.format(name)
            if key not in held:  # the first use since the cache started
                cache.add(key, uuid.uuid4().hex, None)
                held[key] = cache.get(key)
    except Exception:  # the shared cache is down: read the database
        logger.warning("memo: the shared cache is unreachable; reading the database", exc_info=True)
        return dict.fromkeys(wanted)
    now = time.monotonic()
    read = {}
    for name in wanted:
        read[name] = held[STAMP_KEY.format(name)]
        if _filed.get(name, 0) == filed[name]:  # (no change filed here while reading)
            _recent[name] = (now, read[name])
    return read


def remembered(key: Hashable, compute: Callable, *, scope: str = "org"):
    """`compute()`, remembered under `key` for the rest of the request (if one is open) and, with
    the cross-request store on, until something in `scope` changes. Values must not be mutated."""
    memo = _memo.get()
    if memo is None:
        return compute()
    if (scope, key) in memo:
        return memo[scope, key]
    stamp = _stamp(memo, scope)
    if stamp is not None:
        held = _store.get((scope, key))
        if held is not None and held[0] == stamp and time.monotonic() - held[1] < _seconds():
            memo[scope, key] = held[2]
            return held[2]
    value = compute()
    memo[scope, key] = value
    if stamp is not None and memo["__stamps__"].get(scope) == stamp:  # nothing changed meanwhile
        if len(_store) >= _MAX_ENTRIES:
            _store.clear()
        _store[scope, key] = (stamp, time.monotonic(), value)
    return value


def _new_stamp(scope: str) -> None:
    if _seconds() <= 0:
        return
    stamp = uuid.uuid4().hex
    _filed[scope] = _filed.get(scope, 0) + 1
    _recent.pop(scope, None)
    try:
        cache.set(STAMP_KEY.format(scope), stamp, None)
        _filed[scope] += 1  # (a read that began while the stamp was being set is not kept either)
        _recent[scope] = (time.monotonic(), stamp)
    except Exception:
        logger.warning("memo: could not renew the stamp in the shared cache", exc_info=True)


def forget(*, scope: str = "org", **_kwargs) -> None:
    """Something the values remembered in `scope` are read from changed (connected to signals by
    `forget_on_change`). The request that changed it reads its own writes; every process drops
    what it holds: now, and again at commit, so nobody keeps a value read between the change
    and the commit."""
    memo = _memo.get()
    if memo is not None:
        for key in [key for key in memo if isinstance(key, tuple) and key[0] == scope]:
            del memo[key]
        memo["__stamps__"][scope] = _DIRTY
    for key in list(_store):  # (a snapshot: other threads of this process may add meanwhile)
        if key[0] == scope:
            _store.pop(key, None)
    _new_stamp(scope)
    transaction.on_commit(lambda: _new_stamp(scope))


def forget_on_change(*models, scope: str = "org", m2m: tuple = ()) -> None:
    """Connect `forget(scope)` to the save and delete signals of `models` and to the m2m_changed
    signal of the `m2m` through models (call from AppConfig.ready)."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    def receiver(*_args, **_kwargs):
        forget(scope=scope)

    _receivers.append(receiver)  # signals hold receivers weakly
    for model in models:
        label = f"{scope}_{model._meta.label_lower}"
        post_save.connect(receiver, sender=model, dispatch_uid=f"memo_save_{label}")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"memo_delete_{label}")
    for through in m2m:
        m2m_changed.connect(receiver, sender=through, dispatch_uid=f"memo_m2m_{scope}_{through.__name__}")


_receivers: list[Callable] = []


class RequestMemoMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_memo():
            return self.get_response(request)
