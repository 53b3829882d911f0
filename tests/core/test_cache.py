"""The shared cache (core.cache.RedisCache) against the real Redis: what one web process writes,
another reads; counters stay exact when many threads share the one reused client."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.conf import settings

from core.cache import RedisCache

pytestmark = pytest.mark.redis


@pytest.fixture
def shared_cache():
    prefix = f"test-cache-{uuid.uuid4().hex}"
    first = RedisCache(settings.TEST_REDIS_URL, {"KEY_PREFIX": prefix})
    second = RedisCache(settings.TEST_REDIS_URL, {"KEY_PREFIX": prefix})  # another web process
    yield first, second
    first.delete_many(["stamp", "count", "gone", "a", "b", "window"])


def test_what_one_process_writes_the_other_reads(shared_cache):
    first, second = shared_cache
    first.set("stamp", "s1", None)
    assert second.get("stamp") == "s1"
    assert second.add("stamp", "s2") is False  # held: add keeps the first value
    first.set_many({"a": 1, "b": [2, 3]})
    assert second.get_many(["a", "b", "missing"]) == {"a": 1, "b": [2, 3]}
    second.delete("stamp")
    assert first.get("stamp") is None


def test_a_counter_shared_by_threads_on_one_client_loses_no_increment(shared_cache):
    first, second = shared_cache
    first.add("count", 0, 60)

    def bump():
        for _ in range(50):
            first.incr("count")

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert second.get("count") == 400


def test_one_redis_client_serves_every_call_of_a_process(shared_cache):
    first, _second = shared_cache
    client = first._cache.get_client()
    assert first._cache.get_client() is client
    assert first._cache.get_client(write=True) is first._cache.get_client(write=True)


def test_a_window_counter_counts_exactly_and_expires(shared_cache):
    first, second = shared_cache

    def bump():
        for _ in range(50):
            first.count_in_window("window", 60)

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert second.count_in_window("window", 60) == 401  # (another process counts on)
    assert second.get("window") == 401
    key = first.make_and_validate_key("window")
    assert 0 < first._cache.get_client(key).ttl(key) <= 60  # the window's first count set its life
