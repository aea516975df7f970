"""Writing imported enterprises: organisations, their register state, units and tags.

Hundreds of thousands of rows per minute: plain statements with parameters (COPY on
PostgreSQL) rather than model instances. Only the register's fields are written; what the
agency entered (descriptions, website once set, tags of its own) is never touched.
"""

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

    def add(self, pending: Pending) -> None:
        self.pending.append(pending)
        if len(self.pending) >= 5000:
            self.flush()

    def flush(self) -> None:
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

    def finish(self) -> None:
        self.flush()

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
            # SQLite's AUTOINCREMENT: the highest id ever given is in sqlite_sequence, which
            # an insert with a higher id moves on.
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            cursor.execute(f"SELECT max(id) FROM {_q(table)}")  # noqa: S608
            highest = max(row[0] if row else 0, cursor.fetchone()[0] or 0)
        return list(range(highest + 1, highest + 1 + count))

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
        assignments = ", ".join(
            f"{_q(name)} = %s" for name in (*OWNED, "website", "search_text", "updated_at")
        )
        sql = f"UPDATE {_q(Organisation._meta.db_table)} SET {assignments} WHERE id = %s"  # noqa: S608
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
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)

    # --- the register's own tables ---------------------------------------------------

    def _write_states(self, pending: list[Pending]) -> None:
        known = [p for p in pending if p.known]
        fresh = [p for p in pending if not p.known]
        table = KboEnterprise._meta.db_table
        if known:
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {_q(table)} SET state = %s, digest = %s, extract_number = %s "  # noqa: S608
                    "WHERE number = %s",
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
        with connection.cursor() as cursor:
            for start in range(0, len(known), 500):
                chunk = known[start : start + 500]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"DELETE FROM {table} WHERE enterprise_id IN ({marks})", chunk)  # noqa: S608
            # A unit moved from another enterprise leaves it.
            moved = [unit for unit, _enterprise in units] if self.units_before else []
            for start in range(0, len(moved), 500):
                chunk = moved[start : start + 500]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"DELETE FROM {table} WHERE number IN ({marks})", chunk)  # noqa: S608
        self._insert(KboEstablishment._meta.db_table, ["number", "enterprise_id"], units)

    # --- tags --------------------------------------------------------------------------

    def _write_tags(self, new: list[Pending], old: list[Pending]) -> None:
        table = Tag._meta.db_table
        now = self._datetime(self.now)
        imported = Tag.Provenance.IMPORTED.value
        if old:
            ids = [p.organisation_id for p in old]
            concepts, schemes = _q(Concept._meta.db_table), _q(ConceptScheme._meta.db_table)
            of_schemes = (
                f"SELECT c.id FROM {concepts} c JOIN {schemes} s ON s.id = c.scheme_id "  # noqa: S608
                "WHERE s.code IN ({})"
            )
            # The register's tags: the municipality's (which follows the field, whoever set
            # it), and the imported ones of its schemes. Subqueries that do not depend on
            # the row, so that each is read once.
            theirs = (
                f"(concept_id IN ({of_schemes.format('%s')}) OR (provenance = %s AND "
                f"concept_id IN ({of_schemes.format(', '.join(['%s'] * len(self.schemes)))})))"
            )
            with connection.cursor() as cursor:
                for start in range(0, len(ids), 500):
                    chunk = ids[start : start + 500]
                    marks = ", ".join(["%s"] * len(chunk))
                    cursor.execute(
                        f"DELETE FROM {_q(table)} WHERE content_type_id = %s "  # noqa: S608
                        f"AND object_id IN ({marks}) AND {theirs}",
                        [self.content_type, *chunk, "territory", imported, *self.schemes],
                    )
        rows = [
            [self.content_type, p.organisation_id, concept_id, imported, now]
            for p in (*new, *old)
            for concept_id in sorted(p.derived.tags)
        ]
        fields = ["content_type_id", "object_id", "concept_id", "provenance", "created_at"]
        if not old:
            self._insert(table, fields, rows)
            return
        marks = ", ".join(["%s"] * len(fields))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {_q(table)} ({', '.join(fields)}) VALUES ({marks}) "  # noqa: S608
                "ON CONFLICT DO NOTHING",
                rows,
            )

    # --- helpers ---------------------------------------------------------------------

    def _insert(self, table: str, fields: list[str], rows: list[list[Any]]) -> None:
        if not rows:
            return
        columns = ", ".join(_q(f) for f in fields)
        with connection.cursor() as cursor:
            if self.postgres:
                with cursor.cursor.copy(f"COPY {_q(table)} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                return
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {_q(table)} ({columns}) VALUES ({marks})", rows)  # noqa: S608

    def _value(self, value: Any) -> Any:
        if isinstance(value, date):
            return value if self.postgres else value.isoformat()
        return value

    def _datetime(self, value: Any) -> Any:
        return value if self.postgres else connection.ops.adapt_datetimefield_value(value)
