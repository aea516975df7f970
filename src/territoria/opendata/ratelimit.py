"""A fixed-window request quota for anonymous API clients, with `X-RateLimit-*` headers.

Signed-in users are not limited. Counts live in Django's cache: with several server
processes, configure a shared cache (CACHES) or each process keeps its own count.
"""

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


def rate_limited(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
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
            response: HttpResponseBase = JsonResponse(
                {
                    "error_code": "TooManyRequests",
                    "message": f"Too many requests: {limit} per {window} seconds for anonymous "
                    f"clients. Try again in {reset} seconds, or sign in.",
                },
                status=429,
            )
            response["Retry-After"] = str(reset)
        else:
            response = view(request, *args, **kwargs)
        response["X-RateLimit-Limit"] = str(limit)
        response["X-RateLimit-Remaining"] = str(max(0, limit - used))
        response["X-RateLimit-Reset"] = str(reset)
        return response

    return wrapped
