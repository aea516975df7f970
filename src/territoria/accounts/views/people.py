"""Staff's pages for people: accounts, invitations and organisation requests, without the
Django admin (which stays for superusers)."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from territoria.accounts import services
from territoria.accounts.forms import DecisionForm, InvitationForm
from territoria.accounts.models import AffiliationRequest, Invitation
from territoria.accounts.views.account import site_url
from territoria.core.http import AuthenticatedHttpRequest
from territoria.core.i18n import current_language
from territoria.core.models import AuditEntry, Role, User
from territoria.core.permissions import staff_required

PAGE_SIZE = 50


def _filtered(request: AuthenticatedHttpRequest) -> tuple[QuerySet[User], dict[str, str]]:
    query = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    role = request.GET.get("role", "")
    state = request.GET.get("state", "")
    people = User.objects.annotate(organisations=Count("affiliations")).order_by(
        "last_name", "first_name", "username"
    )
    if query:
        people = people.filter(
            Q(username__icontains=query)
            | Q(email__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
        )
    if role in Role.values:
        people = people.filter(role=role)
    if state in ("active", "inactive"):
        people = people.filter(is_active=state == "active")
    return people, {"q": query, "role": role if role in Role.values else "", "state": state}


@staff_required
def people(request: AuthenticatedHttpRequest) -> HttpResponse:
    found, filters = _filtered(request)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/people.html",
        {
            "nav": "people",
            "page": page,
            "filters": filters,
            "page_query": urlencode({k: v for k, v in filters.items() if v}),
            "roles": Role.choices,
            "pending": AffiliationRequest.objects.filter(status="pending").count(),
        },
    )


@staff_required
def person(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(User, pk=pk)
    history = (
        AuditEntry.objects.filter(
            Q(object_type="core.user", object_id=str(found.pk)) | Q(actor=found)
        )
        .select_related("actor")
        .order_by("-created_at")[:50]
    )
    return render(
        request,
        "accounts/person.html",
        {
            "nav": "people",
            "person": found,
            "affiliations": found.affiliations.select_related("organisation"),
            "requests": found.affiliation_requests.select_related("organisation", "decided_by"),
            "history": history,
            "may_manage": services.may_manage(request.user, found),
        },
    )


@require_POST
@staff_required
def activation(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(User, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        services.set_active(found, request.user, active)
    except services.AccountError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            (_("%s can sign in again.") if active else _("%s can no longer sign in."))
            % found.get_username(),
        )
    return redirect("accounts:person", found.pk)


@staff_required
def invitations(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sent, _token = services.invite(
                form.cleaned_data["email"],
                form.cleaned_data["role"],
                request.user,
                organisation=form.organisation,
                language=current_language(),
                site_url=site_url(request),
            )
        except services.AccountError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, _("Invitation sent to %s.") % sent.email)
            return redirect("accounts:invitations")
    return render(
        request,
        "accounts/invitations.html",
        {
            "nav": "people",
            "form": form,
            "INVITATION_DAYS": settings.INVITATION_DAYS,
            "invitations": Invitation.objects.select_related("invited_by", "organisation", "user")[
                :100
            ],
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@staff_required
def revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(Invitation, pk=pk)
    try:
        services.revoke(found, request.user)
    except services.AccountError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("Invitation to %s revoked.") % found.email)
    return redirect("accounts:invitations")


@staff_required
def requests(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Organisation requests awaiting a decision, oldest first, and the latest decided."""
    pending = services.decidable_by(request.user).order_by("created_at", "pk")
    decided = (
        AffiliationRequest.objects.exclude(status="pending")
        .select_related("user", "organisation", "decided_by")
        .order_by("-decided_at")[:30]
    )
    return render(
        request,
        "accounts/requests.html",
        {
            "nav": "people",
            "pending": pending,
            "decided": decided,
            "decision_form": DecisionForm(),
        },
    )
