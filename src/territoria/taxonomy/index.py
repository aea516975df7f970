"""The in-memory bitmap index behind the magnet engine.

For each container, one roaring bitmap of record ids per concept, already rolled up
to include the records tagged with any descendant, plus the bitmap of all public
records. Each process builds it from the database on first use and rebuilds it
when the shared `IndexState` token changes (any tag, concept hierarchy or record
change bumps it, see `bump`).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.signals import post_delete, post_save
from pyroaring import BitMap

from territoria.core.i18n import LANGUAGE_CODES
from territoria.taxonomy.models import Concept, ConceptClosure, IndexState, Tag
from territoria.taxonomy.ordering import Ordering

if TYPE_CHECKING:  # containers register themselves with `watch` below: no import cycle
    from territoria.taxonomy.containers import Container

STATE_KEY = "tags"


@dataclass
class ContainerIndex:
    token: str
    universe: BitMap
    by_concept: dict[int, BitMap]
    scheme_concepts: dict[str, list[int]]
    # The public records in the container's order (`Container.sort_field`), if it has one.
    ordering: Ordering | None = None

    def concept(self, concept_id: int) -> BitMap:
        return self.by_concept.get(concept_id) or BitMap()


@dataclass
class Catalog:
    """Every concept's code and labels, so hot paths need no query to name them."""

    token: str
    ids_by_code: dict[str, int]
    rows: dict[int, dict[str, Any]]

    def code(self, concept_id: int) -> str:
        row = self.rows[concept_id]
        return f"{row['scheme__code']}:{row['notation']}"


_lock = threading.Lock()
_cache: dict[str, ContainerIndex] = {}
_catalog: list[Catalog] = []


def mark_index_stale(sender: type[models.Model], **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    bump()


def watch(model: type[models.Model]) -> None:
    """Any saved or deleted instance of `model` makes the bitmap indexes stale."""
    uid = f"taxonomy-index-{model._meta.label_lower}"
    post_save.connect(mark_index_stale, sender=model, dispatch_uid=uid + "-save")
    post_delete.connect(mark_index_stale, sender=model, dispatch_uid=uid + "-delete")


def bump() -> None:
    """Mark every process's index stale; call it in the transaction that changes tags."""
    token = uuid.uuid4().hex
    # One UPDATE: the row is created by a migration (and again here if someone removed it).
    if not IndexState.objects.filter(key=STATE_KEY).update(token=token):
        IndexState.objects.create(key=STATE_KEY, token=token)


_pinned = threading.local()


def current_token() -> str:
    pinned: str | None = getattr(_pinned, "token", None)
    if pinned is not None:
        return pinned
    token = IndexState.objects.filter(key=STATE_KEY).values_list("token", flat=True).first()
    return token or "initial"


@contextmanager
def pinned() -> Iterator[None]:
    """Read the token once for a whole evaluation (count, page, facets) instead of per step."""
    if getattr(_pinned, "token", None) is not None:
        yield
        return
    _pinned.token = current_token()
    try:
        yield
    finally:
        _pinned.token = None


def for_container(container: Container) -> ContainerIndex:
    token = current_token()
    cached = _cache.get(container.code)
    if cached is not None and cached.token == token:
        return cached
    with _lock:
        cached = _cache.get(container.code)
        if cached is None or cached.token != token:
            cached = _build(container, token)
            _cache[container.code] = cached
    return cached


def catalog() -> Catalog:
    token = current_token()
    if _catalog and _catalog[0].token == token:
        return _catalog[0]
    label_fields = [f"label_{code}" for code in LANGUAGE_CODES]
    rows = {
        row["pk"]: row
        for row in Concept.objects.values(
            "pk", "scheme__code", "notation", "parent_id", *label_fields
        )
    }
    built = Catalog(
        token=token,
        ids_by_code={f"{r['scheme__code']}:{r['notation']}": pk for pk, r in rows.items()},
        rows=rows,
    )
    _catalog[:] = [built]
    return built


def _build(container: Container, token: str) -> ContainerIndex:
    content_type = ContentType.objects.get_for_model(container.model)
    universe = BitMap(container.queryset().order_by().values_list("pk", flat=True))
    direct: dict[int, list[int]] = {}
    pairs = Tag.objects.filter(content_type=content_type).values_list("concept_id", "object_id")
    for concept_id, object_id in pairs.iterator(chunk_size=20000):
        direct.setdefault(concept_id, []).append(object_id)
    tagged = {concept_id: BitMap(ids) & universe for concept_id, ids in direct.items()}
    descendants: dict[int, list[int]] = {}
    closure = ConceptClosure.objects.filter(descendant_id__in=list(tagged)).values_list(
        "ancestor_id", "descendant_id"
    )
    for ancestor_id, descendant_id in closure.iterator(chunk_size=20000):
        descendants.setdefault(ancestor_id, []).append(descendant_id)
    by_concept = {
        ancestor_id: BitMap.union(*(tagged[d] for d in members))
        if len(members) > 1
        else BitMap(tagged[members[0]])
        for ancestor_id, members in descendants.items()
    }
    scheme_concepts: dict[str, list[int]] = {}
    for concept_id, row in catalog().rows.items():
        if concept_id in by_concept:
            scheme_concepts.setdefault(row["scheme__code"], []).append(concept_id)
    ordering = None
    if container.sort_field:
        pairs = container.queryset().order_by().values_list("pk", container.sort_field)
        ordering = Ordering.of((pk, str(name)) for pk, name in pairs.iterator(chunk_size=20000))
    return ContainerIndex(
        token=token,
        universe=universe,
        by_concept=by_concept,
        scheme_concepts=scheme_concepts,
        ordering=ordering,
    )


def page(container: Container, ids: BitMap, offset: int, limit: int) -> list[int]:
    """The ids of `ids` at positions offset … offset + limit − 1 in the container's order."""
    ordering = for_container(container).ordering
    if ordering is None:
        raise ValueError(f"the container {container.code} has no order to page in")
    return ordering.page(ids, offset, limit)


def ids_of(records: models.QuerySet[Any]) -> BitMap:
    return BitMap(records.order_by().values_list("pk", flat=True))
