"""The database cache (`CACHE_URL=db://`, the default) for a site that keeps answering.

On SQLite a cache write needs the database's one write lock, which a long import may
hold for seconds. A cache may miss, a page may not wait: in a request that only reads
(`core.sqlite.base.reads_only`) a write waits at most `SQLITE_CACHE_WAIT_MS` for the lock,
then is dropped (a rate-limit count lost, a value computed again). A request that writes
waits for the lock anyway, and its cache writes with it: allauth's limits (sign-in, password
reset) take a lock in the cache, and answer 429 when they cannot. Elsewhere (PostgreSQL)
this is Django's database cache unchanged.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import DatabaseError, connections, router

from territoria.core.sqlite.base import only_reading

SQLITE_CACHE_WAIT_MS = 250


class DatabaseCache(DjangoDatabaseCache):
    def _base_set(self, mode: str, key: str, value: Any, timeout: Any = None) -> bool:
        with self._brief_wait():
            try:
                return bool(super()._base_set(mode, key, value, timeout))  # type: ignore[misc]
            except DatabaseError:  # the culling outside Django's own guard
                return False

    def _base_delete_many(self, keys: Any) -> bool:
        with self._brief_wait():
            try:
                return bool(super()._base_delete_many(keys))  # type: ignore[misc]
            except DatabaseError:
                return False

    @contextmanager
    def _brief_wait(self) -> Iterator[None]:
        connection = connections[router.db_for_write(self.cache_model_class)]
        if connection.vendor != "sqlite" or not only_reading():
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA busy_timeout")
            usual = int(cursor.fetchone()[0])
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_CACHE_WAIT_MS}")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA busy_timeout = {usual}")
