"""A fixed-window request quota for anonymous API clients, with `X-RateLimit-*` headers.

Signed-in users are not limited. Counts live in Django's cache: with several server
processes, configure a shared cache (CACHES) or each process keeps its own count.
"""

import datetime
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, JsonResponse
from django.http.response import HttpResponseBase

from territoria.core.http import client_address


def quota() -> tuple[int, int]:
    """Requests allowed per window, and the window's length in seconds."""
    return (
        int(getattr(settings, "OPENDATA_RATE_LIMIT", 1000)),
        int(getattr(settings, "OPENDATA_RATE_WINDOW", 3600)),
    )


QUOTA_ERROR = 10002  # Opendatasoft's error code for a spent quota
UNITS = {60: "minute", 3600: "hour", 86400: "day"}


def quota_body(limit: int, window: int, start: int) -> dict[str, Any]:
    """Opendatasoft's answer to a spent quota (its OpenAPI document's `quota` response)."""
    reset = datetime.datetime.fromtimestamp(start + window, datetime.UTC)
    return {
        "errorcode": QUOTA_ERROR,
        "reset_time": reset.strftime("%Y-%m-%dT%H:%M:%SZ"),
        # A window of one minute, hour or day is named so; any other in seconds.
        "limit_time_unit": UNITS.get(window, f"{window} seconds"),
        "call_limit": limit,
        "error": f"Too many requests: {limit} per {UNITS.get(window, f'{window} seconds')} for "
        f"anonymous clients. Try again after {reset:%H:%M:%S} UTC, or sign in.",
    }


def rate_limited(
    view: Callable[..., HttpResponseBase],
    refused: Callable[[HttpRequest, dict[str, Any], int], HttpResponseBase] | None = None,
) -> Callable[..., HttpResponseBase]:
    """`view` within the anonymous quota; past it, `refused(request, body, seconds left)`
    answers (by default Opendatasoft's JSON quota body), with the `X-RateLimit-*` headers."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        limit, window = quota()
        now = int(time.time())
        start = now - now % window
        key = f"opendata-rate:{client_address(request)}:{start}"
        cache.add(key, 0, timeout=window + 60)
        try:
            used = cache.incr(key)
        except ValueError:  # evicted between add and incr
            cache.set(key, 1, timeout=window + 60)
            used = 1
        reset = start + window - now
        if used > limit:
            body = quota_body(limit, window, start)
            response = (
                refused(request, body, reset)
                if refused is not None
                else JsonResponse(body, status=429)
            )
            response["Retry-After"] = str(reset)
        else:
            response = view(request, *args, **kwargs)
        response["X-RateLimit-Limit"] = str(limit)
        response["X-RateLimit-Remaining"] = str(max(0, limit - used))
        response["X-RateLimit-Reset"] = str(reset)
        return response

    return wrapped
