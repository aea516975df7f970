"""Opendatasoft's Explore v2.1 routes. Each answers with and without a trailing slash, with
no redirect: Opendatasoft's own JavaScript client ends every path with `/`, and clients do
not reliably follow a redirect of a GET with a query string."""

from collections.abc import Callable
from typing import Any

from django.urls import URLPattern, re_path

from territoria.opendata import api

app_name = "opendata"

NAME = r"(?P<{}>[^/]+)"


def route(pattern: str, view: Callable[..., Any], name: str) -> URLPattern:
    """`pattern` ("catalog/datasets/{dataset_id}") with or without a final slash."""
    parts = pattern.replace("{", "<").replace("}", ">").split("/")
    regex = "/".join(NAME.format(p[1:-1]) if p.startswith("<") else p for p in parts)
    return re_path(rf"^{regex}/?$", view, name=name)


urlpatterns = [
    route("catalog/datasets", api.catalog_datasets, "catalog"),
    route("catalog/datasets/{dataset_id}", api.dataset_detail, "dataset"),
    route("catalog/datasets/{dataset_id}/records", api.records, "records"),
    route("catalog/datasets/{dataset_id}/facets", api.facets, "facets"),
    route("catalog/datasets/{dataset_id}/exports/{format_name}", api.export, "export"),
    route("catalog/exports/{format_name}", api.catalog_export, "catalog-export"),
]
