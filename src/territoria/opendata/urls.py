from django.urls import path

from territoria.opendata import api

app_name = "opendata"

urlpatterns = [
    path("catalog/datasets", api.catalog_datasets, name="catalog"),
    path("catalog/datasets/<str:dataset_id>", api.dataset_detail, name="dataset"),
    path("catalog/datasets/<str:dataset_id>/records", api.records, name="records"),
    path("catalog/datasets/<str:dataset_id>/facets", api.facets, name="facets"),
    path(
        "catalog/datasets/<str:dataset_id>/exports/<str:format_name>",
        api.export,
        name="export",
    ),
    path("catalog/exports/<str:format_name>", api.catalog_export, name="catalog-export"),
]
