"""The strategy dashboard: versions, ambitions, programmes, actions, indicators; staff imports."""

import csv
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from territoria.core.http import Echo, HtmxHttpRequest, spreadsheet_text
from territoria.core.i18n import InLanguage
from territoria.core.permissions import staff_required
from territoria.ecosystem.services import visible_organisations
from territoria.strategy.charts import indicator_figure
from territoria.strategy.forms import CompareForm, MeasurementUploadForm
from territoria.strategy.models import (
    Action,
    Ambition,
    Indicator,
    MeasurementImport,
    Programme,
    Strategy,
)
from territoria.strategy.services import filters as action_filters
from territoria.strategy.services.compare import compare as compare_versions
from territoria.strategy.services.imports import (
    ImportRefused,
    cancel_import,
    confirm_import,
    stage_import,
)
from territoria.strategy.services.overview import overview as strategy_overview
from territoria.strategy.services.progress import Progress, Status, progress, progress_of_all
from territoria.taxonomy.services import tags_of

# The table's columns, headed as on the page.
CSV_COLUMNS = [
    ("title", gettext_lazy("Action")),
    ("programme", gettext_lazy("Programme")),
    ("ambition", gettext_lazy("Ambition")),
    ("type", gettext_lazy("Type")),
    ("audiences", gettext_lazy("Audiences")),
    ("start", gettext_lazy("Start")),
    ("end", gettext_lazy("End")),
    ("status", gettext_lazy("Status")),
    ("budget", gettext_lazy("Budget")),
    ("recovery_plan", gettext_lazy("Recovery plan")),
]


def visible_strategies(request: HttpRequest) -> QuerySet[Strategy]:
    """Draft versions are for staff only."""
    strategies = Strategy.objects.all()
    if not request.user.is_staff:
        strategies = strategies.exclude(status=Strategy.Status.DRAFT)
    return strategies


def _strategy(request: HttpRequest, code: str) -> Strategy:
    return get_object_or_404(visible_strategies(request), code=code)


def _context(request: HttpRequest, strategy: Strategy | None, **extra: Any) -> dict[str, Any]:
    return {
        "nav": "dashboard",
        "strategy": strategy,
        "versions": visible_strategies(request).select_related("source"),
        **extra,
    }


def index(request: HttpRequest) -> HttpResponse:
    """The dashboard opens on the version shown first, or lists the versions."""
    strategies = visible_strategies(request)
    chosen = request.GET.get("version", "")
    if chosen and action_filters.is_code(chosen) and strategies.filter(code=chosen).exists():
        return redirect("strategy:home", chosen)
    default = (
        strategies.filter(is_default=True).first() or strategies.order_by("-start_year").first()
    )
    if default is None:
        return render(request, "strategy/versions.html", _context(request, None))
    return home(request, default.code)


def versions(request: HttpRequest) -> HttpResponse:
    return render(
        request, "strategy/versions.html", _context(request, None, form=CompareForm(request))
    )


def home(request: HttpRequest, strategy: str) -> HttpResponse:
    """One tile per ambition (figures, trends, progress), then the same figures as tables."""
    version = _strategy(request, strategy)
    return render(
        request,
        "strategy/home.html",
        _context(request, version, overview=strategy_overview(version)),
    )


def ambition(request: HttpRequest, strategy: str, code: str) -> HttpResponse:
    version = _strategy(request, strategy)
    item = get_object_or_404(Ambition.objects.filter(strategy=version), code=code)
    programmes = list(
        item.programmes.select_related("strategy")
        .annotate(action_count=Count("actions"))
        .order_by("name")
    )
    indicators = Indicator.objects.filter(programme__ambition=item).select_related(
        "programme__strategy", "action"
    )
    return render(
        request,
        "strategy/ambition.html",
        _context(
            request,
            version,
            ambition=item,
            levers=item.levers.all(),
            programmes=programmes,
            standings=progress_of_all(indicators),
        ),
    )


def programme(request: HttpRequest, strategy: str, code: str) -> HttpResponse:
    version = _strategy(request, strategy)
    item = get_object_or_404(
        Programme.objects.filter(strategy=version).select_related("ambition"), code=code
    )
    actions = list(
        item.actions.select_related("action_type").annotate(indicator_count=Count("indicators"))
    )
    standings = progress_of_all(item.indicators.select_related("action"))
    return render(
        request,
        "strategy/programme.html",
        _context(
            request,
            version,
            programme=item,
            partners=item.partners.filter(pk__in=visible_organisations(request.user)).order_by(
                "name"
            ),
            actions=actions,
            charts=_charts(standings),
        ),
    )


def action(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(
        Action.objects.select_related("programme__ambition", "programme__strategy", "action_type"),
        pk=pk,
        programme__strategy__in=visible_strategies(request),
    )
    concepts = tags_of(item)
    standings = progress_of_all(item.indicators.all())
    return render(
        request,
        "strategy/action.html",
        _context(
            request,
            item.programme.strategy,
            action=item,
            audiences=[c for c in concepts if c.scheme.code == "audience"],
            themes=[c for c in concepts if c.scheme.code not in ("audience", "action-type")],
            partners=item.partners.filter(pk__in=visible_organisations(request.user)).order_by(
                "name"
            ),
            # Only levers of the action's own version (the back office checks it too).
            levers=item.levers.filter(ambition__strategy=item.programme.strategy),
            charts=_charts(standings),
        ),
    )


def indicator(request: HttpRequest, code: str) -> HttpResponse:
    item = get_object_or_404(
        Indicator.objects.select_related("programme__ambition", "programme__strategy", "action"),
        code=code,
        programme__strategy__in=visible_strategies(request),
    )
    measurements = item.measurements.select_related("source_publication")
    return render(
        request,
        "strategy/indicator.html",
        _context(
            request,
            item.programme.strategy,
            indicator=item,
            charts=_charts([progress(item, measurements)]),
        ),
    )


def _charts(standings: list[Progress]) -> list[dict[str, Any]]:
    return [
        {
            "progress": p,
            # One figure and no target make no line: the table alone says it.
            "figure": indicator_figure(p)
            if len(p.series) > 1 or (p.series and p.indicator.target_value is not None)
            else None,
            "id": p.indicator.code,
            "script_id": f"figure-{p.indicator.code}",
        }
        for p in standings
    ]


def actions(request: HtmxHttpRequest, strategy: str) -> HttpResponse:
    version = _strategy(request, strategy)
    chosen = action_filters.parse_filters(version, request.GET)
    refinement = action_filters.filter_actions(chosen)
    records = list(refinement.records)
    context = _context(
        request,
        version,
        filters=chosen,
        facets=refinement.facets,
        rows=action_filters.rows(records),
        ambitions=version.ambitions.all(),
        programmes=version.programmes.select_related("ambition").order_by(
            "ambition__order", "name"
        ),
        statuses=Action.Status.choices,
        csv_query=chosen.query_string(),
        # Concepts of other schemes (a magnet's link, say): kept in the form as hidden fields.
        other_concepts=[
            c for c in chosen.concepts if c.scheme.code not in action_filters.FACET_SCHEMES
        ],
    )
    fragment = bool(request.htmx and not request.htmx.history_restore_request)
    context["fragment"] = fragment
    template = "strategy/_actions_body.html" if fragment else "strategy/actions.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def actions_csv(request: HttpRequest, strategy: str) -> StreamingHttpResponse:
    """Exactly the filtered list the page shows, column for column."""
    version = _strategy(request, strategy)
    chosen = action_filters.parse_filters(version, request.GET)
    records = list(action_filters.filter_actions(chosen).records)
    writer = csv.writer(Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff"
        yield writer.writerow([str(label) for _key, label in CSV_COLUMNS])
        for row in action_filters.rows(records):
            yield writer.writerow([_csv_value(row[key]) for key, _label in CSV_COLUMNS])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="actions-{version.code}.csv"'
    return response


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, InLanguage):
        value = value.text
    if isinstance(value, Decimal):
        return f"{value:f}" if value != value.to_integral_value() else f"{value:.0f}"
    return spreadsheet_text(str(value))


def steering(request: HttpRequest, strategy: str) -> HttpResponse:
    version = _strategy(request, strategy)
    targeted = Indicator.objects.filter(
        programme__strategy=version, target_value__isnull=False
    ).select_related("programme__ambition", "programme__strategy", "action")
    standings = progress_of_all(targeted, sources=False)
    order = {
        status: rank
        for rank, status in enumerate(
            [
                Status.MISSED,
                Status.AT_RISK,
                Status.INSUFFICIENT,
                Status.NO_DATA,
                Status.ON_TRACK,
                Status.ACHIEVED,
            ]
        )
    }
    standings.sort(key=lambda p: (order.get(p.status, 99), p.indicator.name))
    return render(
        request,
        "strategy/steering.html",
        _context(
            request,
            version,
            attention=[p for p in standings if p.needs_attention],
            others=[p for p in standings if not p.needs_attention],
            untargeted=Indicator.objects.filter(
                programme__strategy=version, target_value__isnull=True
            ).count(),
        ),
    )


def compare(request: HttpRequest) -> HttpResponse:
    chosen = "left" in request.GET or "right" in request.GET
    form = CompareForm(request, request.GET if chosen else None)
    comparison = None
    if form.is_valid():
        comparison = compare_versions(form.cleaned_data["left"], form.cleaned_data["right"])
    return render(
        request,
        "strategy/compare.html",
        _context(request, None, form=form, comparison=comparison),
    )


@staff_required
def import_measurements(request: HttpRequest) -> HttpResponse:
    posted = request.method == "POST"
    form = MeasurementUploadForm(
        request.POST if posted else None, request.FILES if posted else None
    )
    if request.method == "POST" and form.is_valid():
        staged = stage_import(form.file_name, form.text, request.user)
        return redirect(staged)
    return render(
        request,
        "strategy/import.html",
        {
            "nav": "dashboard",
            "form": form,
            "recent": MeasurementImport.objects.select_related("created_by")[:10],
        },
    )


@staff_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    staged = get_object_or_404(MeasurementImport, pk=pk)
    if request.method == "POST":
        choice = request.POST.get("choice", "")
        try:
            if choice == "cancel":
                cancel_import(staged, request.user)
                messages.info(request, _("Import cancelled: nothing was imported."))
            elif choice in ("all", "valid"):
                done = confirm_import(staged, request.user, only_valid=choice == "valid")
                messages.success(
                    request,
                    _("%d measurement(s) imported.") % done.imported,
                )
            else:
                messages.error(request, _("Choose what to do with the file."))
        except ImportRefused as refusal:
            messages.error(request, str(refusal))
        return redirect(staged)
    return render(
        request,
        "strategy/import_detail.html",
        {
            "nav": "dashboard",
            "staged": staged,
            "bad_lines": len({p["line"] for p in staged.problems}),
        },
    )
