"""The catalogue's routes of the Explore API v2.1: the datasets (with ODSQL), their facets,
the catalogue's exports (DCAT-AP in RDF, and the table of datasets in CSV, JSON, Excel or
RSS) and the lists of formats and links a client discovers them from."""

import datetime
from typing import Any
from xml.etree import ElementTree

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.http import http_date

from territoria.opendata import catalog_odsql, dcat, exports, odsql, registry
from territoria.opendata.api import (
    _bounded,
    _lang,
    _links_asked,
    explore_view,
    export_response_of,
    ods_json,
)
from territoria.opendata.catalog_odsql import Condition, Row
from territoria.opendata.describe import dataset_links, describe_dataset, link
from territoria.opendata.facets import parse_facets
from territoria.opendata.params import QueryError, integer_param, parse_refinement
from territoria.opendata.services import run

# The catalogue in RDF (DCAT-AP 3): `dcat_ap_*` and `dcat-ap-*` are the two spellings of
# Opendatasoft's regional profiles; Territoria's one catalogue answers all of them.
RDF_FORMATS = {
    "dcat": "turtle",
    "ttl": "turtle",
    "turtle": "turtle",
    "rdf": "rdfxml",
    "rdfxml": "rdfxml",
    "jsonld": "jsonld",
}
# The catalogue as a table, one row per dataset.
TABLE_FORMATS = ("csv", "json", "jsonl", "xlsx")
TABLE_COLUMNS = (
    ("dataset_id", "text"),
    ("title", "text"),
    ("description", "text"),
    ("theme", "text"),
    ("keyword", "text"),
    ("publisher", "text"),
    ("license", "text"),
    ("language", "text"),
    ("modified", "datetime"),
    ("records_count", "int"),
    ("features", "text"),
    ("territory", "text"),
)
MAX_CATALOG_LIMIT = 100


def rows(request: HttpRequest, lang: str) -> list[tuple[Row, dict[str, Any]]]:
    """Each published dataset's values (what ODSQL reads) and its full description."""
    found = []
    for dataset in registry.all_datasets():
        described = describe_dataset(dataset, lang, request)
        default = described["metas"]["default"]
        modified = default["modified"]
        row: Row = {
            "dataset_id": dataset.id,
            "dataset_uid": described["dataset_uid"],
            "has_records": described["has_records"],
            "data_visible": described["data_visible"],
            "features": described["features"],
            **{name: default.get(name) for name in catalog_odsql.FIELDS if name in default},
            "modified": datetime.datetime.fromisoformat(modified) if modified else None,
            # A theme is refined by its code too ("ECON"), as the pages link it, and a
            # theme or a keyword by its name in any language (a link shared across them).
            "_codes": {
                "theme": [dataset.theme, *registry.THEMES[dataset.theme].values()],
                "keyword": [text for _lang, text in dataset.keywords.tagged()],
            },
        }
        found.append((row, described))
    return found


class CatalogQuery:
    """One request's ODSQL over the catalogue: the rows selected, grouped and ordered."""

    def __init__(self, request: HttpRequest, *, export: bool = False) -> None:
        params = request.GET
        self.lang = _lang(request)
        where = params.get("where")
        self.condition = Condition(odsql.parse_where(where)) if where else None
        self.outputs = catalog_odsql.outputs(params.get("select"))
        self.groups = catalog_odsql.group_names(params.get("group_by"))
        self.order_by = params.get("order_by")
        self.refinements = [
            *(parse_refinement(text, False) for text in params.getlist("refine")),
            *(parse_refinement(text, True) for text in params.getlist("exclude")),
        ]
        aggregated = any(o.aggregate for o in self.outputs)
        if aggregated and not self.groups and not all(o.aggregate for o in self.outputs):
            plain = next(o.name for o in self.outputs if not o.aggregate)
            raise QueryError(f'"{plain}" must be in group_by or inside an aggregate', "ODSQLError")
        self.aggregated = aggregated or bool(self.groups)
        if export:
            self.limit = integer_param(params, "limit", -1)
            if self.limit < -1:
                raise QueryError("limit: must be -1 (all) or a positive number")
        else:
            self.limit = integer_param(params, "limit", 10)
            if self.limit == -1:  # Opendatasoft allows -1 on the catalogue: all datasets
                self.limit = MAX_CATALOG_LIMIT
            if not 0 <= self.limit <= MAX_CATALOG_LIMIT:
                raise QueryError(
                    f"limit: must be between 0 and {MAX_CATALOG_LIMIT} (or -1), not {self.limit}"
                )
        self.offset = _bounded(request, "offset", 0, 0, 10_000)

    def run(self, request: HttpRequest) -> tuple[int, list[Row], list[dict[str, Any]]]:
        """The total count, the page's rows (selected columns or groups), and the page's
        full descriptions (for a request without `select` or `group_by`)."""
        described = rows(request, self.lang)
        by_id = {row["dataset_id"]: full for row, full in described}
        selected = catalog_odsql.refined([r for r, _ in described], self.refinements, self.lang)
        if self.condition is not None:
            selected = [r for r in selected if self.condition(r)]
        if self.groups or any(o.aggregate for o in self.outputs):
            outputs = self.outputs or [catalog_odsql.Output(g, g) for g in self.groups]
            selected = catalog_odsql.grouped(selected, self.groups, outputs)
            names = [*self.groups, *(o.name for o in outputs)]
        else:
            names = [o.name for o in self.outputs]
        selected = catalog_odsql.ordered(selected, self.order_by, names)
        total = len(selected)
        stop = None if self.limit == -1 else self.offset + self.limit
        page = selected[self.offset : stop]
        if not self.outputs and not self.groups:
            return total, page, [by_id[row["dataset_id"]] for row in page]
        return total, [self.project(row) for row in page], []

    def project(self, row: Row) -> Row:
        if self.aggregated:
            groups = {g: row[g] for g in self.groups}
            return {**groups, **{o.name: row[o.name] for o in self.outputs}}
        return {o.name: _plain(row.get(o.field or "")) for o in self.outputs}


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.datetime) else value


def _entry_points(request: HttpRequest, own_path: str) -> HttpResponseBase:
    return ods_json(
        {
            "links": [
                link(request, "self", own_path),
                link(request, "datasets", "catalog/datasets"),
                link(request, "facets", "catalog/facets"),
                link(request, "exports", "catalog/exports"),
            ]
        }
    )


@explore_view
def api_root(request: HttpRequest) -> HttpResponseBase:
    """The API's entry points (its root, with or without the final slash)."""
    return _entry_points(request, "")


@explore_view
def catalog_root(request: HttpRequest) -> HttpResponseBase:
    """The catalogue's entry points (`fromCatalog().itself()` in Opendatasoft's client)."""
    return _entry_points(request, "catalog")


@explore_view
def catalog_datasets(request: HttpRequest) -> HttpResponseBase:
    """The published datasets, selected and shaped by ODSQL, paged (`limit`, `offset`)."""
    query = run(CatalogQuery, request)
    total, page, described = run(query.run, request)
    answer: dict[str, Any] = {"total_count": total}
    if _links_asked(request):
        answer["links"] = [link(request, "self", "catalog/datasets")]
    if described:
        if _links_asked(request):
            for full in described:
                # The links only: describing the dataset again would count its records again.
                full["links"] = dataset_links(request, registry.get(full["dataset_id"]))
        answer["results"] = described
    else:
        answer["results"] = page
    return ods_json(answer)


@explore_view
def catalog_facets(request: HttpRequest) -> HttpResponseBase:
    """The values of the catalogue's facets (theme, keyword, publisher, language, features,
    license) over the selected datasets, each with its count and state."""
    lang = _lang(request)
    specs = run(parse_facets, request.GET.getlist("facet"))
    names = [s.name for s in specs] or list(catalog_odsql.FACETS)
    for name in names:
        if name not in catalog_odsql.FACETS:
            raise QueryError(
                f"facet: the catalogue's facets are {', '.join(catalog_odsql.FACETS)}, "
                f'not "{name}"'
            )
    query = run(CatalogQuery, request)
    all_rows = [row for row, _full in rows(request, lang)]
    if query.condition is not None:
        all_rows = [r for r in all_rows if query.condition(r)]
    selected = catalog_odsql.refined(all_rows, query.refinements, lang)
    # A value's state, whichever way the refinement named it (a theme by its code too).
    states = {
        (r.field, catalog_odsql.folded(shown)): "excluded" if r.excluded else "refined"
        for r in query.refinements
        for shown in catalog_odsql.shown_values(r.field, r.value, lang)
    }
    facets = []
    for name in names:
        counts: dict[str, int] = {}
        for row in selected:
            for value in dict.fromkeys(catalog_odsql.values_of(row, name)):
                counts[str(value)] = counts.get(str(value), 0) + 1
        # An excluded value stays in the list, counted as if it were not excluded.
        others = [r for r in query.refinements if r.field != name]
        for row in catalog_odsql.refined(all_rows, others, lang):
            for value in dict.fromkeys(catalog_odsql.values_of(row, name)):
                if states.get((name, catalog_odsql.folded(value))) == "excluded":
                    counts[str(value)] = counts.get(str(value), 0) + 1
        entries = [
            {
                "name": value,
                "count": count,
                "value": value,
                "state": states.get((name, catalog_odsql.folded(value)), "displayed"),
            }
            for value, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        ]
        facets.append({"name": name, "facets": entries})
    return ods_json({"links": [link(request, "self", "catalog/facets")], "facets": facets})


@explore_view
def catalog_export_formats(request: HttpRequest) -> HttpResponseBase:
    """The formats the catalogue exports to, each with the link that exports it."""
    names = [*TABLE_FORMATS, "rss", "dcat", "rdf", "ttl", "jsonld"]
    return ods_json(
        {
            "links": [
                link(request, "self", "catalog/exports"),
                *(link(request, name, f"catalog/exports/{name}") for name in names),
            ]
        }
    )


@explore_view
def catalog_export(request: HttpRequest, format_name: str) -> HttpResponseBase:
    """The catalogue: in DCAT-AP 3 (`dcat`, also `dcat_ap_*` and `dcat-ap-*`, Turtle;
    `rdf`, RDF/XML; `ttl`; `jsonld`), or as a table of its datasets (`csv`, `json`,
    `jsonl`, `xlsx`) or a feed (`rss`), these selected by ODSQL like the datasets route."""
    key = "dcat" if format_name.replace("-", "_").startswith("dcat_ap") else format_name
    if key in RDF_FORMATS:
        base = request.build_absolute_uri("/").rstrip("/")
        # The catalogue carries every language, keywords included.
        graph = dcat.catalogue_graph(base, registry.all_datasets())
        body, media_type = dcat.serialise(graph, RDF_FORMATS[key])
        return HttpResponse(body, content_type=f"{media_type}; charset=utf-8")
    if key not in (*TABLE_FORMATS, "rss"):
        known = ", ".join(sorted([*RDF_FORMATS, *TABLE_FORMATS, "rss", "dcat_ap_*"]))
        raise QueryError(
            f"unknown catalogue export format {format_name!r}; the formats are: {known}"
        )
    query = run(lambda: CatalogQuery(request, export=True))
    _total, page, described = run(query.run, request)
    if key == "rss":
        return rss(request, described or [], query.lang)
    if described:
        columns = [
            exports.Column(n, n, t, n in catalog_odsql.MULTIVALUED) for n, t in TABLE_COLUMNS
        ]
        flat = [_table_row(full) for full in described]
    else:
        names = list(page[0]) if page else [o.name for o in query.outputs] or query.groups
        columns = [_column(name, page) for name in names]
        flat = [[row.get(c.name) for c in columns] for row in page]
    options = exports.parse_options(request.GET)
    return export_response_of("catalog", key, columns, iter(flat), options)


def _table_row(full: dict[str, Any]) -> list[Any]:
    default = full["metas"]["default"]
    values = {"dataset_id": full["dataset_id"], "features": full["features"], **default}
    row = []
    for name, kind in TABLE_COLUMNS:
        value = values.get(name)
        if kind == "datetime" and value:
            value = datetime.datetime.fromisoformat(value)
        row.append(value)
    return row


def _column(name: str, page: list[Row]) -> exports.Column:
    sample = next((row[name] for row in page if row.get(name) is not None), None)
    kind = catalog_odsql.FIELDS.get(name, "text")
    if isinstance(sample, datetime.datetime):
        kind = "datetime"
    elif isinstance(sample, bool):
        kind = "boolean"
    elif isinstance(sample, int):
        kind = "int"
    elif isinstance(sample, float):
        kind = "double"
    elif isinstance(sample, str):
        kind = "text"
    return exports.Column(name, name, kind, isinstance(sample, list))


def rss(request: HttpRequest, described: list[dict[str, Any]], lang: str) -> HttpResponse:
    """The datasets as an RSS 2.0 feed, the most recently modified first."""
    channel_root = ElementTree.Element("rss", version="2.0")
    channel = ElementTree.SubElement(channel_root, "channel")
    ElementTree.SubElement(channel, "title").text = registry.publisher_name()
    ElementTree.SubElement(channel, "link").text = request.build_absolute_uri(
        reverse("data:catalogue")
    )
    ElementTree.SubElement(channel, "description").text = registry.publisher_name()
    ElementTree.SubElement(channel, "language").text = lang
    ordered = sorted(described, key=lambda d: d["metas"]["default"]["modified"] or "", reverse=True)
    for full in ordered:
        default = full["metas"]["default"]
        item = ElementTree.SubElement(channel, "item")
        ElementTree.SubElement(item, "title").text = default["title"]
        ElementTree.SubElement(item, "link").text = default["references"]
        ElementTree.SubElement(item, "description").text = default["description"]
        ElementTree.SubElement(item, "guid", isPermaLink="true").text = default["references"]
        for theme in default["theme"]:
            ElementTree.SubElement(item, "category").text = theme
        if default["modified"]:
            moment = datetime.datetime.fromisoformat(default["modified"])
            ElementTree.SubElement(item, "pubDate").text = http_date(moment.timestamp())
    body = ElementTree.tostring(channel_root, encoding="utf-8", xml_declaration=True)
    return HttpResponse(body, content_type="application/rss+xml; charset=utf-8")
