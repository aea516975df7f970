"""Services of the ecosystem app."""

from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    F,
    Field,
    FloatField,
    Q,
    QuerySet,
    Value,
    When,
)

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
    """The organisations anyone may see and count: all but the natural persons whose
    consent to publication is not recorded (`withheld_person_condition`).

    One rule for every public page, magnet, API and dataset; staff alone see the others,
    in the back office and on their own page (`visible_organisations`). Even published, a
    natural person's home stays private: see `with_public_address`.
    """
    return Organisation.objects.exclude(withheld_person_condition())


def is_public(organisation: Organisation) -> bool:
    """Whether anyone may see this organisation (`public_organisations`' rule, for one)."""
    return public_organisations().filter(pk=organisation.pk).exists()


def visible_organisations(user: Any) -> QuerySet[Organisation]:
    """The organisations whose page `user` may open."""
    return Organisation.objects.all() if user.is_staff else public_organisations()


def withheld_person_condition(prefix: str = "") -> Q:
    """Natural persons without a recorded consent to publication: nobody but staff sees them.

    `prefix` reaches the organisation from another model ("organiser__").
    """
    no_consent = Q(**{f"{prefix}publication_consent_at__isnull": True})
    return natural_person_condition(prefix) & no_consent


def withheld_person(prefix: str = "") -> Case:
    """True where the organisation is withheld (`withheld_person_condition`), as an annotation."""
    return _flag(withheld_person_condition(prefix))


# The parts of an address that locate a natural person's home, withheld from the public.
HOME_ADDRESS_FIELDS: dict[str, type[Field[Any, Any]]] = {
    "street": CharField,
    "latitude": FloatField,
    "longitude": FloatField,
}


def with_public_address(
    organisations: QuerySet[Organisation], user: Any = None
) -> QuerySet[Organisation]:
    """`organisations` with `home_address` (True for a natural person's) and `public_street`,
    `public_latitude`, `public_longitude`: what `user` (None: anyone) may see of them.

    A self-employed person's registered address is their home, consent or not: staff alone
    see its street (number and box included, one field) and its coordinates. The postcode
    and locality stay public: thousands of people share them, they locate nobody, and the
    directory's municipality already says as much. Every public place reads these columns.
    """
    home = natural_person_condition()
    staff = user is not None and user.is_staff
    return organisations.annotate(
        home_address=_flag(home),
        **{
            f"public_{name}": F(name)
            if staff
            else Case(When(home, then=Value(None)), default=F(name), output_field=output())
            for name, output in HOME_ADDRESS_FIELDS.items()
        },
    )


def natural_person(prefix: str = "") -> Case:
    """True where the organisation is a natural person, as an annotation."""
    return _flag(natural_person_condition(prefix))


def _flag(condition: Q) -> Case:
    return Case(
        When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
    )


def natural_person_condition(prefix: str = "") -> Q:
    """Organisations that are natural persons (self-employed): personal data, published
    only with consent (`withheld_person_condition`), their home never (`with_public_address`).

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
