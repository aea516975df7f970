"""What peer groups and breakdowns know of an organisation: its NACE section, its size
class and its province. One rule each, for every page that groups organisations:

- the section is the NACE section (a top concept of the scheme) above its main activity,
  or above the first activity recorded for it (the KBO lists the main one first), as a
  letter A–U whichever version of NACE it is written in;
- the size class is its `size` concept's notation (micro, small, medium, large);
- the province is the territory concept just under the region's root among its
  municipality's ancestors (`calls.services.impact_charts` counts laureates the same way).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from territoria.core import territory
from territoria.ecosystem.models import Organisation
from territoria.taxonomy.models import Concept, ConceptClosure, Tag


@dataclass(frozen=True)
class Profile:
    nace_section: str = ""  # "C"
    size_class: str = ""  # "small"
    province: str = ""  # "BE-WNA"


def section_letter(notation: str) -> str:
    """A section's letter from its notation, in either NACE version ("2008-C" → "C")."""
    return notation.rsplit("-", 1)[-1][:1].upper()


def profile_of(organisation: Organisation) -> Profile:
    return Profile(
        nace_section=_section(organisation),
        size_class=organisation.size_class.notation if organisation.size_class is not None else "",
        province=_province(organisation),
    )


def _section(organisation: Organisation) -> str:
    activity = organisation.main_activity_id
    if activity is None:
        activity = (
            Tag.objects.filter(
                content_type=ContentType.objects.get_for_model(Organisation),
                object_id=organisation.pk,
                concept__scheme__code="nace",
            )
            .order_by("pk")
            .values_list("concept_id", flat=True)
            .first()
        )
    if activity is None:
        return ""
    top = Concept.objects.filter(
        scheme__code="nace", parent__isnull=True, pk__in=_ancestors(activity)
    ).first()
    return section_letter(top.notation) if top is not None else ""


def _province(organisation: Organisation) -> str:
    if organisation.municipality_id is None:
        return ""
    region = territory.current().region_concept
    province = Concept.objects.filter(
        scheme__code="territory",
        parent__notation=region,
        parent__scheme__code="territory",
        pk__in=_ancestors(organisation.municipality_id),
    ).first()
    return province.notation if province is not None else ""


def _ancestors(concept_id: int) -> QuerySet[Any]:
    return ConceptClosure.objects.filter(descendant_id=concept_id).values("ancestor_id")
