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
