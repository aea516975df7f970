"""The Explore API v2.1: Opendatasoft's routes, parameters, response and error shapes.

Plain Django views (GET only, JSON), so that scripts written against an Opendatasoft
portal work here unchanged. Any mistake in a request is an HTTP 400 with
`{"error_code": …, "message": …}`; anonymous clients are rate-limited (`ratelimit.py`).
"""

import datetime
import hashlib
import itertools
import json
from collections.abc import Callable, Iterator
from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from territoria.core import territory
from territoria.core.routers import replica_reads, replica_stream
from territoria.opendata import dcat, exports, pgcopy, registry
from territoria.opendata.facets import FacetSpec, default_facets, parse_facets
from territoria.opendata.params import QueryError, integer_param, parse_request
from territoria.opendata.ratelimit import rate_limited
from territoria.opendata.registry import Dataset
from territoria.opendata.services import Query, refusal, run
from territoria.taxonomy import index

API_ROOT = "/api/explore/v2.1"


def _encode(value: Any) -> Any:
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    raise TypeError(type(value).__name__)


class Encoder(json.JSONEncoder):
    def default(self, o: Any) -> Any:
        return _encode(o)


def ods_json(data: Any, status: int = 200) -> JsonResponse:
    return JsonResponse(
        data, status=status, encoder=Encoder, safe=False, json_dumps_params={"ensure_ascii": False}
    )


def error(
    message: str, error_code: str = "InvalidRESTParameterError", status: int = 400
) -> JsonResponse:
    return ods_json({"error_code": error_code, "message": message}, status=status)


def explore_view(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """GET and HEAD only, rate-limited, and every client mistake answered in Opendatasoft's
    shape. HEAD answers what GET would, headers only (link checkers and harvesters send it)."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            # Reads go to the read replica when one is configured; the index token is read
            # there too, so that it matches the rows it describes.
            with replica_reads(), index.pinned():  # the token read once per request
                response = view(request, *args, **kwargs)
        except QueryError as problem:
            response = error(str(problem), problem.error_code)
        except registry.UnknownDataset as missing:
            response = error(f"Unknown dataset: {missing}", "NoSuchDataset", 404)
        except exports.ExportOptionError as problem:
            response = error(str(problem))
        response["Access-Control-Allow-Origin"] = "*"
        patch_vary_headers(response, ["Accept-Language"])
        return without_body(response) if request.method == "HEAD" else response

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return require_safe(rate_limited(wrapped))


def without_body(response: HttpResponseBase) -> HttpResponseBase:
    """The answer to a HEAD: GET's status and headers, no body (a streamed export is not
    produced at all, so its length is not known)."""
    if isinstance(response, StreamingHttpResponse):
        if hasattr(response, "close"):
            response.close()
        head = HttpResponse(status=response.status_code)
        for header, value in response.items():
            if header.lower() != "content-length":
                head[header] = value
        return head
    if isinstance(response, HttpResponse):
        length = len(response.content)
        response.content = b""
        response["Content-Length"] = str(length)
    return response


def dataset_uid(dataset: Dataset) -> str:
    return "da_" + hashlib.sha256(dataset.id.encode()).hexdigest()[:6]


def _lang(request: HttpRequest) -> str:
    lang = (request.GET.get("lang") or "fr").lower()
    if lang not in registry.LANGUAGES:
        raise QueryError(f"lang: expected one of {', '.join(registry.LANGUAGES)}, not {lang!r}")
    return lang


def describe_dataset(dataset: Dataset, lang: str, request: HttpRequest) -> dict[str, Any]:
    """A dataset as Opendatasoft's catalog describes it."""
    fields = dataset.fields()
    count = dataset.queryset().order_by().count()
    modified = dataset.modified()
    if isinstance(modified, datetime.datetime):
        modified_text = modified.isoformat()
    elif isinstance(modified, datetime.date):
        modified_text = datetime.datetime.combine(
            modified, datetime.time(), datetime.UTC
        ).isoformat()
    else:
        modified_text = None
    base = request.build_absolute_uri(f"{API_ROOT}/catalog/datasets/{dataset.id}")
    return {
        "dataset_id": dataset.id,
        "dataset_uid": dataset_uid(dataset),
        "attachments": [],
        "has_records": count > 0,
        "data_visible": True,
        "features": [
            "analyze",
            *(["geo"] if any(f.type == "geo_point_2d" for f in fields) else []),
        ],
        "metas": {
            "default": {
                "title": dataset.title.get(lang),
                "description": dataset.description.get(lang),
                "theme": [registry.THEMES[dataset.theme][lang]],
                "keyword": dataset.keywords.get(lang),
                "license": dataset.licence,
                "license_url": registry.LICENCE_URLS[dataset.licence],
                "language": lang,
                "publisher": registry.publisher_name(),
                "modified": modified_text,
                "records_count": count,
                "territory": [territory.current().name(lang)] if dataset.spatial else [],
            },
        },
        "fields": [
            {
                "name": f.name,
                "label": f.label.get(lang),
                "type": f.type,
                "description": f.description.get(lang) if f.description else None,
                "annotations": {
                    **({"facet": True} if f.facet else {}),
                    **({"multivalued": True} if f.multivalued else {}),
                },
            }
            for f in fields
        ],
        "links": [
            {"rel": "self", "href": base},
            {"rel": "records", "href": f"{base}/records"},
            {"rel": "facets", "href": f"{base}/facets"},
            {"rel": "exports", "href": f"{base}/exports"},
        ],
        "visibility": "domain",
    }


@explore_view
def catalog_datasets(request: HttpRequest) -> HttpResponseBase:
    """The published datasets, paged (`limit`, `offset`), refined by `theme` or `keyword`."""
    lang = _lang(request)
    for name in ("where", "select", "group_by", "order_by"):
        if request.GET.get(name):
            raise QueryError(f"{name} is not supported on the catalogue; use refine=theme:…")
    limit = _bounded(request, "limit", 10, 0, 100)
    offset = _bounded(request, "offset", 0, 0, 10_000)
    datasets = registry.all_datasets()
    for text in request.GET.getlist("refine"):
        name, _colon, value = text.partition(":")
        if name == "theme":
            datasets = [
                d for d in datasets if value in (d.theme, *registry.THEMES[d.theme].values())
            ]
        elif name == "keyword":
            datasets = [d for d in datasets if value in d.keywords]
        else:
            raise QueryError(f'refine: the catalogue refines by theme or keyword, not "{name}"')
    page = datasets[offset : offset + limit]
    return ods_json(
        {
            "total_count": len(datasets),
            "results": [describe_dataset(d, lang, request) for d in page],
        }
    )


def _bounded(request: HttpRequest, name: str, default: int, low: int, high: int) -> int:
    value = integer_param(request.GET, name, default)
    if not low <= value <= high:
        raise QueryError(f"{name}: expected a number between {low} and {high}, not {value}")
    return value


@explore_view
def dataset_detail(request: HttpRequest, dataset_id: str) -> HttpResponseBase:
    return ods_json(describe_dataset(registry.get(dataset_id), _lang(request), request))


@explore_view
def records(request: HttpRequest, dataset_id: str) -> HttpResponseBase:
    """`{"total_count": n, "results": [...]}` for the request's ODSQL parameters."""
    dataset = registry.get(dataset_id)
    query = run(Query, dataset, parse_request(request.GET))
    total, results = run(query.records)
    return ods_json({"total_count": total, "results": results})


@explore_view
def facets(request: HttpRequest, dataset_id: str) -> HttpResponseBase:
    """Value counts of the facet fields over the selected records."""
    dataset = registry.get(dataset_id)
    query = run(Query, dataset, parse_request(request.GET))
    specs: list[FacetSpec] = run(parse_facets, request.GET.getlist("facet")) or default_facets(
        dataset
    )
    return ods_json({"facets": run(query.facets, specs)})


@explore_view
def export(request: HttpRequest, dataset_id: str, format_name: str) -> HttpResponseBase:
    """The selected records in one file, streamed."""
    dataset = registry.get(dataset_id)
    if format_name not in exports.FORMATS:
        known = ", ".join(sorted(exports.FORMATS))
        raise QueryError(f"unknown export format {format_name!r}; the formats are: {known}")
    options = exports.parse_options(request.GET)
    query = run(Query, dataset, parse_request(request.GET, export=True))
    return export_response(query, format_name, options)


def export_response(
    query: Query, format_name: str, options: exports.ExportOptions
) -> StreamingHttpResponse:
    """The query's records as a file download, streamed (raises QueryError when refused)."""
    stream = export_stream(query, format_name, options)
    # The first chunk is read here, so that a refused query is still a 400, not a cut stream.
    try:
        # No savepoint here (unlike `run`): a COPY stays open across this first chunk.
        first = next(stream, b"")
    except DatabaseError as problem:
        raise QueryError(refusal(problem, "export")) from None
    spec = exports.FORMATS[format_name]
    response = StreamingHttpResponse(
        # The rest is read after the view has returned: from the replica too.
        replica_stream(itertools.chain([first], stream)),
        content_type="application/gzip" if options.compressed else spec.media_type,
    )
    name = exports.filename(query.dataset.id, format_name, options)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def export_columns(query: Query) -> list[exports.Column]:
    lang = query.compiler.lang
    return [
        exports.Column(
            name=output.name,
            label=output.field.label.get(lang)
            if output.field is not None and output.field.name == output.name
            else output.name,
            type=output.type,
            multivalued=bool(output.field and output.field.multivalued),
        )
        for output in query.outputs
    ]


def export_stream(
    query: Query, format_name: str, options: exports.ExportOptions
) -> Iterator[bytes]:
    """The export's bytes: written by PostgreSQL itself when it can (a CSV), else in Python."""
    columns = export_columns(query)
    if format_name == "csv" and pgcopy.usable(query, options):
        return pgcopy.stream(query, columns, options)
    return exports.stream(format_name, columns, query.export_rows(), options)


CATALOG_FORMATS = {
    "dcat": "turtle",
    "ttl": "turtle",
    "turtle": "turtle",
    "rdf": "rdfxml",
    "rdfxml": "rdfxml",
    "jsonld": "jsonld",
}


@explore_view
def catalog_export(request: HttpRequest, format_name: str) -> HttpResponseBase:
    """The DCAT-AP 3 catalogue: `dcat` (Turtle, also `dcat_ap_*` and `dcat-ap-*`, the two
    spellings Opendatasoft documents), `rdf` (RDF/XML), `jsonld`."""
    key = "dcat" if format_name.replace("-", "_").startswith("dcat_ap") else format_name
    if key not in CATALOG_FORMATS:
        raise QueryError(
            f"unknown catalogue export format {format_name!r}; the formats are: "
            + ", ".join(sorted(CATALOG_FORMATS))
        )
    base = request.build_absolute_uri("/").rstrip("/")
    # The catalogue carries every language, keywords included.
    graph = dcat.catalogue_graph(base, registry.all_datasets())
    body, media_type = dcat.serialise(graph, CATALOG_FORMATS[key])
    return HttpResponse(body, content_type=f"{media_type}; charset=utf-8")
