"""The ecosystem's records as taxonomy containers, so that magnets can select them."""

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from territoria.ecosystem.models import Event, Organisation, Publication
from territoria.ecosystem.services import public_organisations
from territoria.taxonomy.containers import Container, register


def describe_organisation(organisation: Organisation) -> dict[str, Any]:
    return {
        "id": organisation.pk,
        "name": organisation.display_name,
        "enterprise_number": organisation.enterprise_number,
        "municipality": organisation.municipality.label if organisation.municipality else "",
        "website": organisation.website,
        "url": organisation.get_absolute_url(),
    }


def describe_event(event: Event) -> dict[str, Any]:
    return {
        "id": event.pk,
        "name": event.title,
        "enterprise_number": None,
        "date": event.starts_on.isoformat(),
        "place": event.place,
    }


def describe_publication(publication: Publication) -> dict[str, Any]:
    return {
        "id": publication.pk,
        "name": publication.title,
        "enterprise_number": None,
        "date": publication.published_on.isoformat(),
        "link": publication.url,
    }


register(
    Container(
        code="organisation",
        model=Organisation,
        label=_("organisations"),
        public_queryset=public_organisations,
        describe=describe_organisation,
        csv_columns=("id", "name", "enterprise_number", "municipality", "website"),
        related=("municipality",),
        browse_url=lambda code: f"{reverse('ecosystem:directory')}?{urlencode({'c': code})}",
        sort_field="name",
        heavy_fields=(
            "search_text",
            "description_fr",
            "description_nl",
            "description_de",
            "description_en",
        ),
    )
)
register(
    Container(
        code="event",
        model=Event,
        label=_("events"),
        public_queryset=lambda: Event.objects.all(),
        describe=describe_event,
        csv_columns=("id", "name", "date", "place"),
    )
)
register(
    Container(
        code="publication",
        model=Publication,
        label=_("publications"),
        public_queryset=lambda: Publication.objects.all(),
        describe=describe_publication,
        csv_columns=("id", "name", "date", "link"),
    )
)
