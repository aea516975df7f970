"""Pages of Start IA coaching: the laureate's choice, the expert's report, the confirmation."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from territoria.calls.forms import ReportForm
from territoria.calls.models import Application, Coaching
from territoria.calls.services import coaching as service
from territoria.calls.services.applications import WorkflowError, readable_by
from territoria.core.http import AuthenticatedHttpRequest
from territoria.core.models import Role
from territoria.core.permissions import role_required, staff_required


def _coaching(request: HttpRequest, pk: int) -> Coaching | HttpResponse:
    """The coaching, for its laureate's applicants, its chosen expert's people and staff."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    coachings = Coaching.objects.select_related(
        "application__call", "application__organisation", "expert__organisation"
    )
    if request.user.is_staff:
        return get_object_or_404(coachings, pk=pk)
    if request.user.role not in (Role.APPLICANT, Role.EXPERT):
        raise PermissionDenied
    return get_object_or_404(
        coachings.filter(
            Q(application__organisation__affiliations__user=request.user)
            | Q(expert__organisation__affiliations__user=request.user)
        ).distinct(),
        pk=pk,
    )


def coaching(request: HttpRequest, pk: int) -> HttpResponse:
    found = _coaching(request, pk)
    if isinstance(found, HttpResponse):
        return found
    return _page(request, found)


def _chosen_expert(found: Coaching, user: Any) -> bool:
    return (
        found.expert is not None
        and found.expert.organisation.affiliations.filter(user_id=user.pk).exists()
    )


def _page(
    request: HttpRequest, found: Coaching, form: ReportForm | None = None, status: int = 200
) -> HttpResponse:
    """The coaching as the user may see it; the chosen expert's form is prefilled with what
    was filed, or (`form`) with what was typed and refused."""
    is_expert = _chosen_expert(found, request.user)
    is_laureate = found.application.organisation.affiliations.filter(
        user_id=int(request.user.pk or 0)
    ).exists()
    # The application page opens to staff and to the laureate's applicants, not the expert.
    opens_application = request.user.is_staff or (
        getattr(request.user, "role", None) == Role.APPLICANT
        and Application.objects.filter(readable_by(request.user), pk=found.application_id).exists()
    )
    return render(
        request,
        "calls/coaching.html",
        {
            "nav": "coachings" if is_expert else "applications",
            "coaching": found,
            "shortlist": found.shortlist.select_related("organisation"),
            "is_expert": is_expert,
            "is_laureate": is_laureate,
            "opens_application": opens_application,
            "form": form
            or ReportForm(initial={"report": found.report, "action_plan": found.action_plan}),
        },
        status=status,
    )


def _act(request: HttpRequest, pk: int, action: Any) -> HttpResponse:
    found = _coaching(request, pk)
    if isinstance(found, HttpResponse):
        return found
    if request.user.is_staff:
        raise PermissionDenied  # staff propose; the laureate and the expert act
    try:
        action(found)
    except WorkflowError as refusal:
        messages.error(request, str(refusal))
    return redirect(found)


@require_POST
def choose(request: HttpRequest, pk: int) -> HttpResponse:
    def act(found: Coaching) -> None:
        raw = request.POST.get("expert", "")
        expert = (
            found.shortlist.filter(pk=int(raw)).first() if raw.isdigit() and len(raw) < 12 else None
        )
        if expert is None:
            raise WorkflowError(_("Choose one of the proposed experts."))
        service.choose(found, request.user, expert)
        messages.success(request, _("Expert chosen: the coaching can start."))

    return _act(request, pk, act)


@require_POST
def report(request: HttpRequest, pk: int) -> HttpResponse:
    """The chosen expert files the report and the action plan, or amends them until the
    laureate confirms delivery; a refused form comes back as typed."""
    found = _coaching(request, pk)
    if isinstance(found, HttpResponse):
        return found
    form = ReportForm(request.POST)
    if _chosen_expert(found, request.user) and not found.delivered_at and not form.is_valid():
        return _page(request, found, form, status=400)

    def act(found: Coaching) -> None:
        amended = found.report_filed_at is not None
        service.file_report(
            found, request.user, request.POST.get("report", "")[:20000],
            request.POST.get("action_plan", "")[:20000],
        )  # fmt: skip
        messages.success(
            request,
            _("Report and action plan amended.") if amended else _("Report and action plan filed."),
        )

    return _act(request, pk, act)


@require_POST
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    def act(found: Coaching) -> None:
        service.confirm_delivery(found, request.user)
        messages.success(request, _("Delivery confirmed: the project is completed."))

    return _act(request, pk, act)


@role_required(Role.EXPERT)
def coachings(request: AuthenticatedHttpRequest) -> HttpResponse:
    """An expert company's coachings."""
    mine = (
        Coaching.objects.filter(expert__organisation__affiliations__user=request.user)
        .select_related("application__organisation", "application__call")
        .order_by("delivered_at", "-chosen_at")
    )
    return render(request, "calls/coachings.html", {"nav": "coachings", "coachings": mine})


@require_POST
@staff_required
def propose(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    application = get_object_or_404(
        Application.objects.select_related("call__instrument"), pk=pk, call__code=code
    )
    try:
        service.propose(application, request.user)
    except WorkflowError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("Shortlist proposed to the laureate."))
    return redirect("calls:manage", code)
