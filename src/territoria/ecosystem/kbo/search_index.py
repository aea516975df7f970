"""The organisations' search index while a first import writes two million names.

Kept row by row, the index costs the import most of its time; built once at the end it
costs a fraction. So a first import (an empty register) sets it aside:

- on SQLite, the FTS5 table's triggers (migration ecosystem 0009) are dropped inside the
  import's transaction and the table rebuilt at its end: a kill leaves them as they were;
- on PostgreSQL, the trigram index (migration ecosystem 0003) is dropped before the
  import's transaction, in a moment of its own (dropped inside it, the lock would stop
  every reader of the directory for the whole import), and built again after it with
  `CREATE INDEX CONCURRENTLY`, which lets readers and writers go on. Searches meanwhile
  read the table without the index: slower, never wrong. An import killed in between
  leaves no index, or an invalid one: the next import builds it first (`ensure`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from territoria.ecosystem.models import SEARCH_TABLE, Organisation

TRIGRAM_INDEX = "ecosystem_organisation_search_trgm"


@contextmanager
def deferred_in_transaction(first: bool) -> Iterator[None]:
    """SQLite: the search table's triggers off for a first import, rebuilt at its end."""
    if connection.vendor != "sqlite" or not first:
        yield
        return
    table = Organisation._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s "
            "AND name LIKE %s",
            [table, f"{SEARCH_TABLE}%"],
        )
        triggers = cursor.fetchall()
        for name, _sql in triggers:
            cursor.execute(f"DROP TRIGGER {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        for _name, sql in triggers:
            cursor.execute(sql)
        if triggers:
            rebuild = f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}) VALUES ('rebuild')"  # noqa: S608
            cursor.execute(rebuild)


@contextmanager
def deferred_around_transaction(first: bool) -> Iterator[None]:
    """PostgreSQL: the trigram index dropped before a first import, built again after it
    (whether it succeeded or not). Inside a caller's transaction, nothing is set aside:
    the caller's transaction would hold the drop's lock to its end."""
    if connection.vendor != "postgresql" or not first or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")
    try:
        yield
    finally:
        ensure()


def ensure() -> None:
    """PostgreSQL: the trigram index there and valid, built without locking if not."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relname = %s",
            [TRIGRAM_INDEX],
        )
        row = cursor.fetchone()
        if row is not None and row[0]:
            return
        # Concurrently, unless a caller's transaction holds this (where it cannot be).
        concurrently = "" if connection.in_atomic_block else "CONCURRENTLY "
        if row is not None:  # left invalid by a build that was stopped
            cursor.execute(f"DROP INDEX {concurrently}IF EXISTS {TRIGRAM_INDEX}")
        cursor.execute(
            f"CREATE INDEX {concurrently}{TRIGRAM_INDEX} ON {Organisation._meta.db_table} "
            "USING gin (search_text gin_trgm_ops)"
        )
