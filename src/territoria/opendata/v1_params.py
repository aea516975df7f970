"""The parameters of API v1's records routes (search, lookup, downloads), checked and
turned into the engine's `Request`: `dataset`, `rows` / `start`, `q` (and the `q.<name>`
ods-widgets adds), `refine.F` / `exclude.F` / `disjunctive.F`, `sort` (descending unless
`-`, v1's rule), `fields`, `lang`, `timezone`. A mistake is a `QueryError` (HTTP 400).
"""

from typing import Any

from django.http import QueryDict

from territoria.opendata import registry, v1_query
from territoria.opendata.params import (
    QueryError,
    Refinement,
    Request,
    integer_param,
    text_language,
)
from territoria.opendata.registry import Dataset


def dataset_of(params: QueryDict) -> Dataset:
    """The `dataset` parameter's dataset (older clients name it `datasetid`)."""
    ids = params.getlist("dataset") or params.getlist("datasetid")
    if not ids or not ids[0].strip():
        raise QueryError("dataset: this parameter is mandatory")
    if len(ids) > 1:
        raise QueryError("dataset: one dataset at a time here")
    return registry.get(ids[0].strip())


def bounded(params: QueryDict, name: str, default: int, most: int) -> int:
    value = integer_param(params, name, default)
    if not 0 <= value <= most:
        raise QueryError(f"{name}: expected a number between 0 and {most}, not {value}")
    return value


def refinements(params: QueryDict) -> list[Refinement]:
    """`refine.F=value` and `exclude.F=value`, each repeatable."""
    found = []
    for key in params:
        for prefix, excluded in (("refine.", False), ("exclude.", True)):
            if not key.startswith(prefix):
                continue
            name = key[len(prefix) :]
            for value in params.getlist(key):
                if not name or "\x00" in value:
                    raise QueryError(f"{key}: write {prefix}FIELD=value, without NUL characters")
                found.append(Refinement(name, value, excluded))
    return found


def disjunctive(params: QueryDict, refined: list[Refinement]) -> set[str]:
    """The facets with `disjunctive.F=true`. Their counts ignore their own refinements; two
    refinements of one are refused, since they would be ORed in v1 and the selection here
    can only AND them."""
    names = {
        key[len("disjunctive.") :]
        for key in params
        if key.startswith("disjunctive.") and str(params.get(key, "")).lower() == "true"
    }
    for name in names:
        if sum(1 for r in refined if r.field == name and not r.excluded) > 1:
            raise QueryError(
                f"disjunctive.{name}: several refine.{name} values are not supported; "
                "refine by one value, or use the Explore v2.1 API with a where clause"
            )
    return names


def q_texts(params: QueryDict) -> list[str]:
    """`q`, and the `q.<name>` filters ods-widgets sends beside it: all must match."""
    return [t for key in params if key == "q" or key.startswith("q.") for t in params.getlist(key)]


def sort_items(params: QueryDict) -> list[str]:
    return [
        item.strip() for text in params.getlist("sort") for item in text.split(",") if item.strip()
    ]


def requested_fields(params: QueryDict, dataset: Dataset) -> list[str] | None:
    """`fields=a,b`: the fields to return, checked; None for all."""
    text = params.get("fields")
    if not text or not text.strip():
        return None
    known = dataset.field_map()
    names = [name.strip() for name in text.split(",") if name.strip()]
    for name in names:
        if name not in known:
            raise QueryError(f'fields: unknown field "{name}"; the fields are: {", ".join(known)}')
    return names


def records_request(
    params: QueryDict, dataset: Dataset, *, limit: int, offset: int, select: str | None
) -> Request:
    """A v1 records query as the engine's `Request`: `q` as a `where`, `sort` as an
    `order_by` (v1's directions), `refine.`/`exclude.` as refinements."""
    for name in ("geofilter.distance", "geofilter.polygon"):
        if params.get(name):
            raise QueryError(f"{name} is not supported here")
    fields = dataset.field_map()
    tree = v1_query.parse(q_texts(params))
    order = []
    for item in sort_items(params):
        name = item[1:] if item.startswith("-") else item
        if name not in fields:
            raise QueryError(f'sort: unknown field "{name}"; the fields are: {", ".join(fields)}')
        order.append(f"`{name}` {'ASC' if item.startswith('-') else 'DESC'}")
    if "\x00" in params.get("timezone", ""):
        raise QueryError("timezone: NUL characters are not allowed")
    return Request(
        select=select,
        where=v1_query.to_where(tree, fields) if tree is not None else None,
        order_by=", ".join(order) or None,
        limit=limit,
        offset=offset,
        refinements=refinements(params),
        lang=text_language(params.get("lang")),
        timezone=params.get("timezone") or "UTC",
    )


def echoed(params: QueryDict, name: str) -> dict[str, Any]:
    """`refine.F` (or `exclude.F`) parameters as v1 echoes them: {F: value, or [values]}."""
    found: dict[str, Any] = {}
    for key in params:
        if key.startswith(name + "."):
            values = params.getlist(key)
            found[key[len(name) + 1 :]] = values[0] if len(values) == 1 else values
    return found


def echoed_search(params: QueryDict, facets: list[str], sorts: list[str]) -> dict[str, Any]:
    """The search parameters v1 echoes in `parameters` when they are given: `q` (one text, or
    the list), `lang`, `facet`, `refine`, `exclude` and `sort`."""
    texts = params.getlist("q")
    given = {
        "q": texts[0] if len(texts) == 1 else texts,
        "lang": params.get("lang"),
        "facet": facets,
        "refine": echoed(params, "refine"),
        "exclude": echoed(params, "exclude"),
        "sort": sorts,
    }
    return {name: value for name, value in given.items() if value}
