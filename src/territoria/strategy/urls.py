from django.urls import path

from territoria.strategy import views

app_name = "strategy"
urlpatterns = [
    path("", views.index, name="index"),
    path("versions/", views.versions, name="versions"),
    path("compare/", views.compare, name="compare"),
    path("actions/<int:pk>/", views.action, name="action"),
    path("indicators/<slug:code>/", views.indicator, name="indicator"),
    path("measurements/import/", views.import_measurements, name="import"),
    path("measurements/import/<int:pk>/", views.import_detail, name="import_detail"),
    path("<slug:strategy>/", views.home, name="home"),
    path("<slug:strategy>/ambitions/<slug:code>/", views.ambition, name="ambition"),
    path("<slug:strategy>/programmes/<slug:code>/", views.programme, name="programme"),
    path("<slug:strategy>/actions/", views.actions, name="actions"),
    path("<slug:strategy>/actions.csv", views.actions_csv, name="actions_csv"),
    path("<slug:strategy>/steering/", views.steering, name="steering"),
]
