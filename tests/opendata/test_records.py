"""The ODSQL conformance suite: queries against the fixture dataset, checked by an oracle
written in plain Python over the same rows."""

import datetime
from collections import Counter
from typing import Any

import pytest
from django.test import Client

from tests.opendata.conftest import FACETS, RECORDS

LABELS = {
    "technology:ai": "Intelligence artificielle",
    "technology:machine-learning": "Apprentissage automatique",
    "technology:nlp": "Traitement du langage naturel",
    "technology:generative-ai": "IA générative",
    "technology:cloud": "Cloud",
    "technology:cybersecurity": "Cybersécurité",
    "technology:iot": "Internet des objets",
    "technology:blockchain": "Blockchain",
}
AI_FAMILY = {
    "technology:ai",
    "technology:machine-learning",
    "technology:nlp",
    "technology:generative-ai",
}


def techs(row: dict[str, Any]) -> set[str]:
    return {LABELS[t] for t in row["tags"] if t.startswith("technology:")}


def ids(client: Client, **params: Any) -> list[int]:
    response = client.get(RECORDS, {"select": "id", "limit": 100, **params})
    assert response.status_code == 200, response.content
    body = response.json()
    found = [r["id"] for r in body["results"]]
    assert body["total_count"] == len(found)
    return found


WHERE_CASES = [
    ('city = "Liège"', lambda r: r["city"] == "Liège"),
    ("city = 'Liège'", lambda r: r["city"] == "Liège"),
    ('city != "Liège"', lambda r: r["city"] is not None and r["city"] != "Liège"),
    ('city <> "Liège"', lambda r: r["city"] is not None and r["city"] != "Liège"),
    ('NOT city = "Liège"', lambda r: r["city"] is not None and r["city"] != "Liège"),
    ("city IS NULL", lambda r: r["city"] is None),
    ("city IS NOT NULL", lambda r: r["city"] is not None),
    ("founded_on IS NULL", lambda r: r["founded_on"] is None),
    (
        "founded_on >= date'2010-01-01'",
        lambda r: r["founded_on"] and r["founded_on"] >= datetime.date(2010, 1, 1),
    ),
    (
        'founded_on < "2010-07-02"',
        lambda r: r["founded_on"] and r["founded_on"] < datetime.date(2010, 7, 2),
    ),
    (
        "founded_on > date'2010-01-01' AND founded_on <= date'2015-05-05'",
        lambda r: (
            r["founded_on"]
            and datetime.date(2010, 1, 1) < r["founded_on"] <= datetime.date(2015, 5, 5)
        ),
    ),
    ("latitude > 50.5", lambda r: r["latitude"] is not None and r["latitude"] > 50.5),
    (
        "latitude >= 50 and latitude < 50.45",
        lambda r: r["latitude"] is not None and 50 <= r["latitude"] < 50.45,
    ),
    ("active", lambda r: r["active"]),
    ("active = false", lambda r: not r["active"]),
    ("NOT active", lambda r: not r["active"]),
    ('city IN ("Namur", "Mons")', lambda r: r["city"] in ("Namur", "Mons")),
    (
        'city NOT IN ("Namur", "Mons")',
        lambda r: r["city"] is not None and r["city"] not in ("Namur", "Mons"),
    ),
    ('postcode like "50%"', lambda r: (r["postcode"] or "").startswith("50")),
    ('name LIKE "%sa"', lambda r: r["name"].lower().endswith("sa")),
    ('name NOT LIKE "%SA"', lambda r: not r["name"].lower().endswith("sa")),
    ('startswith(name, "Ê")', lambda r: r["name"].startswith("Ê")),
    ('search("liège")', lambda r: "liège" in r["name"].lower() or r["city"] == "Liège"),
    ('"namur"', lambda r: r["city"] == "Namur"),
    ('search(name, "SA")', lambda r: "sa" in r["name"].lower()),
    (
        'city = "Liège" OR city = "Mons" AND active',
        lambda r: r["city"] == "Liège" or (r["city"] == "Mons" and r["active"]),
    ),
    (
        '(city = "Liège" OR city = "Mons") AND active',
        lambda r: r["city"] in ("Liège", "Mons") and r["active"],
    ),
    ('technology = "Cloud"', lambda r: "Cloud" in techs(r)),
    ('"Cloud" = technology', lambda r: "Cloud" in techs(r)),
    ('technology != "Cloud"', lambda r: "Cloud" not in techs(r)),
    ('technology IN ("Cloud", "Blockchain")', lambda r: bool(techs(r) & {"Cloud", "Blockchain"})),
    ("technology IS NULL", lambda r: not techs(r)),
    ("technology IS NOT NULL", lambda r: bool(techs(r))),
    ('technology LIKE "%IA%"', lambda r: any("ia" in t.lower() for t in techs(r))),
    ('startswith(technology, "Trait")', lambda r: any(t.startswith("Trait") for t in techs(r))),
    (
        'technology = "Cloud" AND NOT city = "Mons"',
        lambda r: "Cloud" in techs(r) and r["city"] not in (None, "Mons"),
    ),
    (
        "created_at >= date'2024-01-01'",
        lambda r: r["created_at"] >= datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC),
    ),
    (
        'created_at < "2024-01-01T12:00:00+00:00"',
        lambda r: r["created_at"] < datetime.datetime(2024, 1, 1, 12, tzinfo=datetime.UTC),
    ),
    ("id > 0", lambda r: True),
    ("true", lambda r: True),
    ("false", lambda r: False),
]


@pytest.mark.parametrize(("where", "oracle"), WHERE_CASES, ids=[c[0] for c in WHERE_CASES])
def test_it_selects_what_the_oracle_selects(
    api: Client, orgs: list[dict[str, Any]], where: str, oracle: Any
) -> None:
    expected = sorted(r["id"] for r in orgs if oracle(r))
    assert sorted(ids(api, where=where)) == expected


def test_it_reads_datetimes_in_the_requested_timezone(
    api: Client, orgs: list[dict[str, Any]]
) -> None:
    # 23:30 UTC on 1 January is already 2 January in Brussels.
    brussels = ids(api, where="created_at >= date'2024-01-02'", timezone="Europe/Brussels")
    utc = ids(api, where="created_at >= date'2024-01-02'")
    beta = next(r["id"] for r in orgs if r["name"] == "Bêta SRL")
    assert beta in brussels and beta not in utc
    assert set(utc) < set(brussels)
    body = api.get(
        RECORDS,
        {"select": "created_at", "where": 'name = "Bêta SRL"', "timezone": "Europe/Brussels"},
    ).json()
    assert body["results"][0]["created_at"] == "2024-01-02T00:30:00+01:00"
    body = api.get(RECORDS, {"select": "created_at", "where": 'name = "Bêta SRL"'}).json()
    assert body["results"][0]["created_at"] == "2024-01-01T23:30:00+00:00"
    grouped = api.get(
        RECORDS,
        {
            "group_by": "year(created_at) as y",
            "select": "y, count(*) as n",
            "timezone": "Europe/Brussels",
        },
    ).json()["results"]
    oracle = Counter(
        r["created_at"].astimezone(datetime.timezone(datetime.timedelta(hours=1))).year
        for r in orgs
    )
    # Brussels is UTC+1 in winter and +2 in summer: the 31 December 23:59 UTC row moves to 2024.
    assert {g["y"]: g["n"] for g in grouped}[2024] == oracle[2024]


def test_it_aggregates_like_sql(api: Client, orgs: list[dict[str, Any]]) -> None:
    body = api.get(
        RECORDS,
        {
            "select": "count(*) as n, count(distinct city) as cities, min(founded_on) as first, max(latitude) as north, avg(latitude) as mean, sum(id) as total"
        },
    ).json()
    row = body["results"][0]
    latitudes = [r["latitude"] for r in orgs if r["latitude"] is not None]
    assert row["n"] == len(orgs)
    assert row["cities"] == len({r["city"] for r in orgs if r["city"]})
    assert row["first"] == min(r["founded_on"] for r in orgs if r["founded_on"]).isoformat()
    assert row["north"] == max(latitudes)
    assert row["mean"] == pytest.approx(sum(latitudes) / len(latitudes))
    assert row["total"] == sum(r["id"] for r in orgs)
    assert body["total_count"] == 1


def test_it_groups_with_aliases_and_sorts_by_them(api: Client, orgs: list[dict[str, Any]]) -> None:
    body = api.get(
        RECORDS,
        {
            "group_by": "city",
            "select": "city, count(*) as n",
            "order_by": "n desc, city",
            "where": "city is not null",
        },
    ).json()
    expected = Counter(r["city"] for r in orgs if r["city"])
    assert body["total_count"] == len(expected)
    assert [(g["city"], g["n"]) for g in body["results"]] == sorted(
        expected.items(), key=lambda kv: (-kv[1], kv[0])
    )


def test_it_groups_by_year_and_date_format(api: Client, orgs: list[dict[str, Any]]) -> None:
    years = api.get(
        RECORDS,
        {
            "group_by": "year(founded_on) as year",
            "select": "year, count(*) as n",
            "where": "founded_on is not null",
        },
    ).json()["results"]
    assert {g["year"]: g["n"] for g in years} == Counter(
        r["founded_on"].year for r in orgs if r["founded_on"]
    )
    months = api.get(
        RECORDS,
        {
            "group_by": 'date_format(founded_on, "yyyy-MM") as month',
            "where": "founded_on is not null",
        },
    ).json()["results"]
    assert [m["month"] for m in months] == sorted(
        {r["founded_on"].strftime("%Y-%m") for r in orgs if r["founded_on"]}
    )


def test_it_sorts_records(api: Client, orgs: list[dict[str, Any]]) -> None:
    found = ids(api, order_by="founded_on desc, name", where="founded_on is not null")
    expected = sorted((r for r in orgs if r["founded_on"]), key=lambda r: r["name"])
    expected.sort(key=lambda r: r["founded_on"], reverse=True)
    assert found == [r["id"] for r in expected]


def test_it_refines_through_the_hierarchy_and_excludes(
    api: Client, orgs: list[dict[str, Any]]
) -> None:
    ai = sorted(r["id"] for r in orgs if r["tags"] & AI_FAMILY)
    assert sorted(ids(api, refine="technology:Intelligence artificielle")) == ai
    not_ai = sorted(r["id"] for r in orgs if not r["tags"] & AI_FAMILY)
    assert sorted(ids(api, exclude="technology:Intelligence artificielle")) == not_ai
    both = sorted(
        r["id"] for r in orgs if r["tags"] & AI_FAMILY and "technology:cloud" in r["tags"]
    )
    assert (
        sorted(ids(api, refine=["technology:Intelligence artificielle", "technology:Cloud"]))
        == both
    )
    with_where = sorted(r["id"] for r in orgs if r["tags"] & AI_FAMILY and r["city"] == "Namur")
    assert (
        sorted(ids(api, refine="technology:Intelligence artificielle", where='city = "Namur"'))
        == with_where
    )
    assert ids(api, refine="technology:No such thing") == []
    assert sorted(ids(api, refine="city:Liège")) == sorted(
        r["id"] for r in orgs if r["city"] == "Liège"
    )
    assert sorted(ids(api, refine="founded_on:2010")) == sorted(
        r["id"] for r in orgs if r["founded_on"] and r["founded_on"].year == 2010
    )
    assert sorted(ids(api, refine="founded_on:2010/07")) == sorted(
        r["id"]
        for r in orgs
        if r["founded_on"] and (r["founded_on"].year, r["founded_on"].month) == (2010, 7)
    )
    assert sorted(ids(api, refine="active:false")) == sorted(
        r["id"] for r in orgs if not r["active"]
    )


def test_it_refines_by_label_in_the_requested_language(
    api: Client, orgs: list[dict[str, Any]]
) -> None:
    ai = sorted(r["id"] for r in orgs if r["tags"] & AI_FAMILY)
    assert sorted(ids(api, refine="technology:Artificial intelligence", lang="en")) == ai
    body = api.get(
        RECORDS, {"select": "technology", "where": 'name = "Alpha SA"', "lang": "en"}
    ).json()
    assert body["results"][0]["technology"] == ["Machine learning"]


def test_it_pages_the_same_way_with_and_without_refinements(
    api: Client, orgs: list[dict[str, Any]]
) -> None:
    everything = ids(api)
    pages = [
        r["id"]
        for offset in range(0, len(orgs), 3)
        for r in api.get(RECORDS, {"select": "id", "limit": 3, "offset": offset}).json()["results"]
    ]
    assert pages == everything == sorted(everything)
    refined = ids(api, refine="technology:Intelligence artificielle")
    pages = [
        r["id"]
        for offset in (0, 2)
        for r in api.get(
            RECORDS,
            {
                "select": "id",
                "limit": 2,
                "offset": offset,
                "refine": "technology:Intelligence artificielle",
            },
        ).json()["results"]
    ]
    assert pages == refined


def test_it_returns_every_type_as_opendatasoft_does(
    api: Client, orgs: list[dict[str, Any]]
) -> None:
    row = api.get(RECORDS, {"where": 'name = "Bêta SRL"'}).json()["results"][0]
    assert row["founded_on"] == "2010-07-01"
    assert row["latitude"] == 50.46
    assert row["active"] is True
    assert row["position"] == {"lon": 4.87, "lat": 50.46}
    assert row["technology"] == ["Cloud", "Intelligence artificielle"]
    assert row["size"] == ["Micro-entreprise"]
    empty = api.get(RECORDS, {"where": 'name = "Epsilon"'}).json()["results"][0]
    assert empty["city"] is None and empty["position"] is None and empty["technology"] is None


def test_it_counts_facets_over_the_selection(api: Client, orgs: list[dict[str, Any]]) -> None:
    body = api.get(
        FACETS, {"facet": ["city", "technology", "founded_on"], "where": "active"}
    ).json()
    by_name = {f["name"]: {v["name"]: v["count"] for v in f["facets"]} for f in body["facets"]}
    active = [r for r in orgs if r["active"]]
    assert by_name["city"] == Counter(r["city"] for r in active if r["city"])
    assert by_name["technology"]["Intelligence artificielle"] == sum(
        1 for r in active if r["tags"] & AI_FAMILY
    )
    assert by_name["technology"]["Cloud"] == sum(
        1 for r in active if "technology:cloud" in r["tags"]
    )
    assert by_name["founded_on"] == Counter(
        str(r["founded_on"].year) for r in active if r["founded_on"]
    )


def test_it_marks_refined_values_and_counts_disjunctive_facets_without_them(
    api: Client, orgs: list[dict[str, Any]]
) -> None:
    params = {"refine": "city:Namur", "facet": 'facet(name="city", disjunctive=true)'}
    values = api.get(FACETS, params).json()["facets"][0]["facets"]
    states = {v["name"]: (v["count"], v["state"]) for v in values}
    assert states["Namur"] == (2, "refined")
    assert states["Liège"] == (2, "displayed")  # counted as if Namur were not refined
    plain = api.get(FACETS, {"refine": "city:Namur", "facet": "city"}).json()["facets"][0]["facets"]
    assert [v["name"] for v in plain] == ["Namur"]
    limited = api.get(FACETS, {"facet": 'facet(name="city", limit=1, sort="-count")'}).json()[
        "facets"
    ][0]["facets"]
    assert len(limited) == 1


LIMIT_CASES = [
    ({"limit": 101}, "limit"),
    ({"limit": -1}, "limit"),
    ({"limit": "ten"}, "limit"),
    ({"offset": -1}, "offset"),
    ({"offset": 9950, "limit": 100}, "offset + limit"),
    ({"group_by": "city", "limit": 20001}, "limit"),
]


@pytest.mark.parametrize(("params", "named"), LIMIT_CASES)
def test_it_enforces_the_limits(api: Client, params: dict[str, Any], named: str) -> None:
    response = api.get(RECORDS, params)
    assert response.status_code == 400
    body = response.json()
    assert body["error_code"] == "InvalidRESTParameterError" and named in body["message"]


def test_it_allows_larger_pages_when_grouping(api: Client) -> None:
    assert api.get(RECORDS, {"group_by": "city", "limit": 20000}).status_code == 200
    assert api.get(RECORDS, {"offset": 9900, "limit": 100}).json()["results"] == []


ERROR_CASES = [
    "city = 3",
    "citi = 'x'",
    "city =",
    "city = null",
    "count(*) > 1",
    "position = 'x'",
    "founded_on > 'yesterday'",
    "active = 'yes'",
    "median(latitude) > 1",
    "technology = city",
    "latitude LIKE '5%'",
    "search(latitude, 'x')",
    "year(city) = 2020",
    "city IN (name)",
]


@pytest.mark.parametrize("where", ERROR_CASES)
def test_it_answers_400_with_the_reason(api: Client, where: str) -> None:
    response = api.get(RECORDS, {"where": where})
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error_code"] == "ODSQLError"
    assert body["message"]


SELECT_ERRORS = [
    {"select": "name, count(*)"},
    {"select": "name as a, city as a"},
    {"group_by": "technology"},
    {"group_by": "city", "select": "name"},
    {"group_by": "count(*)"},
    {"select": "sum(name)"},
    {"select": "sum(count(*))"},
    {"order_by": "technology"},
    {"select": '"constant"'},
    {"lang": "xx"},
    {"timezone": "Mars/Olympus"},
    {"group_by": 'date_format(founded_on, "MM-dd")'},
]


@pytest.mark.parametrize("params", SELECT_ERRORS, ids=[str(p) for p in SELECT_ERRORS])
def test_it_refuses_bad_select_and_group_by(api: Client, params: dict[str, str]) -> None:
    response = api.get(RECORDS, params)
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"error_code", "message"}


def test_it_names_unknown_datasets_with_404(api: Client) -> None:
    response = api.get("/api/explore/v2.1/catalog/datasets/nope/records")
    assert response.status_code == 404
    assert response.json()["error_code"] == "NoSuchDataset"


def test_it_never_lets_a_literal_reach_sql_as_text(api: Client, orgs: list[dict[str, Any]]) -> None:
    hostile = "x' OR '1'='1"
    assert ids(api, where=f'name = "{hostile}"') == []
    assert ids(api, where='name = "x\\" OR 1=1 --"') == []
    assert (
        api.get(RECORDS, {"where": "name = 'a'; DROP TABLE ecosystem_organisation; --"}).status_code
        == 400
    )
    assert len(ids(api)) == len(orgs)
