"""Services of the ecosystem app."""

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Upper
from django.db.models.lookups import In

from territoria.ecosystem.models import Organisation, normalise_for_search


def search_organisations(query: str) -> QuerySet[Organisation]:
    """Organisations whose names, number, place or descriptions contain every word of `query`.

    Accents and case are ignored ("liege" finds "Liège"); an empty query returns all.
    """
    records = Organisation.objects.all()
    for term in normalise_for_search(query).split()[:10]:
        records = records.filter(search_text__contains=term)
    return records


# Legal forms of a one-person business, as the KBO and staff write them.
NATURAL_PERSON_FORMS = (
    "personne physique",
    "natuurlijk persoon",
    "natürliche person",
    "natural person",
)


def natural_person_condition(prefix: str = "") -> Q:
    """Organisations that are natural persons (self-employed): personal data, never published.

    `prefix` reaches the organisation from another model ("organisation__").
    """
    from django.contrib.contenttypes.models import ContentType

    from territoria.taxonomy.models import Tag

    self_employed = Tag.objects.filter(
        content_type=ContentType.objects.get_for_model(Organisation),
        concept__scheme__code="org-type",
        concept__notation="self-employed",
    ).values("object_id")
    forms = [form.upper() for form in NATURAL_PERSON_FORMS]
    return Q(**{f"{prefix}pk__in": self_employed}) | Q(In(Upper(F(f"{prefix}legal_form")), forms))
