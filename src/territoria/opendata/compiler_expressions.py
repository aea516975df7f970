"""ODSQL values compiled to Django expressions: fields (and group aliases), literals,
scalar functions (`year()`, `lower()`, …) and aggregates (`count()`, `sum()`, …), each
checked for its type. `ExpressionCompiler` is the first layer of the compiler: it holds
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

from territoria.opendata import odsql
from territoria.opendata.compiler_types import NUMERIC, ORDERED, Output, Typed, text_of, timezone_of
from territoria.opendata.odsql import ODSQLError
from territoria.opendata.registry import Dataset, Field

LANGS = ("fr", "nl", "de", "en")
AGGREGATES = ("count", "sum", "avg", "min", "max")
UNSUPPORTED = ("median", "percentile", "suggest", "within_distance", "in_bbox", "distance")


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
        if isinstance(value, datetime.date):
            return Typed(Value(value), "date", literal=True, value=value)
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
        if name == "date_format":
            raise ODSQLError("date_format() is only allowed in select and group_by")
        if name in ("search", "startswith"):
            raise ODSQLError(f"{name}() is a condition: use it in where")
        if name in UNSUPPORTED:
            raise ODSQLError(f"{name}() is not supported by this server")
        raise ODSQLError(f"unknown function {name}()")

    def one_arg(self, name: str, args: tuple[Any, ...]) -> Any:
        if len(args) != 1:
            raise ODSQLError(f"{name}() takes one argument, not {len(args)}")
        return args[0]

    def aggregate(self, name: str, args: tuple[Any, ...]) -> Typed:
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
