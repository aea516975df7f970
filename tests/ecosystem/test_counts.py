"""One definition per public number: the organisations anyone may see and count.

Natural persons (self-employed, by their tag or their legal form) are personal data: no
public page, magnet, API or dataset lists or counts them; staff open their page. Inactive
organisations are listed (marked inactive) and counted everywhere alike.
"""

import csv
import io
import json
import re

import pytest

from territoria.ecosystem.models import Event
from tests.factories import organisation


@pytest.fixture
def register(db):
    return {
        "ai": organisation("Nexalis", "technology:ai", "org-type:startup"),
        "inactive": organisation("Datavia", "technology:ai", is_active=False),
        "tagged_person": organisation("Jean Dupont", "technology:ai", "org-type:self-employed"),
        "person": organisation("Marie Martin", "technology:ai", legal_form="Personne physique"),
        "bakery": organisation("Boulangerie Dupont", "nace:C10"),
    }


def directory_count(client, query: str = "") -> int:
    page = client.get(f"/ecosystem/?{query}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    heading = re.search(r'id="results-heading"[^>]*>\s*([\d,]+) organisation', page)
    assert heading is not None
    return int(heading.group(1).replace(",", ""))


def home_count(client) -> int:
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    card = re.search(r"([\d,]+) organisations?, searchable", page)
    assert card is not None
    return int(card.group(1).replace(",", ""))


def api_count(client, *refine: str) -> int:
    url = "/api/explore/v2.1/catalog/datasets/organisations/records"
    answer = client.get(url, {"refine": list(refine), "limit": 0}).json()
    return int(answer["total_count"])


def magnet_count(client, expression: dict[str, object]) -> int:
    body = json.dumps({"expression": expression, "limit": 0})
    answer = client.post("/api/v1/magnets/evaluate", body, content_type="application/json")
    return int(answer.json()["count"])


def test_the_public_counts_agree_across_home_directory_open_data_and_magnets(client, register):
    assert home_count(client) == directory_count(client) == api_count(client) == 3
    ai = (
        directory_count(client, "c=technology:ai"),
        api_count(client, "technology:ai"),
        magnet_count(client, {"concept": "technology:ai"}),
    )
    assert ai == (2, 2, 2)
    assert magnet_count(client, {"not": {"concept": "technology:ai"}}) == 1
    catalogue = client.get("/api/explore/v2.1/catalog/datasets/organisations").json()
    assert catalogue["metas"]["default"]["records_count"] == 3


def test_no_public_page_lists_a_natural_person(client, register):
    for url in ("/", "/ecosystem/", "/ecosystem/?q=dupont", "/ecosystem/organisations.csv"):
        text = client.get(url).getvalue().decode("utf-8-sig")
        assert "Jean Dupont" not in text and "Marie Martin" not in text
    assert "Boulangerie Dupont" in client.get("/ecosystem/?q=dupont").content.decode()


def test_only_staff_open_a_natural_persons_page(client, client_for, register):
    for key in ("tagged_person", "person"):
        url = register[key].get_absolute_url()
        assert client.get(url).status_code == 404
        assert client_for("applicant").get(url).status_code == 404
        assert client_for("staff").get(url).status_code == 200
    assert client.get(register["inactive"].get_absolute_url()).status_code == 200


def test_an_event_hides_a_natural_person_organiser_and_participant(client, register):
    event = Event.objects.create(
        title="Atelier IA", starts_on="2026-03-01", organiser=register["person"]
    )
    event.participants.add(register["tagged_person"], register["ai"])
    page = client.get("/ecosystem/events/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Marie Martin" not in page
    assert "1 participating organisation" in page


def test_the_directory_csv_has_the_public_rows_of_its_selection(client, register):
    response = client.get("/ecosystem/organisations.csv", {"c": "technology:ai"})
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig")), delimiter=";"))
    assert sorted(row["name"] for row in rows) == ["Datavia", "Nexalis"]
