"""The API v1 catalogue: `/api/datasets/1.0/search/` and `/api/datasets/1.0/{dataset_id}/`.

A dataset is what the Explore v2.1 catalogue describes (`api.describe_dataset`), in v1's
shape: `{"datasetid", "has_records", "features", "metas": {…}, "fields": […],
"attachments": [], "alternative_exports": []}`, its metas flat (v1 has no `default`
group) and without null ones (v1 leaves an unset meta out, and harvesters read them with
`.get(name, "")`), each field's annotations a list (`[{"name": "facet"}, …]`).

The search filters with `q` (parsed by `v1_query`, evaluated by `catalog_odsql`), with
`refine.F` / `exclude.F` on the catalogue's facets (`theme`, by label or code, `keyword`,
`publisher`, `license`, `language`, `modified` by year, year/month or year/month/day),
sorts with `sort` (`modified`, `records_count`, `title`; descending unless `-`), and
counts `facet`s.
"""

import datetime
from collections import Counter
from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase

from territoria.opendata import api, catalog_odsql, odsql, registry, v1, v1_params, v1_query
from territoria.opendata.params import QueryError, Refinement, text_language
from territoria.opendata.registry import Dataset

FACETS = ("theme", "keyword", "publisher", "license", "language", "modified")
SORTS = ("modified", "records_count", "title")


def annotations(field: dict[str, Any]) -> list[dict[str, Any]]:
    """v2.1's annotations ({"facet": [], "multivalued": [","]}) as v1's list of
    {"name", "args"}, the multivalued separator v1's own (`v1.SEPARATOR`)."""
    found: list[dict[str, Any]] = []
    for name, args in field["annotations"].items():
        if name == "multivalued":
            args = [v1.SEPARATOR]
        found.append({"name": name, "args": args} if args else {"name": name})
    return found


def v1_dataset(dataset: Dataset, lang: str, request: HttpRequest) -> dict[str, Any]:
    """A dataset as v1's catalogue describes it."""
    described = api.describe_dataset(dataset, lang, request)
    default = described["metas"]["default"]
    metas = {name: value for name, value in default.items() if value is not None}
    metas["visibility"] = described["visibility"]
    return {
        "datasetid": described["dataset_id"],
        "has_records": described["has_records"],
        "data_visible": described["data_visible"],
        "features": described["features"],
        "metas": metas,
        "attachments": [],
        "alternative_exports": [],
        "fields": [
            {
                "name": field["name"],
                "label": field["label"],
                "type": field["type"],
                "description": field["description"],
                "annotations": annotations(field),
            }
            for field in described["fields"]
        ],
    }


def _facet_values(described: dict[str, Any], name: str) -> list[str]:
    """A dataset's values of a catalogue facet; `modified` by year, as v1's top level."""
    metas = described["metas"]
    if name == "modified":
        return [metas["modified"][:4]] if metas.get("modified") else []
    value = metas.get(name)
    return [str(v) for v in (value if isinstance(value, list) else [value]) if v]


def _refines(dataset: Dataset, described: dict[str, Any], refinement: Refinement) -> bool:
    metas = described["metas"]
    if refinement.field == "modified":
        modified = metas.get("modified")
        parts = refinement.value.replace("-", "/").split("/")
        if not modified or not all(p.isdigit() for p in parts) or len(parts) > 3:
            return False
        day = datetime.datetime.fromisoformat(modified).date()
        return [int(p) for p in parts] == [day.year, day.month, day.day][: len(parts)]
    if refinement.field == "theme" and refinement.value == dataset.theme:
        return True
    return refinement.value in _facet_values(described, refinement.field)


def _checked(refined: list[Refinement]) -> list[Refinement]:
    for refinement in refined:
        if refinement.field not in FACETS:
            raise QueryError(
                f'refine: the catalogue refines by {", ".join(FACETS)}, not "{refinement.field}"'
            )
    return refined


def _sort_key(entry: tuple[Dataset, dict[str, Any]], name: str) -> Any:
    value = entry[1]["metas"].get(name)
    if name == "title":
        return catalog_odsql.folded(value or "")
    if value is None:
        return (False, 0.0)  # first in ascending order, last in descending order
    return (True, moment(value).timestamp() if name == "modified" else float(value))


def _facet_groups(
    entries: list[tuple[Dataset, dict[str, Any]]],
    names: list[str],
    refined: list[Refinement],
    lang: str,
) -> list[dict[str, Any]]:
    """The facets' values over the datasets `entries` (those `q` selects) that every
    refinement keeps; an excluded value stays listed, counted over the datasets the other
    refinements keep, and a theme refined by its code is marked as its label is."""
    groups = []
    for name in names:
        kept = [e for e in entries if all(_refines(*e, r) != r.excluded for r in refined)]
        counts = Counter(v for _d, described in kept for v in _facet_values(described, name))
        states: dict[str, str] = {}
        for refinement in (r for r in refined if r.field == name):
            for shown in catalog_odsql.shown_values(name, refinement.value, lang):
                states[shown] = "excluded" if refinement.excluded else "refined"
        if "excluded" in states.values():
            others = [r for r in refined if r.field != name]
            unexcluded = [e for e in entries if all(_refines(*e, r) != r.excluded for r in others)]
            for _d, described in unexcluded:
                for value in _facet_values(described, name):
                    if states.get(value) == "excluded":
                        counts[value] += 1
        ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        groups.append(
            {
                "name": name,
                "facets": [
                    {
                        "name": value,
                        "count": count,
                        "state": states.get(value, "displayed"),
                        "path": value,
                    }
                    for value, count in ordered
                ],
            }
        )
    return groups


@v1.v1_view
def datasets_search(request: HttpRequest) -> HttpResponseBase:
    """The published datasets, filtered, sorted and paged as v1 does."""
    params = request.GET
    lang = text_language(params.get("lang"))
    rows = v1_params.bounded(params, "rows", v1.DEFAULT_ROWS, v1.MAX_ROWS)
    start = v1_params.bounded(params, "start", 0, v1.MAX_ROWS)
    texts = v1_params.q_texts(params)
    tree = v1_query.parse(texts)
    refined = _checked(v1_params.refinements(params))
    v1_params.disjunctive(params, refined)
    sorts = v1_params.sort_items(params)
    for item in sorts:
        if item.lstrip("-") not in SORTS:
            raise QueryError(f"sort: the catalogue sorts by {', '.join(SORTS)}, not {item!r}")
    facets = [name for name in params.getlist("facet") if name.strip()]
    for name in facets:
        if name not in FACETS:
            raise QueryError(f'facet: the catalogue facets are {", ".join(FACETS)}, not "{name}"')
    datasets = registry.all_datasets()
    entries: list[tuple[Dataset, dict[str, Any]]] = []
    matched = entries
    if tree is None and not refined and not sorts and not facets:
        # Nothing to filter on: only the page is described (a description counts records).
        total = len(datasets)
        page = [v1_dataset(d, lang, request) for d in datasets[start : start + rows]]
    else:
        entries = [(d, v1_dataset(d, lang, request)) for d in datasets]
        if tree is not None:
            # `q` as an ODSQL condition on the catalogue, as Explore v2.1's `where` reads it.
            where = v1_query.to_where(tree, catalog_odsql.V1_FIELDS)
            condition = catalog_odsql.Condition(odsql.parse_where(where))
            entries = [e for e in entries if condition(catalog_row(*e))]
        matched = entries  # what `q` selects, before the refinements
        for refinement in refined:
            entries = [e for e in entries if _refines(*e, refinement) != refinement.excluded]
        for item in reversed(sorts):  # the first sort decides, the next ones break its ties
            entries.sort(
                key=lambda e: _sort_key(e, item.lstrip("-")), reverse=not item.startswith("-")
            )
        total = len(entries)
        page = [described for _d, described in entries[start : start + rows]]
    parameters: dict[str, Any] = {
        "rows": rows,
        "start": start,
        "format": "json",
        "timezone": "UTC",
        "staged": False,
    }
    parameters.update(v1_params.echoed_search(params, facets, sorts))
    body: dict[str, Any] = {"nhits": total, "parameters": parameters, "datasets": page}
    if facets:
        body["facet_groups"] = _facet_groups(matched, facets, refined, lang)
    return api.ods_json(body)


@v1.v1_view
def dataset_lookup(request: HttpRequest, dataset_id: str) -> HttpResponseBase:
    """One dataset, as the search lists it."""
    return api.ods_json(
        v1_dataset(registry.get(dataset_id), text_language(request.GET.get("lang")), request)
    )


def catalog_row(dataset: Dataset, described: dict[str, Any]) -> catalog_odsql.Row:
    """A dataset's values as `catalog_odsql` reads them, from its v1 description."""
    metas = described["metas"]
    modified = metas.get("modified")
    return {
        **{name: metas.get(name) for name in catalog_odsql.FIELDS if name in metas},
        "dataset_id": dataset.id,
        "modified": moment(modified) if modified else None,
    }


def moment(value: Any) -> datetime.datetime:
    """A date, datetime or ISO 8601 text as an aware datetime (UTC when it names no zone)."""
    found: datetime.date = (
        datetime.datetime.fromisoformat(value) if isinstance(value, str) else value
    )
    if not isinstance(found, datetime.datetime):
        found = datetime.datetime.combine(found, datetime.time())
    return found if found.tzinfo is not None else found.replace(tzinfo=datetime.UTC)
