"""Faults a hostile review found in the Explore API, each kept fixed by a test."""

from typing import Any

import pytest
from django.test import Client

from tests.factories import organisation
from tests.opendata.conftest import EXPORTS, FACETS, RECORDS

API = "/api/explore/v2.1/catalog/datasets/"


@pytest.mark.parametrize(
    "params",
    [
        {"group_by": "name"},
        {"select": "max(name) as last, min(city) as first"},
        {"group_by": "year(founded_on) as y", "select": "y, count(y) as n"},
        {"group_by": "city as town", "select": "town, max(town) as m"},
        {
            "group_by": "city",
            "select": "city, count(*) as n",
            "order_by": "n desc",
            "limit": 2,
            "offset": 1,
        },
    ],
)
def test_aggregates_over_texts_and_group_aliases_answer(
    api: Client, params: dict[str, Any]
) -> None:
    assert api.get(RECORDS, params).status_code == 200


def test_long_texts_group_and_aggregate_on_the_real_datasets(api: Client) -> None:
    assert api.get(API + "organisations/records", {"group_by": "description"}).status_code == 200
    assert api.get(API + "organisations/records", {"select": "max(description)"}).status_code == 200


@pytest.mark.parametrize("format_name", ["csv", "json", "jsonl", "geojson", "parquet", "xlsx"])
@pytest.mark.parametrize(
    "params", [{"limit": "0"}, {"where": "false"}, {"refine": "technology:Nothing like it"}]
)
def test_an_export_of_nothing_is_a_file_with_no_rows(
    api: Client, format_name: str, params: dict[str, str]
) -> None:
    response = api.get(EXPORTS + format_name, params)
    assert response.status_code == 200
    b"".join(response.streaming_content)


@pytest.mark.parametrize(
    ("url", "params"),
    [
        (RECORDS, {"refine": "founded_on:9999"}),
        (RECORDS, {"refine": "founded_on:9999/12"}),
        (RECORDS, {"refine": "founded_on:9999/12/31"}),
        (RECORDS, {"where": "created_at >= date'0001-01-01'", "timezone": "America/Adak"}),
        (
            RECORDS,
            {"where": "created_at < '9999-12-31T23:59:59'", "timezone": "Pacific/Kiritimati"},
        ),
        (RECORDS, {"limit": "--5"}),
        (RECORDS, {"offset": "--1"}),
        (RECORDS, {"where": "founded_on = date'2010-07-01xyz'"}),
        ("/api/explore/v2.1/catalog/datasets", {"limit": "9" * 5000}),
        (API + "calls/records", {"refine": "year:99999999999999999999"}),
    ],
)
def test_out_of_range_values_are_client_errors(
    api: Client, url: str, params: dict[str, str]
) -> None:
    response = api.get(url, params)
    assert response.status_code in (200, 400), response.content[:300]
    if response.status_code == 400:
        assert set(response.json()) == {"error_code", "message"}


def test_a_natural_person_dates_nothing_in_the_organisations_metadata(db: Any) -> None:
    import datetime

    from territoria.ecosystem.models import Organisation

    person = organisation(
        "Jean Indépendant", "org-type:self-employed", founded_on=datetime.date(1850, 5, 6)
    )
    Organisation.objects.filter(pk=person.pk).update(
        updated_at=datetime.datetime(2030, 1, 2, tzinfo=datetime.UTC)
    )
    metas = Client().get(API + "organisations").json()["metas"]["default"]
    assert metas["records_count"] == 0 and metas["modified"] is None
    catalogue = Client().get("/api/explore/v2.1/catalog/exports/dcat").content.decode()
    assert "1850-05-06" not in catalogue and "2030-01-02" not in catalogue


def test_a_hierarchical_facet_value_refines_to_exactly_its_count(api: Client) -> None:
    values = api.get(FACETS, {"facet": "technology"}).json()["facets"][0]["facets"]
    ai = next(v for v in values if v["name"] == "Intelligence artificielle")
    child = next(v for v in values if v["name"] == "Apprentissage automatique")
    assert child["value"] == "Intelligence artificielle/Apprentissage automatique"
    for value in (ai, child):
        body = api.get(RECORDS, {"refine": f"technology:{value['value']}"}).json()
        assert body["total_count"] == value["count"]
    state = api.get(
        FACETS, {"facet": "technology", "refine": f"technology:{child['value']}"}
    ).json()
    refined = [v for v in state["facets"][0]["facets"] if v["state"] == "refined"]
    assert [v["name"] for v in refined] == ["Apprentissage automatique"]
    by_code = api.get(RECORDS, {"refine": "technology:machine-learning"}).json()
    assert by_code["total_count"] == child["count"]
