"""Opendatasoft's API v1 query language (the `q` parameter), parsed into a small tree, then
written as an ODSQL `where` (`to_where`), for a dataset's records or for the catalogue's
datasets, which `catalog_odsql` evaluates as it does Explore v2.1's catalogue queries.

What v1 documents, and what it means here:
- words: a full-text search, as ODSQL's `search()` (every word found, in any order, case
  and accents as the dataset's search does); a "quoted phrase" is searched as its words
  (v1 matches the phrase exactly: the database search here has no phrase search);
- `AND`, `OR`, `NOT` (in capitals, as v1's engine reads them), parentheses; words side by
  side must all match;
- `field:value` (also `=` and `==`): a text field contains the value (v1 keeps exact
  equality for `#exact`), a number or boolean equals it, a date falls in it (a year
  `2013`, a month `2013/02`, a day `2013/02/11`, or an ISO 8601 moment);
- `field>value`, `<`, `>=`, `<=`; a partial date compares by its whole period;
- `field:[low TO high]`, both ends included, `*` leaving an end open;
- `#null(field)`, `#exact(field, "value")`, `#startswith(field, "value")`,
  `#search(field…, "value")` and `#search(*, "value")`.
Refused with a message (HTTP 400): `#now()`, the geographic functions, unknown fields.
"""

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

# The boolean nodes are ODSQL's own: a `q` tree is a tree of the same connectives.
from territoria.opendata.odsql import And, Not, Or, quote
from territoria.opendata.params import QueryError


class Field(Protocol):
    """What `to_where` reads of a field: a dataset's (`registry.Field`) or the catalogue's."""

    @property
    def name(self) -> str: ...

    @property
    def type(self) -> str: ...


MAX_LENGTH = 2_000
MAX_DEPTH = 8  # parentheses and NOTs: the ODSQL it becomes has its own bound (odsql.py)

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    |(?P<string>"(?:[^"\\]|\\.)*")
    |(?P<op>>=|<=|==|[:=<>])
    |(?P<punct>[()\[\],])
    |(?P<function>\#[A-Za-z_]+)
    |(?P<word>(?!\#)(?:[^\s()\[\]",:=<>]|(?<=\d):(?=\d))+)
    """,
    re.VERBOSE,
)
_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_PARTIAL_DATE = re.compile(r"(\d{4})(?:[/-](\d{1,2})(?:[/-](\d{1,2}))?)?")


# --- The tree ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Words:
    text: str


@dataclass(frozen=True)
class Match:
    field: str
    op: str  # "=", ">", "<", ">=", "<="
    value: str


@dataclass(frozen=True)
class Range:
    field: str
    low: str | None
    high: str | None


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[tuple[str, str], ...]  # (kind, text): kind "word" or "string"


def parse(texts: list[str]) -> Any | None:
    """The `q` parameters (v1's clients also send `q.<name>`), all required; None if empty."""
    trees = []
    for text in texts:
        if "\x00" in text:
            raise QueryError("q: NUL characters are not allowed")
        if len(text) > MAX_LENGTH:
            raise QueryError(f"q: at most {MAX_LENGTH} characters")
        if text.strip():
            trees.append(_Parser(_tokens(text)).parse())
    if not trees:
        return None
    return trees[0] if len(trees) == 1 else And(tuple(trees))


def _tokens(text: str) -> list[tuple[str, str, int]]:
    tokens = []
    position = 0
    while position < len(text):
        found = _TOKEN.match(text, position)
        if found is None:
            raise QueryError(f"q: a quote opened at position {position} is never closed")
        kind = found.lastgroup or "space"
        if kind != "space":
            tokens.append((kind, found.group(), position))
        position = found.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str, int]]) -> None:
        self.tokens = tokens
        self.at = 0

    def parse(self) -> Any:
        tree = self.disjunction(0)
        if self.at < len(self.tokens):
            _kind, text, position = self.tokens[self.at]
            raise QueryError(f"q: unexpected {text!r} at position {position}")
        return tree

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, expected: str | None = None, what: str | None = None) -> tuple[str, str, int]:
        """The next token: `expected` if given (that very text), `what` naming what the
        query should go on with when it ends."""
        token = self.peek()
        wanted = what or (repr(expected) if expected else None)
        if token is None:
            raise QueryError(f"q: the query ends early{f', expecting {wanted}' if wanted else ''}")
        if expected is not None and token[1] != expected:
            raise QueryError(f"q: expected {wanted} at position {token[2]}, not {token[1]!r}")
        self.at += 1
        return token

    def keyword(self, word: str) -> bool:
        token = self.peek()
        if token is not None and token[0] == "word" and token[1] == word:
            self.at += 1
            return True
        return False

    def starts_term(self) -> bool:
        token = self.peek()
        if token is None or token[1] in ("AND", "OR"):
            return False
        return token[0] in ("word", "string", "function") or token[1] == "("

    def disjunction(self, depth: int) -> Any:
        items = [self.conjunction(depth)]
        while self.keyword("OR"):
            items.append(self.conjunction(depth))
        return items[0] if len(items) == 1 else Or(tuple(items))

    def conjunction(self, depth: int) -> Any:
        items = [self.negation(depth)]
        while True:
            while self.peek() is not None and self.tokens[self.at][1] == ",":
                self.at += 1  # a comma between terms separates them, as a space does
            if self.keyword("AND") or self.starts_term():
                items.append(self.negation(depth))
            else:
                return items[0] if len(items) == 1 else And(tuple(items))

    def negation(self, depth: int) -> Any:
        if self.keyword("NOT"):
            return Not(self.negation(self.deeper(depth)))
        return self.primary(depth)

    def deeper(self, depth: int) -> int:
        if depth >= MAX_DEPTH:
            raise QueryError(f"q: nested more than {MAX_DEPTH} levels deep")
        return depth + 1

    def primary(self, depth: int) -> Any:
        kind, text, position = self.take(what="a search term")
        if text == "(":
            tree = self.disjunction(self.deeper(depth))
            self.take(")")
            return tree
        if kind == "function":
            return self.call(text[1:].lower())
        if kind == "string":
            return Words(_unquote(text))
        if kind != "word":
            raise QueryError(f"q: unexpected {text!r} at position {position}")
        following = self.peek()
        if following is None or following[0] != "op":
            return Words(text)
        op = self.take()[1]
        op = "=" if op in (":", "==") else op
        if op == "=" and self.peek() is not None and self.tokens[self.at][1] == "[":
            return self.range(text)
        return Match(text, op, self.value())

    def value(self) -> str:
        kind, text, position = self.take(what="a value")
        if kind == "string":
            return _unquote(text)
        if kind == "word":
            return text
        if kind == "function":
            raise QueryError(f"q: {text}() is not supported here")
        raise QueryError(f"q: expected a value at position {position}, not {text!r}")

    def range(self, field: str) -> Range:
        self.take("[")
        low = self.value()
        self.take("TO")
        high = self.value()
        self.take("]")
        return Range(field, None if low == "*" else low, None if high == "*" else high)

    def call(self, name: str) -> Call:
        self.take("(")
        args: list[tuple[str, str]] = []
        while self.peek() is not None and self.tokens[self.at][1] != ")":
            kind, text, position = self.take()
            if kind == "string":
                args.append(("string", _unquote(text)))
            elif kind == "word":
                args.append(("word", text))
            elif text != ",":
                raise QueryError(f"q: unexpected {text!r} at position {position} in #{name}()")
        self.take(")")
        return Call(name, tuple(args))


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text[1:-1])


# --- Values --------------------------------------------------------------------------------

Moment = datetime.date  # a date, or a datetime (a subclass)


def period(text: str) -> tuple[Moment, Moment | None]:
    """A v1 date: a year, month or day as its [start, end) period, or an ISO 8601 moment
    (end None)."""
    partial = _PARTIAL_DATE.fullmatch(text.strip())
    try:
        if partial is not None:
            year, month, day = (int(p) if p else None for p in partial.groups())
            assert year is not None
            start = datetime.date(year, month or 1, day or 1)
            if day is not None:
                return start, start + datetime.timedelta(days=1)
            if month is not None:
                return start, (start + datetime.timedelta(days=32)).replace(day=1)
            return start, start.replace(year=year + 1)
        return datetime.datetime.fromisoformat(text.strip()), None
    except (ValueError, OverflowError):
        raise QueryError(
            f'q: "{text}" is not a date (write 2013, 2013/02, 2013/02/11 or 2013-02-11T10:00:00)'
        ) from None


def _number(text: str, name: str) -> Decimal:
    if not _NUMBER.fullmatch(text):
        raise QueryError(f'q: {name} takes a number, not "{text}"')
    try:
        return Decimal(text)
    except InvalidOperation:
        raise QueryError(f'q: {name} takes a number, not "{text}"') from None


def constraints(name: str, kind: str, op: str, text: str) -> list[tuple[str, Any]]:
    """What `name op text` asks of a field of type `kind`, as (operator, value) pairs that
    must all hold; a text's "=" is ("contains", text)."""
    if kind == "text":
        return [("contains", text)] if op == "=" else [(op, text)]
    if kind in ("int", "double"):
        return [(op, _number(text, name))]
    if kind == "boolean":
        value = {"true": True, "false": False}.get(text.lower())
        if op != "=" or value is None:
            raise QueryError(f"q: {name} takes {name}:true or {name}:false")
        return [("=", value)]
    if kind in ("date", "datetime"):
        start, end = period(text)
        if end is None:
            return [(op, start)]
        return {
            "=": [(">=", start), ("<", end)],
            ">": [(">=", end)],
            ">=": [(">=", start)],
            "<": [("<", start)],
            "<=": [("<", end)],
        }[op]
    raise QueryError(f"q: {name} ({kind}) cannot be queried; the geo filters are not supported")


def range_constraints(name: str, kind: str, node: Range) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    if node.low is not None:
        found += constraints(name, kind, ">=", node.low)
    if node.high is not None:
        found += constraints(name, kind, "<=", node.high)
    return found


# --- Records: an ODSQL where ---------------------------------------------------------------


def to_where(tree: Any, fields: Mapping[str, Field]) -> str:
    """The ODSQL condition a parsed `q` stands for, over a dataset's fields."""
    match tree:
        case Words(text=text):
            return f"search({quote(text)})"
        case And(items=items):
            return "(" + " AND ".join(to_where(item, fields) for item in items) + ")"
        case Or(items=items):
            return "(" + " OR ".join(to_where(item, fields) for item in items) + ")"
        case Not(item=item):
            return f"NOT ({to_where(item, fields)})"
        case Match(field=name, op=op, value=value):
            spec = _field(name, fields)
            return _conditions(spec, constraints(name, spec.type, op, value))
        case Range(field=name):
            spec = _field(name, fields)
            found = range_constraints(name, spec.type, tree)
            return _conditions(spec, found) if found else f"`{name}` IS NOT NULL"
        case Call():
            return _call(tree, fields)
    raise AssertionError(tree)


def _field(name: str, fields: Mapping[str, Field]) -> Field:
    spec = fields.get(name)
    if spec is None:
        raise QueryError(f'q: unknown field "{name}"; the fields are: {", ".join(sorted(fields))}')
    return spec


def _conditions(spec: Field, found: list[tuple[str, Any]]) -> str:
    parts = []
    for op, value in found:
        if op == "contains":
            parts.append(f"search(`{spec.name}`, {quote(value)})")
        else:
            parts.append(f"`{spec.name}` {op} {_literal(value)}")
    return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.datetime):
        return quote(value.isoformat())
    if isinstance(value, datetime.date):
        return f"date'{value.isoformat()}'"
    return quote(str(value))


def _call(node: Call, fields: Mapping[str, Field]) -> str:
    name, args = node.name, node.args
    if name == "null" and len(args) == 1 and args[0][0] == "word":
        return f"`{_field(args[0][1], fields).name}` IS NULL"
    if name in ("exact", "startswith") and len(args) == 2 and args[0][0] == "word":
        spec = _field(args[0][1], fields)
        if name == "startswith":
            return f"startswith(`{spec.name}`, {quote(args[1][1])})"
        if spec.type == "text":
            return f"`{spec.name}` = {quote(args[1][1])}"
        return _conditions(spec, constraints(spec.name, spec.type, "=", args[1][1]))
    if name == "search" and len(args) >= 2 and args[-1][0] == "string":
        text = args[-1][1]
        if any(arg == ("word", "*") for arg in args[:-1]):
            return f"search({quote(text)})"
        searches = [f"search(`{_field(arg[1], fields).name}`, {quote(text)})" for arg in args[:-1]]
        return searches[0] if len(searches) == 1 else "(" + " OR ".join(searches) + ")"
    if name in ("null", "exact", "startswith", "search"):
        raise QueryError(f"q: #{name}() takes {_SIGNATURES[name]}")
    raise QueryError(
        f"q: #{name}() is not supported here; the functions are #null, #exact, "
        "#startswith and #search"
    )


_SIGNATURES = {
    "null": "a field",
    "exact": 'a field and a value: #exact(field, "value")',
    "startswith": 'a field and a text: #startswith(field, "text")',
    "search": 'fields (or *) and a text in quotes: #search(field, "text")',
}
