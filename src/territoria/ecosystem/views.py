"""Public pages of the ecosystem: home, directory with facets, organisation, events, publications."""

import json
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from territoria.core.http import HtmxHttpRequest
from territoria.ecosystem.models import Event, Membership, Organisation, Publication
from territoria.ecosystem.services import search_organisations
from territoria.taxonomy import containers
from territoria.taxonomy.expressions import to_json
from territoria.taxonomy.models import Concept, ConceptScheme, Magnet
from territoria.taxonomy.services import concepts_by_code, refine, schemes_by_code, tags_of

PAGE_SIZE = 20
# The schemes the directory offers as facets, in this order.
DIRECTORY_FACETS = ["org-type", "technology", "label", "nace", "size", "territory"]


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "ecosystem/home.html",
        {
            "organisations": Organisation.objects.count(),
            "events": Event.objects.count(),
            "publications": Publication.objects.count(),
            "magnets": Magnet.objects.filter(is_public=True)[:6],
        },
    )


def directory(request: HtmxHttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    codes = request.GET.getlist("c")[:40]
    found = concepts_by_code(codes)
    selected = [found[code] for code in dict.fromkeys(codes) if code in found]
    unknown = [code for code in codes if code not in found]
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
    }
    fragment = request.htmx and not request.htmx.history_restore_request
    template = "ecosystem/_directory_body.html" if fragment else "ecosystem/directory.html"
    response = render(request, template, context)
    # The same URL answers a fragment or a page: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


def organisation(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_object_or_404(
        Organisation.objects.select_related("municipality", "size_class"), pk=pk
    )
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
        },
    )


def events(request: HttpRequest) -> HttpResponse:
    items = Event.objects.select_related("event_type", "organiser").prefetch_related(
        Prefetch("participants", queryset=Organisation.objects.only("pk", "name"))
    )
    return _typed_list(request, items, "event-type", "event_type", "events", _("Events"))


def publications(request: HttpRequest) -> HttpResponse:
    items = Publication.objects.select_related("publication_type").prefetch_related(
        Prefetch("organisations", queryset=Organisation.objects.only("pk", "name"))
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
