"""Downloads the v1 way: the portal's `/explore/dataset/{dataset_id}/download/` and the API's
`/api/records/1.0/download/?dataset=…`, every selected record in one streamed file.

`format` is `csv` by default; `csv`, `geojson`, `xlsx` (also `xls`, which names it on
older portals), `jsonl` and `parquet` are the Explore v2.1 exports themselves
(`api.export_response`), v1's option names mapped onto v2.1's: `csv_separator` is
`delimiter` (`;` by default, as on the portal), `use_labels_for_header` is `use_labels`
(false by default), the BOM is v2.1's (`with_bom`); a multivalued field's values are
joined by `v1.SEPARATOR`, as v1's records write them. `json` is v1's own: a list of records in the records search's shape
(`[{"datasetid", "recordid", "fields", "geometry", "record_timestamp"}, …]`), which is
what the scripts reading `record["fields"]` expect. The filters are the search's (`q`,
`refine.F`, `exclude.F`, `sort`, `fields`, `lang`, `timezone`); `rows` and `start`, when
given, take a slice.
"""

import itertools
from collections.abc import Iterator

from django.db import DatabaseError
from django.http import HttpRequest, QueryDict, StreamingHttpResponse
from django.http.response import HttpResponseBase

from territoria.core.routers import replica_stream
from territoria.opendata import api, exports, registry, v1, v1_params
from territoria.opendata.params import QueryError, integer_param
from territoria.opendata.registry import Dataset
from territoria.opendata.services import Query, record_id, refusal, run

ALIASES = {"xls": "xlsx"}
RECORDS_PER_CHUNK = 1_000
_encode = api.Encoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


def export_options(params: QueryDict) -> exports.ExportOptions:
    """The v2.1 export options a v1 download asks for (v2.1's own names are read too)."""
    mapped: dict[str, str] = {"delimiter": ";", "list_separator": v1.SEPARATOR}
    for name in (
        "delimiter",
        "list_separator",
        "with_bom",
        "use_labels",
        "quote_all",
        "compressed",
        "parquet_compression",
    ):
        if name in params:
            mapped[name] = str(params.get(name, ""))
    if "csv_separator" in params:
        mapped["delimiter"] = str(params.get("csv_separator", ""))
    if "use_labels_for_header" in params:
        mapped["use_labels"] = str(params.get("use_labels_for_header", ""))
    return exports.parse_options(mapped)


@v1.v1_view
def explore_download(request: HttpRequest, dataset_id: str) -> HttpResponseBase:
    """The portal's download link of a dataset."""
    return download(request, registry.get(dataset_id))


@v1.v1_view
def records_download(request: HttpRequest) -> HttpResponseBase:
    """`/api/records/1.0/download/`: the same download, the dataset as a parameter."""
    return download(request, v1_params.dataset_of(request.GET))


def download(request: HttpRequest, dataset: Dataset) -> HttpResponseBase:
    params = request.GET
    format_name = (params.get("format") or "csv").lower()
    format_name = ALIASES.get(format_name, format_name)
    if format_name != "json" and format_name not in exports.FORMATS:
        known = ", ".join(sorted({"json", *exports.FORMATS}))
        raise QueryError(
            f"format: unknown download format {format_name!r}; the formats are: {known}"
        )
    options = export_options(params)
    limit = integer_param(params, "rows", -1)
    offset = integer_param(params, "start", 0)
    if limit < -1 or offset < 0:
        raise QueryError("rows: -1 (all) or more, start: 0 or more")
    shown = v1_params.requested_fields(params, dataset)
    if format_name == "json":
        shape = v1.RecordShape(dataset, shown)
        request_ = v1_params.records_request(
            params, dataset, limit=limit, offset=offset, select=shape.select
        )
        return records_response(run(Query, dataset, request_), shape, options)
    select = None if shown is None else ", ".join(f"`{name}`" for name in shown)
    request_ = v1_params.records_request(params, dataset, limit=limit, offset=offset, select=select)
    return api.export_response(run(Query, dataset, request_), format_name, options)


def records_response(
    query: Query, shape: v1.RecordShape, options: exports.ExportOptions
) -> StreamingHttpResponse:
    """v1's JSON download, streamed; a refused query is still a 400 (the first chunk is
    read here), as in `api.export_response`."""
    stream = records_stream(query, shape)
    if options.compressed:
        stream = exports.compress(stream)
    try:
        first = next(stream, b"")
    except DatabaseError as problem:
        raise QueryError(refusal(problem, "export")) from None
    response = StreamingHttpResponse(
        replica_stream(itertools.chain([first], stream)),
        content_type="application/gzip" if options.compressed else "application/json",
    )
    name = exports.filename(query.dataset.id, "json", options)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def records_stream(query: Query, shape: v1.RecordShape) -> Iterator[bytes]:
    names = query.names()
    rows = query.export_rows(with_ids=True)
    separator = "["
    while batch := list(itertools.islice(rows, RECORDS_PER_CHUNK)):
        records = [
            _encode(shape.record(record_id(row[0]), dict(zip(names, row[1:], strict=True))))
            for row in batch
        ]
        yield (separator + ",\n".join(records)).encode()
        separator = ",\n"
    yield b"[]" if separator == "[" else b"]"
