from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def error_page(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    """A page that explains what went wrong, in the site's layout."""
    return render(request, "core/error.html", {"title": title, "message": message}, status=status)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_page(request, 404, _("Page not found"), _("There is nothing at this address."))


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_page(request, 403, _("Access denied"), _("Your account may not open this page."))


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_page(request, 400, _("Bad request"), _("The request could not be understood."))
