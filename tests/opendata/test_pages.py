"""The Open Data pages: the catalogue, and a dataset's preview, filters, API address and
downloads, on the fixture organisations (tests/opendata/conftest.py)."""

import csv
import html
import io
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import translation

from territoria.opendata import odsql
from territoria.opendata.views import combined_where, display, search_condition
from tests.factories import organisation

PAGE = "/data/fixture-organisations/"


def api_url(body: str) -> str:
    found = re.search(r'id="api-url" value="([^"]+)"', body)
    assert found, "the page shows no API address"
    return html.unescape(found.group(1))


def download_url(body: str, format_name: str) -> str:
    found = re.search(rf'id="download-{format_name}" href="([^"]+)"', body)
    assert found, f"no {format_name} download"
    return html.unescape(found.group(1))


def preview_rows(body: str) -> list[list[str]]:
    table = body.split('id="records-table"', 1)[1].split("</table>", 1)[0]
    tbody = table.split("<tbody>", 1)[1]
    return [
        [
            html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<td>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", tbody, re.S)
    ]


def header(body: str) -> list[str]:
    return re.findall(r'<th scope="col" data-field="([^"]+)"', body)


@pytest.mark.django_db
def test_it_lists_the_published_datasets_with_the_dcat_catalogue(
    client: Client, orgs: list[dict[str, Any]]
) -> None:
    response = client.get("/data/")
    assert response.status_code == 200
    body = response.content.decode()
    for dataset_id in ("organisations", "events", "publications", "fixture-organisations"):
        assert f'href="/data/{dataset_id}/"' in body
    assert "Organisations d&#x27;essai" in body
    assert "Jeu d&#x27;essai." in body
    assert "CC-BY-4.0" in body
    assert "1 janvier 2024" in body  # the fixture's last modification
    for format_name in ("dcat", "rdf", "jsonld"):
        assert f'href="/api/explore/v2.1/catalog/exports/{format_name}"' in body
    assert "Opendatasoft" in body


@pytest.mark.django_db
def test_it_shows_a_dataset_with_its_preview_facets_api_address_and_downloads(
    client: Client, orgs: list[dict[str, Any]]
) -> None:
    response = client.get(PAGE)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>Organisations d&#x27;essai</h1>" in body
    assert f"{len(orgs)} fiches" in body
    rows = preview_rows(body)
    assert len(rows) == len(orgs)
    names = header(body).index("name")
    assert {row[names] for row in rows} == {o["name"] for o in orgs}
    # Facet values with their counts, as refine checkboxes.
    assert re.search(
        r'value="city:Liège"[^>]*>\s*<span>Liège</span> <span class="count">2</span>', body
    )
    assert re.search(r'value="active:true"[^>]*>\s*<span>Oui</span>', body)
    # The fields, with their names, types and annotations.
    assert '<th scope="row"><code>technology</code></th>' in body
    # The API address is absolute and pages like the preview.
    address = urlsplit(api_url(body))
    assert address.scheme == "http" and address.netloc == "testserver"
    assert address.path == "/api/explore/v2.1/catalog/datasets/fixture-organisations/records"
    assert parse_qs(address.query) == {"lang": ["fr"], "limit": ["20"], "offset": ["0"]}
    for format_name in ("csv", "json", "jsonl", "geojson", "parquet", "xlsx"):
        url = download_url(body, format_name)
        assert url.startswith(
            f"/api/explore/v2.1/catalog/datasets/fixture-organisations/exports/{format_name}?"
        )


@pytest.mark.django_db
def test_it_offers_geojson_only_for_located_records(client: Client, db: Any) -> None:
    body = client.get("/data/events/").content.decode()
    assert 'id="download-csv"' in body
    assert 'id="download-geojson"' not in body
    assert 'id="download-geojson"' in client.get("/data/organisations/").content.decode()


@pytest.mark.django_db
def test_it_carries_the_filters_to_the_api_address_and_the_downloads(
    client: Client, orgs: list[dict[str, Any]]
) -> None:
    response = client.get(PAGE, {"q": "SA", "refine": "city:Liège"})
    body = response.content.decode()
    expected = [o for o in orgs if o["city"] == "Liège" and "SA" in o["name"].upper()]
    assert expected and len(expected) < len(orgs)
    assert len(preview_rows(body)) == len(expected)
    assert re.search(r'value="city:Liège"[^>]*checked', body)
    address = api_url(body)
    params = parse_qs(urlsplit(address).query)
    assert params["where"] == ['search("SA")']
    assert params["refine"] == ["city:Liège"]
    answer = client.get(address).json()
    assert answer["total_count"] == len(expected)
    assert {r["name"] for r in answer["results"]} == {o["name"] for o in expected}

    csv_url = download_url(body, "csv")
    assert parse_qs(urlsplit(csv_url).query) == {
        "where": ['search("SA")'],
        "refine": ["city:Liège"],
        "lang": ["fr"],
    }
    export = client.get(csv_url)
    assert export.status_code == 200
    lines = list(
        csv.reader(io.StringIO(b"".join(export.streaming_content).decode()), delimiter=";")
    )
    assert len(lines) == 1 + len(expected)


@pytest.mark.django_db
def test_it_removes_a_filter_from_its_chip(client: Client, orgs: list[dict[str, Any]]) -> None:
    body = client.get(PAGE, {"q": "SA", "refine": ["city:Liège", "active:true"]}).content.decode()
    assert "Localité : Liège" in body
    assert "Active : Oui" in body
    assert 'href="/data/fixture-organisations/?q=SA&amp;refine=active%3Atrue"' in body


@pytest.mark.django_db
def test_a_refined_value_the_selection_no_longer_holds_stays_ticked(
    client: Client, orgs: list[dict[str, Any]]
) -> None:
    body = client.get(PAGE, {"refine": "city:Mons", "q": "Alpha"}).content.decode()
    assert "0 fiche" in body
    assert re.search(
        r'value="city:Mons"[^>]*checked>\s*<span>Mons</span> <span class="count">0</span>', body
    )


@pytest.mark.django_db
def test_the_menu_leads_to_the_open_data(client: Client, db: Any) -> None:
    body = client.get("/").content.decode()
    assert '<a href="/data/">Données ouvertes</a>' in body
    assert '<a href="/data/" aria-current="page">' in client.get("/data/").content.decode()


@pytest.mark.django_db
def test_it_answers_htmx_with_the_results_and_a_live_count(
    client: Client, orgs: list[dict[str, Any]]
) -> None:
    response = client.get(PAGE, {"refine": "city:Namur"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert 'id="records-table"' in body
    assert re.search(r'<p id="dataset-live" hx-swap-oob="innerHTML">2 fiches</p>', body)
    assert "HX-Request" in response["Vary"]
    # A history restore asks for the whole page.
    restore = client.get(PAGE, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restore.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"where": "name = "}, "at position"),
        ({"where": "nowhere = 1"}, "nowhere"),
        ({"where": 'name = "a" AND'}, "at position"),
        ({"refine": "nowhere:x"}, "unknown field"),
        ({"refine": "no colon"}, "field:value"),
        ({"refine": "active:maybe"}, "true or false"),
        ({"q": "x", "where": "1 = "}, "at position"),
        ({"where": "name = 'a\x00'"}, "NUL"),
    ],
)
def test_it_shows_a_refused_query_in_an_alert_with_the_form_filled(
    client: Client, orgs: list[dict[str, Any]], params: dict[str, str], message: str, htmx: bool
) -> None:
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.get(PAGE, params, headers=headers)
    # The page of a refused query is a 400; the fragment HTMX swaps in, a 200.
    assert response.status_code == (200 if htmx else 400)
    body = response.content.decode()
    alert = body.split('role="alert"', 1)[1].split("</div>", 1)[0]
    assert message in html.unescape(alert)
    assert 'id="records-table"' not in body
    if not htmx:
        if "where" in params:
            assert f">{html.escape(params['where'].strip())}</textarea>" in body
        if "q" in params:
            assert f'name="q" value="{params["q"]}"' in body


@pytest.mark.django_db
def test_it_reports_a_condition_mistake_at_its_place_in_the_visitors_text(
    client: Client, orgs: list[dict[str, Any]]
) -> None:
    alone = client.get(PAGE, {"where": "name = = 1"}).content.decode()
    with_search = client.get(PAGE, {"where": "name = = 1", "q": "Alpha"}).content.decode()
    position = re.search(r"at position (\d+)", alone)
    assert position is not None
    assert f"at position {position.group(1)}" in with_search


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "found"),
    [
        ('Delta "Quoted"', {'Delta "Quoted"; SA'}),
        ('"Quoted";', {'Delta "Quoted"; SA'}),
        ("back\\slash", set()),
        ('\\"', set()),
        ("trailing\\", set()),
        ("line\nbreak", set()),
        ("Alpha\tSA", {"Alpha SA"}),
    ],
)
def test_it_searches_texts_with_quotes_and_backslashes(
    client: Client, orgs: list[dict[str, Any]], text: str, found: set[str]
) -> None:
    body = client.get(PAGE, {"q": text}).content.decode()
    assert 'role="alert"' not in body
    names = header(body).index("name")
    rows = [row for row in preview_rows(body) if len(row) > 1]
    assert {row[names] for row in rows} == found
    assert parse_qs(urlsplit(api_url(body)).query)["where"] == [search_condition(text.strip())]


def test_the_search_text_becomes_one_odsql_string_whatever_it_holds() -> None:
    for text in ['a"b', "a\\b", 'a\\"b', "\\", '"', 'x") OR (1=1', "é\u00a0ü", "a\nb\x00c"]:
        tree = odsql.parse_where(search_condition(text))
        assert isinstance(tree, odsql.Truthy) and isinstance(tree.value, odsql.Call)
        assert tree.value.name == "search"
        (argument,) = tree.value.args
        expected = "".join(" " if ch < " " else ch for ch in text)
        assert argument == odsql.Literal(expected)
    assert combined_where("x", "a = 1 OR b = 2") == 'search("x") AND (a = 1 OR b = 2)'
    assert combined_where("", "a = 1") == "a = 1"
    assert combined_where("", "") == ""


@pytest.mark.django_db
def test_it_shows_values_for_the_language(client: Client, orgs: list[dict[str, Any]]) -> None:
    body = client.get(PAGE, {"where": 'name = "Bêta SRL"'}).content.decode()
    names = header(body)
    (row,) = preview_rows(body)
    value = dict(zip(names, row, strict=True))
    assert value["founded_on"] == "01/07/2010"
    assert value["active"] == "Oui"
    # A point is written like the other numbers of the page (it was "50.46, 4.87").
    assert value["position"] == "50,46; 4,87"
    assert value["latitude"] == "50,46"
    assert value["technology"] == "Cloud, Intelligence artificielle"
    # 23:30 UTC is half past midnight the next day in Brussels.
    assert value["created_at"] == "02/01/2024 00:30"
    gamma_body = client.get(PAGE, {"where": 'name = "Gamma ASBL"'}).content.decode()
    gamma = dict(zip(header(gamma_body), preview_rows(gamma_body)[0], strict=True))
    assert gamma["active"] == "Non"
    # A column no record of the page fills is folded and named under the table.
    folded = gamma_body.split('id="folded-columns">', 1)[1].split("</p>", 1)[0]
    for name in ("founded_on", "position", "size"):
        assert name not in gamma
        assert f'data-field="{name}"' in folded


@pytest.mark.django_db
def test_it_pages_the_preview_by_twenty(client: Client, orgs: list[dict[str, Any]]) -> None:
    for number in range(17):
        organisation(f"Extra {number:02}", city="Arlon")
    total = len(orgs) + 17
    first = client.get(PAGE).content.decode()
    assert len(preview_rows(first)) == 20
    assert "Page 1 sur 2" in first
    assert 'href="?page=2"' in first
    second = client.get(PAGE, {"page": "2"}).content.decode()
    assert len(preview_rows(second)) == total - 20
    assert parse_qs(urlsplit(api_url(second)).query)["offset"] == ["20"]
    # Past the last page, or not a number: the nearest page.
    assert len(preview_rows(client.get(PAGE, {"page": "99"}).content.decode())) == total - 20
    assert len(preview_rows(client.get(PAGE, {"page": "x"}).content.decode())) == 20
    # The filters stay on the next page's link.
    filtered = client.get(PAGE, {"refine": "city:Arlon"}).content.decode()
    assert 'href="?refine=city%3AArlon&amp;page=2"' not in filtered  # 17 records: one page
    assert "17 fiches" in filtered


@pytest.mark.django_db
def test_an_unknown_dataset_is_not_found(client: Client, db: Any) -> None:
    assert client.get("/data/nope/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "heading", "label"),
    [
        ("fr", "Explorer les fiches", "Dénomination"),
        ("nl", "De records verkennen", "Dénomination"),
        ("de", "Datensätze erkunden", "Dénomination"),
        ("en", "Explore the records", "Name"),
    ],
)
def test_the_pages_exist_in_the_four_languages(
    client: Client, orgs: list[dict[str, Any]], language: str, heading: str, label: str
) -> None:
    headers = {"Accept-Language": language}
    body = client.get(PAGE, headers=headers).content.decode()
    assert f'<html lang="{language}">' in body
    assert heading in body
    assert f'data-field="name">{label}</th>' in body
    assert parse_qs(urlsplit(api_url(body)).query)["lang"] == [language]
    catalogue = client.get("/data/", headers=headers).content.decode()
    title = {"fr": "Données ouvertes", "nl": "Open data", "de": "Offene Daten", "en": "Open data"}
    assert f"<h1>{title[language]}</h1>" in catalogue


@pytest.mark.parametrize(
    "language, point, number",
    [
        ("fr", "50,4674; 4,8719", "1\u202f234,5"),
        ("nl", "50,4674; 4,8719", "1.234,5"),
        ("de", "50,4674; 4,8719", "1.234,5"),
        ("en", "50.4674, 4.8719", "1,234.5"),
    ],
)
def test_the_preview_writes_numbers_and_points_in_the_page_language(language, point, number):
    with translation.override(language):
        assert display({"lat": 50.4674, "lon": 4.8719}, "geo_point_2d").text == point
        assert display(1234.5, "double").text == number
