"""Opendatasoft's API v1 routes and the portal's download and dataset links, with or
without a trailing slash and no redirect, as `urls.py` answers v2.1's. The catalogue's
search comes before the dataset lookup, whose identifier it would otherwise match."""

from territoria.opendata import v1, v1_catalog, v1_download
from territoria.opendata.urls import route

app_name = "opendata-v1"

urlpatterns = [
    route("api/records/1.0/search", v1.records_search, "records-search"),
    route("api/records/1.0/download", v1_download.records_download, "records-download"),
    route("api/datasets/1.0/search", v1_catalog.datasets_search, "datasets-search"),
    route("api/datasets/1.0/{dataset_id}", v1_catalog.dataset_lookup, "dataset"),
    route("api/datasets/1.0/{dataset_id}/records/{record}", v1.record_lookup, "record"),
    route("explore/dataset/{dataset_id}/download", v1_download.explore_download, "download"),
    route("explore/dataset/{dataset_id}", v1.explore_page, "explore-page"),
]
