"""Services of the ecosystem app."""

from django.db.models import QuerySet

from territoria.ecosystem.models import Organisation, normalise_for_search


def search_organisations(query: str) -> QuerySet[Organisation]:
    """Organisations whose names, number, place or descriptions contain every word of `query`.

    Accents and case are ignored ("liege" finds "Liège"); an empty query returns all.
    """
    records = Organisation.objects.all()
    for term in normalise_for_search(query).split()[:10]:
        records = records.filter(search_text__contains=term)
    return records


def refresh_search_text(organisation_ids: list[int] | None = None) -> int:
    """Recompute the stored search text of the given organisations (all if None)."""
    records = Organisation.objects.all()
    if organisation_ids is not None:
        records = records.filter(pk__in=organisation_ids)
    changed = []
    for org in records.iterator(chunk_size=2000):
        text = org.build_search_text()
        if text != org.search_text:
            org.search_text = text
            changed.append(org)
    Organisation.objects.bulk_update(changed, ["search_text"], batch_size=1000)
    return len(changed)
