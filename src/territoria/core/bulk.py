"""Many rows written with one prepared statement each (`executemany`).

Django's `bulk_create` builds a model instance and its SQL per row, and `bulk_update` a
CASE per field and row: minutes for the hundreds of thousands of rows a large import
writes. These take plain values instead; table and column names come from the model,
never from input, and values travel as parameters.
"""

from collections.abc import Sequence
from typing import Any

from django.db import connection, models

BATCH = 2000


def insert_rows(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert `rows`, each the values of `fields` (model field names) in that order."""
    table, columns = _names(model, fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608
    _run(sql, rows)


def update_rows(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Update rows by primary key: each row is the values of `fields`, then the key."""
    table, columns = _names(model, fields)
    key = connection.ops.quote_name(str(model._meta.pk.column))
    assignments = ", ".join(f"{column} = %s" for column in columns)
    _run(f"UPDATE {table} SET {assignments} WHERE {key} = %s", rows)  # noqa: S608


def _names(model: type[models.Model], fields: Sequence[str]) -> tuple[str, list[str]]:
    quote = connection.ops.quote_name
    meta = model._meta
    columns = [getattr(meta.get_field(name), "column", None) for name in fields]
    if not all(columns):
        raise ValueError(f"{model.__name__}: {fields} are not all columns")
    return quote(meta.db_table), [quote(str(column)) for column in columns]


def _run(sql: str, rows: Sequence[Sequence[Any]]) -> None:
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])
