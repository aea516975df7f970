"""Pages of the taxonomy app: concept schemes, the magnet builder, magnet results and exports."""

import csv
import json
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from territoria.core.http import AuthenticatedHttpRequest, Echo, HtmxHttpRequest, spreadsheet_text
from territoria.core.i18n import localized_value, translated
from territoria.core.permissions import staff_required
from territoria.core.views import error_page
from territoria.taxonomy import builder, containers, index
from territoria.taxonomy.engine import engine
from territoria.taxonomy.expressions import ExpressionError, parse
from territoria.taxonomy.models import (
    DEFAULT_CONTAINER,
    Concept,
    ConceptScheme,
    Magnet,
    SchemeImport,
)
from territoria.taxonomy.services import (
    describe_records,
    export_scheme_csv,
    export_scheme_turtle,
    flatten,
    refine,
    save_magnet,
    visible_magnets,
)
from territoria.taxonomy.services.imports import MAX_FILE_BYTES, queue_scheme_import

PAGE_SIZE = 25


@require_GET
def magnet_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "taxonomy/magnet_list.html",
        {
            "nav": "magnets",
            "magnets": visible_magnets(request.user),
        },
    )


@require_GET
def magnet_detail(request: HttpRequest, slug: str) -> HttpResponse:
    magnet = get_object_or_404(visible_magnets(request.user), slug=slug)
    container = containers.get(magnet.container)
    try:
        records = engine.select(container, parse(magnet.expression))
    except ExpressionError as exc:
        return _outdated_magnet(request, magnet, exc)
    schemes = list(ConceptScheme.objects.all())
    refinement = refine(container, records, [], schemes, expand_all=True)
    ordering = container.model._meta.ordering or ["pk"]
    listing = (
        records.order_by(*ordering)
        .select_related(*container.related)
        .defer(*container.heavy_fields)
    )
    page = Paginator(listing, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "taxonomy/magnet_detail.html",
        {
            "nav": "magnets",
            "magnet": magnet,
            "container": container,
            "page": page,
            "rows": _with_labels(describe_records(container, list(page))),
            "facets": [(facet.scheme, flatten(facet.values)) for facet in refinement.facets],
            "expression_text": json.dumps(magnet.expression, indent=2, ensure_ascii=False),
            "page_query": "",
        },
    )


def _with_labels(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows for people: each concept code shown with its label in the page's language."""
    catalog = index.catalog()
    for row in rows:
        row["concept_labels"] = [
            localized_value(catalog.rows[catalog.ids_by_code[code]], "label")
            for code in row["concepts"]
        ]
    return rows


def _outdated_magnet(request: HttpRequest, magnet: Magnet, error: ExpressionError) -> HttpResponse:
    # A concept the magnet names was renamed or removed since it was saved.
    message = _("This magnet can no longer be evaluated (%(error)s). Staff can edit it.") % {
        "error": error
    }
    return error_page(request, 409, translated(magnet, "name").text, message)


@require_GET
def magnet_export(request: HttpRequest, slug: str) -> HttpResponse | StreamingHttpResponse:
    """The magnet's records as CSV, streamed so that large results use flat memory."""
    magnet = get_object_or_404(visible_magnets(request.user), slug=slug)
    container = containers.get(magnet.container)
    try:
        records = engine.select(container, parse(magnet.expression))
        records = (
            records.order_by("pk").select_related(*container.related).defer(*container.heavy_fields)
        )
    except ExpressionError as exc:
        return _outdated_magnet(request, magnet, exc)
    response = StreamingHttpResponse(
        _csv_rows(container, records), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{magnet.slug}.csv"'
    return response


def _csv_rows(container: containers.Container, records: Any) -> Iterator[str]:
    # CRLF line ends (RFC 4180): with LF ends, Python leaves a field holding a bare CR
    # unquoted, and the row would split there.
    writer = csv.writer(Echo())
    columns = [*container.csv_columns, "concepts"]
    yield "\ufeff" + writer.writerow(columns)
    batch: list[Any] = []
    for record in records.iterator(chunk_size=1000):
        batch.append(record)
        if len(batch) == 1000:
            yield from _csv_batch(writer, container, batch, columns)
            batch = []
    yield from _csv_batch(writer, container, batch, columns)


def _csv_batch(
    writer: Any, container: containers.Container, batch: list[Any], columns: list[str]
) -> Iterator[str]:
    for row in describe_records(container, batch):
        row["concepts"] = " | ".join(row["concepts"])
        # Opened by spreadsheets (it starts with a BOM for them): no cell runs as a formula.
        yield writer.writerow(
            [
                spreadsheet_text(str(row[column])) if row.get(column) is not None else ""
                for column in columns
            ]
        )


# The builder's fields as the page names them (id of the control, label), for its errors.
MAGNET_FIELDS = {
    "name": ("id_name", gettext_lazy("Name")),
    "slug": ("id_slug", capfirst(Magnet._meta.get_field("slug").verbose_name)),
    "description": ("id_description", gettext_lazy("Description")),
    "container": ("id_container", gettext_lazy("Records to select")),
    "expression": ("concept-root", gettext_lazy("Expression")),
}


@staff_required
@require_http_methods(["GET", "POST"])
def magnet_edit(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    """The query builder: staff combine concepts, see the count live, and save the magnet."""
    magnet = get_object_or_404(Magnet, slug=slug) if slug else None
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            tree = builder.load(request.POST.get("tree", ""))
        except builder.BuilderError as exc:
            tree, errors["expression"] = builder.empty_tree(), str(exc)
        values: dict[str, Any] = {
            key: request.POST.get(key, "").strip()
            for key in ("name", "slug", "description", "container")
        }
        values["is_public"] = request.POST.get("is_public") == "on"
        if not errors:
            try:
                saved = save_magnet(
                    magnet, actor=request.user, expression=builder.to_expression(tree), **values
                )
            except ValidationError as exc:
                errors = {field: " ".join(msgs) for field, msgs in exc.message_dict.items()}
            else:
                messages.success(request, _("Magnet saved."))
                return redirect(saved)
        status = 400
    else:
        status = 200
        initial = magnet.expression if magnet else _expression_from_query(request)
        tree = builder.from_expression(initial) if initial else builder.empty_tree()
        values = {
            "name": magnet.name if magnet else "",
            "slug": magnet.slug if magnet else "",
            "description": magnet.description if magnet else "",
            "container": magnet.container
            if magnet
            else request.GET.get("container", "organisation"),
            "is_public": magnet.is_public if magnet else False,
        }
    return render(
        request,
        "taxonomy/magnet_edit.html",
        {
            "nav": "magnets",
            "magnet": magnet,
            "values": values,
            "errors": errors,
            "error_summary": [
                (MAGNET_FIELDS[field][0], f"{MAGNET_FIELDS[field][1]} — {message}")
                for field, message in errors.items()
                if field in MAGNET_FIELDS
            ],
            "containers": containers.all_containers(),
            **_builder_context(tree, values["container"]),
        },
        status=status,
    )


@staff_required
@require_POST
def magnet_builder(request: HttpRequest) -> HttpResponse:
    """One builder operation (HTMX): answers the redrawn builder with the live count."""
    problem = ""
    container_code = request.POST.get("container", "organisation")
    try:
        tree = builder.load(request.POST.get("tree", ""))
        operation = request.POST.get("op", "")
        if operation:
            path = request.POST.get("path", "")
            builder.apply(tree, operation, path, request.POST.get(f"concept-{path}", ""))
    except builder.BuilderError as exc:
        problem = str(exc)
        try:
            tree = builder.load(request.POST.get("tree", ""))
        except builder.BuilderError:
            tree = builder.empty_tree()
    context = _builder_context(tree, container_code)
    context["problem"] = problem or context["problem"]
    return render(request, "taxonomy/_builder.html", context)


def _builder_context(tree: builder.Node, container_code: str) -> dict[str, Any]:
    expression = builder.to_expression(tree)
    count, problem = None, ""
    try:
        container = containers.get(container_code)
        count = engine.count(container, parse(expression) if expression else None)
    except (ExpressionError, containers.UnknownContainer) as exc:
        problem = str(exc)
    catalog = index.catalog()
    titles = {s.code: s.title for s in ConceptScheme.objects.all()}
    return {
        "tree": builder.with_paths(tree, _concept_labels(catalog, titles)),
        "tree_json": json.dumps(tree),
        "expression_text": json.dumps(expression, ensure_ascii=False) if expression else "",
        "count": count,
        "problem": problem,
        "concept_groups": _concept_groups(catalog, titles),
    }


def _concept_labels(catalog: index.Catalog, titles: dict[str, str]) -> dict[str, str]:
    """Code → "label (scheme)", in the page's language: what people read instead of codes."""
    return {
        catalog.code(pk): f"{localized_value(row, 'label')} ({titles.get(row['scheme__code'], '')})"
        for pk, row in catalog.rows.items()
    }


def _concept_groups(
    catalog: index.Catalog, titles: dict[str, str]
) -> list[tuple[str, list[tuple[str, str]]]]:
    """The concepts to choose from, by scheme, each under its broader concept (indented)."""
    depths: dict[int, int] = {}

    def depth(pk: int) -> int:
        if pk not in depths:
            parent = catalog.rows[pk]["parent_id"]
            depths[pk] = 0 if parent is None or parent not in catalog.rows else depth(parent) + 1
        return depths[pk]

    groups: dict[str, list[tuple[str, str]]] = {}
    for pk, row in catalog.rows.items():
        label = "\u00a0\u00a0" * depth(pk) + localized_value(row, "label")
        groups.setdefault(row["scheme__code"], []).append((catalog.code(pk), label))
    return [(titles.get(code, code), options) for code, options in groups.items()]


def _expression_from_query(request: HttpRequest) -> Any:
    raw = request.GET.get("expression", "")
    try:
        expression = json.loads(raw) if raw else None
        if expression is not None:
            parse(expression)
        return expression
    except (json.JSONDecodeError, RecursionError, ExpressionError):
        messages.error(
            request, _("The expression in the link could not be read; start from an empty one.")
        )
        return None


@require_GET
def scheme_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "taxonomy/scheme_list.html",
        {
            "nav": "schemes",
            "schemes": ConceptScheme.objects.all(),
        },
    )


@require_GET
def scheme_detail(request: HttpRequest, code: str) -> HttpResponse:
    scheme = get_object_or_404(ConceptScheme, code=code)
    concepts = list(scheme.concepts.select_related("scheme").order_by("position", "notation"))
    children: dict[int | None, list[Concept]] = {}
    for concept in concepts:
        children.setdefault(concept.parent_id, []).append(concept)
    ordered: list[tuple[Concept, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for concept in children.get(parent, []):
            ordered.append((concept, depth))
            walk(concept.pk, depth + 1)

    walk(None, 0)
    browse = containers.get(DEFAULT_CONTAINER).browse_url
    return render(
        request,
        "taxonomy/scheme_detail.html",
        {
            "nav": "schemes",
            "scheme": scheme,
            "concepts": [(c, depth, browse(c.code) if browse else "") for c, depth in ordered],
        },
    )


@require_GET
def scheme_export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    scheme = get_object_or_404(ConceptScheme, code=code)
    if fmt == "ttl":
        response = HttpResponse(
            export_scheme_turtle(scheme), content_type="text/turtle; charset=utf-8"
        )
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        export_scheme_csv(scheme, response)
    response["Content-Disposition"] = f'attachment; filename="{scheme.code}.{fmt}"'
    return response


@staff_required
@require_http_methods(["GET", "POST"])
def scheme_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Staff upload a CSV or SKOS Turtle file; the worker imports it (see the status page)."""
    errors: dict[str, str] = {}
    values = {"scheme_code": request.GET.get("scheme", ""), "scheme_title": ""}
    if request.method == "POST":
        values = {key: request.POST.get(key, "").strip() for key in values}
        upload = request.FILES.get("file")
        if upload is None:
            errors["file"] = _("Choose a file.")
        else:
            try:
                queued = queue_scheme_import(
                    actor=request.user,
                    file_name=upload.name or "",
                    data=upload.read(MAX_FILE_BYTES + 1),
                    **values,
                )
            except ValidationError as exc:
                errors = {field: " ".join(msgs) for field, msgs in exc.message_dict.items()}
            else:
                return redirect("taxonomy:scheme-import-status", queued.pk)
    return render(
        request,
        "taxonomy/scheme_import.html",
        {
            "nav": "schemes",
            "values": values,
            "errors": errors,
            "recent": SchemeImport.objects.all()[:10],
        },
        status=400 if errors else 200,
    )


@staff_required
@require_GET
def scheme_import_status(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Where an upload stands; the page polls (HTMX) until the worker has finished."""
    upload = get_object_or_404(SchemeImport, pk=pk)
    template = (
        "taxonomy/_import_status.html" if request.htmx else "taxonomy/scheme_import_status.html"
    )
    return render(request, template, {"nav": "schemes", "upload": upload})
