"""Public pages of the ecosystem: home, directory with facets, organisation, events, publications."""

import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any, cast
from urllib.parse import quote_plus, urlencode

from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from pyroaring import BitMap

from territoria.core import territory
from territoria.core.http import HtmxHttpRequest
from territoria.core.maps import Mark, allow_map_tiles, proportional_circles
from territoria.ecosystem.models import (
    Event,
    Membership,
    Organisation,
    Publication,
    legal_labels,
    normalise_for_search,
)
from territoria.ecosystem.services import (
    COMPOSITION_SCHEMES,
    MAP_SCHEME,
    compositions,
    is_public,
    matching_organisations,
    place_counts,
    public_organisations,
    ranked_search_ids,
    search_ids,
    selection_counts,
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
from territoria.taxonomy.engine import engine
from territoria.taxonomy.expressions import to_json
from territoria.taxonomy.models import Concept, ConceptScheme, Magnet
from territoria.taxonomy.services import (
    RecordsInOrder,
    RecordsRanked,
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
            # The public count as the directory and magnets count it: from the index.
            "organisations": len(engine.matching(containers.get("organisation"), None)),
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


@allow_map_tiles
def directory(request: HtmxHttpRequest) -> HttpResponse:
    with index.pinned():  # one reading of the index's state for the whole page
        return _directory(request)


def _directory(request: HtmxHttpRequest) -> HttpResponse:
    query, selected, unknown = _selection(request)
    schemes = schemes_by_code(DIRECTORY_FACETS)
    # The matches, read once for the list and the pictures.
    found = search_ids(query) if query else None
    order = _order(request, query, found)
    ranked = ranked_search_ids(query) if order == "relevance" else None
    refinement = refine(
        containers.get("organisation"),
        matching_organisations(query) if query else None,
        selected,
        schemes,
        base_ids=found,
    )

    # Counted and paged from the bitmap index: the database reads the page's rows alone.
    def prepare(rows: QuerySet[Organisation]) -> QuerySet[Organisation]:
        return rows.select_related("municipality", "size_class")

    organisations = containers.get("organisation")
    records = (
        RecordsRanked(organisations, refinement.ids, ranked, prepare)
        if ranked is not None
        else RecordsInOrder(organisations, refinement.ids, prepare)
    )
    page: Page[Any] = Paginator(cast(Any, records), PAGE_SIZE).get_page(request.GET.get("page"))
    legal_labels(list(page))  # the page's legal forms in one query, not one per row
    context = {
        "nav": "ecosystem",
        "query": query,
        "sort": order or "name",
        "sort_links": _sort_links(request) if order else None,
        # Carried by the form (a facet ticked, the search changed) when chosen.
        "sort_asked": order if order and request.GET.get("sort") == order else None,
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
        "pictures": _pictures(request, query, selected, schemes, found)
        if page.paginator.count
        else None,
    }
    fragment = request.htmx and not request.htmx.history_restore_request
    template = "ecosystem/_directory_body.html" if fragment else "ecosystem/directory.html"
    response = render(request, template, context)
    # The same URL answers a fragment or a page: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


# Municipalities listed beside the map before "all of them".
MAP_TABLE_ROWS = 8


def _pictures(
    request: HttpRequest,
    query: str,
    selected: list[Concept],
    schemes: list[ConceptScheme],
    found: Any = None,
) -> dict[str, Any]:
    """The selection's composition (type, size, sector) and its map of organisations per
    municipality, each circle and row a link that narrows the directory to its place.

    Server-rendered markup rather than Plotly (which draws the dashboard's time series):
    these pictures are swapped with the results on every facet click, so they come in the
    same HTMX fragment, need no script to draw, and work offline under the strict CSP.
    """
    with index.pinned():  # one reading of the index for the counts and their labels
        counts = selection_counts(query, selected, [*COMPOSITION_SCHEMES, MAP_SCHEME], found)
        places = place_counts(counts)
        by_code = {scheme.code: scheme for scheme in schemes}
        shares = compositions(
            counts, [by_code[code] for code in COMPOSITION_SCHEMES if code in by_code]
        )
    link = _place_links(request)
    marks = [
        Mark(
            place.notation,
            place.count,
            link(place.code),
            _organisations_in(place.count) % {"place": place.label, "count": _figure(place.count)},
        )
        for place in places
    ]
    rows = [
        {
            "notation": place.notation,
            "label": place.label,
            "count": place.count,
            "figure": _figure(place.count),
            "href": mark.href,
        }
        for place, mark in zip(places, marks, strict=True)
    ]
    area = proportional_circles(territory.current(), marks)
    return {
        "compositions": shares,
        "places": rows,
        "top_places": rows[:MAP_TABLE_ROWS],
        "map": area,
        "map_svg": area.svg("map-heading", "map-description", number=intcomma),
    }


@lru_cache(maxsize=1024)
def _organisations_in_language(language: str, count: int) -> str:
    return ngettext(
        "%(place)s: %(count)s organisation", "%(place)s: %(count)s organisations", count
    )


def _organisations_in(count: int) -> str:
    """ "Namur: 42 organisations", to fill in: the plural rule is worked out once per count
    and language rather than for each of a few hundred circles."""
    return _organisations_in_language(get_language() or "", count)


def _figure(count: int) -> str:
    """A count as the page's language writes it (grouped thousands); a few hundred per page,
    so the common small ones skip the formatting machinery."""
    return str(count) if count < 1000 else intcomma(count)


def _place_links(request: HttpRequest) -> Callable[[str], str]:
    """The directory's address with a given place as its only one: the search and the other
    concepts stay. Places are alternatives (any of them), so ticking one more would widen
    the selection; a circle narrows it to its municipality instead."""
    kept = [
        (key, value)
        for key, values in request.GET.lists()
        if key != "page"
        for value in values
        if not (key == "c" and value.startswith(f"{MAP_SCHEME}:"))
    ]
    prefix = f"{reverse('ecosystem:directory')}?{urlencode(kept)}{'&' if kept else ''}"
    return lambda code: f"{prefix}c={quote_plus(code)}"


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
    legal_labels([org])
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


# Above this many matches a search lists by name unless relevance is asked for: ranking
# them all costs the database about 5 µs each (FTS5's bm25 on SQLite: 220 ms for the
# 39,000 organisations of a common word among two million), and the first pages of so
# many are as good by name.
RANKED_AT_MOST = 10_000


def _order(request: HttpRequest, query: str, found: BitMap | None) -> str | None:
    """How a search lists its matches, "relevance" or "name"; None without a search that
    can rank (no word of three letters or more): name order, and no choice."""
    if found is None or not any(len(word) >= 3 for word in normalise_for_search(query).split()):
        return None
    asked = request.GET.get("sort")
    if asked in ("relevance", "name"):
        return asked
    return "relevance" if len(found) <= RANKED_AT_MOST else "name"


def _sort_links(request: HttpRequest) -> dict[str, str]:
    """The directory's address in each order, from the first page."""
    links = {}
    for order in ("relevance", "name"):
        params = request.GET.copy()
        params.pop("page", None)
        params["sort"] = order
        links[order] = f"{reverse('ecosystem:directory')}?{params.urlencode()}"
    return links


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
