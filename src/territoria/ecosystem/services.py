"""Services of the ecosystem app."""

from typing import Any

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When

from territoria.ecosystem.models import Organisation, normalise_for_search


def search_condition(query: str) -> Q:
    """Every word of `query` in the names, number, place or descriptions.

    Accents and case are ignored ("liege" finds "Liège"); an empty query selects all.
    """
    condition = Q()
    for term in normalise_for_search(query).split()[:10]:
        condition &= Q(search_text__contains=term)
    return condition


def search_organisations(query: str) -> QuerySet[Organisation]:
    """The public organisations that `search_condition(query)` selects."""
    return public_organisations().filter(search_condition(query))


def public_organisations() -> QuerySet[Organisation]:
    """The organisations anyone may see and count: every one but natural persons.

    One rule for every public page, magnet, API and dataset; staff alone see natural
    persons, in the back office and on their own page (`visible_organisations`).
    """
    return Organisation.objects.exclude(natural_person_condition())


def is_public(organisation: Organisation) -> bool:
    """Whether anyone may see this organisation (`public_organisations`' rule, for one)."""
    return public_organisations().filter(pk=organisation.pk).exists()


def visible_organisations(user: Any) -> QuerySet[Organisation]:
    """The organisations whose page `user` may open."""
    return Organisation.objects.all() if user.is_staff else public_organisations()


def natural_person(prefix: str = "") -> Case:
    """True where the organisation is a natural person, as an annotation."""
    return Case(
        When(natural_person_condition(prefix), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
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
    return Q(**{f"{prefix}pk__in": self_employed}) | Q(**{f"{prefix}natural_person_form": True})
