from django.urls import path

from territoria.taxonomy import views

app_name = "taxonomy"
urlpatterns = [
    path("magnets/", views.magnet_list, name="magnets"),
    path("magnets/new/", views.magnet_edit, name="magnet-new"),
    path("magnets/builder/", views.magnet_builder, name="magnet-builder"),
    path("magnets/<slug:slug>/", views.magnet_detail, name="magnet"),
    path("magnets/<slug:slug>/edit/", views.magnet_edit, name="magnet-edit"),
    path("magnets/<slug:slug>/export.csv", views.magnet_export, name="magnet-export"),
    path("taxonomies/", views.scheme_list, name="schemes"),
    path("taxonomies/import/", views.scheme_import, name="scheme-import"),
    path("taxonomies/imports/<int:pk>/", views.scheme_import_status, name="scheme-import-status"),
    path("taxonomies/<slug:code>/", views.scheme_detail, name="scheme"),
    path(
        "taxonomies/<slug:code>/export.csv",
        views.scheme_export,
        {"fmt": "csv"},
        name="scheme-export-csv",
    ),
    path(
        "taxonomies/<slug:code>/export.ttl",
        views.scheme_export,
        {"fmt": "ttl"},
        name="scheme-export-ttl",
    ),
]
