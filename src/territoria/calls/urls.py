from django.urls import path

from territoria.calls import views

app_name = "calls"
urlpatterns = [
    path("", views.call_list, name="list"),
    path("applications/", views.my_applications, name="applications"),
    path("applications/<int:pk>/", views.application, name="application"),
    path("applications/<int:pk>/step/<slug:step>/", views.edit, name="edit"),
    path("applications/<int:pk>/documents/", views.upload, name="upload"),
    path("applications/<int:pk>/submit/", views.submit, name="submit"),
    path("applications/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("documents/<int:pk>/", views.document, name="document"),
    path("documents/<int:pk>/delete/", views.delete_document, name="delete_document"),
    path("<slug:code>/", views.call, name="call"),
    path("<slug:code>/apply/", views.apply, name="apply"),
]
