"""ODSQL on the catalogue: `where`, `select`, `group_by`, `order_by`, `refine` and `exclude`
over the published datasets, as Opendatasoft's `/catalog/datasets` takes them.

The catalogue is a few dozen datasets described in Python (`registry`), not rows of a table,
so its queries are evaluated here over each dataset's values, on the same AST as the
records' (`odsql.py`), with SQL's semantics: a comparison with a missing value is unknown
(neither true nor false, so `NOT` keeps it out), a multivalued field (`theme`, `keyword`)
matches when any of its values does, and texts compare as they are, while `search()`,
`LIKE` and the refinements ignore case and accents. What the catalogue has no use for
(functions other than the text searches and aggregates) is refused with a clear message.
"""

import datetime
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from territoria.opendata import odsql
from territoria.opendata.odsql import ODSQLError
from territoria.opendata.params import Refinement
from territoria.opendata.registry import THEMES

Row = dict[str, Any]

# Each field of the catalogue and its type; the multivalued ones hold lists.
FIELDS = {
    "dataset_id": "text",
    "dataset_uid": "text",
    "title": "text",
    "description": "text",
    "theme": "text",
    "keyword": "text",
    "publisher": "text",
    "license": "text",
    "language": "text",
    "modified": "datetime",
    "records_count": "int",
    "features": "text",
    "territory": "text",
    "has_records": "boolean",
    "data_visible": "boolean",
}
MULTIVALUED = frozenset({"theme", "keyword", "features", "territory"})


@dataclass(frozen=True)
class CatalogField:
    name: str
    type: str


# API v1's names of the catalogue's fields (`v1_query.to_where` writes ODSQL on them).
V1_FIELDS = {
    "datasetid": CatalogField("dataset_id", "text"),
    **{
        name: CatalogField(name, FIELDS[name])
        for name in (
            "title",
            "description",
            "publisher",
            "license",
            "language",
            "theme",
            "keyword",
            "records_count",
            "modified",
        )
    },
}
FACETS = ("theme", "keyword", "publisher", "language", "features", "license")
SEARCHED = ("dataset_id", "title", "description", "theme", "keyword", "publisher")
AGGREGATES = ("count", "sum", "avg", "min", "max")


def folded(text: Any) -> str:
    """A text without case or accents, as the searches compare them."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def values_of(row: Row, name: str) -> list[Any]:
    value = row.get(name)
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def field_name(node: Any, where: str) -> str:
    if not isinstance(node, odsql.Field):
        raise ODSQLError(f"{where}: expected a field of the catalogue, not {odsql_text(node)}")
    if node.name not in FIELDS:
        known = ", ".join(sorted(FIELDS))
        raise ODSQLError(f'unknown field "{node.name}"; the catalogue\'s fields are: {known}')
    return node.name


def odsql_text(node: Any) -> str:
    return type(node).__name__.lower()


def literal(node: Any) -> Any:
    value = node.value
    if isinstance(value, Decimal):
        return odsql.number_value(node)
    return value


def comparable(left: Any, right: Any) -> tuple[Any, Any]:
    """Two values put in one type: a date against a datetime, numbers against numbers."""
    if isinstance(left, datetime.datetime) and isinstance(right, datetime.date):
        if not isinstance(right, datetime.datetime):
            return left.date(), right
        if right.tzinfo is None:
            right = right.replace(tzinfo=datetime.UTC)
    if isinstance(left, bool) != isinstance(right, bool):
        raise ODSQLError(f"cannot compare {left!r} with {right!r}")
    if isinstance(left, (int, float)) != isinstance(right, (int, float)):
        raise ODSQLError(f"cannot compare {left!r} with {right!r}")
    return left, right


COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<>": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def like(value: Any, pattern: str) -> bool:
    """SQL's LIKE (`%` any text, `_` one character), ignoring case and accents."""
    text = folded(value)
    first, *middle, last = _like_segments(folded(pattern))
    if last is None:  # no `%`: the whole text
        return first.fullmatch(text) is not None
    # The first piece begins the text and the last ends it; each piece between is taken
    # at its first place after the one before (the leftmost match never loses a match), so
    # the work is a few searches of the text, whatever the pattern.
    found = first.match(text)
    if found is None:
        return False
    position = found.end()
    for piece in middle:
        found = piece.search(text, position)
        if found is None:
            return False
        position = found.end()
    tail, length = last
    return len(text) - length >= position and tail.fullmatch(text, len(text) - length) is not None


@functools.lru_cache(maxsize=256)
def _like_segments(pattern: str) -> tuple[Any, ...]:
    """The pieces of a LIKE pattern between its `%`, each as a regular expression without
    repetition (`_` is `.`); the last with its length in characters, or None for no `%`."""
    pieces = [
        re.compile("".join("." if c == "_" else re.escape(c) for c in piece), re.DOTALL)
        for piece in pattern.split("%")
    ]
    if len(pieces) == 1:
        return (pieces[0], None)
    return (*pieces[:-1], (pieces[-1], len(pattern.split("%")[-1])))


@dataclass
class Condition:
    """A `where` clause, evaluated on a row to True, False or None (unknown)."""

    tree: Any

    def __call__(self, row: Row) -> bool:
        return self.evaluate(self.tree, row) is True

    def evaluate(self, node: Any, row: Row) -> bool | None:
        match node:
            case odsql.And(items=items):
                results = [self.evaluate(item, row) for item in items]
                return False if False in results else None if None in results else True
            case odsql.Or(items=items):
                results = [self.evaluate(item, row) for item in items]
                return True if True in results else None if None in results else False
            case odsql.Not(item=item):
                result = self.evaluate(item, row)
                return None if result is None else not result
            case odsql.Compare(op=op, left=left, right=right):
                return self.compare(op, left, right, row)
            case odsql.In(value=value, items=items, negated=negated):
                found = [self.compare("=", value, item, row) for item in items]
                result = True if True in found else None if None in found else False
                return None if result is None else result != negated
            case odsql.IsNull(value=value, negated=negated):
                empty = not values_of(row, field_name(value, "IS NULL"))
                return empty != negated
            case odsql.Like(value=value, pattern=pattern, negated=negated):
                name = field_name(value, "LIKE")
                text = self.text_argument(pattern, "LIKE")
                values = values_of(row, name)
                if not values:
                    return None
                return any(like(v, text) for v in values) != negated
            case odsql.Truthy(value=value):
                return self.truthy(value, row)
        raise ODSQLError(f"the catalogue cannot evaluate {odsql_text(node)} here")

    def truthy(self, value: Any, row: Row) -> bool | None:
        if isinstance(value, odsql.Literal) and isinstance(value.value, str):
            return self.search(SEARCHED, value.value, row, lambda v, word: word in v)
        if isinstance(value, odsql.Literal) and isinstance(value.value, bool):
            return value.value
        if isinstance(value, odsql.Call) and value.name in ("search", "startswith", "suggest"):
            *targets, text_node = value.args or (None,)
            text = self.text_argument(text_node, f"{value.name}()")
            names = [field_name(t, f"{value.name}()") for t in targets] or list(SEARCHED)
            if value.name == "search":
                return self.search(names, text, row, lambda v, word: word in v)
            # startswith: the text begins a value; suggest: it begins one of its words.
            if value.name == "startswith":
                return self.search(names, text, row, str.startswith, whole=True)
            return self.search(
                names, text, row, lambda v, word: any(w.startswith(word) for w in v.split())
            )
        if isinstance(value, odsql.Field) and FIELDS.get(field_name(value, "where")) == "boolean":
            found = values_of(row, value.name)
            return bool(found[0]) if found else None
        raise ODSQLError(f"not a condition: {odsql_text(value)}")

    @staticmethod
    def search(
        names: Iterable[str],
        text: str,
        row: Row,
        matches: Callable[[str, str], bool],
        whole: bool = False,
    ) -> bool:
        words = [folded(text)] if whole else folded(text).split()
        values = [folded(v) for name in names for v in values_of(row, name)]
        return all(any(matches(v, word) for v in values) for word in words)

    @staticmethod
    def text_argument(node: Any, where: str) -> str:
        if isinstance(node, odsql.Literal) and isinstance(node.value, str):
            return node.value
        raise ODSQLError(f"{where} takes a string")

    def compare(self, op: str, left: Any, right: Any, row: Row) -> bool | None:
        if isinstance(left, odsql.Literal) and isinstance(right, odsql.Field):
            left, right = right, left
            op = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}.get(op, op)
        name = field_name(left, "a comparison")
        if not isinstance(right, odsql.Literal):
            raise ODSQLError(f'compare "{name}" with a value')
        wanted = literal(right)
        values = values_of(row, name)
        if wanted is None or not values:
            return None
        check = COMPARE[op]
        if name in MULTIVALUED or FIELDS[name] == "text":
            if not isinstance(wanted, str):
                raise ODSQLError(f'"{name}" is a text: compare it with a string')
        if FIELDS[name] == "datetime" and isinstance(wanted, str):
            wanted = moment_of(wanted, name)
        try:
            return any(check(*comparable(v, wanted)) for v in values)
        except TypeError:
            raise ODSQLError(
                f'"{name}" ({FIELDS[name]}) cannot be compared with {wanted!r}'
            ) from None


def moment_of(text: str, name: str) -> datetime.datetime:
    """A text compared with a datetime field: an ISO 8601 date or moment (UTC by default)."""
    try:
        found = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise ODSQLError(
            f"\"{name}\" is a datetime: compare it with date'…' or an ISO text"
        ) from None
    return found if found.tzinfo is not None else found.replace(tzinfo=datetime.UTC)


def shown_values(name: str, value: str, lang: str) -> list[str]:
    """The facet values a refinement's value names: itself, and for a theme given by its
    code or its name in another language, its name in `lang`."""
    if name == "theme":
        wanted = folded(value)
        for code, labels in THEMES.items():
            if wanted in {folded(code), *(folded(label) for label in labels.values())}:
                return [value, labels[lang]]
    return [value]


def refined(rows: list[Row], refinements: list[Refinement], lang: str) -> list[Row]:
    """The rows a list of `refine` and `exclude` keeps: a value is matched as the facets
    give it, ignoring case and accents (a theme also by its code)."""
    for refinement in refinements:
        if refinement.field not in FACETS:
            raise ODSQLError(
                f'refine: the catalogue refines by {", ".join(FACETS)}, not "{refinement.field}"'
            )
        wanted = folded(refinement.value)

        def has(row: Row, name: str = refinement.field, wanted: str = wanted) -> bool:
            codes = row.get("_codes", {}).get(name, [])
            return any(folded(v) == wanted for v in [*values_of(row, name), *codes])

        rows = [r for r in rows if has(r) != refinement.excluded]
    return rows


@dataclass
class Output:
    name: str
    field: str | None  # the field read, or None for count(*)
    aggregate: str | None = None
    distinct: bool = False


def outputs(text: str | None) -> list[Output]:
    """The `select` list: fields and aggregates, each under its alias."""
    if not text or not text.strip():
        return []
    result: list[Output] = []
    for item in odsql.parse_select(text):
        node = item.value
        if isinstance(node, odsql.Star):
            result.extend(Output(name, name) for name in FIELDS)
            continue
        if isinstance(node, odsql.Call) and node.name in AGGREGATES:
            result.append(aggregate_output(node, item.alias))
            continue
        name = field_name(node, "select")
        result.append(Output(item.alias or name, name))
    names = [o.name for o in result]
    if len(set(names)) != len(names):
        raise ODSQLError("select names a column twice: add AS")
    return result


def aggregate_output(call: odsql.Call, alias: str | None) -> Output:
    if len(call.args) != 1:
        raise ODSQLError(f"{call.name}() takes one argument")
    arg = call.args[0]
    name = alias or odsql_call_text(call)
    if isinstance(arg, odsql.Star):
        if call.name != "count":
            raise ODSQLError(f"{call.name}(*) is not an aggregate: count(*) is")
        return Output(name, None, "count")
    distinct = isinstance(arg, odsql.Distinct)
    if distinct and call.name != "count":
        raise ODSQLError("only count() takes distinct")
    field_ = field_name(arg.value if distinct else arg, f"{call.name}()")
    if call.name in ("sum", "avg") and FIELDS[field_] != "int":
        raise ODSQLError(f"{call.name}() needs a number, and {field_} is not one")
    return Output(name, field_, call.name, distinct)


def odsql_call_text(call: odsql.Call) -> str:
    arg = call.args[0] if call.args else None
    if isinstance(arg, odsql.Star):
        inner = "*"
    elif isinstance(arg, odsql.Distinct) and isinstance(arg.value, odsql.Field):
        inner = f"distinct {arg.value.name}"
    elif isinstance(arg, odsql.Field):
        inner = arg.name
    else:
        inner = "…"
    return f"{call.name}({inner})"


def aggregate(output: Output, rows: list[Row]) -> Any:
    if output.field is None:
        return len(rows)
    values = [v for row in rows for v in values_of(row, output.field)]
    if output.aggregate == "count":
        return len(set(values)) if output.distinct else len(values)
    if not values:
        return None
    if output.aggregate == "sum":
        return sum(values)
    if output.aggregate == "avg":
        return sum(values) / len(values)
    return min(values) if output.aggregate == "min" else max(values)


def grouped(rows: list[Row], groups: list[str], selected: list[Output]) -> list[Row]:
    """One row per combination of the groups' values, the groups' keys first (a multivalued
    field's dataset counts in the group of each of its values)."""
    buckets: dict[tuple[Any, ...], list[Row]] = {}
    for row in rows:
        keys: list[tuple[Any, ...]] = [()]
        for name in groups:
            values = values_of(row, name) or [None]
            keys = [(*key, value) for key in keys for value in dict.fromkeys(values)]
        for key in keys:
            buckets.setdefault(key, []).append(row)
    result = []
    for key, members in buckets.items():
        out: Row = dict(zip(groups, key, strict=True))
        for output in selected:
            if output.aggregate:
                out[output.name] = aggregate(output, members)
            elif output.field in groups:
                out[output.name] = out[output.field]
            else:
                raise ODSQLError(f'"{output.name}" must be in group_by or inside an aggregate')
        result.append(out)
    return result


def group_names(text: str | None) -> list[str]:
    if not text or not text.strip():
        return []
    names = []
    for item in odsql.parse_select(text):
        if item.alias:
            raise ODSQLError("group_by on the catalogue takes field names")
        names.append(field_name(item.value, "group_by"))
    return names


def ordered(rows: list[Row], text: str | None, names: list[str]) -> list[Row]:
    """The rows sorted by `order_by` (selected names or fields); missing values come after
    all others whichever the direction, as Opendatasoft documents."""
    if not text or not text.strip():
        return rows
    for item in reversed(odsql.parse_order_by(text)):
        node = item.value
        if isinstance(node, odsql.Field) and node.name in names:
            key = node.name
        else:
            key = field_name(node, "order_by")

        def sort_key(row: Row, key: str = key) -> tuple[bool, Any]:
            values = values_of(row, key)
            value = min(values) if values else None
            if isinstance(value, str):
                value = folded(value)
            return (value is not None, value)

        present = [r for r in rows if values_of(r, key)]
        absent = [r for r in rows if not values_of(r, key)]
        present.sort(key=sort_key, reverse=item.descending)
        rows = [*present, *absent]
    return rows
