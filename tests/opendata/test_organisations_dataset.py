"""The real `organisations` dataset: what it publishes, and whom it never shows."""

from typing import Any

import pytest
from django.test import Client

from territoria.opendata import selection
from territoria.taxonomy import index
from tests.factories import concept, organisation

URL = "/api/explore/v2.1/catalog/datasets/organisations/"


@pytest.fixture
def published(db: Any) -> dict[str, Any]:
    index._cache.clear()
    selection._ids_cache.clear()
    company = organisation(
        "Namur Data SRL",
        "technology:cloud",
        city="Namur",
        municipality=concept("territory:namur"),
        size_class=concept("size:small"),
    )
    company.save()  # the concept fields' tags follow the fields
    self_employed = organisation(
        "Jean Dupont", "org-type:self-employed", "technology:cloud", city="Namur"
    )
    by_form = organisation(
        "Marie Martin", "technology:cloud", legal_form="Personne physique", city="Namur"
    )
    index.bump()
    return {"company": company, "people": [self_employed, by_form]}


def test_it_reads_mirrored_concept_fields_as_their_tags(published: dict[str, Any]) -> None:
    client = Client()
    row = client.get(URL + "records", {"where": 'name = "Namur Data SRL"'}).json()["results"][0]
    assert row["territory"] == ["Namur"] and row["size"] == ["Petite entreprise"]
    assert row["technology"] == ["Cloud"]
    english = client.get(URL + "records", {"where": 'name = "Namur Data SRL"', "lang": "en"}).json()
    assert english["results"][0]["size"] == ["Small enterprise"]
    assert client.get(URL + "records", {"where": 'territory = "Namur"'}).json()["total_count"] == 1
    province = client.get(URL + "records", {"refine": "territory:Wallonie"}).json()
    assert province["total_count"] == 1


def test_it_never_publishes_natural_persons(published: dict[str, Any]) -> None:
    client = Client()
    names = [r["name"] for r in client.get(URL + "records", {"limit": 100}).json()["results"]]
    assert names == ["Namur Data SRL"]
    assert client.get(URL + "records", {"refine": "technology:Cloud"}).json()["total_count"] == 1
    assert client.get(URL + "records", {"where": 'search("Dupont")'}).json()["total_count"] == 0
    facets = client.get(URL + "facets", {"facet": ["technology", "city"]}).json()["facets"]
    assert {f["name"]: f["facets"][0]["count"] for f in facets} == {"technology": 1, "city": 1}
    export = b"".join(client.get(URL + "exports/csv").streaming_content).decode()
    assert "Dupont" not in export and "Martin" not in export
