"""Faceted refinement and magnet evaluation, on top of the magnet engine."""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from pyroaring import BitMap

from territoria.core.i18n import localized_value
from territoria.taxonomy import containers, index
from territoria.taxonomy.engine import MagnetEngine, engine
from territoria.taxonomy.expressions import All, AnyOf, ConceptRef, Expression, parse
from territoria.taxonomy.models import Concept, ConceptScheme


@dataclass
class FacetValue:
    concept: Concept
    count: int
    selected: bool
    children: list[FacetValue] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.concept.code


@dataclass
class SchemeFacets:
    scheme: ConceptScheme
    values: list[FacetValue]
    selected_count: int

    @property
    def shown(self) -> list[FacetValue]:
        return self.values[: settings.FACET_LIMIT]

    @property
    def more(self) -> list[FacetValue]:
        return self.values[settings.FACET_LIMIT :]


@dataclass
class Refinement:
    facets: list[SchemeFacets]
    expression: Expression | None
    # The container's records; narrowed to `ids` when read (`records`), if `narrowed`.
    source: QuerySet[Any]
    ids: BitMap = field(default_factory=BitMap)  # the records', as the index selected them
    narrowed: bool = False
    _records: QuerySet[Any] | None = field(default=None, repr=False)

    @property
    def records(self) -> QuerySet[Any]:
        """The records as a query set. Made when first read: a list of thousands of ids
        costs Django 14 ms to take in, and the directory pages from `ids` instead."""
        if self._records is None:
            self._records = (
                self.source.filter(pk__in=list(self.ids)) if self.narrowed else self.source
            )
        return self._records

    @records.setter
    def records(self, records: QuerySet[Any]) -> None:
        self._records = records


class RecordsInOrder:
    """A selection's records in the container's order, for Django's Paginator: it counts
    with the bitmap and reads from the database the rows of the page alone."""

    def __init__(
        self,
        container: containers.Container,
        ids: BitMap,
        prepare: Callable[[QuerySet[Any]], QuerySet[Any]] = lambda records: records,
    ) -> None:
        self.container, self.ids, self.prepare = container, ids, prepare

    def count(self) -> int:
        return len(self.ids)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, part: slice) -> list[Any]:
        start = part.start or 0
        stop = len(self.ids) if part.stop is None else part.stop
        pks = self._page(start, max(stop - start, 0))
        # The ids come from the index's public records: the page's rows are read by key,
        # without the public rule's subqueries.
        rows = self.container.model._default_manager.filter(pk__in=pks)
        found = {r.pk: r for r in self.prepare(rows)}
        return [found[pk] for pk in pks if pk in found]

    def __iter__(self) -> Iterator[Any]:
        for start in range(0, len(self.ids), 500):
            yield from self[start : start + 500]

    def _page(self, offset: int, limit: int) -> list[int]:
        return index.page(self.container, self.ids, offset, limit)


class RecordsRanked(RecordsInOrder):
    """A selection's records in the order of `ranked` (a search's ids, the most relevant
    first, a superset of the selection's), for Django's Paginator."""

    def __init__(
        self,
        container: containers.Container,
        ids: BitMap,
        ranked: list[int],
        prepare: Callable[[QuerySet[Any]], QuerySet[Any]] = lambda records: records,
    ) -> None:
        super().__init__(container, ids, prepare)
        self.ranked = ranked

    def _page(self, offset: int, limit: int) -> list[int]:
        selected = (pk for pk in self.ranked if pk in self.ids)
        return list(itertools.islice(selected, offset, offset + limit))


def _scheme_groups(selected: list[Concept]) -> dict[int, AnyOf]:
    """The selected concepts as one alternative (any) per scheme, keyed by scheme id."""
    groups: dict[int, list[Concept]] = {}
    for concept in selected:
        groups.setdefault(concept.scheme_id, []).append(concept)
    return {
        scheme_id: AnyOf(tuple(ConceptRef(c.code, "") for c in concepts))
        for scheme_id, concepts in groups.items()
    }


def selection_expression(selected: list[Concept]) -> Expression | None:
    """Concepts of one scheme are alternatives (any), schemes combine (all)."""
    parts: list[Expression] = list(_scheme_groups(selected).values())
    return All(tuple(parts)) if parts else None


def refine(
    container: containers.Container,
    base: QuerySet[Any] | None,
    selected: list[Concept],
    schemes: list[ConceptScheme],
    expand_all: bool = False,
    using: MagnetEngine = engine,
    base_ids: BitMap | None = None,
) -> Refinement:
    """Narrow `base` (None: every public record) to the selected concepts; count every scheme's values.

    Concepts of one scheme are alternatives, schemes combine. The counts of a scheme
    that has selected values ignore that scheme's own selection (disjunctive facets),
    so a visitor sees how many records each alternative would add. `using` is the
    engine: the bitmap index by default, SQL for records outside the public index.
    """
    with index.pinned():
        return _refine(container, base, selected, schemes, expand_all, using, base_ids)


def _refine(
    container: containers.Container,
    base: QuerySet[Any] | None,
    selected: list[Concept],
    schemes: list[ConceptScheme],
    expand_all: bool,
    using: MagnetEngine,
    narrowing: BitMap | None = None,
) -> Refinement:
    # The public records, narrowed to `base` (which need not apply the public rule again:
    # the index already did, and its rows are costly to filter at two million).
    base_ids = using.matching(container, None)
    if narrowing is not None:  # the ids of `base`, which the caller has already
        base_ids &= narrowing
    elif base is not None:
        base_ids &= index.ids_of(base)
    groups = _scheme_groups(selected)
    group_ids = {scheme_id: using.matching(container, group) for scheme_id, group in groups.items()}

    def narrowed(skip: int | None) -> BitMap:
        ids = BitMap(base_ids)
        for scheme_id, bitmap in group_ids.items():
            if scheme_id != skip:
                ids &= bitmap
        return ids

    matching = narrowed(None)
    tree = concept_tree(schemes)
    # The counts the trees show: the top of each scheme and below the selected concepts'
    # path (NACE's thousands of classes otherwise), or everything when all is expanded.
    shown = None if expand_all else _shown_parents(tree, selected)
    counts = using.facet_counts_of(
        container, matching, [s.code for s in schemes if s.pk not in groups], shown
    )
    for scheme in schemes:
        if scheme.pk in groups:
            counts.update(
                using.facet_counts_of(container, narrowed(scheme.pk), [scheme.code], shown)
            )
    facets = _facet_trees(schemes, tree, counts, {c.pk for c in selected}, expand_all)
    return Refinement(
        facets=facets,
        expression=selection_expression(selected),
        ids=matching,
        source=container.queryset(),
        narrowed=bool(selected) or base is not None,
    )


def _shown_parents(tree: ConceptTree, selected: list[Concept]) -> set[int]:
    """The concepts whose children a collapsed facet tree shows: the selected ones and their
    ancestors, and a scheme's single top concept (the region, whose children are shown)."""
    shown: set[int] = set()
    for concept in selected:
        node: Concept | None = tree.by_id.get(concept.pk)
        while node is not None and node.pk not in shown:
            shown.add(node.pk)
            node = tree.by_id.get(node.parent_id) if node.parent_id else None
    shown.update(ids[0] for ids in tree.roots.values() if len(ids) == 1)
    return shown


@dataclass(frozen=True)
class ConceptTree:
    """Concepts of some schemes with their links, shared read-only by every request."""

    concepts: list[Concept]
    by_id: dict[int, Concept]
    children: dict[int | None, list[Concept]]
    roots: dict[int, list[int]]  # scheme id → its top concepts' ids

    @classmethod
    def of(cls, concepts: list[Concept]) -> ConceptTree:
        children: dict[int | None, list[Concept]] = {}
        roots: dict[int, list[int]] = {}
        for concept in concepts:
            children.setdefault(concept.parent_id, []).append(concept)
            if concept.parent_id is None:
                roots.setdefault(concept.scheme_id, []).append(concept.pk)
        return cls(concepts, {c.pk: c for c in concepts}, children, roots)


_concepts: OrderedDict[tuple[str, tuple[int, ...]], ConceptTree] = OrderedDict()
_concepts_lock = threading.Lock()


def concept_tree(schemes: list[ConceptScheme]) -> ConceptTree:
    """Every concept of these schemes and their links, read once per version of the
    concepts (the index token changes with any of them) and shared: read-only."""
    key = (index.current_token(), tuple(scheme.pk for scheme in schemes))
    with _concepts_lock:
        found = _concepts.get(key)
        if found is not None:
            _concepts.move_to_end(key)
            return found
    found = ConceptTree.of(
        list(Concept.objects.filter(scheme__in=schemes).select_related("scheme"))
    )
    with _concepts_lock:
        _concepts[key] = found
        while len(_concepts) > 16:
            _concepts.popitem(last=False)
    return found


def flatten(values: list[FacetValue], depth: int = 0) -> list[tuple[FacetValue, int]]:
    """A facet tree as rows with their depth, for tables."""
    rows = []
    for value in values:
        rows.append((value, depth))
        rows.extend(flatten(value.children, depth + 1))
    return rows


def _facet_trees(
    schemes: list[ConceptScheme],
    tree: ConceptTree,
    counts: dict[int, int],
    selected: set[int],
    expand_all: bool = False,
) -> list[SchemeFacets]:
    by_id, children = tree.by_id, tree.children
    expanded: set[int] = set()
    for pk in selected:
        node = by_id.get(pk)
        while node is not None:
            expanded.add(node.pk)
            node = by_id.get(node.parent_id) if node.parent_id else None

    def level(parent: int | None, scheme_id: int) -> list[FacetValue]:
        siblings = [c for c in children.get(parent, []) if c.scheme_id == scheme_id]
        if parent is None and len(siblings) == 1:
            # A single root (the region, in the territory scheme) says nothing: show its
            # children instead.
            return level(siblings[0].pk, scheme_id)
        values = [
            FacetValue(
                concept=c,
                count=counts.get(c.pk, 0),
                selected=c.pk in selected,
                children=level(c.pk, scheme_id) if expand_all or c.pk in expanded else [],
            )
            for c in siblings
            if counts.get(c.pk, 0) or c.pk in selected or c.pk in expanded
        ]
        values.sort(key=lambda v: (not v.selected, -v.count, v.concept.label))
        return values

    return [
        SchemeFacets(
            scheme=scheme,
            values=level(None, scheme.pk),
            selected_count=sum(
                1 for pk in selected if by_id.get(pk) and by_id[pk].scheme_id == scheme.pk
            ),
        )
        for scheme in schemes
    ]


def evaluate(
    expression_data: Any,
    container_code: str = "organisation",
    facet_schemes: list[str] | None = None,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    """Evaluate a magnet expression the way the API answers: count, a page of results, facets.

    Raises ExpressionError or UnknownContainer (the caller answers 400).
    """
    with index.pinned():
        return _evaluate(expression_data, container_code, facet_schemes or [], limit, offset)


def _evaluate(
    expression_data: Any, container_code: str, facet_schemes: list[str], limit: int, offset: int
) -> dict[str, Any]:
    container = containers.get(container_code)
    expression = parse(expression_data)
    ids = engine.matching(container, expression)
    schemes = schemes_by_code(facet_schemes, strict=True)
    counts = engine.facet_counts_of(container, ids, [s.code for s in schemes])
    records = container.listing(ids)
    page = list(
        records.order_by(*container.model._meta.ordering or ["pk"])[offset : offset + limit]
    )
    concepts = index.catalog()
    facets: dict[str, list[dict[str, Any]]] = {s.code: [] for s in schemes}
    for concept_id, count in counts.items():
        row = concepts.rows[concept_id]
        label = localized_value(row, "label") or row["notation"]
        facets[row["scheme__code"]].append(
            {"concept": concepts.code(concept_id), "label": label, "count": count}
        )
    for values in facets.values():
        values.sort(key=lambda v: (-v["count"], v["concept"]))
    return {
        "count": len(ids),
        "results": describe_records(container, page),
        "facets": facets,
    }


def describe_records(container: containers.Container, records: list[Any]) -> list[dict[str, Any]]:
    """Records as the API shows them, each with the codes of its concepts."""
    from django.contrib.contenttypes.models import ContentType

    from territoria.taxonomy.models import Tag

    content_type = ContentType.objects.get_for_model(container.model)
    codes: dict[int, list[str]] = {}
    tags = (
        Tag.objects.filter(content_type=content_type, object_id__in=[r.pk for r in records])
        .order_by("concept__scheme__position", "concept__position")
        .values_list("object_id", "concept__scheme__code", "concept__notation")
    )
    for object_id, scheme_code, notation in tags:
        codes.setdefault(object_id, []).append(f"{scheme_code}:{notation}")
    return [{**container.describe(r), "concepts": codes.get(r.pk, [])} for r in records]


class UnknownScheme(LookupError):
    pass


def schemes_by_code(codes: list[str], strict: bool = False) -> list[ConceptScheme]:
    """The schemes named by `codes`, in that order; unknown codes are skipped, or refused if strict."""
    found = {
        s.code: s
        for s in ConceptScheme.objects.filter(code__in=[c for c in codes if c.isprintable()])
    }
    if strict:
        for code in codes:
            if code not in found:
                known = ", ".join(ConceptScheme.objects.values_list("code", flat=True))
                raise UnknownScheme(f'facets: unknown scheme "{code}"; expected some of: {known}')
    return [found[code] for code in codes if code in found]
