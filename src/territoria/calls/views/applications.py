"""Pages of the calls: the public calls, and the applicant's space (drafts, documents, submission)."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from territoria.accounts.services import pending_organisations
from territoria.calls.forms import DocumentForm, ExpertForm, ProjectForm, SurveyForm
from territoria.calls.models import (
    Application,
    ApplicationDocument,
    Assignment,
    Call,
    ExpertCompany,
    SurveyAnswer,
)
from territoria.calls.services import documents
from territoria.calls.services.applications import (
    TRANSITIONS,
    Status,
    WorkflowError,
    change_status,
    eligibility,
    missing,
    organisations_of,
    readable_by,
    start,
)
from territoria.calls.services.applications import submit as submit_application
from territoria.calls.services.evaluation import conflict_found
from territoria.calls.services.experts import apply_for_recognition
from territoria.calls.services.impact import figures as impact_figures
from territoria.calls.services.impact import requests_per_year
from territoria.calls.services.impact import sections as impact_sections
from territoria.calls.services.impact_charts import breakdowns
from territoria.calls.times import brussels
from territoria.calls.views.jury import conflict_page
from territoria.core.http import AuthenticatedHttpRequest
from territoria.core.models import AuditEntry, Role
from territoria.core.permissions import role_required
from territoria.core.services import record_audit, snapshot
from territoria.ecosystem.models import Organisation
from territoria.ecosystem.services import visible_organisations


def visible_calls(request: HttpRequest) -> QuerySet[Call]:
    calls = Call.objects.select_related("instrument")
    return calls if request.user.is_staff else calls.published()


def call_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    calls = list(visible_calls(request))
    groups: dict[str, list[Call]] = {"open": [], "grace": [], "upcoming": [], "closed": []}
    for item in calls:
        groups[item.phase_at(now)].append(item)
    return render(
        request,
        "calls/list.html",
        {
            "nav": "calls",
            "open": groups["open"] + groups["grace"],
            "upcoming": groups["upcoming"],
            "closed": groups["closed"],
        },
    )


def call(request: HttpRequest, code: str) -> HttpResponse:
    item = get_object_or_404(visible_calls(request), code=code)
    context: dict[str, Any] = {
        "nav": "calls",
        "call": item,
        "opens": brussels(item.opens_at),
        "closes": brussels(item.closes_at),
        "criteria": item.criteria.all(),
        "required_documents": item.required_documents.all(),
        "eligible_types": item.eligible_types.all(),
        "eligible_sizes": item.eligible_sizes.all(),
    }
    if request.user.is_authenticated and request.user.role == Role.APPLICANT:
        organisations = organisations_of(request.user)
        pending = list(pending_organisations(request.user))
        existing = {
            a.organisation_id: a
            for a in Application.objects.filter(
                readable_by(request.user), call=item, organisation__in=[*organisations, *pending]
            ).exclude(status=Status.WITHDRAWN)
        }
        context["organisations"] = [
            (o, existing.get(o.pk), o in pending) for o in [*organisations, *pending]
        ]
    return render(request, "calls/call.html", context)


class _LoginRequired(Exception):
    pass


applicant_only = role_required(Role.APPLICANT)


@require_POST
@applicant_only
def apply(request: HttpRequest, code: str) -> HttpResponse:
    item = get_object_or_404(Call.objects.published(), code=code)
    organisations = {
        o.pk: o for o in [*organisations_of(request.user), *pending_organisations(request.user)]
    }
    try:
        organisation = organisations[int(request.POST.get("organisation", ""))]
    except (KeyError, ValueError):
        messages.error(request, _("Choose one of your organisations."))
        return redirect(item)
    try:
        application = start(item, organisation, request.user)
    except WorkflowError as refusal:
        messages.error(request, str(refusal))
        return redirect(item)
    if not application.is_draft:
        return redirect(application)
    return redirect("calls:edit", application.pk, application.current_step)


def _own(request: HttpRequest, pk: int) -> Application:
    """An application the user may read: staff any, an applicant those of their organisations."""
    if not request.user.is_authenticated:
        raise _LoginRequired
    applications = Application.objects.select_related("call__instrument", "organisation")
    if request.user.is_staff:
        return get_object_or_404(applications, pk=pk)
    if request.user.role != Role.APPLICANT:
        raise PermissionDenied
    # Another organisation's application does not exist, as far as this user knows.
    return get_object_or_404(applications.filter(readable_by(request.user)), pk=pk)


def owner_view(view: Any) -> Any:
    def wrapper(request: HttpRequest, pk: int, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            application = _own(request, pk)
        except _LoginRequired:
            return redirect_to_login(request.get_full_path())
        response: HttpResponse = view(request, application, *args, **kwargs)
        return response

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _editable(request: HttpRequest, application: Application) -> None:
    """Only the applicants change a draft; staff read it."""
    if request.user.is_staff or application.status != Status.DRAFT:
        raise PermissionDenied


@applicant_only
def my_applications(request: AuthenticatedHttpRequest) -> HttpResponse:
    applications = (
        Application.objects.filter(readable_by(request.user))
        .select_related("call__instrument", "organisation")
        .order_by("-updated_at")
    )
    return render(
        request,
        "calls/applications.html",
        {"nav": "applications", "applications": applications},
    )


@owner_view
def application(request: HttpRequest, item: Application) -> HttpResponse:
    history = AuditEntry.objects.filter(
        object_type="calls.application", object_id=str(item.pk)
    ).order_by("created_at")
    if not request.user.is_staff:
        history = history.filter(action__in=APPLICANT_HISTORY)
    return render(
        request,
        "calls/application.html",
        {
            "nav": "applications",
            "application": item,
            "documents": item.documents.select_related("requirement"),
            "checks": eligibility(item),
            "missing": missing(item) if item.is_draft else [],
            # Applicants see what happened and when, never who on the agency's side.
            "history": [
                {
                    "when": entry.created_at,
                    "what": _history_line(entry),
                    # Staff see who did it; applicants never see the agency's people.
                    "who": entry.actor.get_username()
                    if request.user.is_staff and entry.actor
                    else "",
                }
                for entry in history.select_related("actor")
            ],
            "closes": brussels(item.call.closes_at),
            "can_withdraw": Status.WITHDRAWN in _next(item) and not request.user.is_staff,
        },
    )


# What an applicant's history shows: their own steps and the status changes.
APPLICANT_HISTORY = [
    "application.create",
    "application.take_over",
    "application.submit",
    "application.status",
]


def _history_line(entry: AuditEntry) -> str:
    status = (entry.after or {}).get("status")
    label = Status(status).label if status in Status.values else ""
    if entry.action == "application.create":
        return _("draft created")
    if entry.action == "application.take_over":
        return _(
            "draft taken over by a representative: it was started by a person whose request "
            "to act for the organisation awaits approval"
        )
    if entry.action == "application.submit":
        return _("submitted, reference %s") % str((entry.after or {}).get("reference", ""))
    return _("status: %s") % label if label else str(entry.action)


def _next(item: Application) -> set[str]:
    return TRANSITIONS.get(item.status, set())


@owner_view
def edit(request: HttpRequest, item: Application, step: str) -> HttpResponse:
    _editable(request, item)
    if step not in Application.STEPS:
        raise Http404
    index = Application.STEPS.index(step)
    if index > item.steps_done:
        return redirect("calls:edit", item.pk, item.current_step)
    form: Any = None
    if step == "project":
        form = ProjectForm(request.POST or None, instance=item)
    if request.method == "POST":
        if form is not None and not form.is_valid():
            return _step(request, item, step, form, status=400)
        with transaction.atomic():
            # Locked and re-read: a submission from another tab must not be overwritten.
            locked = Application.objects.select_for_update().get(pk=item.pk)
            if locked.status != Status.DRAFT:
                raise PermissionDenied
            fields = ["steps_done", "updated_at"]
            if form is not None:
                for name in form.fields:
                    setattr(locked, name, form.cleaned_data[name])
                fields += list(form.fields)
            locked.steps_done = max(locked.steps_done, index + 1)
            locked.save(update_fields=fields)
        messages.success(request, _("Draft saved."))
        following = Application.STEPS[min(index + 1, len(Application.STEPS) - 1)]
        return redirect("calls:edit", item.pk, following)
    return _step(request, item, step, form)


def _step(
    request: HttpRequest,
    item: Application,
    step: str,
    form: Any,
    status: int = 200,
    document_form: DocumentForm | None = None,
) -> HttpResponse:
    context = {
        "nav": "applications",
        "application": item,
        "step": step,
        "steps": [
            (name, position <= item.steps_done) for position, name in enumerate(Application.STEPS)
        ],
        "form": form,
        "checks": eligibility(item),
        "closes": brussels(item.call.closes_at),
    }
    if step == "documents":
        context["document_form"] = document_form or DocumentForm(item)
        context["documents"] = item.documents.select_related("requirement")
        context["required"] = item.call.required_documents.all()
        context["max_other_documents"] = documents.MAX_OTHER_DOCUMENTS
        context["max_total_mb"] = documents.MAX_APPLICATION_BYTES // 2**20
    if step == "submit":
        context["missing"] = missing(item)
    return render(request, "calls/edit.html", context, status=status)


@require_POST
@owner_view
def upload(request: HttpRequest, item: Application) -> HttpResponse:
    _editable(request, item)
    form = DocumentForm(item, request.POST, request.FILES)
    if form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:
            documents.attach(
                item,
                form.chosen_requirement(),
                upload_file,
                upload_file.name or "document",
                request.user,
            )
        except ValidationError as refusal:
            form.add_error("file", " ".join(refusal.messages))
        else:
            messages.success(request, _("Document added."))
            return redirect("calls:edit", item.pk, "documents")
    # Refused: the step again, with the type as chosen and each error beside its field.
    return _step(request, item, "documents", None, status=400, document_form=form)


@require_POST
def delete_document(request: HttpRequest, pk: int) -> HttpResponse:
    document = get_object_or_404(ApplicationDocument.objects.select_related("application"), pk=pk)
    try:
        item = _own(request, document.application_id)
    except _LoginRequired:
        return redirect_to_login(request.get_full_path())
    _editable(request, item)
    try:
        documents.remove_from_draft(document, request.user)
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    else:
        messages.success(request, _("Document removed."))
    return redirect("calls:edit", item.pk, "documents")


def document(request: HttpRequest, pk: int) -> HttpResponse | FileResponse:
    """A document, to those who may read its application; never from a public address,
    nor to an evaluator linked to the applicant since the declaration."""
    found = get_object_or_404(ApplicationDocument, pk=pk)
    reviewing = False
    if request.user.is_authenticated and request.user.role == Role.EVALUATOR:
        assignment = (
            Assignment.objects.filter(application_id=found.application_id, evaluator=request.user)
            .select_related("application")
            .first()
        )
        if assignment is not None and conflict_found(assignment):
            return conflict_page(request, assignment)
        reviewing = (
            assignment is not None
            and assignment.conflict is False
            and not assignment.withdrawn
            and assignment.application.status != Status.WITHDRAWN
        )
    if not reviewing:
        try:
            _own(request, found.application_id)
        except _LoginRequired:
            return redirect_to_login(request.get_full_path())
    content_types = {
        "pdf": "application/pdf",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    try:
        stream = found.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        stream,
        as_attachment=True,
        filename=found.original_name,
        content_type=content_types[found.kind],
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@owner_view
def submit(request: HttpRequest, item: Application) -> HttpResponse:
    if request.user.is_staff:
        raise PermissionDenied
    try:
        done = submit_application(item, request.user)
    except WorkflowError as refusal:
        messages.error(request, str(refusal))
        return redirect("calls:edit", item.pk, "submit") if item.is_draft else redirect(item)
    messages.success(
        request,
        _("Application submitted on %(when)s. Its reference is %(reference)s.")
        % {"when": brussels(done.submitted_at), "reference": done.reference}
        if done.submitted_at
        else _("Application submitted."),
    )
    return redirect(done)


@require_POST
@owner_view
def withdraw(request: HttpRequest, item: Application) -> HttpResponse:
    if request.user.is_staff:
        raise PermissionDenied
    try:
        change_status(item, Status.WITHDRAWN, request.user)
    except WorkflowError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("Application withdrawn."))
    return redirect("calls:application", item.pk)


def impact(request: HttpRequest) -> HttpResponse:
    """The programme's figures, computed now from the applications and the surveys, and
    their breakdowns (per year and instrument, province, sector): a chart and a table each."""
    years = requests_per_year()
    sections = impact_sections()
    return render(
        request,
        "calls/impact.html",
        {
            "nav": "calls",
            "figures": impact_figures(),
            "years": years,
            "sections": sections,
            # A section with a chart needs Plotly on the page.
            "sections_charted": any("figure" in data for _template, data in sections),
            **breakdowns(years),
        },
    )


def experts(request: HttpRequest) -> HttpResponse:
    """The expert companies recognised today (a natural person's only to staff: one rule)."""
    today = timezone.localdate()
    recognised = [
        e
        for e in ExpertCompany.objects.filter(
            status=ExpertCompany.Status.RECOGNISED,
            organisation__in=visible_organisations(request.user),
        )
        .select_related("organisation")
        .prefetch_related("technologies", "regions")
        if e.recognised_on(today)
    ]
    return render(request, "calls/experts.html", {"nav": "calls", "experts": recognised})


@owner_view
def survey(request: HttpRequest, item: Application) -> HttpResponse:
    """The follow-up survey, once the project is completed; answered once."""
    if request.user.is_staff or item.status != Status.COMPLETED:
        raise PermissionDenied
    if SurveyAnswer.objects.filter(application=item).exists():
        messages.info(request, _("The survey was already answered. Thank you."))
        return redirect(item)
    form = SurveyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        answer = form.save(commit=False)
        answer.application, answer.answered_by = item, request.user
        try:
            with transaction.atomic():
                answer.save()
                record_audit(request.user, "survey.answer", answer, after=snapshot(answer))
        except IntegrityError:  # answered a moment ago (a double click)
            messages.info(request, _("The survey was already answered. Thank you."))
            return redirect(item)
        messages.success(request, _("Thank you for your answers."))
        return redirect(item)
    return render(
        request,
        "calls/survey.html",
        {"nav": "applications", "application": item, "form": form},
        status=400 if form.is_bound else 200,
    )


@role_required(Role.EXPERT)
def expert_apply(request: AuthenticatedHttpRequest) -> HttpResponse:
    """An expert company applies for recognition (accounts with the expert role)."""
    organisations = Organisation.objects.filter(affiliations__user=request.user)
    form = ExpertForm(organisations, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            data = form.cleaned_data
            apply_for_recognition(
                data["organisation"], request.user, data["offer"], data["references"],
                data["languages"], data["technologies"], data["regions"],
            )  # fmt: skip
        except WorkflowError as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(
                request, _("Application for recognition received: the agency will review it.")
            )
            return redirect("calls:experts")
    current = ExpertCompany.objects.filter(organisation__in=organisations).select_related(
        "organisation"
    )
    return render(
        request, "calls/expert_apply.html", {"nav": "calls", "form": form, "current": current}
    )
