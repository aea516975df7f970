"""The platform's own pages: the region's logo (and, beside it, the site's legal pages)."""

from django.urls import path

from territoria.core import views

app_name = "core"
urlpatterns = [
    path("territory/logo.svg", views.territory_logo, name="territory-logo"),
    path("territory/theme.css", views.territory_theme, name="territory-theme"),
    path("territory/outline.svg", views.territory_outline, name="territory-outline"),
    path("legal-notice/", views.legal_notice, name="legal-notice"),
    path("accessibility/", views.accessibility, name="accessibility"),
]
