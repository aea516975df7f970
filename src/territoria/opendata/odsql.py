"""ODSQL, the query language of Opendatasoft's Explore API v2.1, parsed into a small AST.

A real grammar (Lark, LALR), never regular expressions or string building: the AST is
what a compiler turns into parameterised SQL. Covered: `where` (comparisons, AND / OR /
NOT, IN, IS [NOT] NULL, [NOT] LIKE, `search()`, `startswith()`, a bare string as a
full-text search, literals: strings, numbers, date'…', true / false, null), `select`
and `group_by` lists (fields, aggregates `count(*)`, `count(distinct …)`, `sum`, `avg`,
`min`, `max`, functions such as `year()` and `date_format()`, `AS` aliases), and
`order_by` (expressions with ASC / DESC).

Every malformed query raises ODSQLError with the position and what was expected; no
other exception escapes, whatever the text.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput

MAX_LENGTH = 10_000

GRAMMAR = r"""
?where: bool_expr

?bool_expr: bool_term
          | bool_expr _OR bool_term -> or_
?bool_term: bool_factor
          | bool_term _AND bool_factor -> and_
?bool_factor: _NOT bool_factor -> not_
            | predicate
?predicate: value COMPARISON value -> compare
          | value _IN "(" value ("," value)* ")" -> in_
          | value _NOT _IN "(" value ("," value)* ")" -> not_in
          | value _IS _NULL -> is_null
          | value _IS _NOT _NULL -> is_not_null
          | value _LIKE value -> like
          | value _NOT _LIKE value -> not_like
          | value -> truthy

?value: literal
      | call
      | field
      | "(" bool_expr ")"

call: NAME "(" [arguments] ")"
arguments: argument ("," argument)*
?argument: value | star | distinct
distinct: _DISTINCT value
star: "*"

field: NAME | BACKQUOTED
?literal: STRING -> string
        | NUMBER -> number
        | _DATE STRING -> date
        | _TRUE -> true
        | _FALSE -> false
        | _NULL -> null

select_list: select_item ("," select_item)*
select_item: (value | star) [_AS NAME]
order_list: order_item ("," order_item)*
order_item: value [DIRECTION]

facet_spec: NAME "(" [facet_arg ("," facet_arg)*] ")"
facet_arg: NAME COMPARISON facet_value
?facet_value: STRING -> string
            | NUMBER -> number
            | _TRUE -> true
            | _FALSE -> false

COMPARISON: "=" | "!=" | "<>" | "<=" | ">=" | "<" | ">"
DIRECTION.2: /(?i:asc|desc)\b/
_OR.2: /(?i:or)\b/
_AND.2: /(?i:and)\b/
_NOT.2: /(?i:not)\b/
_IN.2: /(?i:in)\b/
_IS.2: /(?i:is)\b/
_LIKE.2: /(?i:like)\b/
_NULL.2: /(?i:null)\b/
_TRUE.2: /(?i:true)\b/
_FALSE.2: /(?i:false)\b/
_AS.2: /(?i:as)\b/
_DISTINCT.2: /(?i:distinct)\b/
_DATE.3: /(?i:date)(?=['"])/
NAME: /[A-Za-z_][A-Za-z0-9_]*/
BACKQUOTED: /`[^`\n]+`/
STRING: /"(?:[^"\\\n]|\\.)*"/ | /'(?:[^'\\\n]|\\.)*'/
NUMBER: /-?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?/

%import common.WS
%ignore WS
"""


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
class Literal:
    value: Any  # str, Decimal, datetime.date, bool or None


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
class _ToAst(Transformer[Token, Any]):
    def string(self, token: Token) -> Literal:
        return Literal(_unquote(str(token)))

    def number(self, token: Token) -> Literal:
        try:
            number = Decimal(str(token))
        except InvalidOperation:
            raise ODSQLError(f"invalid number {token}", token.start_pos) from None
        if not number.is_finite() or abs(number.adjusted()) > 30:
            raise ODSQLError(f"number out of range: {token}", token.start_pos)
        return Literal(number)

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

    def order_item(self, value: Any, direction: Token | None) -> OrderItem:
        return OrderItem(value, bool(direction) and str(direction).lower() == "desc")

    def order_list(self, *items: OrderItem) -> tuple[OrderItem, ...]:
        return items

    def facet_arg(self, name: Token, op: Token, value: Literal) -> tuple[str, Any]:
        if str(op) != "=":
            raise ODSQLError(f"write {name}=…, not {name}{op}…", op.start_pos)
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


def _parse(text: str, start: str) -> Any:
    if len(text) > MAX_LENGTH:
        raise ODSQLError(f"query longer than {MAX_LENGTH} characters")
    if not text.strip():
        raise ODSQLError("empty expression", 0)
    try:
        tree = _PARSERS[start].parse(text)
        return _ToAst().transform(tree)
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
    except RecursionError:
        raise ODSQLError("expression nested too deeply") from None
    except LarkError as error:  # any other parse failure, still a client error
        inner = error.__context__
        if isinstance(inner, ODSQLError):
            raise inner from None
        raise ODSQLError(f"invalid expression: {type(error).__name__}") from None


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
    for key, value in list(result.items()):
        if isinstance(value, Decimal):
            result[key] = int(value) if value == value.to_integral_value() else float(value)
    return result
