"""ODSQL compiled to parameterised SQL, through Django's query expressions.

The parser (`odsql.py`) gives an AST; this module checks it against a dataset's fields
(names, types, what may be compared with what) and turns it into ORM expressions, which
Django renders as SQL with every literal passed as a parameter, on SQLite and PostgreSQL
alike. Nothing of the query text ever reaches SQL as text. Every mistake raises
ODSQLError with a message for the client; the API answers it with HTTP 400.

Semantics worth knowing:
- a multivalued field (`field = "v"`, `IN`, `LIKE`, `startswith`, `search`) matches when
  any of its values does; `!=` and `NOT IN` when none does;
- empty texts are null (`IS NULL` finds them);
- comparisons follow SQL: a null value never satisfies a comparison, nor its negation;
- datetimes are compared and grouped in the request's `timezone` (default UTC).
"""

import datetime
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import (
    Avg,
    Count,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import (
    ExtractDay,
    ExtractHour,
    ExtractMonth,
    ExtractYear,
    Lower,
    NullIf,
    TruncDate,
    TruncHour,
    TruncMonth,
    TruncYear,
    Upper,
)
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    IContains,
    IStartsWith,
    LessThan,
    LessThanOrEqual,
    Lookup,
)
from django.db.models.lookups import (
    In as InLookup,
)
from django.db.models.lookups import (
    IsNull as IsNullLookup,
)

from territoria.opendata import odsql
from territoria.opendata.odsql import ODSQLError
from territoria.opendata.registry import Dataset, Field

LANGS = ("fr", "nl", "de", "en")
NUMERIC = ("int", "double")
ORDERED = ("int", "double", "text", "date", "datetime")
AGGREGATES = ("count", "sum", "avg", "min", "max")
UNSUPPORTED = ("median", "percentile", "suggest", "within_distance", "in_bbox", "distance")
MAX_IN_ITEMS = 1000
INVERSE = {"=": "!=", "!=": "=", "<": ">=", ">=": "<", "<=": ">", ">": "<="}


class Like(Lookup):
    """`a LIKE b` with SQL's `%` and `_` wildcards, case-insensitive on every database."""

    lookup_name = "odsql_like"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"UPPER({lhs}) LIKE UPPER({rhs})", [*lhs_params, *rhs_params]


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
        case odsql.Literal(value=value):
            if isinstance(value, str):
                return odsql.quote(value)
            if isinstance(value, bool):
                return "true" if value else "false"
            if value is None:
                return "null"
            if isinstance(value, datetime.date):
                return f"date'{value.isoformat()}'"
            return str(value)
        case odsql.Distinct(value=value):
            return f"distinct {text_of(value)}"
        case odsql.Call(name=name, args=args):
            return f"{name}({', '.join(text_of(a) for a in args)})"
    return type(node).__name__.lower()


class Compiler:
    def __init__(self, dataset: Dataset, lang: str = "fr", timezone: str | None = None) -> None:
        if lang not in LANGS:
            raise ODSQLError(f"unknown lang {lang!r}: expected one of {', '.join(LANGS)}")
        self.dataset = dataset
        self.lang = lang
        self.tz = timezone_of(timezone)
        self.fields = dataset.field_map()
        self.aliases: dict[str, Output] = {}

    # --- values -------------------------------------------------------------------------

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
        if isinstance(value, Decimal):
            if value == value.to_integral_value() and abs(value) < 2**63:
                return Typed(Value(int(value)), "int", literal=True, value=int(value))
            return Typed(Value(float(value)), "double", literal=True, value=float(value))
        raise ODSQLError(f"unexpected literal {value!r}")

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

    # --- conditions ---------------------------------------------------------------------

    def condition(self, node: Any, negated: bool = False) -> Q:
        """`node` as a filter; `negated` pushes a NOT down to the comparisons, so that a
        null (or empty) value satisfies neither a comparison nor its negation."""
        match node:
            case odsql.And(items=items) | odsql.Or(items=items):
                conjunction = isinstance(node, odsql.And) != negated
                parts = [self.condition(item, negated) for item in items]
                result = parts[0]
                for part in parts[1:]:
                    result = (result & part) if conjunction else (result | part)
                return result
            case odsql.Not(item=item):
                return self.condition(item, not negated)
            case odsql.Compare(op=op, left=left, right=right):
                return self.compare(INVERSE[op] if negated else op, left, right)
            case odsql.In(value=value, items=items, negated=is_negated):
                return self.in_(value, items, is_negated != negated)
            case odsql.IsNull(value=value, negated=is_negated):
                return self.is_null(value, is_negated != negated)
            case odsql.Like(value=value, pattern=pattern, negated=is_negated):
                return self.like(value, pattern, is_negated != negated)
            case odsql.Truthy(value=value):
                return self.truthy(value, negated)
        raise ODSQLError(f"expected a condition, not {text_of(node)}")

    def truthy(self, value: Any, negated: bool = False) -> Q:
        if isinstance(value, odsql.Literal) and isinstance(value.value, str):
            found = self.search(None, value.value)
            return ~found if negated else found
        if isinstance(value, odsql.Literal) and isinstance(value.value, bool):
            return Q() if value.value != negated else Q(pk__in=[])
        if isinstance(value, odsql.Call) and value.name in ("search", "startswith"):
            return self.text_function(value, negated)
        typed = self.scalar(value, "a condition")
        if typed.type != "boolean":
            raise ODSQLError(f"{text_of(value)} is not a condition")
        return Q(Exact(typed.expr, Value(not negated)))

    def text_function(self, call: odsql.Call, negated: bool = False) -> Q:
        args = call.args
        if call.name == "search":
            if len(args) == 1:
                found = self.search(None, self.string_arg(args[0], "search()"))
                return ~found if negated else found
            if len(args) == 2:
                text = self.string_arg(args[1], "search()")
                if isinstance(args[0], odsql.Star):
                    found = self.search(None, text)
                    return ~found if negated else found
                return self.text_match(args[0], text, IContains, "search()", negated)
            raise ODSQLError("search() takes a text, or a field and a text")
        if len(args) != 2:
            raise ODSQLError("startswith() takes a field and a text")
        prefix = self.string_arg(args[1], "startswith()")
        return self.text_match(args[0], prefix, IStartsWith, "startswith()", negated)

    def string_arg(self, node: Any, where: str) -> str:
        if not (isinstance(node, odsql.Literal) and isinstance(node.value, str)):
            raise ODSQLError(f"{where} needs a text in quotes")
        if "\x00" in node.value:
            raise ODSQLError("a string cannot contain a NUL character")
        return str(node.value)

    def search(self, target: Any, text: str) -> Q:
        if target is not None:
            return self.text_match(target, text, IContains, "search()")
        words = text.split()[:10]
        search = self.dataset.extra.get("search")
        if search is not None:
            return Q(search(text)) if words else Q()
        if not self.dataset.search_columns:
            raise ODSQLError(f"dataset {self.dataset.id} has no text to search")
        result = Q()
        for word in words:
            any_column = Q()
            for column in self.dataset.search_columns:
                any_column |= Q(IContains(F(column), Value(word)))
            result &= any_column
        return result

    def text_match(
        self,
        target: Any,
        text: str,
        lookup: type[Lookup],
        where: str,
        negated: bool = False,
    ) -> Q:
        typed = self.value(target)
        if typed.type != "text" or typed.literal:
            raise ODSQLError(f"{where} needs a text field first")
        if typed.field is not None and typed.field.multivalued:
            return self.any_value(typed.field, lookup(F("value"), Value(text)), negated)
        found = Q(lookup(typed.expr, Value(text)))
        return (~found & self.not_null(typed)) if negated else found

    def any_value(self, spec: Field, condition: Any, negated: bool = False) -> Q:
        assert spec.values is not None
        rows = spec.values(self.lang).filter(owner=OuterRef("pk")).filter(condition)
        exists = Q(Exists(rows))
        return ~exists if negated else exists

    def comparable(self, left: Typed, right: Typed, what: str) -> tuple[Typed, Typed]:
        """The two sides, converted so they compare; else a clear error."""
        if right.type == "null" or left.type == "null":
            raise ODSQLError(f"{what}: compare with null using IS NULL or IS NOT NULL")
        if left.type == right.type:
            return left, right
        if left.type in NUMERIC and right.type in NUMERIC:
            return left, right
        temporal = ("date", "datetime")
        if left.type in temporal and right.literal:
            return left, self.as_moment(right, left.type, what)
        if right.type in temporal and left.literal:
            return self.as_moment(left, right.type, what), right
        if left.type in temporal and right.type in temporal:
            return left, right
        raise ODSQLError(f"{what}: cannot compare {left.type} with {right.type}")

    def as_moment(self, literal: Typed, kind: str, what: str) -> Typed:
        value = literal.value
        if isinstance(value, str):
            try:
                value = (
                    datetime.date.fromisoformat(value)
                    if len(value) <= 10
                    else datetime.datetime.fromisoformat(value)
                )
            except ValueError:
                raise ODSQLError(
                    f"{what}: \"{value}\" is not a date (write date'2024-12-31')"
                ) from None
        if not isinstance(value, datetime.date):
            raise ODSQLError(f"{what}: cannot compare a {kind} with {literal.type}")
        if kind == "datetime":
            if not isinstance(value, datetime.datetime):
                value = datetime.datetime.combine(value, datetime.time())
            if value.tzinfo is None:
                value = value.replace(tzinfo=self.tz)
            try:  # the database compares in UTC: near year 1 or 9999 that may not exist
                value = value.astimezone(datetime.UTC)
            except (OverflowError, ValueError):
                raise ODSQLError(f"{what}: date out of range") from None
            return Typed(Value(value), "datetime", literal=True, value=value)
        if isinstance(value, datetime.datetime):
            value = value.date()
        return Typed(Value(value), "date", literal=True, value=value)

    def compare(self, op: str, left_node: Any, right_node: Any) -> Q:
        what = f"{text_of(left_node)} {op} {text_of(right_node)}"
        left, right = self.value(left_node), self.value(right_node)
        for one in (left, right):
            if one.type == "geo_point_2d":
                raise ODSQLError(f"{what}: geo_point_2d fields cannot be compared")
        if right.field is not None and right.field.multivalued and left.literal:
            left, right = right, left
            op = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}.get(op, op)
        left, right = self.comparable(left, right, what)
        if left.field is not None and left.field.multivalued:
            if not right.literal:
                raise ODSQLError(f"{what}: a multivalued field compares with a value only")
            if op == "!=":
                return self.any_value(left.field, Exact(F("value"), right.expr), negated=True)
            return self.any_value(left.field, self.lookup(op, F("value"), right.expr))
        if op == "!=":
            # SQL's <>: a null value is neither equal nor different.
            return Q(self.lookup("=", left.expr, right.expr)).__invert__() & self.not_null(left)
        return Q(self.lookup(op, left.expr, right.expr))

    def not_null(self, typed: Typed) -> Q:
        if typed.literal:
            return Q()
        return ~self.null(typed)

    def null(self, typed: Typed) -> Q:
        test = Q(IsNullLookup(typed.expr, True))
        if typed.type == "text":
            test |= Q(Exact(typed.expr, Value("")))
        return test

    @staticmethod
    def lookup(op: str, lhs: Any, rhs: Any) -> Any:
        kind = {
            "=": Exact,
            "<": LessThan,
            "<=": LessThanOrEqual,
            ">": GreaterThan,
            ">=": GreaterThanOrEqual,
        }[op]
        return kind(lhs, rhs)

    def in_(self, value_node: Any, item_nodes: tuple[Any, ...], negated: bool) -> Q:
        if len(item_nodes) > MAX_IN_ITEMS:
            raise ODSQLError(f"IN takes at most {MAX_IN_ITEMS} values")
        what = f"{text_of(value_node)} IN (…)"
        typed = self.value(value_node)
        values = []
        for node in item_nodes:
            item = self.value(node)
            if not item.literal:
                raise ODSQLError(f"{what}: IN takes values, not {text_of(node)}")
            typed, item = self.comparable(typed, item, what)
            values.append(item.value)
        if typed.type == "geo_point_2d":
            raise ODSQLError(f"{what}: geo_point_2d fields cannot be compared")
        if typed.field is not None and typed.field.multivalued:
            return self.any_value(typed.field, InLookup(F("value"), values), negated=negated)
        condition = Q(InLookup(typed.expr, values))
        return (~condition & self.not_null(typed)) if negated else condition

    def is_null(self, value_node: Any, negated: bool) -> Q:
        typed = self.value(value_node)
        if typed.field is not None and typed.field.multivalued:
            return self.any_value(typed.field, Q(), negated=not negated)
        if typed.type == "geo_point_2d":
            assert typed.field is not None
            latitude, _longitude = typed.field.column_for(self.lang)
            test = Q(**{f"{latitude}__isnull": True})
            return ~test if negated else test
        test = self.null(typed)
        return ~test if negated else test

    def like(self, value_node: Any, pattern_node: Any, negated: bool) -> Q:
        pattern = self.string_arg(pattern_node, "LIKE")
        typed = self.value(value_node)
        if typed.type != "text":
            raise ODSQLError(f"LIKE needs a text, not {typed.type}")
        if typed.field is not None and typed.field.multivalued:
            return self.any_value(typed.field, Like(F("value"), Value(pattern)), negated=negated)
        condition = Q(Like(typed.expr, Value(pattern)))
        return (~condition & self.not_null(typed)) if negated else condition

    # --- select, group_by, order_by -----------------------------------------------------

    def where(self, text: str | None) -> Q | None:
        if not text or not text.strip():
            return None
        return self.condition(odsql.parse_where(text))

    def select(self, text: str | None) -> list[Output]:
        if not text or not text.strip():
            return self.all_fields()
        outputs: list[Output] = []
        for item in odsql.parse_select(text):
            if isinstance(item.value, odsql.Star):
                if item.alias:
                    raise ODSQLError("* cannot have an alias")
                outputs.extend(self.all_fields())
                continue
            outputs.append(self.output(item))
        names = [o.name for o in outputs]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ODSQLError(f"the result would have two columns named {duplicated[0]!r}: add AS")
        return outputs

    def all_fields(self) -> list[Output]:
        return [self.field_output(spec, spec.name) for spec in self.fields.values()]

    def field_output(self, spec: Field, name: str) -> Output:
        if (spec.multivalued and spec.column is None) or spec.type == "geo_point_2d":
            return Output(name, spec.type, None, spec)
        column = spec.column_for(self.lang)
        return Output(name, spec.type, F(column) if isinstance(column, str) else column, spec)

    def output(self, item: odsql.SelectItem) -> Output:
        name = item.alias or text_of(item.value)
        if isinstance(item.value, odsql.Field) and item.value.name in self.fields:
            return self.field_output(self.field(item.value.name), name)
        if isinstance(item.value, odsql.Call) and item.value.name == "date_format":
            return self.date_format(item.value, name)
        if isinstance(item.value, odsql.CONDITIONS):
            raise ODSQLError(f"{name}: a condition cannot be selected")
        typed = self.value(item.value, allow_aggregate=True)
        if typed.literal:
            raise ODSQLError(f"{name}: select fields or functions of fields, not constants")
        return Output(name, typed.type, typed.expr, typed.field, typed.aggregate)

    def date_format(self, call: odsql.Call, name: str) -> Output:
        if len(call.args) != 2:
            raise ODSQLError("date_format() takes a date field and a pattern")
        typed = self.scalar(call.args[0], "date_format()")
        if typed.type not in ("date", "datetime"):
            raise ODSQLError(f"date_format() needs a date or datetime, not {typed.type}")
        pattern = self.string_arg(call.args[1], "date_format()")
        units = [u for u in ("yyyy", "MM", "dd", "HH") if u in pattern]
        leftover = pattern
        for unit in units:
            leftover = leftover.replace(unit, "")
        if not units or any(ch.isalpha() for ch in leftover):
            raise ODSQLError(
                "date_format() supports the patterns yyyy, MM, dd and HH with separators "
                f"(such as 'yyyy-MM'), not {pattern!r}"
            )
        tz = self.tz if typed.type == "datetime" else None
        finest = units[-1]
        coarse = ["yyyy", "MM", "dd", "HH"][: ["yyyy", "MM", "dd", "HH"].index(finest) + 1]
        if units != coarse:
            raise ODSQLError(
                f"date_format(): {pattern!r} must include every coarser unit ({', '.join(coarse)})"
            )
        if finest == "HH" and typed.type == "date":
            raise ODSQLError("date_format(): HH needs a datetime")
        expr: Any
        if finest == "HH":
            expr = TruncHour(typed.expr, output_field=models.DateTimeField(), tzinfo=tz)
        elif finest == "dd":
            expr = TruncDate(typed.expr, tzinfo=tz) if typed.type == "datetime" else typed.expr
        else:
            trunc = TruncYear if finest == "yyyy" else TruncMonth
            expr = trunc(typed.expr, output_field=models.DateField(), tzinfo=tz)
        return Output(name, "text", expr, None, False, pattern)

    def group_by(self, text: str | None) -> list[Output]:
        if not text or not text.strip():
            return []
        groups: list[Output] = []
        for item in odsql.parse_select(text):
            if isinstance(item.value, odsql.Star):
                raise ODSQLError("group_by cannot use *")
            output = self.output(item)
            if output.aggregate:
                raise ODSQLError(f"group_by cannot use an aggregate ({output.name})")
            if output.expr is None:
                raise ODSQLError(
                    f'group_by cannot use the multivalued or geo field "{output.name}": '
                    "count its values with the facets endpoint"
                )
            if output.type == "text" and output.pattern is None:
                output.expr = NullIf(output.expr, Value(""), output_field=models.TextField())
            groups.append(output)
        names = [g.name for g in groups]
        if len(set(names)) != len(names):
            raise ODSQLError("group_by names a column twice: add AS")
        return groups

    def order_by(
        self, text: str | None, outputs: list[Output], aggregated: bool
    ) -> list[tuple[int | None, Any, bool]]:
        """Each sort key: the index of the selected column it names, or its own expression."""
        if not text or not text.strip():
            return []
        names = [o.name for o in outputs]
        result: list[tuple[int | None, Any, bool]] = []
        for item in odsql.parse_order_by(text):
            node = item.value
            key = text_of(node)
            if key in names:
                index = names.index(key)
                if outputs[index].expr is None:
                    raise ODSQLError(f'cannot sort by the multivalued or geo field "{key}"')
                result.append((index, None, item.descending))
                continue
            if aggregated:
                raise ODSQLError(
                    f"order_by {key}: with group_by or aggregates, sort by a selected column"
                )
            typed = self.scalar(node, "order_by")
            if typed.literal:
                raise ODSQLError(f"order_by {key}: sort by a field, not a constant")
            result.append((None, typed.expr, item.descending))
        return result


def compile_query(
    dataset: Dataset,
    *,
    select: str | None = None,
    where: str | None = None,
    group_by: str | None = None,
    order_by: str | None = None,
    lang: str = "fr",
    timezone: str | None = None,
) -> tuple[Compiler, Compiled]:
    """Check and compile one request's ODSQL parameters against `dataset`."""
    compiler = Compiler(dataset, lang, timezone)
    compiled = Compiled(where=compiler.where(where))
    groups = compiler.group_by(group_by)
    if groups:
        compiler.aliases = {g.name: g for g in groups}
        outputs = compiler.select(select) if select and select.strip() else list(groups)
        by_name = {g.name: g for g in groups}
        for position, output in enumerate(outputs):
            if output.aggregate:
                continue
            group = by_name.get(output.name) or next((g for g in groups if _same(g, output)), None)
            if group is None:
                raise ODSQLError(f'"{output.name}" must be in group_by or inside an aggregate')
            # The selected column is the group's value, under the selected name.
            outputs[position] = Output(
                output.name, group.type, group.expr, group.field, False, group.pattern
            )
        compiled.group_by = groups
    else:
        outputs = compiler.select(select)
        if any(o.aggregate for o in outputs) and not all(o.aggregate for o in outputs):
            plain = next(o.name for o in outputs if not o.aggregate)
            raise ODSQLError(f'"{plain}" must be in group_by or inside an aggregate')
    compiled.outputs = outputs
    compiled.order_by = compiler.order_by(order_by, outputs, compiled.aggregated)
    return compiler, compiled


def _same(group: Output, output: Output) -> bool:
    """Whether a selected column is the value of a group (selected under another name)."""
    if group.pattern != output.pattern:
        return False
    if group.field is not None and group.field is output.field and isinstance(output.expr, F):
        return True
    return str(group.expr) == str(output.expr)


__all__ = ["Compiled", "Compiler", "ODSQLError", "Output", "compile_query", "text_of"]
