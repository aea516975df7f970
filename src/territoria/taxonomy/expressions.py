"""Magnet expressions: a JSON boolean combination of concepts.

    {"concept": "technology:ai"}   records tagged with the concept or one of its descendants
    {"all": [e, …]}                 records matching every sub-expression
    {"any": [e, …]}                 records matching at least one
    {"not": e}                      records not matching e

`parse` checks the shape and says where it is wrong (`expression.all[2].concept`);
`resolve` looks the concepts up and names the unknown ones the same way.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

MAX_NODES = 500
CODE_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]*:[A-Za-z0-9][A-Za-z0-9._-]*")
MAX_DEPTH = 24


class ExpressionError(ValueError):
    """An expression that cannot be evaluated; the message names the wrong part."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}")


@dataclass(frozen=True)
class ConceptRef:
    code: str
    path: str


@dataclass(frozen=True)
class All:
    items: tuple["Expression", ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple["Expression", ...]


@dataclass(frozen=True)
class Not:
    item: "Expression"


Expression = ConceptRef | All | AnyOf | Not
OPERATORS = ("concept", "all", "any", "not")


def parse(data: Any, path: str = "expression") -> Expression:
    """The expression tree of a JSON value, or ExpressionError naming the wrong part."""
    counter = [0]
    return _parse(data, path, 0, counter)


def _parse(data: Any, path: str, depth: int, counter: list[int]) -> Expression:
    counter[0] += 1
    if counter[0] > MAX_NODES:
        raise ExpressionError(path, _("the expression has more than %d parts") % MAX_NODES)
    if depth > MAX_DEPTH:
        raise ExpressionError(path, _("the expression is nested more than %d levels") % MAX_DEPTH)
    if not isinstance(data, dict):
        raise ExpressionError(
            path,
            _('expected an object such as {"concept": "technology:ai"}, got %s')
            % type(data).__name__,
        )
    if len(data) != 1 or next(iter(data)) not in OPERATORS:
        keys = ", ".join(sorted(map(str, data))) or _("no key")
        raise ExpressionError(
            path, _("expected exactly one of the keys concept, all, any, not; got %s") % keys
        )
    operator, value = next(iter(data.items()))
    here = f"{path}.{operator}"
    if operator == "concept":
        if not isinstance(value, str) or not CODE_PATTERN.fullmatch(value.strip()):
            raise ExpressionError(here, _('expected a concept written "scheme:notation"'))
        return ConceptRef(value.strip(), here)
    if operator == "not":
        return Not(_parse(value, here, depth + 1, counter))
    if not isinstance(value, list) or not value:
        raise ExpressionError(here, _("expected a non-empty list of expressions"))
    items = tuple(_parse(item, f"{here}[{i}]", depth + 1, counter) for i, item in enumerate(value))
    return All(items) if operator == "all" else AnyOf(items)


def to_json(expression: Expression) -> dict[str, Any]:
    match expression:
        case ConceptRef(code=code):
            return {"concept": code}
        case All(items=items):
            return {"all": [to_json(item) for item in items]}
        case AnyOf(items=items):
            return {"any": [to_json(item) for item in items]}
        case Not(item=item):
            return {"not": to_json(item)}
    raise TypeError(expression)


def concept_refs(expression: Expression) -> Iterator[ConceptRef]:
    match expression:
        case ConceptRef():
            yield expression
        case All(items=items) | AnyOf(items=items):
            for item in items:
                yield from concept_refs(item)
        case Not(item=item):
            yield from concept_refs(item)


def resolve(expression: Expression, known: dict[str, int] | None = None) -> dict[str, int]:
    """Map each concept code of the expression to its concept id; unknown ones are errors.

    `known` (code → id for every concept) spares the database query.
    """
    from territoria.taxonomy.models import Concept

    refs = list(concept_refs(expression))
    if known is not None:
        for ref in refs:
            if ref.code not in known:
                raise ExpressionError(ref.path, _('unknown concept "%s"') % ref.code)
        return {ref.code: known[ref.code] for ref in refs}
    wanted = {ref.code for ref in refs}
    query = Q(pk__in=[])
    for code in wanted:
        scheme, notation = code.split(":")
        query |= Q(scheme__code=scheme, notation=notation)
    found = {
        f"{scheme}:{notation}": pk
        for pk, scheme, notation in Concept.objects.filter(query).values_list(
            "pk", "scheme__code", "notation"
        )
    }
    for ref in refs:
        if ref.code not in found:
            raise ExpressionError(ref.path, _('unknown concept "%s"') % ref.code)
    return found
