"""Public pages of the Open Data: the catalogue, and each dataset with its preview.

The pages ask the same services as the Explore API (`parse_request`, `Query`, `run`), with
the parameters the API would receive, so the preview, the API address shown and the
downloads always select the same records.
"""

import datetime
import hashlib
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from territoria.core.http import HtmxHttpRequest
from territoria.core.views import error_page
from territoria.opendata import exports, odsql, registry
from territoria.opendata.facets import default_facets
from territoria.opendata.params import MAX_WINDOW, QueryError, Refinement, parse_request
from territoria.opendata.preview import (
    FacetNode,
    display,
    facet_tree,
    folded_columns,
    value_label,
)
from territoria.opendata.ratelimit import rate_limited
from territoria.opendata.registry import Dataset, Field
from territoria.opendata.services import Query, run

PAGE_SIZE = 20
MAX_PAGES = MAX_WINDOW // PAGE_SIZE
MAX_REFINEMENTS = 40
MAX_SEARCH = 200
FORMAT_NAMES = {
    "csv": "CSV",
    "json": "JSON",
    "jsonl": "JSON Lines",
    "geojson": "GeoJSON",
    "parquet": "Parquet",
    "xlsx": "Excel (XLSX)",
}
CATALOGUE_FORMATS = (("dcat", "Turtle"), ("rdf", "RDF/XML"), ("jsonld", "JSON-LD"))


def page_language() -> str:
    """The request's language, as the API's `lang` parameter."""
    lang = (get_language() or "fr")[:2]
    return lang if lang in registry.LANGUAGES else "fr"


def odsql_string(text: str) -> str:
    """`text` as an ODSQL string literal: double-quoted, backslashes and quotes escaped."""
    # ODSQL strings hold no line break; any control character becomes a space.
    text = "".join(" " if ch < " " or ch == "\x7f" else ch for ch in text)
    return odsql.quote(text)


def search_condition(text: str) -> str:
    """`search("…")` in ODSQL for a visitor's text."""
    return f"search({odsql_string(text)})"


def combined_where(search: str, advanced: str) -> str:
    """One `where` for the free-text search and the advanced ODSQL condition.

    The condition is parsed on its own first: its mistakes (and its numbers out of range)
    are reported at their place in the visitor's text, and a condition that parses is a
    whole expression, which the parentheses keep whole next to the search.
    """
    parts = []
    if search:
        parts.append(search_condition(search))
    if advanced:
        try:
            odsql.check_numbers(odsql.parse_where(advanced))
        except odsql.ODSQLError as error:
            raise QueryError(str(error), "ODSQLError") from None
        parts.append(f"({advanced})" if search else advanced)
    return " AND ".join(parts)


def _dataset(dataset_id: str) -> Dataset:
    try:
        return registry.get(dataset_id)
    except registry.UnknownDataset:
        raise Http404(dataset_id) from None


def _modified(dataset: Dataset) -> datetime.date | datetime.datetime | None:
    modified = dataset.modified()
    if isinstance(modified, datetime.datetime) and timezone.is_aware(modified):
        return timezone.localtime(modified)
    return modified


def _summary(dataset: Dataset, lang: str) -> dict[str, Any]:
    theme = registry.THEMES[dataset.theme]
    return {
        "id": dataset.id,
        "title": dataset.title.get(lang),
        "description": dataset.description.get(lang),
        "theme": theme[lang],
        "keywords": dataset.keywords.shown(lang),
        "count": dataset.queryset().order_by().count(),
        "modified": _modified(dataset),
        "licence": dataset.licence,
        "licence_url": registry.LICENCE_URLS[dataset.licence],
    }


def catalogue(request: HttpRequest) -> HttpResponse:
    lang = page_language()
    return render(
        request,
        "opendata/catalogue.html",
        {
            "nav": "opendata",
            "datasets": [_summary(d, lang) for d in registry.all_datasets()],
            "api_catalog": reverse("opendata:catalog"),
            "catalogue_exports": [
                (reverse("opendata:catalog-export", args=[name]), label)
                for name, label in CATALOGUE_FORMATS
            ],
        },
    )


def _page_number(raw: str | None) -> int:
    if raw and raw.isascii() and raw.isdigit() and len(raw) < 7:
        return min(max(int(raw), 1), MAX_PAGES)
    return 1


def _without(params: list[tuple[str, str]], *removed: tuple[str, str]) -> str:
    return urlencode([p for p in params if p not in removed])


def _api_params(where: str, refinements: list[str], lang: str) -> list[tuple[str, str]]:
    return [
        *([("where", where)] if where else []),
        *(("refine", r) for r in refinements),
        ("lang", lang),
    ]


def _records_page(
    dataset: Dataset, api_params: list[tuple[str, str]], number: int
) -> tuple[Query, int, list[dict[str, Any]], int]:
    """The query, the total and the records of page `number` (the last when past it)."""
    params = QueryDict(mutable=True)
    for name, value in [*api_params, ("limit", str(PAGE_SIZE))]:
        params.appendlist(name, value)
    params["offset"] = str((number - 1) * PAGE_SIZE)
    query: Query = run(Query, dataset, parse_request(params))
    total, records = run(query.records)
    last = max(1, min(-(-total // PAGE_SIZE), MAX_PAGES))
    if number > last:
        return _records_page(dataset, api_params, last)
    return query, total, records, number


def _too_many(request: HttpRequest, body: dict[str, Any], seconds: int) -> HttpResponse:
    """The page for a visitor past the anonymous quota, which the page shares with the API
    (it runs the same queries): when to come back, and that signing in lifts the limit."""
    minutes = max(1, -(-seconds // 60))
    response = error_page(
        request,
        429,
        _("Too many requests"),
        _(
            "This address has asked for more than %(limit)s data pages or API calls in a "
            "short time. Try again in %(minutes)s minutes, or sign in."
        )
        % {"limit": body["call_limit"], "minutes": minutes},
    )
    if getattr(request, "htmx", False):
        # HTMX swaps in only successful answers: the whole page is loaded again, and shows
        # this one.
        response["HX-Refresh"] = "true"
    return response


def dataset_page(request: HtmxHttpRequest, dataset_id: str) -> HttpResponseBase:
    return _limited_dataset_page(request, dataset_id)


def _dataset_page(request: HtmxHttpRequest, dataset_id: str) -> HttpResponse:
    dataset = _dataset(dataset_id)
    lang = page_language()
    fields = dataset.fields()
    by_name = {f.name: f for f in fields}
    search = request.GET.get("q", "").strip()[:MAX_SEARCH]
    advanced = request.GET.get("where", "").strip()
    refinements = [r for r in request.GET.getlist("refine") if r.strip()][:MAX_REFINEMENTS]
    number = _page_number(request.GET.get("page"))
    form_params = [
        *([("q", search)] if search else []),
        *([("where", advanced)] if advanced else []),
        *(("refine", r) for r in refinements),
    ]
    context: dict[str, Any] = {
        "nav": "opendata",
        "dataset": _summary(dataset, lang),
        "fields": [_field_row(f, lang) for f in fields],
        "search": search,
        "advanced": advanced,
        "page_url": reverse("data:dataset", args=[dataset.id]),
        "page_query": urlencode(form_params),
        "chips": _chips(form_params, by_name, lang),
        "error": "",
        "example_where": 'search("numérique")',
    }
    try:
        where = combined_where(search, advanced)
        api_params = _api_params(where, refinements, lang)
        query, total, records, number = _records_page(dataset, api_params, number)
        facets = run(query.facets, default_facets(dataset))
    except QueryError as problem:
        context["error"] = str(problem)
    else:
        records_url = reverse("opendata:records", args=[dataset.id])
        paging = [("limit", str(PAGE_SIZE)), ("offset", str((number - 1) * PAGE_SIZE))]
        columns = [_column(o.name, o.type, o.field, lang) for o in query.outputs]
        # A column computed from a field (none on this page) keeps its values as they are.
        labels = {
            o.name: o.field.labels_for(lang) if o.field and o.field.name == o.name else {}
            for o in query.outputs
        }
        rows = [
            [display(r.get(o.name), o.type, labels[o.name]) for o in query.outputs] for r in records
        ]
        kept, folded = folded_columns(columns, rows)
        context.update(
            total=total,
            page=Paginator(range(min(total, MAX_WINDOW)), PAGE_SIZE).get_page(number),
            truncated=total > MAX_WINDOW,
            columns=[columns[i] for i in kept],
            rows=[[row[i] for i in kept] for row in rows],
            folded=folded,
            facets=_facets(facets, by_name, query.request.refinements, lang),
            api_url=request.build_absolute_uri(f"{records_url}?{urlencode(api_params + paging)}"),
            downloads=_downloads(dataset, fields, api_params),
            example_where=_example(facets, by_name) or context["example_where"],
        )
    fragment = bool(request.htmx and not request.htmx.history_restore_request)
    context["fragment"] = fragment
    template = "opendata/_dataset_body.html" if fragment else "opendata/dataset.html"
    # A refused query is the visitor's to correct in the form, which the page shows with the
    # API's message: as a page, a 400 (the address names a query that cannot be run); as
    # the fragment HTMX asked for, a 200, since HTMX swaps in only successful answers.
    status = 400 if context["error"] and not fragment else 200
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


_limited_dataset_page = rate_limited(_dataset_page, _too_many)


def _field_row(spec: Field, lang: str) -> dict[str, Any]:
    return {
        "name": spec.name,
        "label": spec.label.get(lang),
        "type": spec.type,
        "facet": spec.facet,
        "multivalued": spec.multivalued,
        "description": spec.description.get(lang) if spec.description else "",
    }


def _column(name: str, kind: str, spec: Field | None, lang: str) -> dict[str, str]:
    label = spec.label.get(lang) if spec is not None and spec.name == name else name
    return {"name": name, "label": label, "type": kind}


def _chips(
    form_params: list[tuple[str, str]], by_name: dict[str, Field], lang: str
) -> list[dict[str, Any]]:
    """The active filters, each with the address of the page without it."""
    chips = []
    for param in form_params:
        name, value = param
        if name == "q":
            label = _("Search: “%(text)s”") % {"text": value}
        elif name == "where":
            label = _("Condition: %(where)s") % {"where": value}
        else:
            field_name, _colon, refined = value.partition(":")
            spec = by_name.get(field_name.strip())
            title = spec.label.get(lang) if spec else field_name
            shown = (
                value_label(refined.strip(), spec.type, spec.labels_for(lang)) if spec else refined
            )
            label = f"{title} : {shown}"
        chips.append({"label": label, "query": _without(form_params, param), "param": name})
    return chips


def _facets(
    results: list[dict[str, Any]],
    by_name: dict[str, Field],
    refinements: list[Refinement],
    lang: str,
) -> list[dict[str, Any]]:
    facets = []
    shown = getattr(settings, "FACET_LIMIT", 12)
    for result in results:
        spec = by_name[result["name"]]
        labels = spec.labels_for(lang)
        counted = {str(value["value"]) for value in result["facets"]}
        # A refined value the selection no longer holds stays listed, to be unticked.
        lost = [
            r.value
            for r in refinements
            if r.field == spec.name and not r.excluded and r.value not in counted
        ]
        values = [_facet_value(spec, value, 0, True, labels) for value in dict.fromkeys(lost)]
        values += [
            _facet_value(
                spec, str(value["value"]), value["count"], value["state"] == "refined", labels
            )
            for value in result["facets"]
        ]
        # A taxonomy facet's values are paths of labels ("Région/Province/Commune"): a tree.
        roots = facet_tree(values) if spec.scheme else [FacetNode(value) for value in values]
        # A facet of a few values shows them all, as a flat one would; a larger one folds
        # its branches (the territory's 262 towns) but for those leading to a ticked value.
        few = len(values) <= shown
        nodes = [_facet_node(root, few or len(roots) == 1, few) for root in roots]
        facets.append(
            {
                "name": spec.name,
                "label": spec.label.get(lang),
                "shown": nodes[:shown],
                "more": nodes[shown:],
                "more_selected": any(root.selected_within for root in roots[shown:]),
            }
        )
    return facets


def _facet_node(node: FacetNode, opened: bool, all_open: bool) -> dict[str, Any]:
    """A value for the template, with the values under it. Its branch is `opened`, or opens
    when it holds a ticked value; the facet's only root (the region) is always open: folded, it
    would leave nothing to choose."""
    return {
        **node.value,
        "children": [_facet_node(child, all_open, all_open) for child in node.children],
        "open": opened or any(child.selected_within for child in node.children),
    }


def _facet_value(
    spec: Field, value: str, count: int, selected: bool, labels: dict[str, str]
) -> dict[str, Any]:
    refine = f"{spec.name}:{value}"
    # An id that stays with the value from one response to the next, so that HTMX gives the
    # focus back to the checkbox just ticked.
    digest = hashlib.blake2s(refine.encode(), digest_size=5).hexdigest()
    return {
        "refine": refine,
        "id": f"refine-{digest}",
        "path": value,
        "label": value_label(value, spec.type, labels),
        "count": count,
        "selected": selected,
    }


def _downloads(
    dataset: Dataset, fields: list[Field], api_params: list[tuple[str, str]]
) -> list[dict[str, str]]:
    """Every export format of the current selection (GeoJSON only for located records)."""
    located = any(f.type == "geo_point_2d" for f in fields)
    query = urlencode(api_params)
    return [
        {
            "format": name,
            "label": FORMAT_NAMES.get(name, name),
            "url": f"{reverse('opendata:export', args=[dataset.id, name])}?{query}",
        }
        for name in exports.FORMATS
        if name != "geojson" or located
    ]


def _example(results: list[dict[str, Any]], by_name: dict[str, Field]) -> str:
    """An ODSQL condition on this dataset's data, to show how one is written."""
    for result in results:
        spec = by_name[result["name"]]
        if spec.type == "text" and result["facets"]:
            return f"{spec.name} = {odsql_string(str(result['facets'][0]['name']))}"
    return ""
