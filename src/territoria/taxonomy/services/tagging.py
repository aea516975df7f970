"""Concept hierarchy upkeep and tagging of records."""

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from territoria.core.models import User
from territoria.core.services import record_audit
from territoria.taxonomy import index
from territoria.taxonomy.expressions import CODE_PATTERN
from territoria.taxonomy.models import Concept, ConceptClosure, ConceptScheme, Tag


def rebuild_closure(scheme: ConceptScheme) -> int:
    """Recompute the ancestor/descendant pairs of one scheme; returns how many pairs it holds."""
    parents = dict(scheme.concepts.values_list("pk", "parent_id"))
    rows = []
    for concept_id in parents:
        ancestor: int | None = concept_id
        depth, seen = 0, set()
        while ancestor is not None:
            if ancestor in seen:
                raise ValueError(f"concept {concept_id} of scheme {scheme.code} is in a cycle")
            seen.add(ancestor)
            rows.append(ConceptClosure(ancestor_id=ancestor, descendant_id=concept_id, depth=depth))
            ancestor, depth = parents.get(ancestor), depth + 1
    with transaction.atomic():
        ConceptClosure.objects.filter(descendant__scheme=scheme).delete()
        ConceptClosure.objects.bulk_create(rows, batch_size=2000)
        index.bump()
    return len(rows)


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
    Tag.objects.bulk_create(added)
    index.bump()
    record_audit(
        actor,
        "tags.set",
        record,
        before={"concepts": before},
        after={"concepts": sorted(c.code for c in wanted.values())},
    )
