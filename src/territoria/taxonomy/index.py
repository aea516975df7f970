"""The in-memory bitmap index behind the magnet engine.

For each container, one roaring bitmap of record ids per concept, already rolled up
to include the records tagged with any descendant, plus the bitmap of all public
records and the public records in the container's order (`ordering.py`).

Each process keeps it in step with the database in two ways:

- a record saved or deleted, or tagged, writes an `IndexChange` row in its own
  transaction; a process that sees new rows re-reads those records alone and swaps in
  a copy of its index with only the bitmaps they touch replaced (`changes.py`);
- what changes everything (a concept moved, a bulk import) bumps the shared
  `IndexState` token: the process then loads the snapshot on disk written for that
  token, or rebuilds from the database and writes the snapshot (`snapshot.py`).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.db.models.signals import post_delete, post_save
from pyroaring import BitMap

from territoria.core.i18n import LANGUAGE_CODES
from territoria.taxonomy.members import Members
from territoria.taxonomy.models import Concept, ConceptClosure, IndexChange, IndexState, Tag
from territoria.taxonomy.ordering import Ordering

if TYPE_CHECKING:  # containers register themselves with `watch` below: no import cycle
    from territoria.taxonomy.containers import Container

STATE_KEY = "tags"


@dataclass(frozen=True)
class State:
    """What the database says of the index: the token, and where the change log stands."""

    token: str
    last_change: int
    changes: int


@dataclass
class ContainerIndex:
    token: str
    universe: BitMap
    by_concept: dict[int, BitMap]
    scheme_concepts: dict[str, list[int]]
    # The public records in the container's order (`Container.sort_field`), if it has one.
    ordering: Ordering | None = None
    # The change log as this index has read it (`State.last_change`, `State.changes`).
    seen: tuple[int, int] = (0, 0)
    read_at: float = 0.0  # time.time() of the reading, for changes committed late
    applied: set[tuple[int, str]] = field(default_factory=set)  # (change id, its time)
    # Each public record's concepts, to count every concept of a selection at once.
    members: Members | None = None

    # Each scheme's top concepts, with the list of the scheme's concepts they were read from.
    _tops: dict[str, tuple[list[int], list[int]]] = field(default_factory=dict, repr=False)

    def concept(self, concept_id: int) -> BitMap:
        return self.by_concept.get(concept_id) or BitMap()

    def tops(self, scheme_code: str) -> list[int]:
        """The scheme's concepts whose broader concept the index does not hold."""
        concepts = self.scheme_concepts.get(scheme_code, [])
        cached = self._tops.get(scheme_code)
        if cached is None or cached[0] is not concepts:  # a change gave another list
            rows = catalog().rows
            tops = [pk for pk in concepts if rows[pk]["parent_id"] not in self.by_concept]
            cached = self._tops[scheme_code] = (concepts, tops)
        return cached[1]


@dataclass
class Catalog:
    """Every concept's code and labels, so hot paths need no query to name them."""

    token: str
    ids_by_code: dict[str, int]
    rows: dict[int, dict[str, Any]]
    _children: dict[int, list[int]] | None = None

    def code(self, concept_id: int) -> str:
        row = self.rows[concept_id]
        return f"{row['scheme__code']}:{row['notation']}"

    def children(self, concept_id: int) -> list[int]:
        if self._children is None:
            found: dict[int, list[int]] = {}
            for pk, row in self.rows.items():
                if row["parent_id"] is not None:
                    found.setdefault(row["parent_id"], []).append(pk)
            self._children = found
        return self._children.get(concept_id, [])

    def hierarchy(self) -> dict[int, tuple[int | None, str]]:
        """Each concept's parent and scheme code."""
        return {pk: (row["parent_id"], row["scheme__code"]) for pk, row in self.rows.items()}

    def ancestors(self, concept_id: int) -> list[int]:
        """The concept and every concept above it."""
        found: list[int] = []
        current: int | None = concept_id
        while current is not None and current in self.rows and len(found) < 20:
            found.append(current)
            current = self.rows[current]["parent_id"]
        return found


_lock = threading.Lock()
_cache: dict[str, ContainerIndex] = {}
_catalog: list[Catalog] = []
# Container models → their container's code; the models whose change changes everything.
_containers_of: dict[type[models.Model], str] = {}


def mark_index_stale(sender: type[models.Model], **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    bump()


def record_change(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    """A container's record saved or deleted: the indexes re-read it."""
    if kwargs.get("raw"):
        return
    code = _containers_of.get(sender)
    if code is not None and instance.pk is not None:
        IndexChange.objects.create(container=code, object_id=instance.pk)


def record_tag_change(sender: type[models.Model], instance: Tag, **kwargs: Any) -> None:
    """A tag added or removed: the indexes re-read its record."""
    if kwargs.get("raw"):
        return
    model = ContentType.objects.get_for_id(instance.content_type_id).model_class()
    code = _containers_of.get(model) if model is not None else None
    if code is not None:
        IndexChange.objects.create(container=code, object_id=instance.object_id)


def watch(model: type[models.Model], container: str | None = None) -> None:
    """Keep the indexes in step with `model`: a container's records one by one (`container`
    names it), any other model's change by a rebuild (concepts, strategy versions)."""
    uid = f"taxonomy-index-{model._meta.label_lower}"
    if container is None:
        post_save.connect(mark_index_stale, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(mark_index_stale, sender=model, dispatch_uid=uid + "-delete")
        return
    _containers_of[model] = container
    post_save.connect(record_change, sender=model, dispatch_uid=uid + "-save")
    post_delete.connect(record_change, sender=model, dispatch_uid=uid + "-delete")


def watch_tags() -> None:
    post_save.connect(record_tag_change, sender=Tag, dispatch_uid="taxonomy-index-tag-save")
    post_delete.connect(record_tag_change, sender=Tag, dispatch_uid="taxonomy-index-tag-delete")


def changed(container: str, ids: list[int]) -> None:
    """Records changed without signals (bulk writes): the indexes re-read them."""
    IndexChange.objects.bulk_create(
        [IndexChange(container=container, object_id=pk) for pk in ids], batch_size=2000
    )


def changed_record(record: models.Model) -> None:
    """One record changed without signals (its tags set in bulk)."""
    code = _containers_of.get(type(record))
    if code is not None and record.pk is not None:
        changed(code, [record.pk])


def bump() -> None:
    """Mark every process's index stale; call it in the transaction that changes tags."""
    token = uuid.uuid4().hex
    # One UPDATE: the row is created by a migration (and again here if someone removed it).
    if not IndexState.objects.filter(key=STATE_KEY).update(token=token):
        IndexState.objects.create(key=STATE_KEY, token=token)


_pinned = threading.local()


def current_state() -> State:
    pinned: State | None = getattr(_pinned, "state", None)
    if pinned is not None:
        return pinned
    # One statement, written out: every request reads it, and the ORM's two queries cost
    # a millisecond (a fifth of a magnet's whole answer).
    quote = connection.ops.quote_name
    states, changes = quote(IndexState._meta.db_table), quote(IndexChange._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT token FROM {states} WHERE {quote('key')} = %s), "  # noqa: S608
            f"(SELECT MAX(id) FROM {changes}), (SELECT COUNT(*) FROM {changes})",
            [STATE_KEY],
        )
        token, last, count = cursor.fetchone()
    return State(token or "initial", last or 0, count)


def current_token() -> str:
    return current_state().token


def current_version() -> str:
    """Changes whenever any index would: the token, or the change log."""
    state = current_state()
    return f"{state.token}/{state.last_change}/{state.changes}"


@contextmanager
def pinned() -> Iterator[None]:
    """Read the state once for a whole evaluation (count, page, facets) instead of per step."""
    if getattr(_pinned, "state", None) is not None:
        yield
        return
    _pinned.state = current_state()
    try:
        yield
    finally:
        _pinned.state = None


def for_container(container: Container) -> ContainerIndex:
    from territoria.taxonomy import changes, snapshot

    state = current_state()
    cached = _cache.get(container.code)
    if cached is not None and cached.token == state.token:
        if cached.seen == (state.last_change, state.changes):
            return cached
    with _lock:
        cached = _cache.get(container.code)
        if cached is None or cached.token != state.token:
            cached = snapshot.load(container, state) or snapshot.build_and_save(container, state)
        if cached.seen != (state.last_change, state.changes):
            cached = changes.apply(container, cached, state)
        _cache[container.code] = cached
    return cached


def forget() -> None:
    """Drop this process's indexes and catalogue (the next use reads them again)."""
    with _lock:
        _cache.clear()
        _catalog.clear()


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


def build(container: Container, state: State) -> ContainerIndex:
    """The container's index from the database, as it stands in `state`."""
    read_at = time.time()
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
        ancestor_id: BitMap.union(*(tagged[d] for d in below))
        if len(below) > 1
        else BitMap(tagged[below[0]])
        for ancestor_id, below in descendants.items()
    }
    ordering = None
    if container.sort_field:
        pairs = container.queryset().order_by().values_list("pk", container.sort_field)
        ordering = Ordering.of((pk, str(name)) for pk, name in pairs.iterator(chunk_size=20000))
    return ContainerIndex(
        token=state.token,
        universe=universe,
        by_concept=by_concept,
        scheme_concepts=scheme_concepts_of(by_concept),
        ordering=ordering,
        seen=(state.last_change, state.changes),
        read_at=read_at,
        members=Members.of_bitmaps(by_concept, catalog().hierarchy()),
    )


def scheme_concepts_of(by_concept: dict[int, BitMap]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for concept_id, row in catalog().rows.items():
        if concept_id in by_concept:
            found.setdefault(row["scheme__code"], []).append(concept_id)
    return found


def page(container: Container, ids: BitMap, offset: int, limit: int) -> list[int]:
    """The ids of `ids` at positions offset … offset + limit − 1 in the container's order."""
    ordering = for_container(container).ordering
    if ordering is None:
        raise ValueError(f"the container {container.code} has no order to page in")
    return ordering.page(ids, offset, limit)


def ids_of(records: models.QuerySet[Any]) -> BitMap:
    return BitMap(records.order_by().values_list("pk", flat=True))
