"""Datasets described as Opendatasoft's catalogue describes them: `metas.default` with every
key a real portal returns (null where Territoria has nothing to say), fields with
Opendatasoft's annotations, and the links (`include_links=true`) between the API's routes.
"""

import datetime
import hashlib
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from territoria.core import territory
from territoria.opendata import exports, registry
from territoria.opendata.registry import Dataset, Field

API_ROOT = "/api/explore/v2.1"

# The separator a multivalued field's values are joined with in a CSV export (the default
# `list_separator`), which Opendatasoft's `multivalued` annotation names.
LIST_SEPARATOR = exports.ExportOptions().list_separator


def dataset_uid(dataset: Dataset) -> str:
    return "da_" + hashlib.sha256(dataset.id.encode()).hexdigest()[:6]


def api_url(request: HttpRequest, path: str) -> str:
    """The absolute URL of an Explore route, `path` relative to the API's root."""
    return request.build_absolute_uri(f"{API_ROOT}/{path}")


def link(request: HttpRequest, rel: str, path: str) -> dict[str, str]:
    return {"rel": rel, "href": api_url(request, path)}


def annotations(spec: Field) -> dict[str, list[str]]:
    """Opendatasoft's field annotations, whose values are lists (`"facet": []`)."""
    found: dict[str, list[str]] = {}
    if spec.facet:
        found["facet"] = []
    if spec.scheme:
        # A concept is counted and refined with its path of labels from the top.
        found["hierarchical"] = ["/"]
        found["disjunctive"] = []
    if spec.multivalued:
        found["multivalued"] = [LIST_SEPARATOR]
    elif spec.type == "text":
        # Opendatasoft marks the texts one may sort by (numbers and dates always may).
        found["sortable"] = []
    return found


def features(fields: list[Field]) -> list[str]:
    types = {f.type for f in fields}
    return [
        "analyze",
        *(["geo"] if "geo_point_2d" in types else []),
        *(["timeserie"] if types & {"date", "datetime"} else []),
    ]


def moment(value: datetime.date | datetime.datetime | None) -> str | None:
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, datetime.date):
        return datetime.datetime.combine(value, datetime.time(), datetime.UTC).isoformat()
    return None


def metas(dataset: Dataset, lang: str, count: int, request: HttpRequest) -> dict[str, Any]:
    """`metas.default`: the keys Opendatasoft returns, in its order, null when unknown."""
    modified = moment(dataset.modified())
    place = territory.current()
    return {
        "records_count": count,
        "modified": modified,
        "source_domain_address": None,
        "references": request.build_absolute_uri(
            reverse("data:dataset", kwargs={"dataset_id": dataset.id})
        ),
        "keyword": dataset.keywords.get(lang),
        "source_domain_title": None,
        "geographic_reference": [place.nuts.lower()] if dataset.spatial else [],
        "timezone": None,
        "title": dataset.title.get(lang),
        "parent_domain": None,
        "theme": [registry.THEMES[dataset.theme][lang]],
        # `modified` is read from the data: the last change of a published record.
        "modified_updates_on_data_change": True,
        "metadata_processed": modified,
        "data_processed": modified,
        "territory": [place.name(lang)] if dataset.spatial else [],
        "description": dataset.description.get(lang),
        "modified_updates_on_metadata_change": False,
        "shared_catalog": None,
        "source_domain": None,
        "attributions": None,
        "geographic_area_mode": None,
        "geographic_reference_auto": False,
        "geographic_area": None,
        "publisher": registry.publisher_name(),
        "language": lang,
        "license": dataset.licence,
        "source_dataset": None,
        "metadata_languages": list(registry.LANGUAGES),
        "oauth_scope": None,
        "federated": False,
        "license_url": registry.LICENCE_URLS[dataset.licence],
    }


def dataset_links(request: HttpRequest, dataset: Dataset) -> list[dict[str, str]]:
    base = f"catalog/datasets/{dataset.id}"
    return [
        link(request, "self", base),
        link(request, "catalog", "catalog/datasets"),
        link(request, "records", f"{base}/records"),
        link(request, "facets", f"{base}/facets"),
        link(request, "exports", f"{base}/exports"),
        link(request, "attachments", f"{base}/attachments"),
    ]


def describe_dataset(
    dataset: Dataset, lang: str, request: HttpRequest, *, include_links: bool = False
) -> dict[str, Any]:
    """A dataset as Opendatasoft's catalogue describes it."""
    fields = dataset.fields()
    count = dataset.queryset().order_by().count()
    described: dict[str, Any] = {
        "dataset_id": dataset.id,
        "dataset_uid": dataset_uid(dataset),
        "attachments": [],
        "has_records": count > 0,
        "data_visible": True,
        "features": features(fields),
        "metas": {"default": metas(dataset, lang, count, request)},
        "fields": [
            {
                "name": f.name,
                "label": f.label.get(lang),
                "type": f.type,
                "description": f.description.get(lang) if f.description else None,
                "annotations": annotations(f),
            }
            for f in fields
        ],
        "visibility": "domain",
    }
    if include_links:
        described["links"] = dataset_links(request, dataset)
    return described
