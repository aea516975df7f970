"""Bringing a process's index up to date with the records the change log names.

The records named since the index was read are read again (are they public, their
tags, their name) and a new index is made that shares every bitmap they leave alone:
requests still reading the old one are not disturbed.

Changes are numbered when they are written but seen when they are committed, and a
long transaction can commit a lower number after a higher one. So each reading also
takes again the changes written in the `RECHECK` seconds before the previous reading,
and skips those already applied (`ContainerIndex.applied`).
"""

from __future__ import annotations

import datetime
import time
from dataclasses import replace
from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.db.models import Min, Q
from pyroaring import BitMap

from territoria.taxonomy import index
from territoria.taxonomy.members import Members
from territoria.taxonomy.models import IndexChange, Tag

if TYPE_CHECKING:
    from territoria.taxonomy.containers import Container

RECHECK = 300.0
# Change-log rows older than this are pruned when an index is rebuilt (`snapshot.py`).
KEEP_CHANGES = datetime.timedelta(days=1)
# Past this many changes, rebuilding costs less than applying them one by one.
MAX_CHANGES = 200_000


def apply(
    container: Container, idx: index.ContainerIndex, state: index.State
) -> index.ContainerIndex:
    read_at = time.time()
    since = datetime.datetime.fromtimestamp(idx.read_at - RECHECK, tz=datetime.UTC)
    log = IndexChange.objects.filter(container=container.code)
    oldest = IndexChange.objects.aggregate(first=Min("id"))["first"]
    # Rows are pruned a day after they were written: an index read since then has missed
    # none (the log's numbers do not restart, so a gap after an empty log says nothing).
    could_miss = read_at - idx.read_at > KEEP_CHANGES.total_seconds() - RECHECK
    if (
        could_miss
        and oldest is not None
        and oldest > idx.seen[0] + 1
        and state.last_change > idx.seen[0]
    ):
        return index.build(container, state)  # the log was pruned past what this index read
    if state.last_change - idx.seen[0] > MAX_CHANGES or state.last_change < idx.seen[0]:
        # Too many to apply, or fewer than read: changes this process saw were rolled back.
        return index.build(container, state)
    rows = list(
        log.filter(Q(id__gt=idx.seen[0]) | Q(at__gte=since)).values_list("id", "object_id", "at")
    )
    # A change is known by its number and its time: SQLite gives a rolled-back number again.
    fresh = [
        (pk, object_id) for pk, object_id, at in rows if (pk, at.isoformat()) not in idx.applied
    ]
    recent = datetime.datetime.fromtimestamp(read_at - RECHECK, tz=datetime.UTC)
    applied = {(pk, at.isoformat()) for pk, _object_id, at in rows if at >= recent}
    seen = (state.last_change, state.changes)
    objects = sorted({object_id for _pk, object_id in fresh})
    if not objects:
        return replace(idx, seen=seen, read_at=read_at, applied=applied)
    return _reread(container, idx, objects, seen, read_at, applied)


def _reread(
    container: Container,
    idx: index.ContainerIndex,
    objects: list[int],
    seen: tuple[int, int],
    read_at: float,
    applied: set[tuple[int, str]],
) -> index.ContainerIndex:
    catalog = index.catalog()
    content_type = ContentType.objects.get_for_model(container.model)
    public: set[int] = set()
    wanted: dict[int, set[int]] = {}
    names: dict[int, str] = {}
    for start in range(0, len(objects), 500):
        chunk = objects[start : start + 500]
        records = container.queryset().filter(pk__in=chunk).order_by()
        if container.sort_field:
            for pk, name in records.values_list("pk", container.sort_field):
                public.add(pk)
                names[pk] = str(name)
        else:
            public.update(records.values_list("pk", flat=True))
        tags = Tag.objects.filter(content_type=content_type, object_id__in=chunk)
        for object_id, concept_id in tags.values_list("object_id", "concept_id"):
            if object_id in public:
                for ancestor in catalog.ancestors(concept_id):
                    wanted.setdefault(ancestor, set()).add(object_id)
    touched = BitMap(objects)
    by_concept = dict(idx.by_concept)
    for concept_id, bitmap in idx.by_concept.items():
        if bitmap.intersect(touched) or concept_id in wanted:
            fresh = bitmap - touched
            fresh |= BitMap(wanted.get(concept_id, ()))
            by_concept[concept_id] = fresh
    for concept_id, ids in wanted.items():
        if concept_id not in by_concept:
            by_concept[concept_id] = BitMap(ids)
    universe = (idx.universe - touched) | BitMap(public)
    closures: dict[int, set[int]] = {pk: set() for pk in objects}
    for concept_id, ids in wanted.items():
        for pk in ids:
            closures[pk].add(concept_id)
    members = idx.members.changed(closures) if idx.members is not None else None
    if members is None:
        members = Members.of_bitmaps(by_concept, catalog.hierarchy())
    ordering = idx.ordering
    if ordering is not None:
        field = container.sort_field
        ordering = ordering.changed(
            touched,
            names,
            lambda ids: dict(
                container.model._default_manager.filter(pk__in=ids).values_list("pk", field)
            ),
        )
    return replace(
        idx,
        universe=universe,
        by_concept=by_concept,
        scheme_concepts=index.scheme_concepts_of(by_concept)
        if set(by_concept) != set(idx.by_concept)
        else idx.scheme_concepts,
        ordering=ordering,
        seen=seen,
        read_at=read_at,
        applied=applied,
        members=members,
    )
