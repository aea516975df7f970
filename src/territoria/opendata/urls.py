"""Opendatasoft's Explore v2.1 routes. Each answers with and without a trailing slash, with
no redirect: Opendatasoft's own JavaScript client ends every path with `/`, and clients do
not reliably follow a redirect of a GET with a query string."""

from collections.abc import Callable
from typing import Any

from django.urls import URLPattern, re_path

from territoria.opendata import api, catalog_api

app_name = "opendata"

NAME = r"(?P<{}>[^/]+)"


def route(pattern: str, view: Callable[..., Any], name: str) -> URLPattern:
    """`pattern` ("catalog/datasets/{dataset_id}") with or without a final slash."""
    parts = pattern.replace("{", "<").replace("}", ">").split("/")
    regex = "/".join(NAME.format(p[1:-1]) if p.startswith("<") else p for p in parts)
    # The API's root is the include's own prefix, which ends with its slash.
    return re_path(rf"^{regex}/?$" if regex else "^$", view, name=name)


urlpatterns = [
    route("", catalog_api.api_root, "root"),
    route("catalog", catalog_api.catalog_root, "catalog-root"),
    route("catalog/datasets", catalog_api.catalog_datasets, "catalog"),
    route("catalog/facets", catalog_api.catalog_facets, "catalog-facets"),
    route("catalog/exports", catalog_api.catalog_export_formats, "catalog-exports"),
    route("catalog/exports/{format_name}", catalog_api.catalog_export, "catalog-export"),
    route("catalog/datasets/{dataset_id}", api.dataset_detail, "dataset"),
    route("catalog/datasets/{dataset_id}/records", api.records, "records"),
    route("catalog/datasets/{dataset_id}/records/{record_id}", api.record, "record"),
    route("catalog/datasets/{dataset_id}/facets", api.facets, "facets"),
    route("catalog/datasets/{dataset_id}/attachments", api.attachments, "attachments"),
    route("catalog/datasets/{dataset_id}/exports", api.export_formats, "exports"),
    route("catalog/datasets/{dataset_id}/exports/{format_name}", api.export, "export"),
]
