"""Natural persons (self-employed) in public: only with a recorded consent, never their home.

Each test replays a finding of the hostile review as an anonymous visitor: the
organisation page, the directory (list, facet counts, CSV and XLSX), the magnet API,
the magnet page and its CSV, and the Open Data `organisations` dataset. One rule
(`ecosystem.services`): a natural person appears publicly once staff have recorded
their consent, and their street and coordinates never do; staff see everything.
"""

import csv
import io
import json
import re
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone

from territoria.core.models import AuditEntry, Role
from territoria.ecosystem.models import Event, Organisation
from territoria.opendata import selection
from territoria.taxonomy import index
from territoria.taxonomy.models import Magnet
from tests.conftest import make_user
from tests.factories import concept, organisation

DATASET = "/api/explore/v2.1/catalog/datasets/organisations/"
# What locates each natural person's home: the street and the coordinates.
HOMES = {
    "tagged": ("Rue des Lilas 7 bte 2", "50.5612", "4.6987"),
    "by_form": ("Chemin du Moulin 12", "50.7171", "4.6014"),
    "consenting": ("Avenue des Tilleuls 45", "50.6326", "5.5797"),
}


@pytest.fixture
def people(db: Any) -> dict[str, Organisation]:
    """A company and two natural persons (one by its tag, one by its legal form), no consent."""
    index._cache.clear()
    selection._ids_cache.clear()
    Magnet.objects.create(
        name="IA", slug="ia", expression={"concept": "technology:ai"}, is_public=True
    )
    records = {
        "company": organisation(
            "Nexalis SRL",
            "technology:ai",
            "org-type:startup",
            street="Rue de Fer 1",
            postcode="5000",
            city="Namur",
            latitude=50.4669,
            longitude=4.8675,
        ),
        "tagged": home_of("Jean Dupont", "tagged", "5030", "Gembloux", "org-type:self-employed"),
        "by_form": home_of("Marie Martin", "by_form", "1300", "Wavre", legal="Personne physique"),
    }
    index.bump()
    return records


@pytest.fixture
def consenting(people: dict[str, Organisation], users: dict[str, Any]) -> Organisation:
    """A natural person whose consent to publication staff have recorded."""
    person = home_of(
        "Luc Lambert", "consenting", "4000", "Liège", "org-type:self-employed", legal="Indépendant"
    )
    person.municipality = concept("territory:liege")
    person.publication_consent_at = timezone.now()
    person.publication_consent_by = users["staff"]
    person.save()
    return person


def home_of(name: str, key: str, postcode: str, city: str, *codes: str, legal: str = "") -> Any:
    street, latitude, longitude = HOMES[key]
    return organisation(
        name,
        "technology:ai",
        *codes,
        legal_form=legal,
        street=street,
        postcode=postcode,
        city=city,
        latitude=float(latitude),
        longitude=float(longitude),
    )


def text_of(response: Any) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode("utf-8-sig")


def xlsx_text(response: Any) -> str:
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return "\n".join(
        " ".join("" if cell is None else str(cell) for cell in row)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
    )


def assert_nothing_of(text: str, *people: Organisation) -> None:
    for person in people:
        assert person.name not in text and str(person.enterprise_number) not in text


def assert_no_home(text: str, *keys: str) -> None:
    for key in keys:
        for part in HOMES[key]:
            assert part not in text, part


def facet_count(facets: Any, code: str) -> int:
    """The count a facet tree (directory or magnet page) shows for the concept `code`."""
    for facet in facets:
        values = facet.values if hasattr(facet, "values") else [row for row, _depth in facet[1]]
        stack = list(values)
        while stack:
            value = stack.pop()
            if value.code == code:
                return int(value.count)
            stack.extend(value.children)
    return 0


def home_count(client: Client) -> int:
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    card = re.search(r"([\d,]+) organisations?, searchable", page)
    assert card is not None
    return int(card.group(1).replace(",", ""))


def evaluate(client: Client, expression: Any, facets: list[str]) -> dict[str, Any]:
    body = json.dumps({"expression": expression, "facets": facets, "limit": 100})
    answer = client.post("/api/v1/magnets/evaluate", body, content_type="application/json")
    assert answer.status_code == 200
    result: dict[str, Any] = answer.json()
    return result


def api_facet(answer: dict[str, Any], scheme: str, code: str) -> int:
    return sum(v["count"] for v in answer["facets"][scheme] if v["concept"] == code)


def open_data_facet(client: Client, field: str, value: str) -> int:
    facets = client.get(DATASET + "facets", {"facet": field}).json()["facets"]
    return sum(v["count"] for f in facets for v in f["facets"] if v["name"] == value)


# --- The review's reproductions: without consent, a natural person is nowhere public ------


def test_an_anonymous_visitor_cannot_open_a_natural_persons_page(client_for, people):
    for key in ("tagged", "by_form"):
        url = people[key].get_absolute_url()
        for role in ("anonymous", "applicant", "expert"):
            response = client_for(role).get(url)
            assert response.status_code == 404
            assert_nothing_of(response.content.decode(), people[key])
            assert_no_home(response.content.decode(), key)
        assert client_for("staff").get(url).status_code == 200


def test_the_directory_neither_lists_nor_counts_a_natural_person(client, people):
    response = client.get("/ecosystem/", {"c": "technology:ai"})
    assert [org.name for org in response.context["page"]] == ["Nexalis SRL"]
    assert response.context["page"].paginator.count == 1
    assert facet_count(response.context["facets"], "technology:ai") == 1
    assert facet_count(response.context["facets"], "org-type:self-employed") == 0
    for query in ("Dupont", "Martin", str(people["tagged"].enterprise_number), "Gembloux"):
        found = client.get("/ecosystem/", {"q": query})
        assert found.context["page"].paginator.count == 0, query
        assert list(found.context["page"]) == []
        assert_no_home(found.content.decode(), "tagged", "by_form")


def test_the_directory_downloads_leave_out_natural_persons(client, people):
    spreadsheet = client.get("/ecosystem/organisations.csv", {"c": "technology:ai"})
    rows = list(csv.DictReader(io.StringIO(text_of(spreadsheet)), delimiter=";"))
    assert [row["name"] for row in rows] == ["Nexalis SRL"]
    workbook = xlsx_text(client.get("/ecosystem/organisations.xlsx"))
    assert "Nexalis SRL" in workbook
    for text in (text_of(client.get("/ecosystem/organisations.csv")), workbook):
        assert_nothing_of(text, people["tagged"], people["by_form"])
        assert_no_home(text, "tagged", "by_form")


def test_the_magnet_api_neither_returns_nor_counts_a_natural_person(client_for, people):
    for role in ("anonymous", "staff"):  # magnets select public records, for staff too
        client = client_for(role)
        answer = evaluate(client, {"concept": "technology:ai"}, ["org-type", "technology"])
        assert answer["count"] == 1 and [r["name"] for r in answer["results"]] == ["Nexalis SRL"]
        assert api_facet(answer, "technology", "technology:ai") == 1
        assert api_facet(answer, "org-type", "org-type:self-employed") == 0
        person = evaluate(client, {"concept": "org-type:self-employed"}, [])
        assert person == {"count": 0, "results": [], "facets": {}}
        saved = client.get("/api/v1/magnets/ia/results", {"facets": "org-type"}).json()
        assert saved["count"] == 1 and [r["name"] for r in saved["results"]] == ["Nexalis SRL"]


def test_the_magnet_page_and_csv_leave_out_natural_persons(client, people):
    page = client.get("/magnets/ia/")
    assert [row["name"] for row in page.context["rows"]] == ["Nexalis SRL"]
    assert page.context["page"].paginator.count == 1
    assert facet_count(page.context["facets"], "technology:ai") == 1
    assert facet_count(page.context["facets"], "org-type:self-employed") == 0
    exported = text_of(client.get("/magnets/ia/export.csv"))
    assert "Nexalis SRL" in exported
    for text in (page.content.decode(), exported):
        assert_nothing_of(text, people["tagged"], people["by_form"])


def test_the_open_data_dataset_leaves_out_natural_persons(client, people):
    records = client.get(DATASET + "records", {"limit": 100}).json()
    assert [row["name"] for row in records["results"]] == ["Nexalis SRL"]
    assert records["total_count"] == 1
    assert open_data_facet(client, "org_type", "Indépendant") == 0
    assert client.get(DATASET + "records", {"where": 'search("Dupont")'}).json()["total_count"] == 0
    for kind in ("csv", "json", "geojson"):
        exported = text_of(client.get(DATASET + f"exports/{kind}"))
        assert_nothing_of(exported, people["tagged"], people["by_form"])
        assert_no_home(exported, "tagged", "by_form")


# --- With a recorded consent: public everywhere alike, the home nowhere --------------------


def test_a_consenting_persons_page_shows_the_locality_but_not_the_home(client_for, consenting):
    url = consenting.get_absolute_url()
    page = client_for("anonymous").get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Luc Lambert" in page and str(consenting.enterprise_number) in page
    assert "4000 Liège" in page
    assert_no_home(page, "consenting")
    assert "staff only" not in page and "Only staff see this page" not in page
    staff = client_for("staff").get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Avenue des Tilleuls 45, 4000 Liège" in staff
    assert "home: staff only" in staff
    assert "Only staff see this page" not in staff


def test_staff_are_told_that_the_public_does_not_see_a_person_without_consent(client_for, people):
    staff = client_for("staff")
    page = staff.get(people["tagged"].get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert "Only staff see this page" in page.content.decode()
    assert "Rue des Lilas 7 bte 2, 5030 Gembloux" in page.content.decode()
    company = staff.get(people["company"].get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert "Only staff see this page" not in company.content.decode()
    assert "staff only" not in company.content.decode()
    public = client_for("anonymous").get(people["company"].get_absolute_url()).content.decode()
    assert "Rue de Fer 1, 5000 Namur" in public  # a company's address stays public


def test_every_public_count_agrees_with_its_list(client, people, consenting):
    directory = client.get("/ecosystem/", {"c": "technology:ai"})
    listed = sorted(org.name for org in directory.context["page"])
    assert listed == ["Luc Lambert", "Nexalis SRL"]
    magnet = evaluate(client, {"concept": "technology:ai"}, ["org-type", "technology"])
    assert sorted(r["name"] for r in magnet["results"]) == listed
    records = client.get(
        DATASET + "records", {"refine": "technology:Intelligence artificielle", "limit": 100}
    ).json()
    assert sorted(r["name"] for r in records["results"]) == listed
    magnet_page = client.get("/magnets/ia/")
    assert sorted(r["name"] for r in magnet_page.context["rows"]) == listed
    catalogue = client.get(DATASET.rstrip("/")).json()["metas"]["default"]["records_count"]
    assert home_count(client) == catalogue == 2
    counts = {
        "directory": directory.context["page"].paginator.count,
        "directory facet": facet_count(directory.context["facets"], "technology:ai"),
        "magnet": magnet["count"],
        "magnet facet": api_facet(magnet, "technology", "technology:ai"),
        "magnet page": magnet_page.context["page"].paginator.count,
        "magnet page facet": facet_count(magnet_page.context["facets"], "technology:ai"),
        "open data": records["total_count"],
        "open data facet": open_data_facet(client, "technology", "Intelligence artificielle"),
    }
    assert set(counts.values()) == {2}, counts
    # One self-employed person is published, the other (no consent) counted nowhere.
    self_employed = (
        facet_count(directory.context["facets"], "org-type:self-employed"),
        api_facet(magnet, "org-type", "org-type:self-employed"),
        facet_count(magnet_page.context["facets"], "org-type:self-employed"),
        open_data_facet(client, "org_type", "Indépendant"),
    )
    assert self_employed == (1, 1, 1, 1)


def test_the_directory_and_its_downloads_never_show_a_home(client, people, consenting):
    found = client.get("/ecosystem/", {"q": "Lambert"})
    assert [org.name for org in found.context["page"]] == ["Luc Lambert"]
    assert "Liège" in found.content.decode()
    assert client.get("/ecosystem/", {"q": "Tilleuls"}).context["page"].paginator.count == 0
    spreadsheet = text_of(client.get("/ecosystem/organisations.csv"))
    rows = {row["name"]: row for row in csv.DictReader(io.StringIO(spreadsheet), delimiter=";")}
    assert sorted(rows) == ["Luc Lambert", "Nexalis SRL"]
    person, company = rows["Luc Lambert"], rows["Nexalis SRL"]
    assert (person["street"], person["geo_point_2d"]) == ("", "")
    assert (person["postcode"], person["city"]) == ("4000", "Liège")
    assert company["street"] == "Rue de Fer 1" and company["geo_point_2d"].startswith("50.4669")
    workbook = xlsx_text(client.get("/ecosystem/organisations.xlsx"))
    assert "Luc Lambert" in workbook and "Rue de Fer 1" in workbook
    for text in (spreadsheet, workbook, found.content.decode()):
        assert_no_home(text, "consenting", "tagged", "by_form")


def test_the_magnet_api_page_and_csv_name_a_consenting_person_without_their_home(
    client, people, consenting
):
    answer = evaluate(client, {"concept": "org-type:self-employed"}, ["territory"])
    assert [r["name"] for r in answer["results"]] == ["Luc Lambert"] and answer["count"] == 1
    saved = client.get("/api/v1/magnets/ia/results").json()
    exported = text_of(client.get("/magnets/ia/export.csv"))
    page = client.get("/magnets/ia/").content.decode()
    for text in (json.dumps(answer, ensure_ascii=False), json.dumps(saved), exported, page):
        assert "Luc Lambert" in text
        assert_no_home(text, "consenting", "tagged", "by_form")
        assert_nothing_of(text, people["tagged"], people["by_form"])


def test_the_open_data_dataset_publishes_a_consenting_person_without_their_home(
    client, people, consenting
):
    where = 'name = "Luc Lambert"'
    row = client.get(DATASET + "records", {"where": where}).json()["results"][0]
    assert (row["street"], row["geo_point_2d"]) == (None, None)
    assert (row["postcode"], row["city"], row["legal_form"]) == ("4000", "Liège", "Indépendant")
    company = client.get(DATASET + "records", {"where": 'name = "Nexalis SRL"'}).json()
    assert company["results"][0]["street"] == "Rue de Fer 1"
    assert company["results"][0]["geo_point_2d"] == {"lon": 4.8675, "lat": 50.4669}
    # Conditions and groups read the same withheld columns: they are no oracle of a home.
    for condition in ('street like "%Tilleuls%"', 'street = "Avenue des Tilleuls 45"'):
        assert client.get(DATASET + "records", {"where": condition}).json()["total_count"] == 0
    located = client.get(DATASET + "records", {"where": "geo_point_2d is not null"}).json()
    assert [r["name"] for r in located["results"]] == ["Nexalis SRL"]
    grouped = client.get(DATASET + "records", {"select": "street, count(*)", "group_by": "street"})
    assert grouped.status_code == 200
    assert_no_home(json.dumps(grouped.json(), ensure_ascii=False), "consenting")
    for kind in ("csv", "json", "jsonl", "geojson"):
        exported = text_of(client.get(DATASET + f"exports/{kind}"))
        assert "Luc Lambert" in exported, kind
        assert_no_home(exported, "consenting", "tagged", "by_form")
        assert_nothing_of(exported, people["tagged"], people["by_form"])


def test_an_event_names_a_consenting_organiser_and_withholds_the_others(client, people, consenting):
    published = Event.objects.create(
        title="Atelier IA", starts_on="2026-03-01", organiser=consenting
    )
    published.participants.add(consenting, people["tagged"], people["company"])
    Event.objects.create(title="Café IA", starts_on="2026-03-02", organiser=people["by_form"])
    page = client.get("/ecosystem/events/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Luc Lambert" in page and "Marie Martin" not in page
    assert "2 participating organisations" in page
    rows = client.get("/api/explore/v2.1/catalog/datasets/events/records").json()["results"]
    assert {row["title"]: row["organiser"] for row in rows} == {
        "Atelier IA": "Luc Lambert",
        "Café IA": None,
    }


def admin_form(client: Client, org: Organisation, **changes: str) -> dict[str, Any]:
    """The back office's change form of `org` as it comes, with `changes`."""
    form = client.get(f"/admin/ecosystem/organisation/{org.pk}/change/").context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value not in (None, False)}
    data.update(
        {
            "taxonomy-tag-content_type-object_id-TOTAL_FORMS": "0",
            "taxonomy-tag-content_type-object_id-INITIAL_FORMS": "0",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            **changes,
        }
    )
    return data


def test_staff_record_and_withdraw_a_consent_in_the_audited_back_office(client_for, users, people):
    staff, anonymous = client_for("staff"), client_for("anonymous")
    person = people["tagged"]
    url = f"/admin/ecosystem/organisation/{person.pk}/change/"
    assert anonymous.get(person.get_absolute_url()).status_code == 404
    assert home_count(anonymous) == 1

    response = staff.post(url, admin_form(staff, person, publication_consent="on"))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.publication_consent_at is not None
    assert person.publication_consent_by == users["staff"]
    entry = AuditEntry.objects.filter(action="organisation.change", object_id=str(person.pk)).get()
    assert entry.actor == users["staff"] and entry.before["publication_consent_at"] is None
    assert entry.after["publication_consent_by_id"] == users["staff"].pk
    assert entry.after["publication_consent_at"] is not None
    page = anonymous.get(person.get_absolute_url())
    assert page.status_code == 200
    assert_no_home(page.content.decode(), "tagged")
    assert home_count(anonymous) == 2
    assert evaluate(anonymous, {"concept": "org-type:self-employed"}, [])["count"] == 1
    recorded = person.publication_consent_at

    # Saved again with the box still ticked: the consent keeps its date and author.
    staff.force_login(make_user("other-staff", Role.STAFF))
    staff.post(url, admin_form(staff, person, publication_consent="on", name="Jean Dupont SPRL"))
    person.refresh_from_db()
    assert (person.publication_consent_at, person.publication_consent_by) == (
        recorded,
        users["staff"],
    )

    data = admin_form(staff, person)
    data.pop("publication_consent", None)
    assert staff.post(url, data).status_code == 302
    person.refresh_from_db()
    assert (person.publication_consent_at, person.publication_consent_by) == (None, None)
    withdrawn = AuditEntry.objects.filter(action="organisation.change", object_id=str(person.pk))
    assert withdrawn.latest("created_at").after["publication_consent_at"] is None
    assert anonymous.get(person.get_absolute_url()).status_code == 404
    assert home_count(anonymous) == 1
    assert evaluate(anonymous, {"concept": "org-type:self-employed"}, [])["count"] == 0


def test_the_consent_form_is_for_staff_only(client_for, people):
    url = f"/admin/ecosystem/organisation/{people['tagged'].pk}/change/"
    for role in ("anonymous", "applicant", "expert", "evaluator"):
        client_for(role).post(url, {"publication_consent": "on", "name": "x"})
    people["tagged"].refresh_from_db()
    assert people["tagged"].publication_consent_at is None
    assert client_for("anonymous").get(people["tagged"].get_absolute_url()).status_code == 404


def test_withdrawing_a_consent_moves_the_datasets_date_forward(people, consenting, users):
    """The review's finding: `modified` was the latest change among public rows, so it went
    back when a consenting person (the latest change) withdrew and left the dataset; a
    client that fetches when modified changes kept the withdrawn person."""
    from territoria.opendata import registry

    dataset = registry.get("organisations")
    published = dataset.modified()
    consenting.record_publication_consent(False, by=users["staff"])
    consenting.save()
    assert dataset.modified() > published
