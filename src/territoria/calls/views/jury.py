"""Pages of the jury: evaluators' reviews, and staff's management of a call."""

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from django.views.decorators.http import require_POST

from territoria.calls.forms import ConsensusForm, ScoresForm
from territoria.calls.models import Application, Assignment, Call, Criterion
from territoria.calls.services.applications import Status, WorkflowError, change_status
from territoria.calls.services.evaluation import (
    CONFLICT_FOUND,
    ConflictFound,
    assign,
    conflict_found,
    conflicts_found,
    decide,
    declare,
    ranking,
    record_consensus,
    record_scores,
    review_means,
    review_stage,
    weighted,
)
from territoria.core.fields import parse_amount
from territoria.core.http import AuthenticatedHttpRequest
from territoria.core.i18n import translated
from territoria.core.models import Role
from territoria.core.permissions import role_required, staff_required


def text(request: HttpRequest, name: str, limit: int) -> str:
    """A text field of the form; raises WorkflowError on what no database can store."""
    value = request.POST.get(name, "")[:limit]
    if "\x00" in value:
        raise WorkflowError(_("The text holds a character that cannot be stored."))
    return value


evaluator_only = role_required(Role.EVALUATOR)


# Where a review stands (see review_stage), in the order the evaluator works.
STAGES = {
    "declare": gettext_lazy("declaration of interests due"),
    "score": gettext_lazy("to score"),
    "submitted": gettext_lazy("scores submitted"),
    "withdrawn": gettext_lazy("withdrawn (conflict of interest)"),
}


@evaluator_only
def reviews(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The evaluator's assignments, filtered by call and by stage (GET), with counts."""
    mine = Assignment.objects.filter(evaluator=request.user)
    # Checked before the rows are read: a review withdrawn by a conflict shows as withdrawn.
    conflicts = conflicts_found(mine)
    assignments = list(
        mine.exclude(application__status=Status.WITHDRAWN)
        .select_related("application__call")
        .order_by("submitted_at", "-assigned_at")
    )
    return render(
        request,
        "calls/reviews.html",
        {
            "nav": "reviews",
            **_filtered(assignments, request.GET.get("call"), request.GET.get("status"), conflicts),
        },
    )


def _filtered(
    assignments: list[Assignment], call: str | None, stage: str | None, conflicts: set[int]
) -> dict[str, Any]:
    """The rows a call and a stage keep, and each choice's count under the other filter
    (an unknown choice counts as none made); a review closed by a conflict found (`conflicts`)
    stands withdrawn, even on a decided application whose record stays as it was."""
    stages = {a.pk: "withdrawn" if a.pk in conflicts else review_stage(a) for a in assignments}
    calls = {a.application.call.code: a.application.call for a in assignments}
    call = call if call in calls else ""
    stage = stage if stage in STAGES else ""
    in_call = [a for a in assignments if not call or a.application.call.code == call]
    in_stage = [a for a in assignments if not stage or stages[a.pk] == stage]
    newest_first = sorted(calls.values(), key=lambda c: c.opens_at, reverse=True)
    return {
        "rows": [(a, STAGES[stages[a.pk]]) for a in in_call if not stage or stages[a.pk] == stage],
        "call": call,
        "status": stage,
        "call_options": [
            (
                c.code,
                translated(c, "title").text,
                sum(a.application.call_id == c.pk for a in in_stage),
            )
            for c in newest_first
        ],
        "status_options": [
            (key, label, sum(stages[a.pk] == key for a in in_call)) for key, label in STAGES.items()
        ],
        "all_calls": len(in_stage),
        "all_statuses": len(in_call),
    }


def _mine(request: AuthenticatedHttpRequest, pk: int) -> Assignment:
    # Someone else's assignment does not exist, as far as this evaluator knows.
    return get_object_or_404(
        Assignment.objects.select_related("application__call", "application__organisation"),
        pk=pk,
        evaluator=request.user,
    )


@evaluator_only
def review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _review_page(request, _mine(request, pk))


def _saved_sheet(assignment: Assignment, criteria: list[Criterion]) -> ScoresForm:
    initial: dict[str, Any] = {"comment": assignment.comment}
    for score in assignment.scores.all():
        initial[f"score-{score.criterion_id}"] = f"{score.value:.1f}"
        initial[f"comment-{score.criterion_id}"] = score.comment
    form = ScoresForm(criteria, initial=initial)
    for field in form.fields.values():
        field.disabled = assignment.submitted_at is not None
    return form


def _review_page(
    request: HttpRequest, assignment: Assignment, form: ScoresForm | None = None, status: int = 200
) -> HttpResponse:
    """The review: the declaration first, then the application and the score sheet, either
    as saved or (`form`) as the evaluator typed it, with what is missing marked; never
    once the evaluator is linked to the applicant (checked on every read)."""
    if conflict_found(assignment):
        return conflict_page(request, assignment)
    context: dict[str, Any] = {"nav": "reviews", "assignment": assignment}
    if assignment.conflict is False and not assignment.withdrawn:
        application = assignment.application
        criteria = list(application.call.criteria.all())
        if form is None or assignment.submitted_at is not None:
            form = _saved_sheet(assignment, criteria)
        context.update(
            application=application,
            documents=application.documents.all(),
            form=form,
            grid=[(c, form[f"score-{c.pk}"], form[f"comment-{c.pk}"]) for c in criteria],
            weighted=weighted(form.values(), criteria),
            decimal_separator=get_format("DECIMAL_SEPARATOR"),
        )
    return render(request, "calls/review.html", context, status=status)


def conflict_page(request: HttpRequest, assignment: Assignment) -> HttpResponse:
    """What an evaluator linked to the applicant sees instead of the application (403)."""
    return render(
        request,
        "calls/review.html",
        {"nav": "reviews", "assignment": assignment, "conflict_found": CONFLICT_FOUND},
        status=403,
    )


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
    """Save or submit the sheet; anything refused comes back as typed, nothing recorded."""
    assignment = _mine(request, pk)
    final = request.POST.get("action") == "submit"
    criteria = list(assignment.application.call.criteria.all())
    form = ScoresForm(criteria, request.POST, final=final)
    if not form.is_valid():
        return _review_page(request, assignment, form, status=400)
    try:
        record_scores(assignment, request.user, form.scores(), form.cleaned_data["comment"], final)
    except ConflictFound:
        return _review_page(request, _mine(request, pk))  # the page says why
    except WorkflowError as refusal:
        messages.error(request, str(refusal))
        current = _mine(request, pk)
        if current.conflict is False and not current.withdrawn and not current.submitted_at:
            # Still a sheet to fill (the application left evaluation, say): keep the text.
            return _review_page(request, current, form, status=409)
    else:
        messages.success(request, _("Scores submitted.") if final else _("Scores saved."))
    return redirect(assignment)


@staff_required
def manage(request: HttpRequest, code: str) -> HttpResponse:
    call = get_object_or_404(Call.objects.select_related("instrument"), code=code)
    # The ranking counts no review of an evaluator linked to the applicant since.
    conflicts_found(Assignment.objects.filter(application__call=call))
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


# "open" and "closed" are also verbs and other things' states elsewhere: a context of their own.
PHASES = {
    "upcoming": pgettext_lazy("phase of a call", "upcoming"),
    "open": pgettext_lazy("phase of a call", "open"),
    "grace": pgettext_lazy("phase of a call", "closed, late submissions still recorded"),
    "closed": pgettext_lazy("phase of a call", "closed"),
}


@staff_required
def manage_calls(request: HttpRequest) -> HttpResponse:
    """Every call, published or not, with its window, its phase and its applications by status."""
    counts: dict[int, dict[str, int]] = {}
    for call_id, status, number in (
        Application.objects.order_by().values_list("call", "status").annotate(n=Count("pk"))
    ):
        counts.setdefault(call_id, {})[status] = number
    now = timezone.now()
    rows = [
        {
            "call": call,
            "phase": PHASES[call.phase_at(now)],
            "statuses": [
                (label, counts[call.pk][value])
                for value, label in Status.choices
                if counts.get(call.pk, {}).get(value)
            ],
        }
        for call in Call.objects.select_related("instrument")
    ]
    return render(request, "calls/manage_calls.html", {"nav": "calls", "rows": rows})


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
        messages.success(
            request,
            ngettext("%(count)d assignment made.", "%(count)d assignments made.", made)
            % {"count": made},
        )
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
                # 45.000 is forty-five thousand euros, as Belgians write it, never 45 €.
                amount = parse_amount(request.POST["amount"][:40])
            except ValueError:
                raise WorkflowError(_("The amount is not a number.")) from None
            if abs(amount) >= Decimal(10) ** 10:
                raise WorkflowError(_("The amount is not a number."))
        decided = decide(application, status, request.user, amount, text(request, "feedback", 4000))
    except WorkflowError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, decision_note(decided))
    return redirect("calls:manage", code)


def decision_note(application: Application) -> str:
    """What was recorded, written out: the status, and the amount in the page's language."""
    note = _("%(reference)s: %(status)s") % {
        "reference": application.reference,
        "status": application.get_status_display(),
    }
    if application.granted_amount is not None:
        amount = formats.number_format(application.granted_amount, 2, force_grouping=True)
        note += " — " + _("%(amount)s € granted") % {"amount": amount}
    return note


@staff_required
def consensus(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    application = _call_application(code, pk)
    # Neither the means shown nor the consensus count a review closed by a conflict found.
    conflicts_found(application.assignments.all())
    criteria = list(application.call.criteria.all())
    status = 200
    if request.method == "POST":
        form = ConsensusForm(criteria, request.POST)
        if form.is_valid():
            try:
                record_consensus(
                    application, request.user, form.values(), form.cleaned_data["comment"]
                )
            except WorkflowError as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(request, _("Consensus recorded."))
                return redirect("calls:manage", code)
        status = 400  # refused: everything comes back as typed
    else:
        initial: dict[str, Any] = {"comment": application.consensus_comment}
        for final in application.final_scores.all():
            initial[f"score-{final.criterion_id}"] = f"{final.value:.1f}"
        form = ConsensusForm(criteria, initial=initial)
    means = review_means([application]).get(application.pk, {})
    assignments = application.assignments.select_related("evaluator").prefetch_related("scores")
    return render(
        request,
        "calls/consensus.html",
        {
            "nav": "calls",
            "application": application,
            "form": form,
            "rows": [(c, means.get(c.pk), form[f"score-{c.pk}"]) for c in criteria],
            "assignments": assignments,
        },
        status=status,
    )
