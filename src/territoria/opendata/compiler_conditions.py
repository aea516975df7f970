"""ODSQL conditions compiled to Django filters (`Q`): the `where` clause's comparisons,
`IN`, `IS NULL`, `LIKE`, `search()`, `startswith()`, `suggest()`, `within_distance()` and
`in_bbox()`, joined by AND, OR and NOT, with the rules that make values of different
types comparable. `ConditionCompiler` is the compiler's second layer, on the values of
`ExpressionCompiler`.

`suggest()` finds the terms that begin with its text, case aside: where the value begins,
or after a space, a hyphen, an apostrophe, a quote, a parenthesis or a slash. It is a
regular expression that SQLite (through Python's `re`, as Django registers REGEXP) and
PostgreSQL read alike; a class of "word characters" would not be, PostgreSQL's
depending on the database's locale.
"""

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    IContains,
    IRegex,
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

from territoria.opendata import compiler_geo, odsql
from territoria.opendata.compiler_expressions import ExpressionCompiler
from territoria.opendata.compiler_types import NUMERIC, Typed, text_of
from territoria.opendata.odsql import ODSQLError
from territoria.opendata.registry import Field

MAX_IN_ITEMS = 1000
INVERSE = {"=": "!=", "!=": "=", "<": ">=", ">=": "<", "<=": ">", ">": "<="}
# What ends a term before the next one begins, for suggest(): a text's terms are its
# words and the parts of its hyphenated, elided (l'IA) or quoted words.
TERM_SEPARATORS = "\\s'’\"«(/-"


def suggest_pattern(text: str) -> str:
    """A regular expression, read alike by Python's `re` (SQLite's REGEXP) and
    PostgreSQL's, for a term that begins with `text`: at the start of the value or after
    a separator. Every ASCII sign of `text` is escaped, which both read as the sign."""
    escaped = "".join(f"\\{c}" if c.isascii() and not c.isalnum() and c != " " else c for c in text)
    return f"(^|[{TERM_SEPARATORS}]){escaped}"


class Like(Lookup):
    """`a LIKE b` with SQL's `%` and `_` wildcards, case-insensitive on every database."""

    lookup_name = "odsql_like"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"UPPER({lhs}) LIKE UPPER({rhs})", [*lhs_params, *rhs_params]


class ConditionCompiler(ExpressionCompiler):
    """Conditions: which records a `where` clause selects."""

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
        if isinstance(value, odsql.Call) and value.name in ("within_distance", "in_bbox"):
            found = self.geo_function(value)
            return ~found if negated else found
        if isinstance(value, odsql.Call) and value.name in ("search", "startswith", "suggest"):
            return self.text_function(value, negated)
        typed = self.scalar(value, "a condition")
        if typed.type != "boolean":
            raise ODSQLError(f"{text_of(value)} is not a condition")
        return Q(Exact(typed.expr, Value(not negated)))

    def text_function(self, call: odsql.Call, negated: bool = False) -> Q:
        """search(), startswith() and suggest(): fields (none or * for every one), then
        the text; a record matches when one of the fields does."""
        name, args = call.name, call.args
        what = f"{name}()"
        if not args:
            raise ODSQLError(f'{what} takes fields (or *) and a text: {name}(field, "text")')
        text = self.string_arg(args[-1], what)
        targets = list(args[:-1])
        everywhere = not targets or (len(targets) == 1 and isinstance(targets[0], odsql.Star))
        if any(isinstance(t, odsql.Star) for t in targets) and not everywhere:
            raise ODSQLError(f"{what}: * stands alone, for every field")
        if everywhere and name == "search":
            found = self.search(None, text)
            return ~found if negated else found
        if everywhere:
            targets = [odsql.Field(f.name) for f in self.fields.values() if f.type == "text"]
            if not targets:
                raise ODSQLError(f"dataset {self.dataset.id} has no text to search")
        if name == "suggest":
            pattern = suggest_pattern(text)
            parts = [self.text_match(t, pattern, IRegex, what, negated) for t in targets]
        else:
            lookup = IContains if name == "search" else IStartsWith
            parts = [self.text_match(t, text, lookup, what, negated) for t in targets]
        result = parts[0]
        for part in parts[1:]:
            result = (result & part) if negated else (result | part)
        return result

    def geo_function(self, call: odsql.Call) -> Q:
        """within_distance(field, geom'POINT(lon lat)', 10km), in_bbox(field, lat1, lon1,
        lat2, lon2)."""
        args = call.args
        if call.name == "within_distance":
            what = "within_distance()"
            if len(args) != 3:
                raise ODSQLError(
                    "within_distance() takes a geo_point_2d field, a point and a distance: "
                    "within_distance(field, geom'POINT(4.87 50.46)', 10km)"
                )
            columns = self.geo_columns(args[0], what)
            latitude, longitude = compiler_geo.point(args[1], what)
            return compiler_geo.within(
                columns, latitude, longitude, compiler_geo.metres(args[2], what)
            )
        what = "in_bbox()"
        if len(args) != 5:
            raise ODSQLError(
                "in_bbox() takes a geo_point_2d field and two corners: "
                "in_bbox(field, lat1, lon1, lat2, lon2)"
            )
        columns = self.geo_columns(args[0], what)
        numbers = []
        for node in args[1:]:
            if not (isinstance(node, odsql.Literal) and isinstance(node.value, Decimal)):
                raise ODSQLError(f"{what}: the corners are numbers, not {text_of(node)}")
            numbers.append(float(odsql.number_value(node)))
        for latitude, longitude in (numbers[0:2], numbers[2:4]):
            compiler_geo.checked(latitude, longitude, what)
        return compiler_geo.in_bbox(columns, numbers)

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
            if one.type in ("geo_point_2d", "geometry"):
                raise ODSQLError(f"{what}: geo_point_2d fields and points cannot be compared")
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
        items = []
        for node in item_nodes:
            item = self.value(node)
            if not item.literal:
                raise ODSQLError(f"{what}: IN takes values, not {text_of(node)}")
            typed, item = self.comparable(typed, item, what)
            items.append(item)
        if typed.type in ("geo_point_2d", "geometry"):
            raise ODSQLError(f"{what}: geo_point_2d fields and points cannot be compared")
        if typed.field is not None and typed.field.multivalued:
            values = [item.value for item in items]
            return self.any_value(typed.field, InLookup(F("value"), values), negated=negated)
        # Each value as its own typed parameter, as comparisons pass them: plain values would
        # be converted to the field's type first, and 2001.5 would find the year 2001.
        condition = Q(InLookup(typed.expr, [item.expr for item in items]))
        return (~condition & self.not_null(typed)) if negated else condition

    def is_null(self, value_node: Any, negated: bool) -> Q:
        typed = self.value(value_node)
        if typed.type == "geometry":
            raise ODSQLError(f"{text_of(value_node)} IS NULL: a point is never null")
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
