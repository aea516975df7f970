"""The Digiscore pages: start an assessment, answer it a dimension at a time, read the
report.

An assessment opens by its private link (`/digiscore/a/<key>/…`, the key known to its
holder alone), or for its owner and staff by its number (`/digiscore/mine/<pk>/…`).
Anyone else learns nothing, not even that it exists (404). Its pages are never cached,
and the site's same-origin referrer policy keeps the key from other sites.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from territoria.maturity import charts, pdf
from territoria.maturity.forms import (
    StartForm,
    half_grids,
    posted_answers,
    shown_questions,
    text,
)
from territoria.maturity.models import Assessment
from territoria.maturity.scoring import missing
from territoria.maturity.services.assessments import (
    AssessmentError,
    answer,
    by_key,
    complete,
    definition,
    start,
)
from territoria.maturity.services.questionnaires import current
from territoria.maturity.services.report import report as build_report

# What the home page offers, in this order.
OFFERED = ("digiscore", "dma-sme", "dma-public")


def home(request: HttpRequest) -> HttpResponse:
    return _home(request, {})


def _home(request: HttpRequest, forms: dict[str, StartForm], status: int = 200) -> HttpResponse:
    questionnaires = [q for q in (current(code) for code in OFFERED) if q is not None]
    mine = (
        Assessment.objects.filter(owner=request.user).select_related("questionnaire")
        if request.user.is_authenticated
        else Assessment.objects.none()
    )
    offers = [(q, forms.get(q.code) or StartForm(prefix=q.code)) for q in questionnaires]
    return render(
        request,
        "maturity/home.html",
        {"nav": "digiscore", "offers": offers, "mine": mine},
        status=status,
    )


@require_POST
def begin(request: HttpRequest, code: str) -> HttpResponse:
    questionnaire = current(code)
    if questionnaire is None:
        raise Http404
    if request.user.is_staff:
        raise PermissionDenied  # staff read assessments; only a company answers its own
    form = StartForm(request.POST, prefix=code)
    if form.is_valid():
        try:
            started = start(
                questionnaire,
                form.cleaned_data["enterprise_number"],
                owner=request.user,
                language=(get_language() or "fr")[:2],
                profile=form.profile(),
            )
        except AssessmentError as refusal:
            form.add_error("enterprise_number", str(refusal))
        else:
            return redirect("maturity:step", key=started.key, step=1)
    return _home(request, {code: form}, status=400)


def _by_key(key: str) -> Assessment:
    assessment = by_key(key)
    if assessment is None:
        raise Http404
    return assessment


def _own(request: HttpRequest, pk: int) -> Assessment:
    assessment = get_object_or_404(Assessment.objects.select_related("questionnaire"), pk=pk)
    if not (request.user.is_staff or assessment.owner_id == request.user.pk):
        raise Http404
    return assessment


@never_cache
def step(request: HttpRequest, key: str, step: int) -> HttpResponse:
    assessment = _by_key(key)
    links = {"key": key}
    return _step(request, assessment, step, links)


@never_cache
@login_required
def own_step(request: HttpRequest, pk: int, step: int) -> HttpResponse:
    assessment = _own(request, pk)
    if request.user.is_staff and assessment.owner_id != request.user.pk:
        raise PermissionDenied  # staff read reports; only the respondent answers
    return _step(request, assessment, step, {"pk": pk})


def _url(name: str, links: dict[str, Any], **kwargs: Any) -> str:
    prefix = "maturity:" if "key" in links else "maturity:own-"
    return reverse(prefix + name, kwargs={**links, **kwargs})


def _step(
    request: HttpRequest, assessment: Assessment, number: int, links: dict[str, Any]
) -> HttpResponse:
    if assessment.is_completed:
        return redirect(_url("report", links))
    spec = definition(assessment)
    if not 1 <= number <= len(spec.dimensions):
        raise Http404
    dimension = spec.dimensions[number - 1]
    values: dict[str, Any] = dict(assessment.answers)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        posted, unanswered = posted_answers(dimension, request.POST)
        try:
            errors = answer(assessment, posted)
        except AssessmentError:
            return redirect(_url("report", links))
        values.update(posted)  # what was typed, kept on the page even when refused
        values.update(half_grids(dimension, request.POST))
        stopping = "stop" in request.POST
        if not stopping:
            errors.update({code: _("Answer this question to go on.") for code in unanswered})
        if not errors:
            if stopping:
                return render(
                    request,
                    "maturity/saved.html",
                    {
                        "nav": "digiscore",
                        "assessment": assessment,
                        "resume": _url("step", links, step=number),
                        "links": links,
                    },
                )
            if number < len(spec.dimensions):
                return redirect(_url("step", links, step=number + 1))
            try:
                complete(assessment)
            except AssessmentError as refusal:
                errors[""] = str(refusal)
            else:
                return redirect(_url("report", links))
        status = 400
    answered = len(spec.questions()) - len(missing(spec, assessment.answers))
    return render(
        request,
        "maturity/step.html",
        {
            "nav": "digiscore",
            "assessment": assessment,
            "title": text(spec.title),
            "dimension_label": text(dimension.label),
            "dimension_description": text(dimension.description),
            "questions": shown_questions(dimension, values, errors),
            "errors": errors,
            "general_error": errors.get("", ""),
            "step": number,
            "steps": [
                (n, text(d.label), _url("step", links, step=n))
                for n, d in enumerate(spec.dimensions, start=1)
            ],
            "total": len(spec.dimensions),
            "answered": answered,
            "questions_total": len(spec.questions()),
            "back": _url("step", links, step=number - 1) if number > 1 else None,
            "links": links,
        },
        status=status,
    )


@never_cache
def report(request: HttpRequest, key: str) -> HttpResponse:
    return _report(request, _by_key(key), {"key": key})


@never_cache
@login_required
def own_report(request: HttpRequest, pk: int) -> HttpResponse:
    return _report(request, _own(request, pk), {"pk": pk})


def _report(request: HttpRequest, assessment: Assessment, links: dict[str, Any]) -> HttpResponse:
    spec = definition(assessment)
    if not assessment.is_completed:
        left = missing(spec, assessment.answers)
        first = next(
            (
                n
                for n, d in enumerate(spec.dimensions, 1)
                if any(q.code in left for q in d.questions)
            ),
            1,
        )
        return redirect(_url("step", links, step=first))
    shown = build_report(assessment, spec=spec)
    return render(
        request,
        "maturity/report.html",
        {
            "nav": "digiscore",
            "report": shown,
            "assessment": assessment,
            "figure": charts.radar(shown.rows, shown.peers is not None),
            "links": links,
            "pdf": _url("report-pdf", links),
        },
    )


@never_cache
def report_pdf(request: HttpRequest, key: str) -> HttpResponse:
    return _pdf(request, _by_key(key), {"key": key})


@never_cache
@login_required
def own_report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _pdf(request, _own(request, pk), {"pk": pk})


def _pdf(request: HttpRequest, assessment: Assessment, links: dict[str, Any]) -> HttpResponse:
    if not assessment.is_completed:
        return redirect(_url("report", links))
    document = pdf.render(build_report(assessment), request.build_absolute_uri("/")[:-1])
    response = HttpResponse(document, content_type="application/pdf")
    day = assessment.completed_at.date().isoformat() if assessment.completed_at else ""
    name = f"{assessment.questionnaire.code}-{day}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
