"""Opendatasoft's API v1, for the scripts and harvesters written against it: the records
search and lookup here, the catalogue in `v1_catalog.py`, the downloads in
`v1_download.py`, their parameters in `v1_params.py`, the `q` language in `v1_query.py`.
Each answers what the Explore v2.1 API answers (same datasets, same query engine, same
limits on anonymous clients), in v1's shapes:

- a record is `{"datasetid", "recordid", "fields", "geometry", "record_timestamp"}`, its
  `fields` without null values, a point as `[lat, lon]`, a multivalued field as one text
  joined by `SEPARATOR` (its `multivalued` annotation names it), `geometry` a GeoJSON
  point when the dataset has a `geo_point_2d` field;
- `sort=field` sorts in DESCENDING order and `sort=-field` in ascending order (v1's rule,
  the reverse of ODSQL's);
- `rows` is 10 by default and at most 10,000, and `start + rows` at most 10,000;
- an error is `{"error": "…"}` (HTTP 400, or 404 for an unknown dataset or record); the
  anonymous quota's is v1's `{"errorcode": 10005, "error": …, "call_limit", …}` (429).
"""

import datetime
import json
from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponseRedirect, JsonResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.views.decorators.http import require_safe

from territoria.opendata import api, exports, ratelimit, registry, v1_params
from territoria.opendata.describe import moment
from territoria.opendata.facets import FacetSpec
from territoria.opendata.odsql import ODSQLError
from territoria.opendata.params import QueryError, Request, text_language
from territoria.opendata.registry import Dataset
from territoria.opendata.services import Query, pk_of, record_id, run

SEPARATOR = ";"
DEFAULT_ROWS = 10
MAX_ROWS = 10_000
QUOTA_UNITS = {60: "minute", 3600: "hour", 86400: "day"}


def error(message: str, status: int = 400) -> JsonResponse:
    return api.ods_json({"error": message}, status=status)


def v1_view(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A v1 route: what `api.explore_view` gives (GET and HEAD, the anonymous quota, CORS),
    with v1's error shapes."""

    def answered(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except (QueryError, ODSQLError) as problem:
            return error(str(problem))
        except registry.UnknownDataset as missing:
            return error(f"Unknown dataset: {missing}", 404)
        except exports.ExportOptionError as problem:
            return error(str(problem))

    answered.__name__ = view.__name__
    answered.__doc__ = view.__doc__
    return api.explore_view(answered, reshape=_v1_shape)


def _v1_shape(response: HttpResponseBase) -> None:
    """The refusals Explore's wrapper answers (the quota's, the method's) in v1's shapes."""
    if response.status_code == 429:
        _v1_quota_error(response)
    elif response.status_code == 405:
        _v1_error(response)


def _explanation(response: Any, key: str) -> str | None:
    """What an Explore answer's body says under `key` (None for a HEAD's empty body)."""
    if getattr(response, "streaming", False) or not response.content:
        return None
    found = json.loads(response.content).get(key)
    return str(found) if found is not None else None


def _v1_error(response: Any) -> None:
    """An Explore error answer in v1's shape, `{"error": …}` (its status and headers kept)."""
    message = _explanation(response, "message")
    if message is not None:
        response.content = json.dumps({"error": message}, ensure_ascii=False).encode()


def _v1_quota_error(response: Any) -> None:
    """The anonymous quota's refusal in the shape v1 documents (its headers unchanged)."""
    limit, window = ratelimit.quota()
    reset = datetime.datetime.now(datetime.UTC) + datetime.timedelta(
        seconds=int(response.get("Retry-After") or 0)
    )
    body: dict[str, Any] = {
        "errorcode": 10005,
        "reset_time": reset.replace(microsecond=0).isoformat(),
        "call_limit": limit,
        "error": _explanation(response, "error") or "Too many requests",
    }
    if window in QUOTA_UNITS:
        body["limit_time_unit"] = QUOTA_UNITS[window]
    response.content = json.dumps(body, ensure_ascii=False).encode()


# --- Records -------------------------------------------------------------------------------


class RecordShape:
    """How v1 writes a dataset's records, `fields=` restricting the fields shown."""

    def __init__(self, dataset: Dataset, shown: list[str] | None) -> None:
        specs = dataset.fields()
        self.dataset_id = dataset.id
        self.types = {f.name: f.type for f in specs}
        self.geo = next((f.name for f in specs if f.type == "geo_point_2d"), None)
        self.shown = shown
        # v1's `record_timestamp`: when the dataset last changed (records are not dated one
        # by one here).
        self.timestamp = moment(dataset.modified())
        # The point is read even when not shown: it makes the record's geometry.
        wanted = None if shown is None else list(dict.fromkeys([*shown, *filter(None, [self.geo])]))
        self.select = None if wanted is None else ", ".join(f"`{name}`" for name in wanted)

    def record(self, identifier: str, values: dict[str, Any]) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for name, value in values.items():
            if value is None or value == [] or (self.shown is not None and name not in self.shown):
                continue
            if self.types.get(name) == "geo_point_2d":
                value = [value["lat"], value["lon"]]
            elif isinstance(value, list):
                value = SEPARATOR.join(value)
            fields[name] = value
        record: dict[str, Any] = {
            "datasetid": self.dataset_id,
            "recordid": identifier,
            "fields": fields,
        }
        point = values.get(self.geo) if self.geo else None
        if point is not None:
            record["geometry"] = {"type": "Point", "coordinates": [point["lon"], point["lat"]]}
        if self.timestamp is not None:
            record["record_timestamp"] = self.timestamp
        return record


def facet_groups(query: Query, names: list[str], disjunctive_names: set[str]) -> list[Any]:
    specs = [FacetSpec(name, disjunctive=name in disjunctive_names) for name in names]
    return [
        {"name": group["name"], "facets": [v1_facet(v) for v in group["facets"]]}
        for group in run(query.facets, specs)
    ]


def v1_facet(value: dict[str, Any]) -> dict[str, Any]:
    """A facet value in v1's shape, its path for `value`, with the values nested below it
    (a refined year's months, a refined month's days)."""
    found = {
        "name": value["name"],
        "count": value["count"],
        "state": value["state"],
        "path": value["value"],
    }
    if "facets" in value:
        found["facets"] = [v1_facet(child) for child in value["facets"]]
    return found


@v1_view
def records_search(request: HttpRequest) -> HttpResponseBase:
    """`/api/records/1.0/search/`: a page of a dataset's records, and facets when asked."""
    params = request.GET
    dataset = v1_params.dataset_of(params)
    if (params.get("format") or "json").lower() != "json":
        raise QueryError("format: only json is supported here; downloads take other formats")
    rows = v1_params.bounded(params, "rows", DEFAULT_ROWS, MAX_ROWS)
    start = v1_params.bounded(params, "start", 0, MAX_ROWS)
    if start + rows > MAX_ROWS:
        raise QueryError(
            f"start + rows must not exceed {MAX_ROWS}: use the download API to read all records"
        )
    shape = RecordShape(dataset, v1_params.requested_fields(params, dataset))
    refined = v1_params.refinements(params)
    disjunctive_names = v1_params.disjunctive(params, refined)
    query = run(
        Query,
        dataset,
        v1_params.records_request(params, dataset, limit=rows, offset=start, select=shape.select),
    )
    total, page = run(query.identified_records)
    parameters: dict[str, Any] = {
        "dataset": dataset.id,
        "timezone": query.request.timezone,
        "rows": rows,
        "start": start,
        "format": "json",
    }
    facets = [name for name in params.getlist("facet") if name.strip()]
    parameters.update(v1_params.echoed_search(params, facets, v1_params.sort_items(params)))
    if shape.shown:
        parameters["fields"] = shape.shown
    body: dict[str, Any] = {
        "nhits": total,
        "parameters": parameters,
        "records": [shape.record(identifier, values) for identifier, values in page],
    }
    if facets:
        body["facet_groups"] = facet_groups(query, facets, disjunctive_names)
    return api.ods_json(body)


@v1_view
def record_lookup(request: HttpRequest, dataset_id: str, record: str) -> HttpResponseBase:
    """`/api/datasets/1.0/{dataset_id}/records/{record_id}/`: one record."""
    dataset = registry.get(dataset_id)
    params = request.GET
    timezone = params.get("timezone") or "UTC"
    query = run(
        Query, dataset, Request(limit=1, lang=text_language(params.get("lang")), timezone=timezone)
    )
    values = run(query.record, record)
    pk = pk_of(record)
    if values is None or pk is None:
        return error(f"Unknown record: {record}", 404)
    return api.ods_json(RecordShape(dataset, None).record(record_id(pk), values))


@require_safe
def explore_page(request: HttpRequest, dataset_id: str) -> HttpResponseBase:
    """`/explore/dataset/{dataset_id}/`, the portal's page of a dataset (harvesters link to
    it): the dataset's page here."""
    try:
        registry.get(dataset_id)
    except registry.UnknownDataset:
        raise Http404(dataset_id) from None
    return HttpResponseRedirect(reverse("data:dataset", args=[dataset_id]))
