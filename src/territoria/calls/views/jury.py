"""Pages of the jury: evaluators' reviews, and staff's management of a call."""

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from territoria.calls.models import HALF_POINTS, Application, Assignment, Call
from territoria.calls.services.applications import Status, WorkflowError, change_status
from territoria.calls.services.evaluation import (
    assign,
    decide,
    declare,
    parse_score,
    ranking,
    record_consensus,
    record_scores,
    review_means,
)
from territoria.core.http import AuthenticatedHttpRequest
from territoria.core.models import Role
from territoria.core.permissions import role_required, staff_required


def text(request: HttpRequest, name: str, limit: int) -> str:
    """A text field of the form; raises WorkflowError on what no database can store."""
    value = request.POST.get(name, "")[:limit]
    if "\x00" in value:
        raise WorkflowError(_("The text holds a character that cannot be stored."))
    return value


evaluator_only = role_required(Role.EVALUATOR)


@evaluator_only
def reviews(request: AuthenticatedHttpRequest) -> HttpResponse:
    assignments = (
        Assignment.objects.filter(evaluator=request.user)
        .exclude(application__status=Status.WITHDRAWN)
        .select_related("application__call")
        .order_by("submitted_at", "-assigned_at")
    )
    return render(request, "calls/reviews.html", {"nav": "reviews", "assignments": assignments})


def _mine(request: AuthenticatedHttpRequest, pk: int) -> Assignment:
    # Someone else's assignment does not exist, as far as this evaluator knows.
    return get_object_or_404(
        Assignment.objects.select_related("application__call", "application__organisation"),
        pk=pk,
        evaluator=request.user,
    )


@evaluator_only
def review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assignment = _mine(request, pk)
    context: dict[str, Any] = {"nav": "reviews", "assignment": assignment}
    if assignment.conflict is False and not assignment.withdrawn:
        application = assignment.application
        given = {s.criterion_id: s for s in assignment.scores.all()}
        context.update(
            application=application,
            documents=application.documents.all(),
            grid=[(c, given.get(c.pk)) for c in application.call.criteria.all()],
            half_points=[f"{v:.1f}" for v in HALF_POINTS],
        )
    return render(request, "calls/review.html", context)


@require_POST
@evaluator_only
def declare_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assignment = _mine(request, pk)
    answer = request.POST.get("conflict", "")
    if answer not in ("yes", "no"):
        messages.error(request, _("Answer the declaration: a conflict of interest or none."))
        return redirect(assignment)
    try:
        declare(assignment, request.user, conflict=answer == "yes")
    except WorkflowError as refusal:
        messages.error(request, str(refusal))
    return redirect(assignment)


@require_POST
@evaluator_only
def scores_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assignment = _mine(request, pk)
    scores: dict[int, tuple[Decimal, str]] = {}
    try:
        for criterion in assignment.application.call.criteria.all():
            value = request.POST.get(f"score-{criterion.pk}", "").strip()
            if value:
                scores[criterion.pk] = (
                    parse_score(value),
                    text(request, f"comment-{criterion.pk}", 4000),
                )
        final = request.POST.get("action") == "submit"
        record_scores(
            assignment, request.user, scores, request.POST.get("comment", "")[:8000], final
        )
    except WorkflowError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("Scores submitted.") if final else _("Scores saved."))
    return redirect(assignment)


@staff_required
def manage(request: HttpRequest, code: str) -> HttpResponse:
    call = get_object_or_404(Call.objects.select_related("instrument"), code=code)
    applications = call.applications.exclude(status=Status.DRAFT).select_related("organisation")
    return render(
        request,
        "calls/manage.html",
        {
            "nav": "calls",
            "call": call,
            "to_check": [a for a in applications if a.status == Status.SUBMITTED],
            "counts": {
                label: sum(1 for a in applications if a.status == value)
                for value, label in Status.choices
                if value != Status.DRAFT
            },
            "ranked": ranking(call),
            "start_ia": ("start-ia", "start-ia-public"),
            "decided": sum(
                a.granted_amount or 0
                for a in applications
                if a.status in (Status.SELECTED, Status.IN_PROGRESS, Status.COMPLETED)
            ),
        },
    )


def _call_application(code: str, pk: int) -> Application:
    return get_object_or_404(Application.objects.select_related("call"), pk=pk, call__code=code)


@require_POST
@staff_required
def eligibility_view(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    application = _call_application(code, pk)
    status = request.POST.get("status", "")
    if status not in (Status.ELIGIBLE, Status.INELIGIBLE):
        messages.error(request, _("Choose eligible or ineligible."))
    else:
        try:
            reason = text(request, "reason", 4000)
            change_status(application, status, request.user, reason=reason)
        except WorkflowError as refusal:
            messages.error(request, str(refusal))
    return redirect("calls:manage", code)


@require_POST
@staff_required
def assign_view(request: HttpRequest, code: str) -> HttpResponse:
    call = get_object_or_404(Call, code=code)
    try:
        made = assign(call, request.user)
    except WorkflowError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("%d assignment(s) made.") % made)
    return redirect("calls:manage", code)


@require_POST
@staff_required
def decide_view(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    application = _call_application(code, pk)
    status = request.POST.get("status", "")
    amount = None
    try:
        if status not in (Status.SELECTED, Status.RESERVE, Status.REJECTED):
            raise WorkflowError(_("Choose selected, reserve or not selected."))
        if request.POST.get("amount", "").strip():
            try:
                amount = Decimal(request.POST["amount"].replace(",", ".").replace(" ", ""))
            except ArithmeticError:
                raise WorkflowError(_("The amount is not a number.")) from None
            if not amount.is_finite() or abs(amount) >= Decimal(10) ** 10:
                raise WorkflowError(_("The amount is not a number."))
        decide(application, status, request.user, amount, text(request, "feedback", 4000))
    except WorkflowError as refusal:
        messages.error(request, str(refusal))
    return redirect("calls:manage", code)


@staff_required
def consensus(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    application = _call_application(code, pk)
    criteria = list(application.call.criteria.all())
    if request.method == "POST":
        try:
            values = {c.pk: parse_score(request.POST.get(f"score-{c.pk}", "")) for c in criteria}
            record_consensus(application, request.user, values, text(request, "comment", 4000))
        except WorkflowError as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, _("Consensus recorded."))
            return redirect("calls:manage", code)
    finals = {f.criterion_id: f.value for f in application.final_scores.all()}
    means = review_means([application]).get(application.pk, {})
    assignments = application.assignments.select_related("evaluator").prefetch_related("scores")
    return render(
        request,
        "calls/consensus.html",
        {
            "nav": "calls",
            "application": application,
            "rows": [(c, means.get(c.pk), finals.get(c.pk)) for c in criteria],
            "assignments": assignments,
            "half_points": [f"{v:.1f}" for v in HALF_POINTS],
        },
    )
