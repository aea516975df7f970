"""Reads that may go to a PostgreSQL read replica (`DATABASE_REPLICA_URL`).

A replica lags the primary by a moment, so reads go there only where a page opts in,
inside `replica_reads()` (Open Data reads); everything else, and every write, goes to
"default". Without a replica configured this router changes nothing.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, models

T = TypeVar("T")
REPLICA = "replica"
# Read from the primary even inside `replica_reads()`: the database cache (rate limits
# and locks count on current values) and sessions (one just created on the primary).
PRIMARY_ONLY_APPS = {"django_cache", "sessions"}

_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Send the reads of this block (or of the function it decorates) to the replica."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def replica_stream(chunks: Iterable[T]) -> Iterator[T]:
    """`chunks` computed with replica reads, for a streamed response: its body is computed
    after the view (and its `replica_reads()` block) has returned. The flag is set only
    while each chunk is computed, never while the server sends it."""
    iterator = iter(chunks)
    try:
        while True:
            with replica_reads():
                try:
                    chunk = next(iterator)
                except StopIteration:
                    return
            yield chunk
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()


def read_alias(model: type[models.Model] | None = None) -> str:
    """The database a read made here goes to: "replica" inside `replica_reads()` when one is
    configured and no transaction is open on the primary, else "default".

    A queryset built in the block but evaluated after it: `.using(read_alias())`.
    """
    if not _replica_reads.get() or REPLICA not in connections.settings:
        return DEFAULT_DB_ALIAS
    if model is not None and model._meta.app_label in PRIMARY_ONLY_APPS:
        return DEFAULT_DB_ALIAS
    # Inside a transaction a read must see its own writes and locks.
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return REPLICA


class ReplicaRouter:
    """Reads to `read_alias()`; writes, migrations and relations on the primary."""

    def db_for_read(self, model: type[models.Model], **hints: Any) -> str:
        return read_alias(model)

    def db_for_write(self, model: type[models.Model], **hints: Any) -> str:
        # Explicit: Django would otherwise write an instance back to the database it was
        # read from, the replica.
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: models.Model, obj2: models.Model, **hints: Any) -> bool:
        # The replica holds the primary's rows: records read from either may be related.
        return {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA, None}

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db != REPLICA
