"""A person's own account: what it is, the organisations it acts for, its requests, and the
requests its organisations' representatives decide."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from territoria.accounts import services
from territoria.accounts.forms import AffiliationRequestForm, DecisionForm
from territoria.accounts.models import AffiliationRequest
from territoria.core.http import AuthenticatedHttpRequest
from territoria.core.permissions import role_required
from territoria.ecosystem.models import Organisation
from territoria.ecosystem.services import is_public

requesting_roles = role_required(*services.REQUESTING_ROLES)


def site_url(request: HttpRequest) -> str:
    """The site's address for links in e-mails: configured, or the request's."""
    return settings.SITE_URL or request.build_absolute_uri("/")


def shown(organisation: Organisation | None) -> Organisation | None:
    """The registry's organisation, named back to the person only if anyone may see it:
    enterprise numbers are easy to try, and a natural person's name is personal data."""
    if organisation is None or not is_public(organisation):
        return None
    return organisation


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "accounts/home.html",
        {
            "nav": "account",
            "affiliations": user.affiliations.select_related("organisation"),
            "requests": user.affiliation_requests.select_related("organisation")[:20],
            "may_request": user.role in services.REQUESTING_ROLES,
            "to_decide": services.decidable_by(user) if user.role != "staff" else None,
            "decision_form": DecisionForm(),
        },
    )


@requesting_roles
def request_affiliation(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = AffiliationRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = services.request_affiliation(
                request.user,
                data["enterprise_number"],
                role=data["role"],
                organisation_name=data["organisation_name"],
                postcode=data["postcode"],
                city=data["city"],
                site_url=site_url(request),
            )
        except services.AccountError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request,
                _("Request sent for %(organisation)s: you will receive an e-mail once decided.")
                % {"organisation": made.requester_label},
            )
            return redirect("accounts:home")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "accounts/request.html",
        {"nav": "account", "form": form, "organisation": shown(form.organisation)},
        status=status,
    )


@require_POST
@requesting_roles
def cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(AffiliationRequest, pk=pk, user=request.user)
    try:
        services.cancel(found, request.user)
    except services.AccountError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("Request cancelled."))
    return redirect("accounts:home")


@require_POST
@login_required
def decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Approve or refuse a request: staff any, representatives their organisation's."""
    found = get_object_or_404(services.decidable_by(request.user), pk=pk)
    back = request.POST.get("next") or ""
    target = back if back in ("accounts:requests", "accounts:home") else "accounts:home"
    form = DecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"{found.user.get_full_name()}: {error}")
        return redirect(target)
    try:
        if form.cleaned_data["decision"] == "approve":
            services.approve(found, request.user, site_url(request))
            messages.success(
                request,
                _("%(person)s now acts for %(organisation)s.")
                % {"person": found.user.get_full_name(), "organisation": found.organisation_label},
            )
        else:
            services.refuse(found, request.user, form.cleaned_data["reason"], site_url(request))
            messages.success(request, _("Request refused; the person was told why."))
    except services.AccountError as refusal:
        messages.error(request, str(refusal))
    return redirect(target)
