"""ODSQL, the query language of Opendatasoft's Explore API v2.1, parsed into a small AST.

A real grammar (Lark, LALR), never regular expressions or string building: the AST is
what a compiler turns into parameterised SQL. Covered: `where` (comparisons, `field:value`
for `=`, AND / OR / NOT, IN, IS [NOT] NULL, [NOT] LIKE, function calls such as `search()`
or `within_distance()`, a bare string as a full-text search, literals: strings, numbers,
date'…', geom'…', true / false, null), `select` and `group_by` lists (fields, function
calls, aggregates with `count(*)` and `count(distinct …)`, `AS` aliases), and `order_by`
(expressions with ASC / DESC, or `-` before for descending). A call's arguments may also
be named (`now(days=-7)`), numbers with a unit (`10km`, `1 day`) or field-name patterns
(`include(pop*)`); the compiler says which function takes which.

Every malformed query raises ODSQLError with the position and what was expected; no
other exception escapes, whatever the text.

Two bounds keep any text from exhausting the server. A query is at most `MAX_LENGTH`
characters. It is nested at most `MAX_DEPTH` (20) levels deep, counted on the AST: each
comparison, NOT, function call, and AND / OR group inside another condition is a level,
and so is the field or value at the bottom (`lower(lower(name)) = "x"` is 4 deep);
redundant parentheses add none, and a long chain of AND (or of OR) is one level whatever
its length. The tree is built without recursion and measured before anything else reads
it, so the compiler and the databases, which do recurse, only ever see shallow trees.
Why 20: SQLite's parser has a fixed stack, and the SQL of one AST level can nest more
than one (a group_by is counted in a subquery, `!=` on a text is three conditions, a
multivalued field an EXISTS); queries nested 27 levels already overflow it, 24 never did
in the tests. 20 leaves a margin, and is far beyond what a real query needs.

Numbers are read exactly (`Decimal`), as written; whether the databases can hold one (a
whole number in 64 bits, any other in a finite double) is the compiler's question,
`number_value` its answer.
"""

import datetime
import math
from collections.abc import Iterator
from dataclasses import dataclass, field, fields, is_dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from lark import Lark, Token, Transformer_NonRecursive, v_args
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput

from territoria.opendata.odsql_grammar import GRAMMAR

MAX_LENGTH = 10_000
MAX_DEPTH = 20
# What SQLite's INTEGER and PostgreSQL's bigint hold.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class ODSQLError(ValueError):
    """A query that cannot be parsed: `position` (0-based) and a message for the client."""

    def __init__(self, message: str, position: int | None = None) -> None:
        self.position = position
        super().__init__(message if position is None else f"{message} (at position {position})")


# --- The AST -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    name: str


@dataclass(frozen=True)
class Geometry:
    """A geom'…' literal as written (WKT or GeoJSON): the compiler reads the shape."""

    text: str


@dataclass(frozen=True)
class Literal:
    value: Any  # str, Decimal, datetime.date, Geometry, bool or None
    # A number as the query wrote it, and where: for the messages that name it.
    text: str | None = field(default=None, compare=False)
    position: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Star:
    pass


@dataclass(frozen=True)
class Distinct:
    value: Any


@dataclass(frozen=True)
class Call:
    name: str  # lower case
    args: tuple[Any, ...]


@dataclass(frozen=True)
class Named:
    """A named argument: `days=-7` in `now(days=-7)`."""

    name: str
    value: Any


@dataclass(frozen=True)
class Quantity:
    """A number with a unit: `10km` in `within_distance()`, `1 day` in `range()`."""

    number: Literal
    unit: str
    spaced: bool = field(default=False, compare=False)  # written `1 day`, not `1day`


@dataclass(frozen=True)
class FieldPattern:
    """Field names by their beginning: `pop*` in `include(pop*)`."""

    prefix: str


@dataclass(frozen=True)
class Compare:
    op: str  # =, !=, <, <=, >, >=
    left: Any
    right: Any


@dataclass(frozen=True)
class In:
    value: Any
    items: tuple[Any, ...]
    negated: bool = False


@dataclass(frozen=True)
class IsNull:
    value: Any
    negated: bool = False


@dataclass(frozen=True)
class Like:
    value: Any
    pattern: Any
    negated: bool = False


@dataclass(frozen=True)
class Truthy:
    """A value alone in a condition: a bare string searches, a boolean field tests."""

    value: Any


@dataclass(frozen=True)
class And:
    items: tuple[Any, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Any, ...]


@dataclass(frozen=True)
class Not:
    item: Any


@dataclass(frozen=True)
class SelectItem:
    value: Any
    alias: str | None


@dataclass(frozen=True)
class OrderItem:
    value: Any
    descending: bool


CONDITIONS = (Compare, In, IsNull, Like, Truthy, And, Or, Not)


def quote(text: str) -> str:
    """`text` as an ODSQL string literal, read back by the grammar as `text` itself."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def number_value(literal: Literal) -> int | float:
    """A number literal as the databases hold it: a whole number (`3`, `3.0`, `1e3`) as a
    signed 64-bit integer, any other as a double. ODSQLError, naming the literal as written,
    when they cannot hold it: a whole number past 64 bits (SQLite's INTEGER, PostgreSQL's
    bigint), or a number a double would turn into an infinity or into 0."""
    value: Decimal = literal.value
    text = literal.text or str(value)
    try:
        if value == value.to_integral_value():
            if INT64_MIN <= value <= INT64_MAX:
                return int(value)
            raise ODSQLError(
                f"number out of range: {text}: a whole number must lie between "
                f"{INT64_MIN} and {INT64_MAX} (64-bit integers)",
                literal.position,
            )
        number = float(value)
    except ArithmeticError:  # an exponent Decimal itself cannot round: far out of range
        number = math.inf
    if not math.isfinite(number) or number == 0:  # (a number that is not whole is not 0)
        raise ODSQLError(
            f"number out of range: {text}: a decimal number must be a finite double "
            "(at most about 1.8e308 in size, and not closer to 0 than about 5e-324)",
            literal.position,
        )
    return number


def _unquote(text: str) -> str:
    body = text[1:-1]
    out, escaped = [], False
    for ch in body:
        if escaped:
            out.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        else:
            out.append(ch)
    return "".join(out)


@v_args(inline=True)
class _ToAst(Transformer_NonRecursive[Token, Any]):
    """The parse tree to the AST, without recursion: a chain of a thousand ANDs or NOTs
    is as deep a parse tree, which a recursive transformer could not walk."""

    def string(self, token: Token) -> Literal:
        return Literal(_unquote(str(token)))

    def number(self, token: Token) -> Literal:
        try:
            number = Decimal(str(token))
        except InvalidOperation:  # an exponent too long for Decimal itself
            raise ODSQLError(f"number out of range: {token}", token.start_pos) from None
        return Literal(number, str(token), token.start_pos)

    def date(self, token: Token) -> Literal:
        text = _unquote(str(token))
        try:
            if len(text) <= 10:
                return Literal(datetime.date.fromisoformat(text))
            return Literal(datetime.datetime.fromisoformat(text).date())
        except ValueError:
            raise ODSQLError(
                f"invalid date {text!r}: write date'2024-12-31'", token.start_pos
            ) from None

    def geom(self, token: Token) -> Literal:
        return Literal(Geometry(_unquote(str(token))), position=token.start_pos)

    def true(self) -> Literal:
        return Literal(True)

    def false(self) -> Literal:
        return Literal(False)

    def null(self) -> Literal:
        return Literal(None)

    def field(self, token: Token) -> Field:
        name = str(token)
        return Field(name[1:-1] if name.startswith("`") else name)

    def star(self) -> Star:
        return Star()

    def distinct(self, value: Any) -> Distinct:
        return Distinct(value)

    def named(self, name: Token, op: Token, value: Any) -> Named:
        if str(op) != "=":
            raise ODSQLError(f"write {name}=…, not {name}{op}…", op.start_pos)
        return Named(str(name).lower(), value)

    def quantity(self, number: Token, unit: Token) -> Quantity:
        spaced = unit.start_pos is not None and unit.start_pos > (number.end_pos or 0)
        return Quantity(self.number(number), str(unit), spaced)

    def pattern(self, name: Token) -> FieldPattern:
        return FieldPattern(self.field(name).name)

    def arguments(self, *items: Any) -> tuple[Any, ...]:
        return items

    def call(self, name: Token, arguments: tuple[Any, ...] | None) -> Call:
        return Call(str(name).lower(), arguments or ())

    def compare(self, left: Any, op: Token, right: Any) -> Compare:
        return Compare("!=" if str(op) == "<>" else str(op), left, right)

    def in_(self, value: Any, *items: Any) -> In:
        return In(value, items)

    def not_in(self, value: Any, *items: Any) -> In:
        return In(value, items, negated=True)

    def is_null(self, value: Any) -> IsNull:
        return IsNull(value)

    def is_not_null(self, value: Any) -> IsNull:
        return IsNull(value, negated=True)

    def colon(self, left: Any, right: Any) -> Compare:
        # `field:value`, Opendatasoft's older spelling of `field = value`.
        return Compare("=", left, right)

    def like(self, value: Any, pattern: Any) -> Like:
        return Like(value, pattern)

    def not_like(self, value: Any, pattern: Any) -> Like:
        return Like(value, pattern, negated=True)

    def truthy(self, value: Any) -> Any:
        if isinstance(value, CONDITIONS):  # a parenthesised condition is itself
            return value
        return Truthy(value)

    def and_(self, left: Any, right: Any) -> And:
        items = (*left.items, right) if isinstance(left, And) else (left, right)
        return And(items)

    def or_(self, left: Any, right: Any) -> Or:
        items = (*left.items, right) if isinstance(left, Or) else (left, right)
        return Or(items)

    def not_(self, item: Any) -> Not:
        return Not(item)

    def select_item(self, value: Any, alias: Token | None) -> SelectItem:
        return SelectItem(value, str(alias) if alias else None)

    def select_list(self, *items: SelectItem) -> tuple[SelectItem, ...]:
        return items

    def order_item(self, negate: Token | None, value: Any, direction: Token | None) -> OrderItem:
        if negate is not None and direction is not None:
            raise ODSQLError("write -field or field DESC, not both", negate.start_pos)
        return OrderItem(value, negate is not None or str(direction).lower() == "desc")

    def order_list(self, *items: OrderItem) -> tuple[OrderItem, ...]:
        return items

    def facet_arg(self, name: Token, op: Token, value: Literal) -> tuple[str, Any]:
        if str(op) != "=":
            raise ODSQLError(f"write {name}=…, not {name}{op}…", op.start_pos)
        if isinstance(value.value, Decimal):
            return str(name).lower(), number_value(value)
        return str(name).lower(), value.value

    def facet_spec(self, name: Token, *arguments: tuple[str, Any] | None) -> dict[str, Any]:
        if str(name).lower() != "facet":
            raise ODSQLError(f"expected facet(…), not {name}(…)", name.start_pos)
        given = [a for a in arguments if a is not None]
        result = dict(given)
        if len(result) != len(given):
            raise ODSQLError("an argument of facet() is given twice")
        return result


_PARSERS = {
    start: Lark(GRAMMAR, start=start, parser="lalr", maybe_placeholders=True)
    for start in ("where", "select_list", "order_list", "facet_spec")
}


def _nodes(root: Any) -> Iterator[tuple[Any, int]]:
    """Each node of an AST and its level, walked without recursion (the select and
    order_by items themselves are not a level)."""
    stack = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, tuple):
            children: Any = node
        elif is_dataclass(node):
            if not isinstance(node, (SelectItem, OrderItem)):
                depth += 1
            yield node, depth
            children = (getattr(node, f.name) for f in fields(node))
        else:  # a facet's arguments: no AST
            continue
        stack.extend(
            (child, depth) for child in children if isinstance(child, tuple) or is_dataclass(child)
        )


def check_depth(root: Any) -> None:
    """ODSQLError when the AST `root` is nested more than MAX_DEPTH levels deep."""
    for _node, depth in _nodes(root):
        if depth > MAX_DEPTH:
            raise ODSQLError(
                f"expression nested too deeply: at most {MAX_DEPTH} levels (each "
                "comparison, NOT, function call, or AND / OR group inside another "
                "condition is one)"
            )


def check_numbers(root: Any) -> None:
    """ODSQLError, as the compiler would raise it, for the first number of the AST `root`
    the databases cannot hold: for a page that reports a mistake at its place in the
    visitor's own text before combining it with other conditions."""
    for node, _depth in _nodes(root):
        if isinstance(node, Literal) and isinstance(node.value, Decimal):
            number_value(node)


def _parse(text: str, start: str) -> Any:
    if len(text) > MAX_LENGTH:
        raise ODSQLError(f"query longer than {MAX_LENGTH} characters")
    if not text.strip():
        raise ODSQLError("empty expression", 0)
    try:
        tree = _PARSERS[start].parse(text)
        result = _ToAst().transform(tree)
    except ODSQLError:
        raise
    except UnexpectedEOF:
        raise ODSQLError("the expression ends too early", len(text)) from None
    except UnexpectedCharacters as error:
        at = error.pos_in_stream or 0
        raise ODSQLError(f"unexpected character {text[at]!r}", at) from None
    except UnexpectedInput as error:
        token = getattr(error, "token", None)
        if getattr(token, "type", "") == "$END":
            raise ODSQLError("the expression ends too early", len(text)) from None
        position = getattr(error, "pos_in_stream", None)
        shown = f"{token!s}" if token is not None and str(token) else "end of expression"
        raise ODSQLError(f"unexpected {shown!r}", position) from None
    except LarkError as error:  # any other parse failure, still a client error
        inner = error.__context__
        if isinstance(inner, ODSQLError):
            raise inner from None
        raise ODSQLError(f"invalid expression: {type(error).__name__}") from None
    check_depth(result)
    return result


def parse_where(text: str) -> Any:
    """The `where` parameter: a boolean expression."""
    return _parse(text, "where")


def parse_select(text: str) -> tuple[SelectItem, ...]:
    """The `select` (or `group_by`) parameter: comma-separated expressions with aliases."""
    result: tuple[SelectItem, ...] = _parse(text, "select_list")
    return result


def parse_order_by(text: str) -> tuple[OrderItem, ...]:
    """The `order_by` parameter: expressions with an optional ASC or DESC."""
    result: tuple[OrderItem, ...] = _parse(text, "order_list")
    return result


def parse_facet(text: str) -> dict[str, Any]:
    """A `facet` parameter written `facet(name="f", disjunctive=true, limit=10)`."""
    result: dict[str, Any] = _parse(text, "facet_spec")
    return result
