"""The database cache (`CACHE_URL=db://`, the default) for a site that keeps answering.

On SQLite a cache write needs the database's one write lock, which a long import may
hold for seconds. A cache may miss, a page may not wait: in a request that only reads
(`core.sqlite.base.reads_only`) a write waits at most `SQLITE_CACHE_WAIT_MS` for the lock,
then is dropped (a rate-limit count lost, a value computed again). A request that writes
waits for the lock anyway, and its cache writes with it: allauth's limits (sign-in, password
reset) take a lock in the cache, and answer 429 when they cannot. Elsewhere (PostgreSQL)
this is Django's database cache unchanged.
"""

from collections.abc import Callable
from typing import Any

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import DatabaseError, connections, router

from territoria.core.sqlite.base import only_reading

SQLITE_CACHE_WAIT_MS = 250


class DatabaseCache(DjangoDatabaseCache):
    def _base_set(self, mode: str, key: str, value: Any, timeout: Any = None) -> bool:
        write = super()._base_set  # type: ignore[misc]
        return self._briefly(write, mode, key, value, timeout)

    def _base_delete_many(self, keys: Any) -> bool:
        return self._briefly(super()._base_delete_many, keys)  # type: ignore[misc]

    def _briefly(self, write: Callable[..., Any], *args: Any) -> bool:
        """`write(*args)`, waiting at most a moment for SQLite's write lock in a request that
        only reads, and dropped if the lock stays taken; as Django does it everywhere else."""
        connection = connections[router.db_for_write(self.cache_model_class)]
        if connection.vendor != "sqlite" or not only_reading():
            return bool(write(*args))
        # The usual wait, in milliseconds (Python's sqlite3 waits 5 s unless told).
        usual = int(connection.settings_dict["OPTIONS"].get("timeout", 5) * 1000)
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_CACHE_WAIT_MS}")
        try:
            return bool(write(*args))
        except DatabaseError:  # the culling, which Django's own guard leaves out
            return False
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA busy_timeout = {usual}")
