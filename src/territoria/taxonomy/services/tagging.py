"""Concept hierarchy upkeep and tagging of records."""

from collections.abc import Iterable, Mapping

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from territoria.core.bulk import insert_rows
from territoria.core.models import User
from territoria.core.services import record_audit
from territoria.taxonomy import index
from territoria.taxonomy.expressions import CODE_PATTERN
from territoria.taxonomy.models import MAX_DEPTH, Concept, ConceptClosure, ConceptScheme, Tag

CLOSURE_BATCH = 2000

Pair = tuple[int, int]


def rebuild_closure(scheme: ConceptScheme) -> int:
    """Bring the ancestor/descendant pairs of one scheme up to date; returns how many it holds.

    Memory and each statement stay bounded whatever the scheme's shape: the concepts are
    taken `CLOSURE_BATCH` at a time, and only the pairs that changed are written (a
    re-import of the same file writes none). Hierarchies are at most `MAX_DEPTH` deep
    where they are made, so a concept has at most MAX_DEPTH + 1 pairs.
    """
    parents = dict(scheme.concepts.values_list("pk", "parent_id"))
    ids = sorted(parents)
    total, changed = 0, False
    with transaction.atomic():
        for start in range(0, len(ids), CLOSURE_BATCH):
            batch = ids[start : start + CLOSURE_BATCH]
            wanted = _ancestry(scheme, parents, batch)
            stale, kept = [], set()
            rows = ConceptClosure.objects.filter(descendant_id__in=batch).values_list(
                "pk", "ancestor_id", "descendant_id", "depth"
            )
            for pk, ancestor, descendant, depth in rows:
                if wanted.get((ancestor, descendant)) == depth:
                    kept.add((ancestor, descendant))
                else:
                    stale.append(pk)
            fresh = [(*pair, depth) for pair, depth in wanted.items() if pair not in kept]
            if stale:
                ConceptClosure.objects.filter(pk__in=stale).delete()
            insert_rows(ConceptClosure, ["ancestor", "descendant", "depth"], fresh)
            changed = changed or bool(stale or fresh)
            total += len(wanted)
        if changed:
            index.bump()
    return total


def _ancestry(
    scheme: ConceptScheme, parents: Mapping[int, int | None], concepts: list[int]
) -> dict[Pair, int]:
    """The (ancestor, descendant) pairs of these concepts, with their depth."""
    pairs: dict[Pair, int] = {}
    for concept_id in concepts:
        ancestor: int | None = concept_id
        depth = 0
        while ancestor is not None:
            if depth > MAX_DEPTH:
                raise ValueError(
                    f"concept {concept_id} of scheme {scheme.code} is in a cycle "
                    f"or more than {MAX_DEPTH} levels deep"
                )
            pairs[(ancestor, concept_id)] = depth
            ancestor, depth = parents.get(ancestor), depth + 1
    return pairs


def concepts_by_code(codes: Iterable[str]) -> dict[str, Concept]:
    """The concepts named `scheme:notation`; unknown or malformed codes are left out."""
    query = models.Q(pk__in=[])
    for code in {c for c in codes if CODE_PATTERN.fullmatch(c)}:
        scheme, _sep, notation = code.partition(":")
        query |= models.Q(scheme__code=scheme, notation=notation)
    return {c.code: c for c in Concept.objects.filter(query).select_related("scheme")}


def tags_of(record: models.Model) -> list[Concept]:
    content_type = ContentType.objects.get_for_model(record)
    return list(
        Concept.objects.filter(tags__content_type=content_type, tags__object_id=record.pk)
        .select_related("scheme")
        .order_by("scheme__position", "position", "notation")
    )


@transaction.atomic
def set_tags(
    record: models.Model,
    concepts: Iterable[Concept],
    *,
    actor: User | None = None,
    provenance: str = Tag.Provenance.MANUAL,
) -> None:
    """Make `concepts` the record's tags: add the missing ones, remove the others, log the change."""
    content_type = ContentType.objects.get_for_model(record)
    current = dict(
        Tag.objects.filter(content_type=content_type, object_id=record.pk).values_list(
            "concept_id", "pk"
        )
    )
    wanted = {concept.pk: concept for concept in concepts}
    removed = [current[pk] for pk in current.keys() - wanted.keys()]
    added = [
        Tag(
            content_type=content_type,
            object_id=record.pk,
            concept=wanted[pk],
            provenance=provenance,
            created_by=actor,
        )
        for pk in wanted.keys() - current.keys()
    ]
    if not removed and not added:
        return
    before = sorted(c.code for c in Concept.objects.filter(pk__in=current).select_related("scheme"))
    Tag.objects.filter(pk__in=removed).delete()
    Tag.objects.bulk_create(added)  # no signal: the indexes are told below
    index.changed_record(record)
    record_audit(
        actor,
        "tags.set",
        record,
        before={"concepts": before},
        after={"concepts": sorted(c.code for c in wanted.values())},
    )
