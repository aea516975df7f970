"""Request types for annotations: what the middleware and the access decorators guarantee."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from territoria.core.models import User


class HtmxHttpRequest(HttpRequest):
    """A request that went through django-htmx's middleware (every request does)."""

    htmx: HtmxDetails


class AuthenticatedHttpRequest(HtmxHttpRequest):
    """A request to a view behind `staff_required`: the user is signed in."""

    user: User


class Echo:
    """A file-like object whose write returns its text: lets csv.writer feed a streamed response."""

    def write(self, value: str) -> str:
        return value
