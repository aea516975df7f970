"""The Explore API v2.1: Opendatasoft's routes, parameters, response and error shapes.

Plain Django views (GET only, JSON), so that scripts written against an Opendatasoft
portal work here unchanged. Any mistake in a request is an HTTP 400 with
`{"error_code": …, "message": …}`; anonymous clients are rate-limited (`ratelimit.py`).
"""

import datetime
import itertools
import json
from collections.abc import Callable, Iterator
from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.cache import patch_vary_headers

from territoria.core.routers import replica_reads, replica_stream
from territoria.opendata import exports, pgcopy, registry
from territoria.opendata.describe import API_ROOT, describe_dataset, link
from territoria.opendata.facets import FacetSpec, default_facets, parse_facets
from territoria.opendata.odsql import ODSQLError
from territoria.opendata.params import (
    QueryError,
    Request,
    integer_param,
    parse_request,
    text_language,
)
from territoria.opendata.ratelimit import rate_limited
from territoria.opendata.services import Query, refusal, run
from territoria.taxonomy import index

__all__ = ["API_ROOT", "describe_dataset", "error", "explore_view", "ods_json"]


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


SAFE_METHODS = ("GET", "HEAD")
# What a page of another site may read of an answer: the quota's headers and the file name.
EXPOSED_HEADERS = (
    "Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Content-Disposition"
)


def explore_view(
    view: Callable[..., HttpResponseBase],
    reshape: Callable[[HttpResponseBase], None] | None = None,
) -> Callable[..., HttpResponseBase]:
    """GET and HEAD only, rate-limited, and every client mistake answered in Opendatasoft's
    shape (or the one `reshape` gives an answer: API v1's). HEAD answers what GET would,
    headers only (link checkers and harvesters send it); every answer, a refusal of the quota
    or of the method included, may be read by a page of another site."""

    def answered(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            # Reads go to the read replica when one is configured; the index token is read
            # there too, so that it matches the rows it describes.
            with replica_reads(), index.pinned():  # the token read once per request
                return view(request, *args, **kwargs)
        except QueryError as problem:
            return error(str(problem), problem.error_code)
        except ODSQLError as problem:  # a query evaluated outside `run` (the catalogue's)
            return error(str(problem), "ODSQLError")
        except registry.UnknownDataset as missing:
            return error(f"Unknown dataset: {missing}", "NoSuchDataset", 404)
        except exports.ExportOptionError as problem:
            return error(str(problem))

    limited = rate_limited(answered)

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response: HttpResponseBase
        if request.method not in SAFE_METHODS:
            response = error(
                f"{request.method} is not allowed: the API answers GET and HEAD",
                "MethodNotAllowed",
                405,
            )
            response["Allow"] = ", ".join(SAFE_METHODS)
        else:
            response = limited(request, *args, **kwargs)
        if reshape is not None:
            reshape(response)
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        patch_vary_headers(response, ["Accept-Language"])
        return without_body(response) if request.method == "HEAD" else response

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def without_body(response: HttpResponseBase) -> HttpResponseBase:
    """The answer to a HEAD: GET's status and headers, no body. A streamed export is not
    produced at all: its length is unknown, so the answer stays a stream (an empty one),
    which no middleware gives a `Content-Length: 0` that would announce an empty file."""
    if isinstance(response, StreamingHttpResponse):
        # The stream's own generator is closed (ending a COPY under way), not the response,
        # whose close() would signal the request's end and close the database connection.
        close = getattr(getattr(response, "_iterator", None), "close", None)
        if close is not None:
            close()
        head = StreamingHttpResponse(iter(()), status=response.status_code)
        for header, value in response.items():
            if header.lower() != "content-length":
                head[header] = value
        return head
    if isinstance(response, HttpResponse):
        length = len(response.content)
        response.content = b""
        response["Content-Length"] = str(length)
    return response


def _lang(request: HttpRequest) -> str:
    return text_language(request.GET.get("lang"))


def _links_asked(request: HttpRequest) -> bool:
    value = (request.GET.get("include_links") or "false").strip().lower()
    if value not in ("true", "false"):
        raise QueryError(f"include_links: expected true or false, not {value!r}")
    return value == "true"


def _bounded(request: HttpRequest, name: str, default: int, low: int, high: int) -> int:
    value = integer_param(request.GET, name, default)
    if not low <= value <= high:
        raise QueryError(f"{name}: expected a number between {low} and {high}, not {value}")
    return value


@explore_view
def dataset_detail(request: HttpRequest, dataset_id: str) -> HttpResponseBase:
    dataset = registry.get(dataset_id)
    return ods_json(
        describe_dataset(dataset, _lang(request), request, include_links=_links_asked(request))
    )


@explore_view
def records(request: HttpRequest, dataset_id: str) -> HttpResponseBase:
    """`{"total_count": n, "results": [...]}` for the request's ODSQL parameters."""
    dataset = registry.get(dataset_id)
    include_links = _links_asked(request)
    query = run(Query, dataset, parse_request(request.GET))
    total, results = run(query.records)
    answer: dict[str, Any] = {"total_count": total}
    if include_links:
        answer["links"] = page_links(request, query.request, total)
    answer["results"] = results
    return ods_json(answer)


def page_links(request: HttpRequest, asked: Request, total: int) -> list[dict[str, str]]:
    """`self`, `first`, `last` and, when there is one, `next` page of a records request."""
    limit = asked.limit or 1

    def at(offset: int) -> str:
        params = request.GET.copy()
        params["offset"] = str(offset)
        return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")

    last = max(0, (total - 1) // limit * limit)
    links = [
        {"rel": "self", "href": request.build_absolute_uri()},
        {"rel": "first", "href": at(0)},
        {"rel": "last", "href": at(last)},
    ]
    if asked.offset + limit < total:
        links.append({"rel": "next", "href": at(asked.offset + limit)})
    return links


@explore_view
def record(request: HttpRequest, dataset_id: str, record_id: str) -> HttpResponseBase:
    """One record by its identifier (`select`, `lang` and `timezone` apply)."""
    dataset = registry.get(dataset_id)
    asked = parse_request(request.GET)
    asked.limit, asked.offset, asked.refinements = 1, 0, []
    query = run(Query, dataset, asked)
    if query.compiled.aggregated:
        raise QueryError("a record's select takes fields, not aggregates or group_by")
    found = run(query.record, record_id)
    if found is None:
        return error(f"Unknown record: {record_id}", "NoSuchRecord", 404)
    return ods_json(found)


@explore_view
def attachments(request: HttpRequest, dataset_id: str) -> HttpResponseBase:
    """A dataset's attached files: none, Territoria publishes its data in the exports."""
    dataset = registry.get(dataset_id)
    base = f"catalog/datasets/{dataset.id}"
    return ods_json(
        {
            "links": [
                link(request, "self", f"{base}/attachments"),
                link(request, "dataset", base),
            ],
            "attachments": [],
        }
    )


@explore_view
def export_formats(request: HttpRequest, dataset_id: str) -> HttpResponseBase:
    """The formats a dataset exports to, each with the link that exports it."""
    dataset = registry.get(dataset_id)
    base = f"catalog/datasets/{dataset.id}/exports"
    geo = any(f.type == "geo_point_2d" for f in dataset.fields())
    names = [name for name in exports.FORMATS if geo or name != "geojson"]
    return ods_json(
        {
            "links": [
                link(request, "self", base),
                *(link(request, name, f"{base}/{name}") for name in names),
            ]
        }
    )


@explore_view
def facets(request: HttpRequest, dataset_id: str) -> HttpResponseBase:
    """Value counts of the facet fields over the selected records."""
    dataset = registry.get(dataset_id)
    query = run(Query, dataset, parse_request(request.GET))
    specs: list[FacetSpec] = run(parse_facets, request.GET.getlist("facet")) or default_facets(
        dataset
    )
    base = f"catalog/datasets/{dataset.id}"
    return ods_json(
        {
            "links": [link(request, "self", f"{base}/facets"), link(request, "dataset", base)],
            "facets": run(query.facets, specs),
        }
    )


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
    return streamed(
        query.dataset.id, format_name, export_stream(query, format_name, options), options
    )


def export_response_of(
    name: str,
    format_name: str,
    columns: list[exports.Column],
    rows: Iterator[list[Any]],
    options: exports.ExportOptions,
) -> StreamingHttpResponse:
    """Rows computed in Python (the catalogue's) as a file download named `name`."""
    return streamed(name, format_name, exports.stream(format_name, columns, rows, options), options)


def streamed(
    name: str, format_name: str, stream: Iterator[bytes], options: exports.ExportOptions
) -> StreamingHttpResponse:
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
    filename = exports.filename(name, format_name, options)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
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
