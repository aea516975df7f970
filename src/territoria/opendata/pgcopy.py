"""CSV exports on PostgreSQL by `COPY (SELECT …) TO STDOUT`: the database writes the CSV.

The Python writer (`exports.py`) turns every value into a Python object and back into
text; on PostgreSQL, production's database, the same SELECT (compiled by Django, its
values bound by psycopg) can be written as CSV by the server itself, several times
faster. The SELECT formats each column as the Python writer does: empty texts and nulls
as empty fields, booleans as true/false, geo points as "lat, lon", multivalued fields
joined with the list separator in code-point order, and a text that would start a
spreadsheet formula with the mark `core.http.spreadsheet_text` gives it (the same
starting characters, the same mark, taken from that rule). Exports this path cannot
write identically (datetimes, aggregates, quote_all, a delimiter outside plain ASCII) go
through the Python writer.
"""

from collections.abc import Iterator
from typing import Any

from django.contrib.postgres.aggregates import StringAgg
from django.core.exceptions import EmptyResultSet
from django.db import connections, models
from django.db.models import Case, F, Value, When, Window
from django.db.models.functions import Cast, Collate, Concat, NullIf, RowNumber
from django.db.models.lookups import Exact

from territoria.core.http import FORMULA_STARTS, spreadsheet_text
from territoria.opendata import exports
from territoria.opendata.compiler_types import Output
from territoria.opendata.services import Query

# One-byte delimiters COPY accepts and that need no escaping in its options.
DELIMITERS = frozenset(";,|\t:")
CHUNK = 64 * 1024
# What `spreadsheet_text` puts before a text that would start a formula.
FORMULA_MARK = spreadsheet_text(FORMULA_STARTS[0]).removesuffix(FORMULA_STARTS[0])


def usable(query: Query, options: exports.ExportOptions) -> bool:
    """Whether this export can be written by PostgreSQL exactly as the Python writer would."""
    return (
        connections[query.dataset.queryset().db].vendor == "postgresql"
        and not query.compiled.aggregated
        and not options.quote_all
        and options.delimiter in DELIMITERS
        and all(o.type != "datetime" and o.pattern is None for o in query.outputs)
    )


def _text(expr: Any) -> Any:
    return NullIf(Cast(expr, models.TextField()), Value(""), output_field=models.TextField())


def spreadsheet_sql(column: str) -> tuple[str, tuple[Any, ...]]:
    """`core.http.spreadsheet_text` in SQL, over a column of the outer SELECT (a text
    computed once below it, however costly its expression): a text that starts with one
    of FORMULA_STARTS gets the rule's mark, any other (and null) stays as it is. The
    starts and the mark are parameters. A one-character ASCII start is tested on the
    first character's code, `ascii()`, at a third of LEFT()'s cost; any other by LEFT()."""
    tests: list[str] = []
    params: list[Any] = []
    codes = [ord(start) for start in FORMULA_STARTS if len(start) == 1 and start.isascii()]
    if codes:
        tests.append(f"ascii({column}) IN ({', '.join(['%s'] * len(codes))})")
        params.extend(codes)
    others = [start for start in FORMULA_STARTS if len(start) != 1 or not start.isascii()]
    for length in sorted({len(start) for start in others}):
        same = [start for start in others if len(start) == length]
        tests.append(f"LEFT({column}, {length}) IN ({', '.join(['%s'] * len(same))})")
        params.extend(same)
    sql = f"CASE WHEN {' OR '.join(tests)} THEN %s || {column} ELSE {column} END"
    return sql, (*params, FORMULA_MARK)


def _column(query: Query, output: Output) -> Any:
    spec = output.field
    lang = query.compiler.lang
    if output.type == "geo_point_2d":
        assert spec is not None
        latitude, longitude = spec.column_for(lang)
        return Case(
            When(
                **{f"{latitude}__isnull": False, f"{longitude}__isnull": False},
                then=Concat(
                    Cast(F(latitude), models.TextField()),
                    Value(", "),
                    Cast(F(longitude), models.TextField()),
                    output_field=models.TextField(),
                ),
            ),
            default=None,
            output_field=models.TextField(),
        )
    if output.type == "boolean":
        return Case(
            When(Exact(output.expr, True), then=Value("true")),
            When(Exact(output.expr, False), then=Value("false")),
            default=None,
            output_field=models.TextField(),
        )
    if output.type == "text":
        return _text(output.expr)
    if output.type == "double":
        return _double(output.expr)
    return output.expr


def _double(expr: Any) -> Any:
    """A double as `exports.plain_number` writes it: 80, not 80.0 (PostgreSQL switches to
    1e+15 one power of ten before Python does, a range left as it is)."""
    return Cast(Cast(expr, models.FloatField()), models.TextField())


def stream(
    query: Query, columns: list[exports.Column], options: exports.ExportOptions
) -> Iterator[bytes]:
    """The CSV export, its header written here and its rows by the server."""
    header = exports.csv_header(columns, options)
    try:
        sql, params = _select(query, options)
    except EmptyResultSet:  # a condition Django knows selects nothing: the header alone
        chunks: Iterator[bytes] = iter([header])
    else:
        chunks = _copy(query.dataset.queryset().db, sql, params, options.delimiter, header)
    return exports.compress(chunks) if options.compressed else chunks


def _select(query: Query, options: exports.ExportOptions) -> tuple[str, tuple[Any, ...]]:
    """One SELECT of the export's rows in order, each column formatted as text.

    A multivalued field is aggregated once for the whole selection and joined by record
    (a subquery per row would run once per record and field). Every part is compiled by
    Django with its parameters; only those compiled parts are put together here.
    """
    outputs = query.outputs
    multi = [i for i, o in enumerate(outputs) if o.field and o.field.multivalued and o.expr is None]
    # In the default order (by key) the joins keep the rows in order and PostgreSQL need
    # not sort them again; another order is numbered first and sorted on that number.
    by_key = not query.compiled.order_by and tuple(query.dataset.ordering) in (("pk",), ("id",))
    base = query.ordered_selection().annotate(
        copy_pk=F("pk"),
        copy_order=F("pk") if by_key else Window(RowNumber(), order_by=query.ordering()),
        **{
            f"copy_{i}": _column(query, output)
            for i, output in enumerate(outputs)
            if i not in multi
        },
    )
    if query.request.limit >= 0:
        base = base[query.request.offset : query.request.offset + query.request.limit]
    elif query.request.offset:
        base = base[query.request.offset :]
    scalar = [f"copy_{i}" for i in range(len(outputs)) if i not in multi]
    base_sql, params = base.values_list("copy_pk", "copy_order", *scalar).query.sql_with_params()
    # A filtered export aggregates only its records' values; a whole one, every value.
    filtered = query.selection.filtered or query.selection.uses_bitmap()
    selected = query.selection.rows().values("pk")
    joins = []
    for i in multi:
        spec = outputs[i].field
        assert spec is not None and spec.values is not None
        values = spec.values(query.compiler.lang)
        if filtered:
            values = values.filter(owner__in=selected)
        values = (
            values.exclude(value="")
            .order_by()
            .values("owner")
            .annotate(
                joined=StringAgg(
                    "value", delimiter=options.list_separator, order_by=Collate(F("value"), "C")
                )
            )
            .values_list("owner", "joined")
        )
        join_sql, join_params = values.query.sql_with_params()
        joins.append(f'LEFT JOIN ({join_sql}) m{i} ON m{i}."owner" = b."copy_pk"')
        params = (*params, *join_params)
    columns: list[str] = []
    column_params: list[Any] = []
    for i, output in enumerate(outputs):
        column = f'm{i}."joined"' if i in multi else f'b."copy_{i}"'
        if options.spreadsheet_safe and (output.type == "text" or i in multi):
            column, safe_params = spreadsheet_sql(column)  # a multivalued field: one cell
            column_params.extend(safe_params)
        columns.append(column)
    sql = (
        f'SELECT {", ".join(columns)} FROM ({base_sql}) b {" ".join(joins)} ORDER BY b."copy_order"'  # noqa: S608 - Django-compiled parts, parameters apart
    )
    return sql, (*column_params, *params)


def _copy(
    alias: str, sql: str, params: tuple[Any, ...], delimiter: str, header: bytes
) -> Iterator[bytes]:
    buffer = bytearray(header)
    with connections[alias].cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor: COPY is not in the DB-API
        # COPY takes no server-side parameters: psycopg binds them client-side, quoted.
        statement = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, DELIMITER %s)"
        with raw.copy(statement, (*params, delimiter)) as copy:
            for data in copy:
                buffer += data
                if len(buffer) >= CHUNK:
                    yield bytes(buffer)
                    buffer.clear()
    if buffer:
        yield bytes(buffer)
