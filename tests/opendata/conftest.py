"""Fixture datasets for the Explore API: a dozen organisations whose every value is known,
and a test-only dataset over them with one field of each ODSQL type."""

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.db.models import F
from django.test import Client

from territoria.ecosystem.models import Organisation
from territoria.opendata import registry, selection
from territoria.opendata.registry import Dataset, Field, Keywords, Translated, concept_values
from territoria.taxonomy import index
from tests.factories import organisation

T = Translated
UTC = datetime.UTC

# name, city, postcode, founded_on, latitude, longitude, is_active, tags, created_at (UTC)
ROWS: list[tuple[Any, ...]] = [
    (
        "Alpha SA",
        "Liège",
        "4000",
        datetime.date(2001, 3, 4),
        50.63,
        5.57,
        True,
        ("technology:machine-learning", "size:small"),
        datetime.datetime(2024, 1, 1, 10, 0, tzinfo=UTC),
    ),
    (
        "Bêta SRL",
        "Namur",
        "5000",
        datetime.date(2010, 7, 1),
        50.46,
        4.87,
        True,
        ("technology:ai", "technology:cloud", "size:micro"),
        datetime.datetime(2024, 1, 1, 23, 30, tzinfo=UTC),
    ),
    (
        "Gamma ASBL",
        "Liège",
        "4020",
        None,
        None,
        None,
        False,
        ("technology:cybersecurity",),
        datetime.datetime(2024, 6, 30, 22, 30, tzinfo=UTC),
    ),
    (
        'Delta "Quoted"; SA',
        "Mons",
        "7000",
        datetime.date(1999, 12, 31),
        50.45,
        3.95,
        True,
        ("technology:nlp", "technology:cloud", "size:medium"),
        datetime.datetime(2023, 12, 31, 23, 59, tzinfo=UTC),
    ),
    (
        "Epsilon",
        "",
        "",
        datetime.date(2010, 1, 15),
        None,
        None,
        True,
        (),
        datetime.datetime(2022, 3, 1, 12, 0, tzinfo=UTC),
    ),
    (
        "Zêta Liège SPRL",
        "Charleroi",
        "6000",
        datetime.date(2015, 5, 5),
        50.41,
        4.44,
        True,
        ("size:small", "technology:iot"),
        datetime.datetime(2021, 5, 5, 5, 5, tzinfo=UTC),
    ),
    (
        "Êta, virgule SA",
        "Namur",
        "5100",
        datetime.date(2010, 7, 20),
        50.44,
        4.9,
        False,
        ("technology:generative-ai",),
        datetime.datetime(2020, 2, 29, 0, 0, tzinfo=UTC),
    ),
    (
        "Thêta\nmultiligne",
        "Wavre",
        "1300",
        datetime.date(2020, 2, 29),
        50.72,
        4.6,
        True,
        ("technology:blockchain", "size:large"),
        datetime.datetime(2019, 7, 14, 14, 0, tzinfo=UTC),
    ),
]


def fixture_fields() -> list[Field]:
    return [
        Field("id", T("Identifiant", "Identifier"), "int", "pk"),
        Field("name", T("Dénomination", "Name"), "text", "name"),
        Field("city", T("Localité", "Locality"), "text", "city", facet=True),
        Field("postcode", T("Code postal", "Postcode"), "text", "postcode"),
        Field("founded_on", T("Création", "Founded"), "date", "founded_on", facet=True),
        Field("latitude", T("Latitude", "Latitude"), "double", "latitude"),
        Field("active", T("Active", "Active"), "boolean", "is_active", facet=True),
        Field("created_at", T("Créée le", "Created at"), "datetime", "created_at"),
        Field("position", T("Position", "Position"), "geo_point_2d", ("latitude", "longitude")),
        Field(
            "technology",
            T("Technologies", "Technologies"),
            "text",
            multivalued=True,
            facet=True,
            values=concept_values(Organisation, "technology"),
            scheme="technology",
        ),
        Field(
            "size",
            T("Taille", "Size"),
            "text",
            multivalued=True,
            facet=True,
            values=concept_values(Organisation, "size"),
            scheme="size",
        ),
    ]


FIXTURE = Dataset(
    id="fixture-organisations",
    title=T(
        "Organisations d'essai", "Test organisations", "Testorganisaties", "Testorganisationen"
    ),
    description=T("Jeu d'essai.", "Test dataset.", "Testdataset.", "Testdatensatz."),
    theme="ECON",
    keywords=Keywords(fr=("test",)),
    queryset=lambda: Organisation.objects.all(),
    fields=fixture_fields,
    modified=lambda: datetime.date(2024, 1, 1),
    container="organisation",
    search_columns=("name", "city"),
)


@pytest.fixture
def fixture_dataset() -> Iterator[Dataset]:
    registry._registry[FIXTURE.id] = FIXTURE
    try:
        yield FIXTURE
    finally:
        registry._registry.pop(FIXTURE.id, None)


@pytest.fixture
def orgs(db: Any, fixture_dataset: Dataset) -> list[dict[str, Any]]:
    """The fixture organisations, and each one's values as the oracle reads them."""
    index._cache.clear()
    selection._ids_cache.clear()
    cache.clear()
    rows = []
    for name, city, postcode, founded, lat, lon, active, tags, created in ROWS:
        org = organisation(
            name,
            *tags,
            city=city,
            postcode=postcode,
            founded_on=founded,
            latitude=lat,
            longitude=lon,
            is_active=active,
        )
        Organisation.objects.filter(pk=org.pk).update(created_at=created)
        rows.append(
            {
                "id": org.pk,
                "name": name,
                "city": city or None,
                "postcode": postcode or None,
                "founded_on": founded,
                "latitude": lat,
                "active": active,
                "created_at": created,
                "tags": set(tags),
            }
        )
    Organisation.objects.update(updated_at=F("created_at"))
    index.bump()
    return rows


@pytest.fixture
def api(orgs: list[dict[str, Any]]) -> Client:
    return Client()


RECORDS = "/api/explore/v2.1/catalog/datasets/fixture-organisations/records"
FACETS = "/api/explore/v2.1/catalog/datasets/fixture-organisations/facets"
EXPORTS = "/api/explore/v2.1/catalog/datasets/fixture-organisations/exports/"
