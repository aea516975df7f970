from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.generic import RedirectView
from ninja import NinjaAPI
from ninja.errors import ValidationError as NinjaValidationError

from territoria.ecosystem import views as ecosystem_views
from territoria.opendata import catalog_api
from territoria.taxonomy.api import router as taxonomy_router

api = NinjaAPI(
    title="Territoria API",
    version="1.0.0",
    description="The platform's own JSON API: smart magnets over the ecosystem.",
    urls_namespace="api-1.0.0",
)
api.add_router("/", taxonomy_router)


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    # A malformed request is the client's mistake: 400, with every wrong place named.
    problems = "; ".join(
        f"{'.'.join(str(p) for p in error.get('loc', []))}: {error.get('msg', '')}"
        for error in exc.errors
    )
    return api.create_response(request, {"detail": problems}, status=400)


urlpatterns = [
    path("", ecosystem_views.home, name="home"),
    path("", include("territoria.core.urls")),
    path("ecosystem/", include("territoria.ecosystem.urls")),
    path("dashboard/", include("territoria.strategy.urls")),
    path("calls/", include("territoria.calls.urls")),
    path("digiscore/", include("territoria.maturity.urls")),
    path("", include("territoria.taxonomy.urls")),
    path("accounts/", include("territoria.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    # The back office signs in through the site's page: throttled, two-factor when set.
    path("admin/login/", RedirectView.as_view(pattern_name="account_login", query_string=True)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    # The API's root without its slash too: clients do not follow redirects reliably.
    path("api/explore/v2.1", catalog_api.api_root),
    path("api/explore/v2.1/", include("territoria.opendata.urls")),
    path("", include("territoria.opendata.v1_urls")),  # Opendatasoft's API v1
    path("data/", include("territoria.opendata.page_urls")),
]

handler400 = "territoria.core.views.bad_request"
handler403 = "territoria.core.views.permission_denied"
handler404 = "territoria.core.views.page_not_found"
