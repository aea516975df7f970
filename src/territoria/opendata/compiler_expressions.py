"""ODSQL values compiled to Django expressions: fields (and group aliases), literals,
scalar functions (`year()`, `lower()`, `now()`, `distance()`…) and aggregates (`count()`,
`sum()`, `median()`…), each checked for its type, and each function kept to the clauses
Opendatasoft allows it in (a clear error elsewhere). `ExpressionCompiler` is the first layer of the compiler: it holds
what the others need (the dataset's fields, the language, the timezone), and the
conditions (`compiler_conditions.py`) and clauses (`compiler.py`) build on it.
"""

import datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Avg, Count, F, Max, Min, Sum, Value
from django.db.models.functions import (
    ExtractDay,
    ExtractHour,
    ExtractMonth,
    ExtractYear,
    Lower,
    NullIf,
    Upper,
)

from territoria.opendata import compiler_geo, compiler_now, odsql
from territoria.opendata.compiler_percentile import Percentile
from territoria.opendata.compiler_types import NUMERIC, ORDERED, Output, Typed, text_of, timezone_of
from territoria.opendata.odsql import ODSQLError
from territoria.opendata.registry import Dataset, Field

LANGS = ("fr", "nl", "de", "en")
AGGREGATES = ("count", "sum", "avg", "min", "max", "median", "percentile")
CONDITIONS = ("search", "startswith", "suggest", "within_distance", "in_bbox")
# Opendatasoft's functions this server does not compute (geo shapes, clusters, JSON).
UNSUPPORTED = (
    "envelope", "bbox", "geo_cluster", "intersects", "disjoint", "within", "polygon",
    "geometry", "json_format",
)  # fmt: skip


class ExpressionCompiler:
    """Values: what a field, a literal or a function call of a request stands for."""

    def __init__(self, dataset: Dataset, lang: str = "fr", timezone: str | None = None) -> None:
        if lang not in LANGS:
            raise ODSQLError(f"unknown lang {lang!r}: expected one of {', '.join(LANGS)}")
        self.dataset = dataset
        self.lang = lang
        self.tz = timezone_of(timezone)
        self.fields = dataset.field_map()
        self.aliases: dict[str, Output] = {}
        # Whether the `where` clause is being compiled: a few functions belong elsewhere.
        self.in_where = False
        self._now: datetime.datetime | None = None

    def field(self, name: str) -> Field:
        try:
            return self.fields[name]
        except KeyError:
            known = ", ".join(sorted(self.fields))
            raise ODSQLError(f'unknown field "{name}"; the fields are: {known}') from None

    def value(self, node: Any, allow_aggregate: bool = False) -> Typed:
        match node:
            case odsql.Field(name=name):
                if name in self.aliases and name not in self.fields:
                    alias = self.aliases[name]
                    # The group's own expression: its column is named otherwise in SQL.
                    return Typed(alias.expr, alias.type, alias.field, alias.aggregate)
                spec = self.field(name)
                if spec.multivalued:
                    return Typed(None, spec.type, spec)
                column = spec.column_for(self.lang)
                if spec.type == "geo_point_2d":
                    return Typed(None, spec.type, spec)
                expr = F(column) if isinstance(column, str) else column
                return Typed(expr, spec.type, spec)
            case odsql.Literal(value=Decimal()):
                return self.number(node)
            case odsql.Literal(value=value):
                return self.literal(value)
            case odsql.Call(name=name, args=args):
                return self.call(name, args, allow_aggregate)
            case odsql.Star():
                raise ODSQLError("* is only allowed in select and count(*)")
            case odsql.Distinct():
                raise ODSQLError("distinct is only allowed in count(distinct …)")
            case odsql.Named(name=name):
                raise ODSQLError(f"{text_of(node)}: only now() takes named arguments")
            case odsql.Quantity():
                raise ODSQLError(
                    f"{text_of(node)}: a number with a unit is a distance or a range() width"
                )
            case odsql.FieldPattern():
                raise ODSQLError(f"{text_of(node)}: a field pattern goes in include() or exclude()")
        if isinstance(node, odsql.CONDITIONS):
            raise ODSQLError("a condition is not allowed here")
        raise ODSQLError(f"unexpected {type(node).__name__}")

    def literal(self, value: Any) -> Typed:
        if isinstance(value, bool):
            return Typed(Value(value), "boolean", literal=True, value=value)
        if value is None:
            return Typed(Value(None), "null", literal=True, value=None)
        if isinstance(value, str):
            if "\x00" in value:
                raise ODSQLError("a string cannot contain a NUL character")
            return Typed(Value(value), "text", literal=True, value=value)
        if isinstance(value, datetime.datetime):
            return Typed(Value(value), "datetime", literal=True, value=value)
        if isinstance(value, datetime.date):
            return Typed(Value(value), "date", literal=True, value=value)
        if isinstance(value, odsql.Geometry):
            return Typed(None, "geometry", literal=True, value=value)
        raise ODSQLError(f"unexpected literal {value!r}")

    def number(self, literal: odsql.Literal) -> Typed:
        """A number: refused, naming it, when the databases cannot hold it (a whole number
        past 64 bits, a double that would be infinite): SQLite's driver cannot bind it."""
        number = odsql.number_value(literal)
        if isinstance(number, int):
            return Typed(Value(number), "int", literal=True, value=number)
        return Typed(Value(number), "double", literal=True, value=number)

    def scalar(self, node: Any, what: str) -> Typed:
        typed = self.value(node)
        if typed.field is not None and typed.field.multivalued:
            raise ODSQLError(f'multivalued field "{typed.field.name}" cannot be used in {what}')
        if typed.type == "geo_point_2d":
            raise ODSQLError(f"a geo_point_2d field cannot be used in {what}")
        if typed.type == "geometry":
            raise ODSQLError(f"a geom'…' point cannot be used in {what}")
        return typed

    def call(self, name: str, args: tuple[Any, ...], allow_aggregate: bool) -> Typed:
        if name in AGGREGATES:
            if not allow_aggregate:
                raise ODSQLError(f"{name}() is an aggregate: use it in select or order_by")
            return self.aggregate(name, args)
        if name in ("year", "month", "day", "hour"):
            arg = self.one_arg(name, args)
            typed = self.scalar(arg, f"{name}()")
            if typed.type not in ("date", "datetime"):
                raise ODSQLError(f"{name}() needs a date or datetime, not {typed.type}")
            extract = {
                "year": ExtractYear,
                "month": ExtractMonth,
                "day": ExtractDay,
                "hour": ExtractHour,
            }[name]
            if name == "hour" and typed.type == "date":
                raise ODSQLError("hour() needs a datetime")
            tz = self.tz if typed.type == "datetime" else None
            return Typed(extract(typed.expr, tzinfo=tz), "int", aggregate=typed.aggregate)
        if name in ("lower", "upper"):
            typed = self.scalar(self.one_arg(name, args), f"{name}()")
            if typed.type != "text":
                raise ODSQLError(f"{name}() needs a text, not {typed.type}")
            return Typed((Lower if name == "lower" else Upper)(typed.expr), "text")
        if name == "now":
            moment = self.now(args)
            # The instant in UTC for the database (SQLite's adapter would convert it, and
            # overflow past the calendar's ends); the local value for a date's comparisons.
            instant = compiler_now.in_utc(moment)
            return Typed(Value(instant), "datetime", literal=True, value=moment)
        if name == "distance":
            return self.distance(args)
        if name == "date_format":
            raise ODSQLError("date_format() is only allowed in select and group_by")
        if name in CONDITIONS:
            raise ODSQLError(f"{name}() is a condition: use it in where")
        if name == "range":
            raise ODSQLError("range() is only allowed in group_by")
        if name == "random":
            raise ODSQLError("random() is only allowed in order_by")
        if name in ("include", "exclude"):
            raise ODSQLError(f"{name}() is only allowed in select")
        if name in UNSUPPORTED:
            raise ODSQLError(f"{name}() is not supported by this server")
        raise ODSQLError(f"unknown function {name}()")

    @property
    def reads_clock(self) -> bool:
        """Whether the request used now(): its result then moves with the clock."""
        return self._now is not None

    def now(self, args: tuple[Any, ...]) -> datetime.datetime:
        """now(), moved by its arguments, from one reading of the clock per request."""
        if self._now is None:
            self._now = datetime.datetime.now(self.tz)
        return compiler_now.moved(self._now, compiler_now.arguments(args))

    def geo_columns(self, node: Any, what: str) -> tuple[str, str]:
        """The latitude and longitude columns of a geo_point_2d field."""
        typed = self.value(node)
        if typed.type != "geo_point_2d" or typed.field is None:
            raise ODSQLError(f"{what} needs a geo_point_2d field first, not {text_of(node)}")
        latitude, longitude = typed.field.column_for(self.lang)
        return latitude, longitude

    def distance(self, args: tuple[Any, ...]) -> Typed:
        """distance(geo_field, geom'POINT(…)'): metres, for select and order_by."""
        if self.in_where:
            raise ODSQLError(
                "distance() is only allowed in select and order_by: "
                "filter with within_distance(field, geom'POINT(lon lat)', 10km)"
            )
        if len(args) != 2:
            raise ODSQLError("distance() takes a geo_point_2d field and a point")
        columns = self.geo_columns(args[0], "distance()")
        latitude, longitude = compiler_geo.point(args[1], "distance()")
        return Typed(compiler_geo.distance(columns, latitude, longitude), "double")

    def one_arg(self, name: str, args: tuple[Any, ...]) -> Any:
        if len(args) != 1:
            raise ODSQLError(f"{name}() takes one argument, not {len(args)}")
        return args[0]

    def aggregate(self, name: str, args: tuple[Any, ...]) -> Typed:
        if name in ("median", "percentile"):
            return self.percentile(name, args)
        if name == "count":
            if len(args) != 1:
                raise ODSQLError(f"count() takes one argument, not {len(args)}")
            (arg,) = args
            if isinstance(arg, odsql.Star):
                return Typed(Count("*"), "int", aggregate=True)
            distinct = isinstance(arg, odsql.Distinct)
            inner = self.scalar(arg.value if distinct else arg, "count()")
            self.not_aggregated_twice(inner)
            return Typed(Count(self.nullable(inner), distinct=distinct), "int", aggregate=True)
        arg = self.one_arg(name, args)
        if isinstance(arg, (odsql.Star, odsql.Distinct)):
            raise ODSQLError(f"{name}() takes a field, not {text_of(arg)}")
        inner = self.scalar(arg, f"{name}()")
        self.not_aggregated_twice(inner)
        if name in ("sum", "avg"):
            if inner.type not in NUMERIC:
                raise ODSQLError(f"{name}() needs a number, not {inner.type}")
            kind = "double" if name == "avg" or inner.type == "double" else "int"
            function = Sum if name == "sum" else Avg
            output = models.FloatField() if kind == "double" else models.BigIntegerField()
            return Typed(function(inner.expr, output_field=output), kind, aggregate=True)
        if inner.type not in ORDERED:
            raise ODSQLError(f"{name}() needs a number, text or date, not {inner.type}")
        return Typed(
            (Min if name == "min" else Max)(self.nullable(inner)), inner.type, aggregate=True
        )

    def percentile(self, name: str, args: tuple[Any, ...]) -> Typed:
        """median(field), percentile(field, p): p between 0 and 100, interpolated."""
        if name == "median":
            arg = self.one_arg(name, args)
            fraction = 0.5
        else:
            if len(args) != 2:
                raise ODSQLError("percentile() takes a field and a percentile (0 to 100)")
            arg, rank = args
            if not (isinstance(rank, odsql.Literal) and isinstance(rank.value, Decimal)):
                raise ODSQLError(f"percentile(): the percentile is a number, not {text_of(rank)}")
            if not 0 <= rank.value <= 100:
                raise ODSQLError(f"percentile(): {text_of(rank)} is not between 0 and 100")
            fraction = float(rank.value / 100)
        if isinstance(arg, (odsql.Star, odsql.Distinct)):
            raise ODSQLError(f"{name}() takes a field, not {text_of(arg)}")
        inner = self.scalar(arg, f"{name}()")
        self.not_aggregated_twice(inner)
        if inner.type not in NUMERIC or inner.literal:
            raise ODSQLError(f"{name}() needs a numeric field, not {text_of(arg)}")
        return Typed(Percentile(inner.expr, fraction), "double", aggregate=True)

    @staticmethod
    def nullable(typed: Typed) -> Any:
        """A text's value with the empty text as null, as aggregates and groups see it."""
        if typed.type != "text":
            return typed.expr
        return NullIf(typed.expr, Value(""), output_field=models.TextField())

    def not_aggregated_twice(self, inner: Typed) -> None:
        if inner.aggregate or (inner.field is not None and inner.field.aggregated):
            name = inner.field.name if inner.field else "an aggregate"
            raise ODSQLError(f'"{name}" is already an aggregate and cannot be aggregated again')
