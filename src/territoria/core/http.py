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


# A cell starting with one of these runs as a formula when a spreadsheet opens the file.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(text: str) -> str:
    """A text for a CSV made for spreadsheets: one that would start a formula gets a leading
    apostrophe, as spreadsheets write a text that must stay text (OWASP's advice)."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def from_spreadsheet_text(text: str) -> str:
    """The text `spreadsheet_text` neutralised, for files that come back to be imported."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def client_address(request: HttpRequest) -> str:
    """The address of the client, for per-client limits: the rule of the sign-in limits
    (django-allauth's), so that quotas and sign-ins count the same client. Behind the
    reverse proxy (BEHIND_PROXY=true, hence ALLAUTH_TRUSTED_PROXY_COUNT=1) it is the last
    address of X-Forwarded-For, the one the proxy wrote; otherwise the peer's."""
    from allauth.account.adapter import get_adapter

    return str(get_adapter(request).get_client_ip(request))
