from django.urls import path

from territoria.opendata import views

app_name = "data"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("<str:dataset_id>/", views.dataset_page, name="dataset"),
]
