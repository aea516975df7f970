"""A facet's exclusion is the complement of its refinement: for every value of every facet,
the records refined by it and the records excluded by it make up the whole selection,
records without any value for the field included (they are never refined, so an exclusion
keeps them)."""

from typing import Any

import pytest
from django.test import Client

from tests.opendata.conftest import FACETS, RECORDS


def count(api: Client, **params: Any) -> int:
    response = api.get(RECORDS, {"limit": 0, **params})
    assert response.status_code == 200, response.content
    return int(response.json()["total_count"])


@pytest.mark.parametrize("facet", ["city", "founded_on", "active", "technology", "size"])
@pytest.mark.parametrize("where", [None, "latitude > 50.44"])
def test_refine_and_exclude_make_up_the_whole(
    api: Client, orgs: list[dict[str, Any]], facet: str, where: str | None
) -> None:
    base = {"where": where} if where else {}
    total = count(api, **base)
    facets = api.get(FACETS, {"facet": facet, **base}).json()["facets"]
    values = [entry["value"] for entry in facets[0]["facets"]]
    assert values, facet
    for value in values:
        refined = count(api, refine=f"{facet}:{value}", **base)
        excluded = count(api, exclude=f"{facet}:{value}", **base)
        assert refined + excluded == total, (facet, value, refined, excluded)


def test_an_exclusion_keeps_the_records_without_a_value(
    api: Client, orgs: list[dict[str, Any]]
) -> None:
    without_city = [r["id"] for r in orgs if r["city"] is None]
    without_date = [r["id"] for r in orgs if r["founded_on"] is None]
    assert without_city and without_date
    ids = {
        r["id"]
        for r in api.get(RECORDS, {"exclude": "city:Liège", "select": "id", "limit": 100}).json()[
            "results"
        ]
    }
    assert set(without_city) <= ids
    ids = {
        r["id"]
        for r in api.get(
            RECORDS, {"exclude": "founded_on:2010", "select": "id", "limit": 100}
        ).json()["results"]
    }
    assert set(without_date) <= ids


def test_facets_answer_links_and_keep_an_excluded_value(
    api: Client, orgs: list[dict[str, Any]]
) -> None:
    body = api.get(FACETS, {"facet": "city", "exclude": "city:Liège"}).json()
    assert set(body) == {"links", "facets"}
    cities = {f["value"]: f for f in body["facets"][0]["facets"]}
    assert cities["Liège"]["state"] == "excluded"
    assert cities["Liège"]["count"] == len([r for r in orgs if r["city"] == "Liège"])
    assert all(f["state"] == "displayed" for v, f in cities.items() if v != "Liège")


def test_a_refined_year_shows_its_months_and_a_refined_month_its_days(
    api: Client, orgs: list[dict[str, Any]]
) -> None:
    dates = [r["founded_on"] for r in orgs if r["founded_on"] and r["founded_on"].year == 2010]
    body = api.get(FACETS, {"facet": "founded_on", "refine": "founded_on:2010"}).json()
    year = next(f for f in body["facets"][0]["facets"] if f["value"] == "2010")
    assert year["state"] == "refined"
    months: dict[str, int] = {}
    for day in dates:
        key = f"2010/{day.month:02d}"
        months[key] = months.get(key, 0) + 1
    assert {m["value"]: m["count"] for m in year["facets"]} == months
    assert all(m["name"] == m["value"][-2:] for m in year["facets"])
    body = api.get(FACETS, {"facet": "founded_on", "refine": "founded_on:2010/07"}).json()
    year = next(f for f in body["facets"][0]["facets"] if f["value"] == "2010")
    july = next(m for m in year["facets"] if m["value"] == "2010/07")
    assert july["state"] == "refined"
    days: dict[str, int] = {}
    for day in dates:
        if day.month == 7:
            key = f"2010/07/{day.day:02d}"
            days[key] = days.get(key, 0) + 1
    assert {d["value"]: d["count"] for d in july["facets"]} == days
    # Without a refinement the years come alone.
    body = api.get(FACETS, {"facet": "founded_on"}).json()
    assert all("facets" not in f for f in body["facets"][0]["facets"])
