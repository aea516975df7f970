"""Import and export of concept schemes as CSV and as SKOS Turtle.

Both imports check the whole file first and write nothing if any part is wrong;
errors say where (line and field for CSV, concept URI for Turtle).
"""

import csv
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from rdflib import RDF, SKOS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS
from rdflib.term import Node

from territoria.core.bulk import insert_rows, update_rows
from territoria.core.http import from_spreadsheet_text, spreadsheet_text
from territoria.taxonomy import index
from territoria.taxonomy.models import MAX_DEPTH, Concept, ConceptScheme, notation_validator
from territoria.taxonomy.services.tagging import rebuild_closure

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

CSV_COLUMNS = ["notation", "parent", "label_fr", "label_nl", "label_de", "label_en", "definition"]
LABEL_LANGUAGES = ["fr", "nl", "de", "en"]


class SchemeImportError(ValueError):
    """The file cannot be imported; `problems` lists every wrong place, nothing was written."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        shown = "\n".join(f"  {problem}" for problem in problems[:50])
        more = len(problems) - 50
        tail = f"\n  … {more} more" if more > 0 else ""
        super().__init__(f"{source}: {len(problems)} problem(s)\n{shown}{tail}")


@dataclass
class ConceptRow:
    notation: str
    parent: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    definition: str = ""
    where: str = ""


@dataclass
class ImportReport:
    scheme: ConceptScheme
    created: int
    updated: int


def import_scheme_csv(scheme: ConceptScheme, stream: IO[str], source: str = "CSV") -> ImportReport:
    """Create or update the scheme's concepts from a CSV with the columns of CSV_COLUMNS."""
    reader = csv.DictReader(stream)
    missing = [c for c in ("notation", "parent", "label_fr") if c not in (reader.fieldnames or [])]
    if missing:
        raise SchemeImportError(source, [_("line 1: missing column(s) %s") % ", ".join(missing)])
    rows = []
    for line_number, raw in enumerate(reader, start=2):
        if None in raw:
            raise SchemeImportError(source, [_("line %d: more values than columns") % line_number])
        rows.append(
            ConceptRow(
                notation=(raw.get("notation") or "").strip(),
                parent=(raw.get("parent") or "").strip(),
                labels={lang: _cell(raw, f"label_{lang}") for lang in LABEL_LANGUAGES},
                definition=_cell(raw, "definition"),
                where=_("line %d") % line_number,
            )
        )
    return _apply(scheme, rows, source)


def _cell(raw: dict[str, str | None], column: str) -> str:
    """A text cell, as exported (a formula-like text comes back without its apostrophe)."""
    return from_spreadsheet_text((raw.get(column) or "").strip())


def export_scheme_csv(scheme: ConceptScheme, stream: "SupportsWrite[str]") -> None:
    """The scheme as CSV, for spreadsheets as much as for re-import: a text that a spreadsheet
    would run as a formula gets a leading apostrophe, which the import removes again."""
    # CRLF line ends (RFC 4180): with LF ends, Python leaves a field holding a bare CR
    # unquoted, and the row would split there.
    writer = csv.writer(stream)
    writer.writerow(CSV_COLUMNS)
    for concept in _ordered_concepts(scheme):
        writer.writerow(
            [
                concept.notation,
                concept.parent.notation if concept.parent else "",
                *(spreadsheet_text(getattr(concept, name)) for name in TEXT_FIELDS),
            ]
        )


def _ordered_concepts(scheme: ConceptScheme) -> list[Concept]:
    """Concepts with each parent before its children, siblings in their own order."""
    concepts = list(scheme.concepts.select_related("parent").order_by("position", "notation"))
    children: dict[int | None, list[Concept]] = {}
    for concept in concepts:
        children.setdefault(concept.parent_id, []).append(concept)
    ordered: list[Concept] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        concept = stack.pop()
        ordered.append(concept)
        stack.extend(reversed(children.get(concept.pk, [])))
    return ordered


def scheme_uri(scheme: ConceptScheme) -> URIRef:
    return URIRef(f"{settings.CONCEPT_URI_BASE}{scheme.code}")


def export_scheme_turtle(scheme: ConceptScheme) -> str:
    """The scheme as a SKOS concept scheme in Turtle."""
    graph = Graph()
    graph.bind("skos", SKOS)
    graph.bind("dct", DCTERMS)
    base = Namespace(f"{scheme_uri(scheme)}/")
    scheme_node = scheme_uri(scheme)
    graph.add((scheme_node, RDF.type, SKOS.ConceptScheme))
    graph.add((scheme_node, SKOS.notation, Literal(scheme.code)))
    graph.add((scheme_node, DCTERMS.type, Literal(scheme.kind)))
    for lang in LABEL_LANGUAGES:
        title = getattr(scheme, f"title_{lang}")
        if title:
            graph.add((scheme_node, DCTERMS.title, Literal(title, lang=lang)))
    if scheme.description:
        graph.add((scheme_node, DCTERMS.description, Literal(scheme.description, lang="fr")))
    for concept in _ordered_concepts(scheme):
        node = base[concept.notation]
        graph.add((node, RDF.type, SKOS.Concept))
        graph.add((node, SKOS.inScheme, scheme_node))
        graph.add((node, SKOS.notation, Literal(concept.notation)))
        for lang in LABEL_LANGUAGES:
            label = getattr(concept, f"label_{lang}")
            if label:
                graph.add((node, SKOS.prefLabel, Literal(label, lang=lang)))
        if concept.definition:
            graph.add((node, SKOS.definition, Literal(concept.definition, lang="fr")))
        if concept.parent:
            graph.add((node, SKOS.broader, base[concept.parent.notation]))
        else:
            graph.add((node, SKOS.topConceptOf, scheme_node))
            graph.add((scheme_node, SKOS.hasTopConcept, node))
    return graph.serialize(format="turtle")


def import_scheme_turtle(scheme: ConceptScheme, text: str, source: str = "Turtle") -> ImportReport:
    """Create or update the scheme's concepts from SKOS Turtle (one skos:ConceptScheme)."""
    graph = Graph()
    try:
        graph.parse(data=text, format="turtle")
    except Exception as exc:  # rdflib raises many parser exception types
        raise SchemeImportError(source, [_("not valid Turtle: %s") % exc]) from None
    schemes = list(graph.subjects(RDF.type, SKOS.ConceptScheme))
    if len(schemes) > 1:
        raise SchemeImportError(
            source, [_("the file holds %d concept schemes; expected one") % len(schemes)]
        )
    notation_of: dict[Node, str] = {}
    rows = []
    # rdflib types subjects as Node, which has no order; in Turtle they are URIRef or BNode, which do.
    anonymous = 0
    for node in sorted(graph.subjects(RDF.type, SKOS.Concept)):  # type: ignore[type-var]
        found = graph.value(node, SKOS.notation)
        if found is not None:
            notation_of[node] = str(found)
        elif isinstance(node, URIRef):
            notation_of[node] = str(node).rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        else:
            anonymous += 1  # a blank node's id is random: there is nothing stable to key it by
    if anonymous:
        raise SchemeImportError(
            source, [_("%d concept(s) have neither an IRI nor a skos:notation") % anonymous]
        )
    for node, notation in notation_of.items():
        labels = {lang: "" for lang in LABEL_LANGUAGES}
        for label in graph.objects(node, SKOS.prefLabel):
            lang = getattr(label, "language", None) or "fr"
            if lang[:2] in labels:
                labels[lang[:2]] = str(label)
        broader = graph.value(node, SKOS.broader)
        parent = ""
        if broader is not None:
            parent = notation_of.get(broader, f"<{broader}>")
        definition = graph.value(node, SKOS.definition)
        rows.append(
            ConceptRow(
                notation=notation,
                parent=parent,
                labels=labels,
                definition=str(definition or ""),
                where=f"<{node}>",
            )
        )
    if schemes and not scheme.title_fr:
        for title in graph.objects(schemes[0], DCTERMS.title):
            lang = (getattr(title, "language", None) or "fr")[:2]
            if lang in LABEL_LANGUAGES:
                setattr(scheme, f"title_{lang}", str(title))
    return _apply(scheme, rows, source)


TEXT_FIELDS = [*(f"label_{lang}" for lang in LABEL_LANGUAGES), "definition"]


def apply_concept_rows(scheme: ConceptScheme, rows: list[ConceptRow], source: str) -> ImportReport:
    """Create or update the scheme's concepts from rows another importer built (the KBO's
    NACE codes): the same checks and the same single transaction as a file's."""
    return _apply(scheme, rows, source)


def _apply(scheme: ConceptScheme, rows: list[ConceptRow], source: str) -> ImportReport:
    """Write checked rows in one transaction: new concepts in bulk, existing ones only where
    a field changed, so that the write lock is held briefly and a re-import writes nothing."""
    problems = _check(rows, _left_out(scheme, rows))
    if problems:
        raise SchemeImportError(source, problems)
    with transaction.atomic():
        if scheme.pk is None or not scheme.title_fr:
            scheme.title_fr = scheme.title_fr or scheme.code
            scheme.save()
        existing = {c.notation: c for c in scheme.concepts.all()}
        new = [(position, row) for position, row in enumerate(rows) if row.notation not in existing]
        _insert_concepts(scheme, new)
        by_notation = {c.notation: c for c in scheme.concepts.all()} if new else existing
        changed = _changed_concepts(rows, by_notation)
        _update_concepts(changed)
        if new or changed:  # labels and codes are in every process's catalogue
            index.bump()
        rebuild_closure(scheme)
    created = len(new)
    return ImportReport(scheme=scheme, created=created, updated=len(rows) - created)


UPDATED_FIELDS = [*TEXT_FIELDS, "position", "parent_id"]


def _insert_concepts(scheme: ConceptScheme, rows: list[tuple[int, ConceptRow]]) -> None:
    """The new concepts, with their labels but no parent yet (their parent may be new too)."""
    values = [[scheme.pk, row.notation, *_texts(row), position] for position, row in rows]
    insert_rows(Concept, ["scheme", "notation", *TEXT_FIELDS, "position"], values)


def _texts(row: ConceptRow) -> list[str]:
    """The row's values for TEXT_FIELDS."""
    return [*(row.labels.get(lang, "") for lang in LABEL_LANGUAGES), row.definition]


def _update_concepts(concepts: list[Concept]) -> None:
    values = [[*(getattr(c, name) for name in UPDATED_FIELDS), c.pk] for c in concepts]
    update_rows(Concept, [*TEXT_FIELDS, "position", "parent"], values)  # parent: parent_id


def _changed_concepts(rows: list[ConceptRow], by_notation: dict[str, Concept]) -> list[Concept]:
    """The concepts whose labels, definition, position or parent the rows change."""
    changed = []
    for position, row in enumerate(rows):
        concept = by_notation[row.notation]
        wanted: dict[str, object] = dict(zip(TEXT_FIELDS, _texts(row), strict=True))
        wanted["position"] = position
        wanted["parent_id"] = by_notation[row.parent].pk if row.parent else None
        if any(getattr(concept, name) != value for name, value in wanted.items()):
            for name, value in wanted.items():
                setattr(concept, name, value)
            changed.append(concept)
    return changed


def _too_long(row: ConceptRow) -> list[str]:
    """The row's values longer than their column holds (PostgreSQL would refuse them)."""
    limits = {"notation": (row.notation, 40)}
    limits |= {f"label_{lang}": (row.labels.get(lang, ""), 200) for lang in LABEL_LANGUAGES}
    return [
        _("%(where)s, field %(field)s: %(length)d characters, at most %(max)d")
        % {"where": row.where, "field": name, "length": len(value), "max": limit}
        for name, (value, limit) in limits.items()
        if len(value) > limit
    ]


def _unstorable(row: ConceptRow) -> list[str]:
    """The row's texts holding a NUL, which PostgreSQL cannot store (Turtle escapes it as
    \\u0000; the upload refuses the byte itself)."""
    texts = dict(zip(TEXT_FIELDS, _texts(row), strict=True))
    return [
        _("%(where)s, field %(field)s: a character that cannot be stored (NUL)")
        % {"where": row.where, "field": name}
        for name, value in texts.items()
        if "\x00" in value
    ]


def _left_out(scheme: ConceptScheme, rows: list[ConceptRow]) -> dict[str, str]:
    """The scheme's concepts the file leaves out, which stay under their parent: notation →
    the parent's notation ("" at the top)."""
    if scheme.pk is None:
        return {}
    listed = {row.notation for row in rows}
    pairs = scheme.concepts.values_list("notation", "parent__notation")
    return {notation: parent or "" for notation, parent in pairs if notation not in listed}


def _check(rows: list[ConceptRow], left_out: dict[str, str]) -> list[str]:
    problems = []
    seen: dict[str, str] = {}
    for row in rows:
        if not row.notation:
            problems.append(_("%s, field notation: empty") % row.where)
            continue
        try:
            notation_validator(row.notation)
        except Exception:
            problems.append(
                _("%(where)s, field notation: %(value)r is not a valid notation")
                % {"where": row.where, "value": row.notation}
            )
        if row.notation in seen:
            problems.append(
                _("%(where)s, field notation: %(value)r already used at %(first)s")
                % {"where": row.where, "value": row.notation, "first": seen[row.notation]}
            )
        seen.setdefault(row.notation, row.where)
        problems.extend(_too_long(row))
        problems.extend(_unstorable(row))
        if not any(row.labels.values()):
            problems.append(_("%s, field label_fr: no label in any language") % row.where)
    parents = {row.notation: row.parent for row in rows}
    for row in rows:
        if row.parent and row.parent not in parents:
            problems.append(
                _("%(where)s, field parent: unknown concept %(value)r")
                % {"where": row.where, "value": row.parent}
            )
    # The concepts left out stay under their parent, which the file may move down.
    parents = {**left_out, **parents}
    kept = _("in the scheme, not in the file")
    placed = [(row.where, row.notation, row.parent) for row in rows]
    for where, notation, parent in [*placed, *((kept, n, p) for n, p in left_out.items())]:
        # At most MAX_DEPTH steps up: a hierarchy deeper than that is refused, which bounds
        # the closure's rows, the pages' trees and this check alike.
        ancestor, steps = parent, 1
        while ancestor and steps < MAX_DEPTH:
            if ancestor == notation:
                problems.append(
                    _("%(where)s, field parent: %(value)r is its own ancestor")
                    % {"where": where, "value": notation}
                )
                break
            ancestor, steps = parents.get(ancestor, ""), steps + 1
        else:
            if ancestor:
                problems.append(
                    _("%(where)s, field parent: %(value)r is more than %(max)d levels deep")
                    % {"where": where, "value": notation, "max": MAX_DEPTH}
                )
    return problems
