"""Reading values: database values turned into the API's values, a column at a time
(`Reader`), and the rows of a query read in batches straight from the database driver
(`raw_rows`), with what Django's converters would have made of them.
"""

import datetime
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections, models

from territoria.opendata.compiler import Compiler
from territoria.opendata.compiler_types import Output

JAVA_TO_STRFTIME = (("yyyy", "%Y"), ("MM", "%m"), ("dd", "%d"), ("HH", "%H"))


class Reader:
    """Turns database values into the API's values, per output column."""

    def __init__(self, compiler: Compiler, outputs: list[Output]) -> None:
        self.compiler = compiler
        self.outputs = outputs
        self.converters = [self._converter(o) for o in outputs]

    raw = False  # values straight from the database driver, without Django's converters

    def column(self, i: int, values: Any) -> Any:
        """One column of a batch, converted; columns the database already gives in their
        API form are passed through as they are."""
        output = self.outputs[i]
        if self.raw:
            values = _from_driver(output, values)
        if output.convert is not None:
            return [None if v is None else output.convert(v) for v in values]
        if output.field is not None and output.field.multivalued:
            return [[v] if v else None for v in values]  # one value, read from the row
        if output.pattern is None:
            if output.type == "text":
                return [v or None for v in values]  # the empty text is null
            if output.type in ("boolean", "date", "geo_point_2d"):
                return values
            if output.type == "datetime" and self.compiler.tz.key == "UTC":
                return values
        convert = self.converters[i]
        if convert is None:
            return values
        return [None if v is None else convert(v) for v in values]

    def _converter(self, output: Output) -> Any:
        if output.convert is not None:  # a value the column does not show as it is
            return output.convert
        tz = self.compiler.tz
        if output.pattern is not None:
            pattern = output.pattern
            for java, c in JAVA_TO_STRFTIME:
                pattern = pattern.replace(java, c)

            def formatted(value: Any) -> Any:
                if isinstance(value, datetime.datetime) and value.tzinfo is not None:
                    value = value.astimezone(tz)
                return value.strftime(pattern)

            return formatted
        kind = output.type
        if kind == "text":
            return lambda v: v if v != "" else None
        if kind == "datetime":
            return lambda v: v.astimezone(tz)
        if kind == "double":
            return float
        if kind == "int":
            return int
        if kind == "boolean":
            return bool
        if kind == "date":
            return lambda v: v.date() if isinstance(v, datetime.datetime) else v
        return None


def raw_rows(source: models.QuerySet[Any], size: int) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of a values_list() query in batches, straight from the driver: Django's
    per-row converters cost more than the rest of an export. The SQL is Django's own,
    with its parameters."""
    try:
        sql, params = source.query.sql_with_params()
    except EmptyResultSet:  # a condition Django knows selects nothing (IN of no value)
        return
    with connections[source.db].cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(size):
            yield rows


def _from_driver(output: Output, values: Any) -> Any:
    """What Django's converters would have made of a column's raw values."""
    kind = output.type
    sqlite = connection.vendor == "sqlite"
    if kind == "boolean":
        return [None if v is None else bool(v) for v in values]
    if kind == "date" or (output.pattern is not None and sqlite):
        parse = datetime.datetime.fromisoformat if output.pattern else datetime.date.fromisoformat
        return [v if v is None or not isinstance(v, str) else parse(v) for v in values]
    if kind == "datetime" and sqlite:
        # SQLite keeps naive UTC; its driver may or may not have parsed the text already.
        parsed = [datetime.datetime.fromisoformat(v) if isinstance(v, str) else v for v in values]
        return [
            v.replace(tzinfo=datetime.UTC) if v is not None and v.tzinfo is None else v
            for v in parsed
        ]
    if kind == "double":
        return [None if v is None else float(v) for v in values]
    return values
