from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from territoria.core.sqlite.base import reads_only
from territoria.core.views import error_page

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def request_size_limit(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Refuse a request whose declared length exceeds MAX_REQUEST_BYTES, before reading it.

    Django reads no more than the Content-Length a client declares (a body sent without
    one is not read at all), so the declared length is the one to check.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length <= settings.MAX_REQUEST_BYTES:
            return get_response(request)
        limit_mb = settings.MAX_REQUEST_BYTES // (1024 * 1024)
        message = _("This request is too large: at most %(limit)d MB may be sent at once.") % {
            "limit": limit_mb
        }
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"error_code": "RequestEntityTooLarge", "message": message}, status=413
            )
        response = error_page(request, 413, _("Request too large"), message)
        # The body was not read: the connection cannot carry another request.
        response["Connection"] = "close"
        return response

    return middleware


def read_only_requests(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """GET, HEAD and OPTIONS requests read: on SQLite their transactions never wait for
    the write lock (see `core.sqlite.base`); elsewhere this changes nothing."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if request.method not in SAFE_METHODS:
            return get_response(request)
        with reads_only():
            return get_response(request)

    return middleware


class SecurityHeadersMiddleware:
    """Adds the content security policy and the headers Django's own middleware leaves out."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"
        )
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response
