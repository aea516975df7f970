"""Two-factor authentication required of some roles (settings.TWO_FACTOR_REQUIRED_ROLES)."""

from collections.abc import Callable
from typing import Any

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

# What a person without a second factor may still open: setting it up, signing out,
# choosing a language, and the static files the pages need.
OPEN_PREFIXES = ("/accounts/2fa/", "/accounts/logout/", "/accounts/reauthenticate/", "/i18n/")


def needs_second_factor(user: Any) -> bool:
    """Whether the account's role requires two-factor authentication; superusers and the
    back office's users count as staff, whatever role they were given."""
    roles = settings.TWO_FACTOR_REQUIRED_ROLES
    return getattr(user, "role", None) in roles or (
        "staff" in roles and (user.is_staff or user.is_superuser)
    )


def two_factor_required(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and needs_second_factor(user)
            and not request.path.startswith((*OPEN_PREFIXES, settings.STATIC_URL))
            and not is_mfa_enabled(user)
        ):
            if request.method == "GET":
                messages.info(
                    request,
                    _("Your role requires two-factor authentication: set up an authenticator app."),
                )
            return redirect(reverse("mfa_activate_totp"))
        return get_response(request)

    return middleware
