from django.urls import path

from territoria.ecosystem import views

app_name = "ecosystem"
urlpatterns = [
    path("", views.directory, name="directory"),
    path("organisations.<str:format_name>", views.directory_export, name="directory-export"),
    path("organisations/<int:pk>/", views.organisation, name="organisation"),
    path("events/", views.events, name="events"),
    path("publications/", views.publications, name="publications"),
]
