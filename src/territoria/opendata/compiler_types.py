"""The vocabulary the ODSQL compiler speaks, shared by its layers and by what reads its
result: the types a value may have (`NUMERIC`, `ORDERED`), a compiled value (`Typed`), a
column of the result (`Output`), a whole compiled request (`Compiled`), and two helpers,
the canonical text of an expression (`text_of`, by which Opendatasoft names unaliased
columns) and the request's timezone (`timezone_of`).
"""

import datetime
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from territoria.opendata import odsql
from territoria.opendata.odsql import ODSQLError
from territoria.opendata.registry import Field

NUMERIC = ("int", "double")
ORDERED = ("int", "double", "text", "date", "datetime")


@dataclass(frozen=True)
class Typed:
    """A compiled value: its expression, its ODSQL type, and its field if it is one."""

    expr: Any
    type: str
    field: Field | None = None
    aggregate: bool = False
    literal: bool = False
    value: Any = None


@dataclass
class Output:
    """One column of the result: its name, type, and how to compute it."""

    name: str
    type: str
    expr: Any = None  # None for a multivalued field, read separately
    field: Field | None = None
    aggregate: bool = False
    # A date_format() pattern applied when reading the value.
    pattern: str | None = None
    # What the API shows for a value read from the database, when the column does not
    # give it itself (a range() group's bounds, written from its bucket's number).
    convert: Callable[[Any], Any] | None = None


@dataclass
class Compiled:
    where: Q | None = None
    outputs: list[Output] = field(default_factory=list)
    group_by: list[Output] = field(default_factory=list)
    order_by: list[tuple[int | None, Any, bool]] = field(default_factory=list)

    @property
    def aggregated(self) -> bool:
        return bool(self.group_by) or any(o.aggregate for o in self.outputs)


def timezone_of(name: str | None) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise ODSQLError(f"unknown timezone {name!r}") from None
    except Exception:  # e.g. a path-like name the zone loader refuses
        raise ODSQLError(f"unknown timezone {name!r}") from None


def text_of(node: Any) -> str:
    """The canonical text of an expression: Opendatasoft names unaliased columns by it."""
    match node:
        case odsql.Field(name=name):
            return name
        case odsql.Star():
            return "*"
        case odsql.Literal(value=value, text=text):
            if text is not None:  # a number, as written
                return text
            if isinstance(value, str):
                return odsql.quote(value)
            if isinstance(value, bool):
                return "true" if value else "false"
            if value is None:
                return "null"
            if isinstance(value, datetime.date):
                return f"date'{value.isoformat()}'"
            if isinstance(value, odsql.Geometry):
                text = value.text
                return f"geom'{text}'" if "'" not in text else f"geom{odsql.quote(text)}"
            return str(value)
        case odsql.Distinct(value=value):
            return f"distinct {text_of(value)}"
        case odsql.Named(name=name, value=value):
            return f"{name}={text_of(value)}"
        case odsql.Quantity(number=number, unit=unit, spaced=spaced):
            return f"{text_of(number)}{' ' if spaced else ''}{unit}"
        case odsql.FieldPattern(prefix=prefix):
            return f"{prefix}*"
        case odsql.Call(name=name, args=args):
            return f"{name}({', '.join(text_of(a) for a in args)})"
    return type(node).__name__.lower()
