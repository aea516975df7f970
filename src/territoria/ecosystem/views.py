"""Public pages of the ecosystem: home, directory with facets, organisation, events, publications."""

import json
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from territoria.core.http import HtmxHttpRequest
from territoria.ecosystem.models import Event, Membership, Publication
from territoria.ecosystem.services import (
    is_public,
    public_organisations,
    search_organisations,
    visible_organisations,
    with_public_address,
    withheld_person,
)
from territoria.opendata import registry
from territoria.opendata.api import export_response
from territoria.opendata.exports import ExportOptions
from territoria.opendata.params import Request
from territoria.opendata.services import Query, record_count, run
from territoria.opendata.views import page_language, search_condition
from territoria.taxonomy import containers, index
from territoria.taxonomy.expressions import to_json
from territoria.taxonomy.models import Concept, ConceptScheme, Magnet
from territoria.taxonomy.services import (
    concepts_by_code,
    refine,
    schemes_by_code,
    selection_expression,
    tags_of,
)

PAGE_SIZE = 20
# The schemes the directory offers as facets, in this order.
DIRECTORY_FACETS = ["org-type", "technology", "label", "nace", "size", "territory"]
# The directory's selection downloads as the Open Data dataset of organisations exports it.
DOWNLOAD_FORMATS = {"csv": "CSV", "xlsx": "Excel (XLSX)"}


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "ecosystem/home.html",
        {
            "organisations": public_organisations().count(),
            "events": Event.objects.count(),
            "publications": Publication.objects.count(),
            "magnets": Magnet.objects.filter(is_public=True)[:6],
            "calls": _published_count("calls"),
            "open_calls": _published_count("calls", "is_open:true"),
            "datasets": len(registry.all_datasets()),
        },
    )


def _published_count(dataset_id: str, *refinements: str) -> int | None:
    """A key figure of another domain as its Open Data dataset counts it (None: not installed)."""
    try:
        return record_count(dataset_id, *refinements)
    except registry.UnknownDataset:
        return None


def _selection(request: HttpRequest) -> tuple[str, list[Concept], list[str]]:
    """The directory's search text, its known concepts, and the codes it does not know."""
    query = request.GET.get("q", "").strip()[:200]
    codes = request.GET.getlist("c")[:40]
    found = concepts_by_code(codes)
    selected = [found[code] for code in dict.fromkeys(codes) if code in found]
    return query, selected, [code for code in codes if code not in found]


def directory(request: HtmxHttpRequest) -> HttpResponse:
    query, selected, unknown = _selection(request)
    schemes = schemes_by_code(DIRECTORY_FACETS)
    refinement = refine(
        containers.get("organisation"),
        search_organisations(query) if query else None,
        selected,
        schemes,
    )
    records = refinement.records.select_related("municipality", "size_class").order_by("name", "pk")
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "nav": "ecosystem",
        "query": query,
        "selected": selected,
        "unknown": unknown,
        "facets": refinement.facets,
        "page": page,
        "expression_json": json.dumps(to_json(refinement.expression))
        if refinement.expression
        else "",
        "page_query": _query_without_page(request),
        "facet_url": reverse("ecosystem:directory"),
        "facet_form": "directory-form",
        "downloads": _downloads(query, selected),
    }
    fragment = request.htmx and not request.htmx.history_restore_request
    template = "ecosystem/_directory_body.html" if fragment else "ecosystem/directory.html"
    response = render(request, template, context)
    # The same URL answers a fragment or a page: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


def _downloads(query: str, selected: list[Concept]) -> list[dict[str, str]]:
    """Each download of the selection, whose address carries the search and the concepts."""
    params = urlencode([*([("q", query)] if query else []), *(("c", c.code) for c in selected)])
    return [
        {
            "format": name,
            "label": label,
            "url": f"{reverse('ecosystem:directory-export', args=[name])}?{params}".rstrip("?"),
        }
        for name, label in DOWNLOAD_FORMATS.items()
    ]


def directory_export(request: HttpRequest, format_name: str) -> HttpResponseBase:
    """The directory's selection (same `q` and `c`) with the columns and rows of the
    organisations dataset, streamed; the CSV starts with a BOM so that Excel reads accents."""
    if format_name not in DOWNLOAD_FORMATS:
        raise Http404(format_name)
    query, selected, _unknown = _selection(request)
    wanted = Request(
        where=search_condition(query) if query else None,
        lang=page_language(),
        limit=-1,
        expression=selection_expression(selected),
    )
    with index.pinned():
        records = run(Query, registry.get("organisations"), wanted)
        return export_response(
            records, format_name, ExportOptions(with_bom=True, spreadsheet_safe=True)
        )


def organisation(request: HttpRequest, pk: int) -> HttpResponse:
    visible = with_public_address(visible_organisations(request.user), request.user)
    org = get_object_or_404(visible.select_related("municipality", "size_class"), pk=pk)
    concepts = tags_of(org)
    by_scheme: dict[ConceptScheme, list[Concept]] = {}
    for concept in concepts:
        by_scheme.setdefault(concept.scheme, []).append(concept)
    memberships = (
        Membership.objects.filter(organisation=org, person__public_consent=True)
        .select_related("person")
        .order_by("person__last_name")
    )
    return render(
        request,
        "ecosystem/organisation.html",
        {
            "nav": "ecosystem",
            "org": org,
            "concepts_by_scheme": by_scheme.items(),
            "memberships": memberships,
            "events": (org.events.all() | org.organised_events.all())
            .distinct()
            .order_by("-starts_on")[:20],
            "publications": org.publications.order_by("-published_on")[:20],
            # Staff see every page; they are told which ones the public does not.
            "withheld": request.user.is_staff and not is_public(org),
        },
    )


def events(request: HttpRequest) -> HttpResponse:
    items = (
        Event.objects.select_related("event_type", "organiser")
        .prefetch_related(
            Prefetch("participants", queryset=public_organisations().only("pk", "name"))
        )
        .annotate(organiser_withheld=withheld_person("organiser__"))
    )
    return _typed_list(request, items, "event-type", "event_type", "events", _("Events"))


def publications(request: HttpRequest) -> HttpResponse:
    items = Publication.objects.select_related("publication_type").prefetch_related(
        Prefetch("organisations", queryset=public_organisations().only("pk", "name"))
    )
    return _typed_list(
        request, items, "publication-type", "publication_type", "publications", _("Publications")
    )


def _typed_list(
    request: HttpRequest, items: QuerySet[Any], scheme: str, field: str, nav: str, title: str
) -> HttpResponse:
    types = list(Concept.objects.filter(scheme__code=scheme).select_related("scheme"))
    chosen = request.GET.get("type", "")
    if chosen not in {t.notation for t in types}:
        chosen = ""
    if chosen:
        items = items.filter(**{f"{field}__notation": chosen, f"{field}__scheme__code": scheme})
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        f"ecosystem/{nav}.html",
        {
            "nav": nav,
            "title": title,
            "types": types,
            "chosen": chosen,
            "page": page,
            "page_query": _query_without_page(request),
        },
    )


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
