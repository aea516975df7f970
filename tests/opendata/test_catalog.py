"""The catalogue's routes as Opendatasoft documents them: ODSQL over the datasets, the
catalogue's facets, its exports (DCAT-AP, a table of datasets, RSS) and the lists of
formats, each checked against the registry."""

import csv
import io
import json
from typing import Any
from xml.etree import ElementTree

import openpyxl
import pytest
from django.test import Client

from territoria.opendata import registry
from territoria.opendata.registry import THEMES

API = "/api/explore/v2.1"
CATALOG = f"{API}/catalog/datasets"


def get(api: Client, path: str, **params: Any) -> Any:
    response = api.get(path, params)
    assert response.status_code == 200, response.content
    return response.json()


def datasets() -> list[registry.Dataset]:
    return registry.all_datasets()


def test_where_selects_datasets_by_their_values(api: Client) -> None:
    econ = THEMES["ECON"]["fr"]
    body = get(api, CATALOG, where=f'theme = "{econ}"', limit=-1)
    expected = [d.id for d in datasets() if d.theme == "ECON"]
    assert [d["dataset_id"] for d in body["results"]] == expected
    assert body["total_count"] == len(expected)
    # NOT, OR, IN, and comparisons with the records' count.
    body = get(
        api, CATALOG, where='not (theme = "Économie et finances") or dataset_id in ("calls")'
    )
    assert body["total_count"] == len([d for d in datasets() if d.theme != "ECON"]) + 1
    body = get(api, CATALOG, where="records_count >= 0", limit=-1)
    assert body["total_count"] == len(datasets())


def test_search_finds_words_in_titles_and_descriptions_without_case_or_accents(
    api: Client,
) -> None:
    organisations = registry.get("organisations")
    word = organisations.title.get("fr").split()[0]
    for where in (f'search("{word.upper()}")', f'"{word.lower()}"'):
        found = [d["dataset_id"] for d in get(api, CATALOG, where=where, limit=-1)["results"]]
        assert "organisations" in found
        for dataset_id in found:
            dataset = registry.get(dataset_id)
            text = " ".join(
                [
                    dataset.id,
                    dataset.title.get("fr"),
                    dataset.description.get("fr"),
                    *dataset.keywords.get("fr"),
                    THEMES[dataset.theme]["fr"],
                ]
            ).lower()
            assert word.lower() in text
    assert get(api, CATALOG, where='search("zzzyxq")')["total_count"] == 0


def test_select_order_by_and_group_by_shape_the_results(api: Client) -> None:
    body = get(
        api, CATALOG, select="dataset_id, records_count", order_by="dataset_id desc", limit=-1
    )
    ids = sorted((d.id for d in datasets()), reverse=True)
    assert [r["dataset_id"] for r in body["results"]] == ids
    assert all(set(r) == {"dataset_id", "records_count"} for r in body["results"])
    groups = get(api, CATALOG, select="count(*) as n", group_by="theme", order_by="n desc")
    counts: dict[str, int] = {}
    for dataset in datasets():
        label = THEMES[dataset.theme]["fr"]
        counts[label] = counts.get(label, 0) + 1
    # The group's key is in each result beside the aggregate.
    assert {g["theme"]: g["n"] for g in groups["results"]} == counts
    assert [g["n"] for g in groups["results"]] == sorted(counts.values(), reverse=True)
    total = get(api, CATALOG, select="count(*) as n, sum(records_count) as records")
    assert total["results"] == [
        {
            "n": len(datasets()),
            "records": sum(
                d["records_count"]
                for d in get(api, CATALOG, select="records_count", limit=-1)["results"]
            ),
        }
    ]


@pytest.mark.parametrize("field", ["theme", "keyword", "publisher", "language"])
def test_refine_and_exclude_split_the_catalogue(api: Client, field: str) -> None:
    facets = get(api, f"{API}/catalog/facets", facet=field)["facets"]
    assert [f["name"] for f in facets] == [field]
    total = len(datasets())
    for entry in facets[0]["facets"]:
        refined = get(api, CATALOG, refine=f"{field}:{entry['value']}", limit=0)["total_count"]
        excluded = get(api, CATALOG, exclude=f"{field}:{entry['value']}", limit=0)["total_count"]
        assert refined == entry["count"]
        assert refined + excluded == total


def test_catalogue_facets_count_and_keep_excluded_values(api: Client) -> None:
    body = get(api, f"{API}/catalog/facets")
    assert set(body) == {"links", "facets"}
    themes = {f["name"]: f for f in body["facets"]}["theme"]["facets"]
    econ = THEMES["ECON"]["fr"]
    assert {t["value"]: t["count"] for t in themes}[econ] == len(
        [d for d in datasets() if d.theme == "ECON"]
    )
    excluded = get(api, f"{API}/catalog/facets", facet="theme", exclude=f"theme:{econ}")
    states = {t["value"]: (t["state"], t["count"]) for t in excluded["facets"][0]["facets"]}
    assert states[econ] == ("excluded", len([d for d in datasets() if d.theme == "ECON"]))


def test_bad_catalogue_queries_answer_400(api: Client) -> None:
    for params in (
        {"where": "unknown_field = 1"},
        {"where": 'records_count = "x"'},
        {"select": "title, count(*)"},
        {"refine": "records_count:3"},
        {"limit": "101"},
        {"facet": "title"},
    ):
        path = f"{API}/catalog/facets" if "facet" in params else CATALOG
        response = api.get(path, params)
        assert response.status_code == 400, (params, response.content)
        assert set(response.json()) == {"error_code", "message"}


def test_the_catalogue_exports_as_a_table(api: Client) -> None:
    expected = sorted(d.id for d in datasets())
    raw = b"".join(api.get(f"{API}/catalog/exports/csv").streaming_content)
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert sorted(r["dataset_id"] for r in rows) == expected
    assert all(r["title"] and r["license"] for r in rows)
    data = json.loads(b"".join(api.get(f"{API}/catalog/exports/json").streaming_content))
    assert sorted(r["dataset_id"] for r in data) == expected
    econ = json.loads(
        b"".join(api.get(f"{API}/catalog/exports/json", {"refine": "theme:ECON"}).streaming_content)
    )
    assert sorted(r["dataset_id"] for r in econ) == sorted(
        d.id for d in datasets() if d.theme == "ECON"
    )
    book = openpyxl.load_workbook(
        io.BytesIO(b"".join(api.get(f"{API}/catalog/exports/xlsx").streaming_content))
    )
    sheet = book.active
    assert sheet is not None
    assert sorted(row[0] for row in sheet.iter_rows(min_row=2, values_only=True)) == expected


def test_the_catalogue_exports_as_an_rss_feed(api: Client) -> None:
    response = api.get(f"{API}/catalog/exports/rss")
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = ElementTree.fromstring(response.content).find("channel")  # noqa: S314 (our own feed)
    assert channel is not None
    titles = sorted(item.findtext("title") or "" for item in channel.iter("item"))
    assert titles == sorted(d.title.get("fr") for d in datasets())


@pytest.mark.parametrize("spelling", ["dcat", "dcat_ap_ch", "dcat-ap-ch", "dcat_ap_benap"])
def test_the_dcat_spellings_answer_the_catalogue(api: Client, spelling: str) -> None:
    response = api.get(f"{API}/catalog/exports/{spelling}")
    assert response.status_code == 200
    assert b"dcat:Catalog" in response.content


def test_the_lists_of_formats_link_to_working_exports(api: Client, orgs: Any) -> None:
    for path in ("catalog/exports", "catalog/datasets/fixture-organisations/exports"):
        links = get(api, f"{API}/{path}")["links"]
        assert links[0]["rel"] == "self"
        formats = [link["rel"] for link in links[1:]]
        assert "csv" in formats and "json" in formats
        for link in links[1:]:
            href = link["href"].removeprefix("http://testserver")
            assert api.get(href).status_code == 200, href


def test_a_record_is_read_by_its_identifier(api: Client, orgs: list[dict[str, Any]]) -> None:
    first = orgs[0]
    url = f"{CATALOG}/fixture-organisations/records/{first['id']}"
    record = get(api, url)
    assert record["name"] == first["name"]
    assert record["city"] == first["city"]
    assert get(api, url, select="name") == {"name": first["name"]}
    assert api.get(url + "/").status_code == 200
    for missing in ("999999999", "abc", "1e3"):
        response = api.get(f"{CATALOG}/fixture-organisations/records/{missing}")
        assert response.status_code == 404
        assert response.json()["error_code"] == "NoSuchRecord"


def test_attachments_and_the_catalogue_root_answer_links(api: Client, orgs: Any) -> None:
    body = get(api, f"{CATALOG}/fixture-organisations/attachments")
    assert body["attachments"] == []
    assert api.get(f"{CATALOG}/nope/attachments").status_code == 404
    for path in (f"{API}/catalog", f"{API}/catalog/", f"{API}/"):
        rels = {link["rel"] for link in get(api, path)["links"]}
        assert {"datasets", "facets", "exports"} <= rels


def test_dataset_descriptions_carry_opendatasoft_metas(api: Client, orgs: Any) -> None:
    body = get(api, f"{CATALOG}/fixture-organisations")
    default = body["metas"]["default"]
    for key in (
        "records_count",
        "modified",
        "source_domain_address",
        "references",
        "keyword",
        "source_domain_title",
        "geographic_reference",
        "timezone",
        "title",
        "parent_domain",
        "theme",
        "modified_updates_on_data_change",
        "metadata_processed",
        "data_processed",
        "territory",
        "description",
        "modified_updates_on_metadata_change",
        "shared_catalog",
        "source_domain",
        "attributions",
        "geographic_area_mode",
        "geographic_reference_auto",
        "geographic_area",
        "publisher",
        "language",
        "license",
        "source_dataset",
        "metadata_languages",
        "oauth_scope",
        "federated",
        "license_url",
    ):
        assert key in default, key
    assert default["records_count"] == len(orgs)
    assert "links" not in body
    linked = get(api, f"{CATALOG}/fixture-organisations", include_links="true")
    assert {link["rel"] for link in linked["links"]} >= {"self", "records", "facets"}
    assert api.get(CATALOG, {"include_links": "maybe"}).status_code == 400


def test_records_links_page_through_the_results(api: Client, orgs: list[Any]) -> None:
    body = get(api, f"{CATALOG}/fixture-organisations/records", limit=3, include_links="true")
    rels = {link["rel"]: link["href"] for link in body["links"]}
    assert set(rels) == {"self", "first", "last", "next"}
    assert "offset=3" in rels["next"]
    seen = []
    href: str | None = rels["first"]
    while href:
        page = get(api, href.removeprefix("http://testserver"))
        seen.extend(r["id"] for r in page["results"])
        href = {link["rel"]: link["href"] for link in page["links"]}.get("next")
    assert sorted(seen) == sorted(o["id"] for o in orgs)


@pytest.mark.parametrize("lang", ["es", "pt", "it", "ar", "ca", "eu", "sv"])
def test_every_opendatasoft_language_is_accepted_and_reads_french(
    api: Client, orgs: Any, lang: str
) -> None:
    body = get(api, f"{CATALOG}/fixture-organisations", lang=lang)
    assert body["metas"]["default"]["title"] == "Organisations d'essai"
    records = get(api, f"{CATALOG}/fixture-organisations/records", lang=lang, limit=1)
    assert records["total_count"] == len(orgs)
    assert api.get(CATALOG, {"lang": "xx"}).status_code == 400


def test_dates_compare_with_iso_texts_and_mistakes_answer_400(api: Client) -> None:
    everything = get(api, CATALOG, where="modified >= date'1900-01-01'", limit=-1)
    as_text = get(api, CATALOG, where='modified >= "1900-01-01T00:00:00"', limit=-1)
    assert as_text["total_count"] == everything["total_count"] > 0
    for path in (CATALOG, f"{API}/catalog/facets"):
        for where in ('modified > "yesterday"', "records_count > date'2020-01-01'"):
            response = api.get(path, {"where": where})
            assert response.status_code == 400, (path, where, response.content)
            assert response.json()["error_code"] == "ODSQLError"


def test_v1_q_on_the_catalogue_reads_as_the_explore_where(api: Client) -> None:
    v1 = "/api/datasets/1.0/search/"
    econ = THEMES["ECON"]["fr"]
    found = api.get(v1, {"q": f'theme:"{econ}"', "rows": 100}).json()
    assert sorted(d["datasetid"] for d in found["datasets"]) == sorted(
        d.id for d in datasets() if d.theme == "ECON"
    )
    assert api.get(v1, {"q": "datasetid:calls"}).json()["nhits"] >= 1
    # A dataset without a date of change (no records yet) is not after any date.
    dated = [d for d in datasets() if d.modified() is not None]
    assert api.get(v1, {"q": "modified>=1900"}).json()["nhits"] == len(dated)
    assert api.get(v1, {"q": "records_count>abc"}).status_code == 400


def test_a_record_takes_fields_not_aggregates(api: Client, orgs: list[dict[str, Any]]) -> None:
    url = f"{CATALOG}/fixture-organisations/records/{orgs[0]['id']}"
    for params in ({"select": "count(*)"}, {"group_by": "city"}):
        response = api.get(url, params)
        assert response.status_code == 400, params


def test_the_last_year_of_the_calendar_refines_like_any_other(
    api: Client, orgs: list[dict[str, Any]]
) -> None:
    records = f"{CATALOG}/fixture-organisations/records"
    for value in ("9999", "9999/12", "9999/12/31"):
        response = api.get(records, {"refine": f"founded_on:{value}"})
        assert response.status_code == 200, value
        assert response.json()["total_count"] == 0


def test_each_root_links_to_itself_with_or_without_the_slash(api: Client) -> None:
    for paths, own in (
        ((API, f"{API}/"), f"{API}/"),
        ((f"{API}/catalog", f"{API}/catalog/"), f"{API}/catalog"),
    ):
        for path in paths:
            links = {link["rel"]: link["href"] for link in get(api, path)["links"]}
            assert links["self"] == f"http://testserver{own}"
