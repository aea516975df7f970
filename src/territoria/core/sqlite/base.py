"""Django's SQLite backend with two changes that a multi-process site needs.

**Reads never take the write lock.** SQLite has one write lock per database. A
transaction that begins with `BEGIN DEFERRED` and then writes may be refused at once
("database is locked") when another process wrote in between, so writing transactions
begin with `BEGIN IMMEDIATE`, which waits for the lock instead. But a read that opens
a transaction (a savepoint around an API query, a library's `atomic()`) would then
queue behind a long import like a write. Inside `reads_only()` — every GET, HEAD and
OPTIONS request, see `core.middleware.read_only_requests` — transactions begin
DEFERRED: in WAL mode a reader never waits for the writer.

**The audit log is append-only.** A trigger refuses DELETE on the audit table (the
migration `core.0005` creates it). Django's test flush empties tables with DELETE, so
`sql_flush` lifts the trigger around its own statements and puts it back.
"""

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import Any

from django.db.backends.sqlite3 import base, operations

_reads_only: ContextVar[bool] = ContextVar("territoria_sqlite_reads_only", default=False)

AUDIT_TABLE = "core_auditentry"
AUDIT_NO_DELETE = (
    f"CREATE TRIGGER IF NOT EXISTS core_auditentry_no_delete BEFORE DELETE ON {AUDIT_TABLE} "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
)
AUDIT_NO_DELETE_DROP = "DROP TRIGGER IF EXISTS core_auditentry_no_delete"


@contextmanager
def _reading(only: bool) -> Iterator[None]:
    token = _reads_only.set(only)
    try:
        yield
    finally:
        _reads_only.reset(token)


def reads_only() -> AbstractContextManager[None]:
    """Within this block, transactions on SQLite begin without taking the write lock."""
    return _reading(True)


def only_reading() -> bool:
    """Whether this code runs inside `reads_only()` (a GET, HEAD or OPTIONS request)."""
    return _reads_only.get()


def writes() -> AbstractContextManager[None]:
    """Within this block, transactions begin IMMEDIATE again, even inside `reads_only()`: for
    a read that must write in a transaction that reads first (a review withdrawn when a
    conflict is found). A DEFERRED transaction that has read cannot wait for the lock:
    SQLite refuses its first write at once if another connection holds it."""
    return _reading(False)


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(
        self, style: Any, tables: Any, *, reset_sequences: bool = False, allow_cascade: bool = False
    ) -> list[str]:
        statements: list[str] = super().sql_flush(
            style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        if any(AUDIT_TABLE in statement for statement in statements):
            return [f"{AUDIT_NO_DELETE_DROP};", *statements, f"{AUDIT_NO_DELETE};"]
        return statements


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def _start_transaction_under_autocommit(self) -> None:
        if _reads_only.get():
            self.cursor().execute("BEGIN DEFERRED")
        else:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
