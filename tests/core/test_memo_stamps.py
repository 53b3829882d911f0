"""How a web process learns that remembered reads (core.memo) went stale: a change made through
this process is seen by its next request; a change another process filed in the shared cache is
seen once this process re-reads the stamps, at most MEMO_STAMP_SECONDS later; between two reads,
requests make no cache round trip."""

from __future__ import annotations

import uuid

import pytest
from django.core.cache import cache, caches

from core import memo

pytestmark = pytest.mark.django_db


@pytest.fixture
def reads():
    """A remembered value whose every computation is counted."""
    computed = []

    def compute():
        computed.append(1)
        return len(computed)

    def read(scope="org"):
        with memo.request_memo():
            return memo.remembered(("stamp-test", scope), compute, scope=scope)

    return read


@pytest.fixture
def clock(monkeypatch):
    """The process's monotonic clock, moved by hand."""
    now = [1_000.0]
    monkeypatch.setattr(memo.time, "monotonic", lambda: now[0])
    return now


def _another_process_changes(scope="org"):
    cache.set(memo.STAMP_KEY.format(scope), uuid.uuid4().hex, None)


@pytest.fixture
def cache_round_trips(monkeypatch):
    calls = []
    backend = caches["default"]
    original = backend.get_many

    def counted(keys, *args, **kwargs):
        calls.append(tuple(keys))
        return original(keys, *args, **kwargs)

    monkeypatch.setattr(backend, "get_many", counted)
    return calls


def test_between_two_stamp_reads_requests_make_no_round_trip(reads, clock, cache_round_trips, settings):
    settings.MEMO_STAMP_SECONDS = 0.1
    assert reads() == 1
    clock[0] += 0.05
    assert [reads() for _ in range(20)] == [1] * 20
    assert len(cache_round_trips) == 1
    clock[0] += 0.1
    assert reads() == 1
    assert len(cache_round_trips) == 2


def test_another_processs_change_is_seen_once_the_stamps_are_read_again(reads, clock, settings):
    settings.MEMO_STAMP_SECONDS = 0.1
    assert reads() == 1
    _another_process_changes()
    clock[0] += 0.05
    assert reads() == 1  # within the window: the stamp read 50 ms ago
    clock[0] += 0.06
    assert reads() == 2  # the window passed: the new stamp, the value read afresh


def test_a_change_made_through_this_process_is_seen_at_once(reads, clock, settings):
    settings.MEMO_STAMP_SECONDS = 60
    assert reads() == 1
    memo.forget(scope="org")
    assert reads() == 2
    assert reads() == 2


def test_a_change_in_one_scope_keeps_the_others(reads, clock, settings):
    settings.MEMO_STAMP_SECONDS = 60
    assert (reads("org"), reads("webhooks")) == (1, 2)
    memo.forget(scope="webhooks")
    assert (reads("org"), reads("webhooks")) == (1, 3)


def test_without_a_window_every_request_reads_the_stamps(reads, clock, cache_round_trips, settings):
    settings.MEMO_STAMP_SECONDS = 0
    assert reads() == 1
    _another_process_changes()
    assert reads() == 2
    assert len(cache_round_trips) == 2


def test_a_stamp_read_that_raced_a_change_is_not_kept(clock, settings, monkeypatch):
    """A read that began before this process filed a new stamp may return the old one; it serves
    its own request but is not kept for the next ones."""
    settings.MEMO_STAMP_SECONDS = 60
    memo._scopes.add("org")
    backend = caches["default"]
    original = backend.get_many

    def racing(keys, *args, **kwargs):
        held = original(keys, *args, **kwargs)  # the old stamp ...
        memo._new_stamp("org")  # ... while another thread files a new one
        return held

    monkeypatch.setattr(backend, "get_many", racing)
    old = memo._read_stamps(["org"])["org"]
    monkeypatch.setattr(backend, "get_many", original)
    assert memo._recent["org"][1] != old
    assert memo._recent_stamps(["org"]) == {"org": cache.get(memo.STAMP_KEY.format("org"))}
