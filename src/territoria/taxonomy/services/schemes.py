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
                labels={lang: (raw.get(f"label_{lang}") or "").strip() for lang in LABEL_LANGUAGES},
                definition=(raw.get("definition") or "").strip(),
                where=_("line %d") % line_number,
            )
        )
    return _apply(scheme, rows, source)


def export_scheme_csv(scheme: ConceptScheme, stream: "SupportsWrite[str]") -> None:
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for concept in _ordered_concepts(scheme):
        writer.writerow(
            [
                concept.notation,
                concept.parent.notation if concept.parent else "",
                concept.label_fr,
                concept.label_nl,
                concept.label_de,
                concept.label_en,
                concept.definition,
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


def _apply(scheme: ConceptScheme, rows: list[ConceptRow], source: str) -> ImportReport:
    problems = _check(rows)
    if problems:
        raise SchemeImportError(source, problems)
    with transaction.atomic():
        if scheme.pk is None or not scheme.title_fr:
            scheme.title_fr = scheme.title_fr or scheme.code
            scheme.save()
        existing = {c.notation: c for c in scheme.concepts.all()}
        created = updated = 0
        by_notation: dict[str, Concept] = {}
        for position, row in enumerate(rows):
            concept = existing.get(row.notation) or Concept(scheme=scheme, notation=row.notation)
            is_new = concept.pk is None
            for lang in LABEL_LANGUAGES:
                setattr(concept, f"label_{lang}", row.labels.get(lang, ""))
            concept.definition = row.definition
            concept.position = position
            concept.parent = None
            concept.save()
            by_notation[row.notation] = concept
            created += is_new
            updated += not is_new
        for row in rows:
            if row.parent:
                concept = by_notation[row.notation]
                concept.parent = by_notation[row.parent]
                concept.save(update_fields=["parent"])
        rebuild_closure(scheme)
    return ImportReport(scheme=scheme, created=created, updated=updated)


def _check(rows: list[ConceptRow]) -> list[str]:
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
        if not any(row.labels.values()):
            problems.append(_("%s, field label_fr: no label in any language") % row.where)
    parents = {row.notation: row.parent for row in rows}
    for row in rows:
        if row.parent and row.parent not in parents:
            problems.append(
                _("%(where)s, field parent: unknown concept %(value)r")
                % {"where": row.where, "value": row.parent}
            )
    for row in rows:
        # At most MAX_DEPTH steps up: a hierarchy deeper than that is refused, which bounds
        # the closure's rows, the pages' trees and this check alike.
        ancestor, steps = row.parent, 1
        while ancestor and steps < MAX_DEPTH:
            if ancestor == row.notation:
                problems.append(
                    _("%(where)s, field parent: %(value)r is its own ancestor")
                    % {"where": row.where, "value": row.notation}
                )
                break
            ancestor, steps = parents.get(ancestor, ""), steps + 1
        else:
            if ancestor:
                problems.append(
                    _("%(where)s, field parent: %(value)r is more than %(max)d levels deep")
                    % {"where": row.where, "value": row.notation, "max": MAX_DEPTH}
                )
    return problems
