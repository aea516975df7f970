"""Writing imported enterprises: organisations, their register state, units and tags.

Hundreds of thousands of rows per minute: plain statements with parameters (COPY on
PostgreSQL) rather than model instances. Only the register's fields are written; what the
agency entered (descriptions, website once set, tags of its own) is never touched.

The importer prepares each batch's rows (Python's work) while the database writes the
batch before (the database's work, outside the GIL): `Writer.flush` hands its statements
to one background thread that runs them on the import's own connection, inside its one
transaction, and waits for that thread before handing it the next batch. An error there
comes back at the next flush, and the transaction rolls back as it would have.
"""

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone

from territoria.ecosystem.kbo.derive import Derived, search_text
from territoria.ecosystem.models import (
    KboEnterprise,
    KboEstablishment,
    Organisation,
    Source,
)
from territoria.taxonomy.models import Concept, ConceptScheme, Tag

# The organisation columns the register owns, which a re-import rewrites.
OWNED = (
    "name",
    "name_fr",
    "name_nl",
    "name_de",
    "name_en",
    "other_names",
    "legal_form",
    "juridical_form",
    "juridical_situation",
    "street",
    "postcode",
    "city",
    "country",
    "municipality_id",
    "founded_on",
    "establishments",
    "main_activity_id",
    "natural_person_form",
    "is_active",
    "struck_off_on",
)
DESCRIPTIONS = ("description_fr", "description_nl", "description_de", "description_en")


@dataclass
class Pending:
    number: str
    organisation_id: int | None  # None: a new organisation
    derived: Derived
    state: bytes
    digest: str
    units: list[str]
    known: bool  # the register state exists already (KboEnterprise row)


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


@dataclass
class Statement:
    """One statement of a batch, its values bound before it leaves the importer's thread:
    run once with `params`, or once per row of `rows`; or, with `copy_table`, `data` copied
    into that table's `columns` (PostgreSQL's COPY text)."""

    sql: str = ""
    params: Sequence[Any] = ()
    rows: list[list[Any]] | None = None
    copy_table: str = ""
    columns: str = ""
    data: bytes = b""

    def run(self, raw: Any) -> None:
        cursor = raw.cursor()
        try:
            if self.copy_table:
                with cursor.copy(f"COPY {self.copy_table} ({self.columns}) FROM STDIN") as copy:
                    copy.write(self.data)
            elif self.rows is not None:
                if self.rows:
                    cursor.executemany(self.sql, self.rows)
            else:
                cursor.execute(self.sql, self.params)
        finally:
            cursor.close()


class Background:
    """One batch of statements at a time, run in a thread on the connection of the caller's
    transaction (the DB-API connection itself: Django's wrapper belongs to its thread).

    Each statement is one call into the database's C code, which lets go of Python's
    lock: a statement per row would take the lock back for every row, and wait for it
    behind the importer's thread each time.
    """

    def __init__(self) -> None:
        connection.ensure_connection()
        self.raw = connection.connection
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def submit(self, statements: list[Statement]) -> None:
        self.wait()
        self.thread = threading.Thread(
            target=self._run, args=(statements,), name="kbo-writer", daemon=True
        )
        self.thread.start()

    def _run(self, statements: list[Statement]) -> None:
        try:
            for statement in statements:
                statement.run(self.raw)
        except BaseException as error:  # handed to the importer's thread at its next wait
            self.error = error

    def wait(self) -> None:
        """Wait for the batch in flight; raise its error, if it had one."""
        self.stop()
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    def stop(self) -> None:
        """Wait for the batch in flight, whatever happened to it (before a rollback)."""
        if self.thread is not None:
            self.thread.join()
            self.thread = None


# SQLite binds at most 32,766 parameters per statement.
SQLITE_PARAMETERS = 30_000


def _copy_value(value: Any) -> str:
    """A value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, bytes):
        return "\\\\x" + value.hex()
    if isinstance(value, date):  # a datetime too: ISO 8601, with its offset
        return value.isoformat()
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


def copy_text(rows: list[list[Any]]) -> bytes:
    """Rows as PostgreSQL's COPY text: tab-separated, one line each."""
    return "".join("\t".join(map(_copy_value, row)) + "\n" for row in rows).encode()


class Writer:
    def __init__(self, extract_number: int, imported_schemes: list[str]) -> None:
        self.extract_number = extract_number
        self.content_type = ContentType.objects.get_for_model(Organisation).pk
        self.now = timezone.now()
        self.pending: list[Pending] = []
        # The schemes whose imported tags a re-import replaces.
        self.schemes = list(imported_schemes)
        self.inserted = self.updated = 0
        # Units can only move from an enterprise imported before: a first import skips the
        # look for them (staging already refused a unit named twice in one extract).
        self.units_before = KboEstablishment.objects.exists()
        self.postgres = connection.vendor == "postgresql"
        # The DB-API's own placeholder: the statements bypass Django's cursor.
        self.mark = "%s" if self.postgres else "?"
        self.statements: list[Statement] = []
        self.background = Background()
        self.highest_id: int | None = None

    def add(self, pending: Pending) -> None:
        self.pending.append(pending)

    def flush(self) -> None:
        """Prepare the pending enterprises' statements, and start writing them once the
        batch before is written."""
        if not self.pending:
            return
        new = [p for p in self.pending if p.organisation_id is None]
        old = [p for p in self.pending if p.organisation_id is not None]
        for pending, organisation_id in zip(new, self._new_ids(len(new)), strict=True):
            pending.organisation_id = organisation_id
        self._insert_organisations(new)
        self._update_organisations(old)
        self._write_states(self.pending)
        self._write_units(self.pending)
        self._write_tags(new, old)
        self.inserted += len(new)
        self.updated += len(old)
        self.pending = []
        statements, self.statements = self.statements, []
        self.background.submit(statements)

    def wait(self) -> None:
        """Wait for the batch being written (its error, if any, raised here)."""
        self.background.wait()

    def finish(self) -> None:
        self.flush()
        self.background.wait()

    def stop(self) -> BaseException | None:
        """Wait for the batch being written, on the way out of a failing import; its error,
        if it had one (the cause, where the import's own statement failed after it)."""
        self.background.stop()
        return self.background.error

    def _new_ids(self, count: int) -> list[int]:
        """Ids for new organisations from the table's own sequence, as an INSERT would take
        them: never one a deleted organisation had (its page and audit entries keep it)."""
        if not count:
            return []
        table = Organisation._meta.db_table
        with connection.cursor() as cursor:
            if self.postgres:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [_q(table), count],
                )
                return [row[0] for row in cursor.fetchall()]
            if self.highest_id is None:
                # SQLite's AUTOINCREMENT: the highest id ever given is in sqlite_sequence,
                # which an insert with a higher id moves on. Read once: the batches written
                # since (perhaps not yet) took the ids counted from here, and the import's
                # transaction holds the only write lock.
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                row = cursor.fetchone()
                cursor.execute(f"SELECT max(id) FROM {_q(table)}")  # noqa: S608
                self.highest_id = max(row[0] if row else 0, cursor.fetchone()[0] or 0)
        first = self.highest_id + 1
        self.highest_id += count
        return list(range(first, first + count))

    # --- organisations ---------------------------------------------------------------

    def _insert_organisations(self, new: list[Pending]) -> None:
        if not new:
            return
        now = self._datetime(self.now)
        fields = ["id", "enterprise_number", *OWNED, "website", *DESCRIPTIONS, "source"]
        fields += ["search_text", "created_at", "updated_at", "publication_changed_at"]
        rows = []
        for p in new:
            values = p.derived.values
            rows.append(
                [
                    p.organisation_id,
                    p.number,
                    *(self._value(values[name]) for name in OWNED),
                    p.derived.website,
                    "",
                    "",
                    "",
                    "",
                    Source.KBO.value,
                    search_text(values, p.number),
                    now,
                    now,
                    None,
                ]
            )
        self._insert(Organisation._meta.db_table, fields, rows)

    def _update_organisations(self, old: list[Pending]) -> None:
        if not old:
            return
        ids = [p.organisation_id for p in old if p.organisation_id is not None]
        kept = {
            row[0]: row[1:]
            for row in Organisation.objects.filter(pk__in=ids).values_list(
                "pk", "website", *DESCRIPTIONS
            )
        }
        rows = []
        now = self._datetime(self.now)
        for p in old:
            website, *descriptions = kept[p.organisation_id]
            values = p.derived.values
            rows.append(
                [
                    *(self._value(values[name]) for name in OWNED),
                    website or p.derived.website,
                    search_text(values, p.number, tuple(descriptions)),
                    now,
                    p.organisation_id,
                ]
            )
        fields = [*OWNED, "website", "search_text", "updated_at"]
        self._update(Organisation._meta.db_table, fields, "id", rows)

    # --- the register's own tables ---------------------------------------------------

    def _write_states(self, pending: list[Pending]) -> None:
        known = [p for p in pending if p.known]
        fresh = [p for p in pending if not p.known]
        table = KboEnterprise._meta.db_table
        self._update(
            table,
            ["state", "digest", "extract_number"],
            "number",
            [[p.state, p.digest, self.extract_number, p.number] for p in known],
        )
        self._insert(
            table,
            ["number", "organisation_id", "state", "digest", "extract_number"],
            [[p.number, p.organisation_id, p.state, p.digest, self.extract_number] for p in fresh],
        )

    def _write_units(self, pending: list[Pending]) -> None:
        table = _q(KboEstablishment._meta.db_table)
        known = [p.number for p in pending if p.known]
        units = [[unit, p.number] for p in pending for unit in p.units]
        for start in range(0, len(known), 500):
            chunk = known[start : start + 500]
            marks = ", ".join([self.mark] * len(chunk))
            self.statements.append(
                Statement(f"DELETE FROM {table} WHERE enterprise_id IN ({marks})", chunk)  # noqa: S608
            )
        # A unit moved from another enterprise leaves it.
        moved = [unit for unit, _enterprise in units] if self.units_before else []
        for start in range(0, len(moved), 500):
            chunk = moved[start : start + 500]
            marks = ", ".join([self.mark] * len(chunk))
            sql = f"DELETE FROM {table} WHERE number IN ({marks})"  # noqa: S608
            self.statements.append(Statement(sql, chunk))
        self._insert(KboEstablishment._meta.db_table, ["number", "enterprise_id"], units)

    # --- tags --------------------------------------------------------------------------

    def _write_tags(self, new: list[Pending], old: list[Pending]) -> None:
        table = Tag._meta.db_table
        now = self._datetime(self.now)
        imported = Tag.Provenance.IMPORTED.value
        if old:
            ids = [p.organisation_id for p in old]
            concepts, schemes = _q(Concept._meta.db_table), _q(ConceptScheme._meta.db_table)
            mark = self.mark
            of_schemes = (
                f"SELECT c.id FROM {concepts} c JOIN {schemes} s ON s.id = c.scheme_id "  # noqa: S608
                "WHERE s.code IN ({})"
            )
            # The register's tags: the municipality's (which follows the field, whoever set
            # it), and the imported ones of its schemes. Subqueries that do not depend on
            # the row, so that each is read once.
            theirs = (
                f"(concept_id IN ({of_schemes.format(mark)}) OR (provenance = {mark} AND "
                f"concept_id IN ({of_schemes.format(', '.join([mark] * len(self.schemes)))})))"
            )
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ", ".join([mark] * len(chunk))
                self.statements.append(
                    Statement(
                        f"DELETE FROM {_q(table)} WHERE content_type_id = {mark} "  # noqa: S608
                        f"AND object_id IN ({marks}) AND {theirs}",
                        [self.content_type, *chunk, "territory", imported, *self.schemes],
                    )
                )
        rows = [
            [self.content_type, p.organisation_id, concept_id, imported, now]
            for p in (*new, *old)
            for concept_id in sorted(p.derived.tags)
        ]
        fields = ["content_type_id", "object_id", "concept_id", "provenance", "created_at"]
        # A tag the agency set by hand on an enterprise imported before stays its own.
        self._insert(table, fields, rows, skip_existing=bool(old))

    # --- helpers ---------------------------------------------------------------------

    def _insert(
        self, table: str, fields: list[str], rows: list[list[Any]], skip_existing: bool = False
    ) -> None:
        """Rows into `table`: COPY on PostgreSQL, INSERTs of many rows each on SQLite;
        `skip_existing` leaves out the rows that would repeat a unique key."""
        if not rows:
            return
        columns = ", ".join(_q(f) for f in fields)
        if self.postgres and not skip_existing:
            self.statements.append(
                Statement(copy_table=_q(table), columns=columns, data=copy_text(rows))
            )
            return
        marks = f"({', '.join([self.mark] * len(fields))})"
        suffix = " ON CONFLICT DO NOTHING" if skip_existing else ""
        if self.postgres:  # a re-import's tags: a few per updated enterprise
            sql = f"INSERT INTO {_q(table)} ({columns}) VALUES {marks}{suffix}"  # noqa: S608
            self.statements.append(Statement(sql, rows=rows))
            return
        step = max(1, SQLITE_PARAMETERS // len(fields))
        for start in range(0, len(rows), step):
            part = rows[start : start + step]
            sql = f"INSERT INTO {_q(table)} ({columns}) VALUES {', '.join([marks] * len(part))}{suffix}"  # noqa: S608
            self.statements.append(Statement(sql, [value for row in part for value in row]))

    def _update(self, table: str, fields: list[str], key: str, rows: list[list[Any]]) -> None:
        """Set `fields` of the rows of `table` whose `key` ends each row of `rows`."""
        if not rows:
            return
        if self.postgres:
            assignments = ", ".join(f"{_q(name)} = %s" for name in fields)
            sql = f"UPDATE {_q(table)} SET {assignments} WHERE {_q(key)} = %s"  # noqa: S608
            self.statements.append(Statement(sql, rows=rows))
            return
        # SQLite: one UPDATE … FROM (VALUES …) per many rows; VALUES names its columns
        # column1, column2…
        assignments = ", ".join(f"{_q(name)} = v.column{i}" for i, name in enumerate(fields, 1))
        marks = f"({', '.join(['?'] * (len(fields) + 1))})"
        step = max(1, SQLITE_PARAMETERS // (len(fields) + 1))
        for start in range(0, len(rows), step):
            part = rows[start : start + step]
            sql = (
                f"UPDATE {_q(table)} SET {assignments} FROM (VALUES {', '.join([marks] * len(part))}) "  # noqa: S608
                f"AS v WHERE {_q(table)}.{_q(key)} = v.column{len(fields) + 1}"
            )
            self.statements.append(Statement(sql, [value for row in part for value in row]))

    def _value(self, value: Any) -> Any:
        if isinstance(value, date):
            return value if self.postgres else value.isoformat()
        return value

    def _datetime(self, value: Any) -> Any:
        return value if self.postgres else connection.ops.adapt_datetimefield_value(value)
