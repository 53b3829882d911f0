"""Django's Redis cache, reusing one Redis client per connection pool.

Django's backend builds a new `redis.Redis` object for every cache call (the pool, and so the
connections, are reused; the client object is not). Building one costs more CPU than the GET
it sends: a small API answer makes three or four cache calls (the memo's stamps, the rate
limit). A `redis.Redis` is safe to share between threads (each command takes a connection from
the pool), so one per pool is kept.
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient  # (Django's __init__ sets its own client class)

    def count_in_window(self, key: str, seconds: int) -> int:
        """Add one to a counter that lives `seconds` from its first count, in one round trip (a
        rate limit's window); Django's `incr` asks whether the key exists first."""
        key = self.make_and_validate_key(key)
        client = self._cache.get_client(key, write=True)
        pipe = client.pipeline(transaction=False)
        pipe.set(key, 0, ex=seconds, nx=True)
        pipe.incr(key)
        return pipe.execute()[1]
