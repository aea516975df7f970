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

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType

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
    return profiles_of([organisation.pk])[organisation.pk]


def profiles_of(organisations: Iterable[int]) -> dict[int, Profile]:
    """The profiles of many organisations (by pk) in a few queries."""
    rows = list(
        Organisation.objects.filter(pk__in=list(organisations)).values_list(
            "pk", "size_class__notation", "main_activity_id", "municipality_id"
        )
    )
    activities = {pk: activity for pk, _size, activity, _m in rows if activity is not None}
    without = [pk for pk, _size, activity, _m in rows if activity is None]
    if without:
        first_tags = (
            Tag.objects.filter(
                content_type=ContentType.objects.get_for_model(Organisation),
                object_id__in=without,
                concept__scheme__code="nace",
            )
            .order_by("-pk")
            .values_list("object_id", "concept_id")
        )
        activities.update(dict(first_tags))  # the first recorded wins (read last)
    if not rows:
        return {}
    sections = {
        descendant: section_letter(notation)
        for descendant, notation in ConceptClosure.objects.filter(
            descendant_id__in=set(activities.values()),
            ancestor__scheme__code="nace",
            ancestor__parent__isnull=True,
        ).values_list("descendant_id", "ancestor__notation")
    }
    region = territory.current().region_concept
    provinces = dict(
        ConceptClosure.objects.filter(
            descendant_id__in={m for *_rest, m in rows if m is not None},
            ancestor__scheme__code="territory",
            ancestor__parent__notation=region,
            ancestor__parent__scheme__code="territory",
        ).values_list("descendant_id", "ancestor__notation")
    )
    return {
        pk: Profile(
            nace_section=sections.get(activities.get(pk, 0), ""),
            size_class=size or "",
            province=provinces.get(municipality, "") if municipality is not None else "",
        )
        for pk, size, _activity, municipality in rows
    }


def section_labels() -> dict[str, str]:
    """Each NACE section's name in the active language, by its letter."""
    labels: dict[str, str] = {}
    for concept in Concept.objects.filter(scheme__code="nace", parent__isnull=True):
        labels.setdefault(section_letter(concept.notation), concept.label)
    return labels


def size_labels() -> dict[str, str]:
    """Each size class's name in the active language, by its notation, in order."""
    return {c.notation: c.label for c in Concept.objects.filter(scheme__code="size")}


def province_labels() -> dict[str, str]:
    """Each province's name in the active language, by its notation, in order."""
    region = territory.current().region_concept
    return {
        c.notation: c.label
        for c in Concept.objects.filter(
            scheme__code="territory", parent__notation=region, parent__scheme__code="territory"
        )
    }
