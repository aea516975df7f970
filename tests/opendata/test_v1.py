"""Opendatasoft's API v1 and the portal's download link, as scripts and harvesters written
against an Opendatasoft portal call them: each answer checked against the fixture's own
values (an oracle in plain Python over the same rows), never against another answer."""

import csv
import datetime
import gzip
import io
import json
import unicodedata
import zoneinfo
from collections import Counter
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest
from django.core.cache import cache
from django.test import Client

from territoria.opendata import registry
from tests.factories import concept

DATASET = "fixture-organisations"
SEARCH = "/api/records/1.0/search/"
DOWNLOAD = f"/explore/dataset/{DATASET}/download/"
CATALOG = "/api/datasets/1.0/search/"
LOOKUP = f"/api/datasets/1.0/{DATASET}/"
AI_FAMILY = {
    "technology:ai",
    "technology:machine-learning",
    "technology:nlp",
    "technology:generative-ai",
}
Row = dict[str, Any]


def labels(row: Row, scheme: str) -> list[str]:
    return sorted(concept(code).label_fr for code in row["tags"] if code.startswith(scheme + ":"))


def search(client: Client, **params: Any) -> dict[str, Any]:
    response = client.get(SEARCH, {"dataset": DATASET, "rows": 100, **params})
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def names(body: dict[str, Any]) -> list[str]:
    return [record["fields"]["name"] for record in body["records"]]


def refused(response: Any, status: int = 400) -> str:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    message: str = body["error"]
    return message


def by_id(orgs: list[Row]) -> list[Row]:
    return sorted(orgs, key=lambda r: r["id"])


# --- Records search --------------------------------------------------------------------------


def test_it_answers_a_records_search_in_v1_shape(api: Client, orgs: list[Row]) -> None:
    body = api.get(SEARCH, {"dataset": DATASET}).json()
    assert body["nhits"] == len(orgs)
    assert body["parameters"] == {
        "dataset": DATASET,
        "timezone": "UTC",
        "rows": 10,
        "start": 0,
        "format": "json",
    }
    assert "facet_groups" not in body
    records = {r["recordid"]: r for r in body["records"]}
    assert set(records) == {str(r["id"]) for r in orgs}
    for row in orgs:
        record = records[str(row["id"])]
        assert set(record) <= {"datasetid", "recordid", "fields", "geometry", "record_timestamp"}
        assert record["datasetid"] == DATASET
        assert record["record_timestamp"] == "2024-01-01T00:00:00+00:00"
        fields = record["fields"]
        assert None not in fields.values()
        assert fields["name"] == row["name"]
        assert fields.get("city") == row["city"]
        assert fields["active"] is row["active"]
        founded = row["founded_on"]
        assert fields.get("founded_on") == (founded.isoformat() if founded else None)
        assert fields["created_at"] == row["created_at"].isoformat()
        technology = ";".join(labels(row, "technology")) or None
        assert fields.get("technology") == technology
        if row["latitude"] is None:
            assert "position" not in fields and "geometry" not in record
        else:
            lat, lon = fields["position"]
            assert lat == row["latitude"]
            assert record["geometry"] == {"type": "Point", "coordinates": [lon, lat]}


def test_it_answers_with_and_without_the_trailing_slash_and_to_head(api: Client) -> None:
    params = {"dataset": DATASET, "rows": 3}
    with_slash = api.get(SEARCH, params)
    without = api.get(SEARCH.rstrip("/"), params)
    assert without.status_code == 200 and without.json() == with_slash.json()
    assert with_slash["Access-Control-Allow-Origin"] == "*"
    head = api.head(SEARCH, params)
    assert head.status_code == 200 and head.content == b""
    assert head["Content-Length"] == str(len(with_slash.content))
    assert api.post(SEARCH, params).status_code == 405


def test_it_pages_the_records_with_rows_and_start(api: Client, orgs: list[Row]) -> None:
    body = search(api, rows=3, start=2)
    assert body["nhits"] == len(orgs)
    assert (body["parameters"]["rows"], body["parameters"]["start"]) == (3, 2)
    assert names(body) == [r["name"] for r in by_id(orgs)[2:5]]
    assert search(api, rows=0)["records"] == []
    assert search(api, start=len(orgs))["records"] == []


def test_sort_is_descending_by_default_and_ascending_with_a_minus(
    api: Client, orgs: list[Row]
) -> None:
    dated = [r for r in by_id(orgs) if r["founded_on"]]
    undated = [r["name"] for r in by_id(orgs) if not r["founded_on"]]
    newest_first = [r["name"] for r in sorted(dated, key=lambda r: r["founded_on"], reverse=True)]
    oldest_first = [r["name"] for r in sorted(dated, key=lambda r: r["founded_on"])]
    assert names(search(api, sort="founded_on")) == newest_first + undated
    # Records without a value come last either way (Elasticsearch's `missing: _last`).
    assert names(search(api, sort="-founded_on")) == oldest_first + undated
    body = search(api, sort="-latitude")
    assert body["parameters"]["sort"] == ["-latitude"]
    placed = sorted((r for r in orgs if r["latitude"] is not None), key=lambda r: r["latitude"])
    unplaced = [r["name"] for r in by_id(orgs) if r["latitude"] is None]
    assert names(body) == [r["name"] for r in placed] + unplaced


def folded(text: str | None) -> str:
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def has(text: str | None, part: str) -> bool:
    return part.lower() in (text or "").lower()


def searched(row: Row, *words: str) -> bool:
    """The fixture dataset's full-text search: every word in its name or its city."""
    return all(has(row["name"], word) or has(row["city"], word) for word in words)


def founded(row: Row) -> datetime.date | None:
    value: datetime.date | None = row["founded_on"]
    return value


Q_CASES: list[tuple[str, Callable[[Row], bool]]] = [
    ("liège", lambda r: searched(r, "liège")),
    ("SA Namur", lambda r: searched(r, "sa", "namur")),
    ('"Bêta SRL"', lambda r: searched(r, "bêta", "srl")),
    ("city:Namur", lambda r: r["city"] == "Namur"),
    ("city:Namur OR city:Mons", lambda r: r["city"] in ("Namur", "Mons")),
    (
        "(city:Namur OR city:Mons) AND active:true",
        lambda r: r["city"] in ("Namur", "Mons") and r["active"],
    ),
    ("NOT city:Liège", lambda r: r["city"] is not None and r["city"] != "Liège"),
    ("founded_on:2010", lambda r: bool(founded(r)) and founded(r).year == 2010),  # type: ignore[union-attr]
    (
        "founded_on:2010/07",
        lambda r: bool(founded(r)) and founded(r).strftime("%Y-%m") == "2010-07",
    ),  # type: ignore[union-attr]
    ("founded_on=2010/07/20", lambda r: founded(r) == datetime.date(2010, 7, 20)),
    ("founded_on>=2015", lambda r: bool(founded(r)) and founded(r).year >= 2015),  # type: ignore[union-attr]
    ("founded_on>2010", lambda r: bool(founded(r)) and founded(r).year > 2010),  # type: ignore[union-attr]
    ("founded_on<2010", lambda r: bool(founded(r)) and founded(r).year < 2010),  # type: ignore[union-attr]
    ("founded_on<=2010/01", lambda r: bool(founded(r)) and founded(r) < datetime.date(2010, 2, 1)),  # type: ignore[operator]
    (
        "founded_on:[2001 TO 2010/01]",
        lambda r: (
            bool(founded(r)) and datetime.date(2001, 1, 1) <= founded(r) < datetime.date(2010, 2, 1)
        ),
    ),  # type: ignore[operator]
    ("founded_on:[2015 TO *]", lambda r: bool(founded(r)) and founded(r).year >= 2015),  # type: ignore[union-attr]
    ("latitude>50.5", lambda r: r["latitude"] is not None and r["latitude"] > 50.5),
    (
        "latitude:[50.4 TO 50.45]",
        lambda r: r["latitude"] is not None and 50.4 <= r["latitude"] <= 50.45,
    ),
    ("active:false", lambda r: not r["active"]),
    (
        "created_at>=2024-01-01T00:00:00",
        lambda r: r["created_at"] >= datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC),
    ),
    ("technology:Cloud", lambda r: "technology:cloud" in r["tags"]),
    ("#null(founded_on)", lambda r: founded(r) is None),
    ('#exact(city, "Namur")', lambda r: r["city"] == "Namur"),
    ('#exact(name, "Alpha")', lambda r: r["name"] == "Alpha"),
    ('#startswith(name, "Z")', lambda r: r["name"].startswith("Z")),
    ('#search(name, "sa")', lambda r: has(r["name"], "sa")),
    ('#search(name, postcode, "50")', lambda r: has(r["name"], "50") or has(r["postcode"], "50")),
    ('#search(*, "namur")', lambda r: searched(r, "namur")),
]


@pytest.mark.parametrize(("q", "oracle"), Q_CASES, ids=[case[0] for case in Q_CASES])
def test_q_selects_what_v1_documents(
    api: Client, orgs: list[Row], q: str, oracle: Callable[[Row], bool]
) -> None:
    body = search(api, q=q)
    expected = [r["name"] for r in by_id(orgs) if oracle(r)]
    assert names(body) == expected
    assert body["nhits"] == len(expected)
    assert body["parameters"]["q"] == q


def test_several_q_parameters_must_all_match(api: Client, orgs: list[Row]) -> None:
    # ods-widgets sends its own filters as q.<name> beside the user's q.
    body = search(api, q="city:Namur", **{"q.timerange": "founded_on>=2010/07/10"})
    assert names(body) == [r["name"] for r in orgs if r["name"].startswith("Êta")]


@pytest.mark.parametrize(
    ("q", "named"),
    [
        ("#now()", "#now"),
        ('#distance(position, "50.4,4.4", 1000)', "#distance"),
        ("nope:1", "unknown field"),
        ("position:1", "position"),
        ("founded_on:soon", "not a date"),
        ("latitude:north", "number"),
        ("active:maybe", "active"),
        ("(city:Namur", ")"),
        ('"unclosed', "quote"),
        ("city:", "value"),
        ("founded_on:[2001 TO]", "value"),
        ("#exact(city)", "#exact"),
        ("(" * 12 + "x" + ")" * 12, "nested"),
        ("NOT " * 12 + "x", "nested"),
        ("x" * 2001, "2000"),
    ],
)
def test_q_refuses_what_it_cannot_answer_with_a_clear_400(api: Client, q: str, named: str) -> None:
    message = refused(api.get(SEARCH, {"dataset": DATASET, "q": q}))
    assert message.startswith("q:") and named in message


def test_it_refines_and_excludes_by_facet_value(api: Client, orgs: list[Row]) -> None:
    ordered = by_id(orgs)
    namur = [r["name"] for r in ordered if r["city"] == "Namur"]
    assert names(search(api, **{"refine.city": "Namur"})) == namur
    assert names(search(api, **{"exclude.city": "Namur"})) == [
        r["name"] for r in ordered if r["name"] not in namur
    ]
    ai = [r["name"] for r in ordered if r["tags"] & AI_FAMILY]
    assert names(search(api, **{"refine.technology": "Intelligence artificielle"})) == ai
    assert names(search(api, **{"refine.founded_on": "2010"})) == [
        r["name"] for r in ordered if r["founded_on"] and r["founded_on"].year == 2010
    ]
    body = search(api, **{"refine.active": "true", "exclude.city": ["Liège", "Mons"]})
    assert names(body) == [
        r["name"] for r in ordered if r["active"] and r["city"] not in ("Liège", "Mons")
    ]
    assert body["parameters"]["refine"] == {"active": "true"}
    assert body["parameters"]["exclude"] == {"city": ["Liège", "Mons"]}
    assert "name" in refused(api.get(SEARCH, {"dataset": DATASET, "refine.name": "Alpha SA"}))
    assert "nope" in refused(api.get(SEARCH, {"dataset": DATASET, "refine.nope": "x"}))


def test_it_counts_the_asked_facets_over_the_selection(api: Client, orgs: list[Row]) -> None:
    body = search(api, facet=["city", "technology", "founded_on"], q="active:true")
    groups = {g["name"]: g["facets"] for g in body["facet_groups"]}
    assert list(groups) == ["city", "technology", "founded_on"]
    active = [r for r in orgs if r["active"]]
    cities = {f["name"]: f["count"] for f in groups["city"]}
    assert cities == Counter(r["city"] for r in active if r["city"])
    assert all(f["state"] == "displayed" and f["path"] == f["name"] for f in groups["city"])
    assert [f["count"] for f in groups["city"]] == sorted(cities.values(), reverse=True)
    technologies = {f["name"]: f for f in groups["technology"]}
    ai = technologies["Intelligence artificielle"]
    assert ai["count"] == sum(1 for r in active if r["tags"] & AI_FAMILY)
    learning = technologies["Apprentissage automatique"]
    assert learning["path"] == "Intelligence artificielle/Apprentissage automatique"
    years = {f["name"]: f["count"] for f in groups["founded_on"]}
    assert years == Counter(str(r["founded_on"].year) for r in active if r["founded_on"])
    # The path refines to exactly the counted records.
    refined = search(api, q="active:true", **{"refine.technology": learning["path"]})
    assert refined["nhits"] == learning["count"]


def test_refined_facet_values_are_marked_and_disjunctive_facets_ignore_them(
    api: Client, orgs: list[Row]
) -> None:
    body = search(api, facet="city", **{"refine.city": "Namur"})
    assert body["facet_groups"][0]["facets"] == [
        {"name": "Namur", "count": 2, "state": "refined", "path": "Namur"}
    ]
    body = search(api, facet="city", **{"refine.city": "Namur", "disjunctive.city": "true"})
    counts = {f["name"]: (f["count"], f["state"]) for f in body["facet_groups"][0]["facets"]}
    assert counts == {
        city: (n, "refined" if city == "Namur" else "displayed")
        for city, n in Counter(r["city"] for r in orgs if r["city"]).items()
    }
    assert body["nhits"] == 2
    several = {"refine.city": ["Namur", "Mons"], "disjunctive.city": "true"}
    assert "disjunctive.city" in refused(api.get(SEARCH, {"dataset": DATASET, **several}))
    assert "facet" in refused(api.get(SEARCH, {"dataset": DATASET, "facet": "name"}))


def test_fields_restricts_the_fields_returned(api: Client, orgs: list[Row]) -> None:
    body = search(api, fields="name,city", q='#exact(name, "Alpha SA")')
    (record,) = body["records"]
    assert record["fields"] == {"name": "Alpha SA", "city": "Liège"}
    assert record["geometry"]["coordinates"] == [5.57, 50.63]
    assert body["parameters"]["fields"] == ["name", "city"]
    assert "nope" in refused(api.get(SEARCH, {"dataset": DATASET, "fields": "name,nope"}))


def test_it_writes_datetimes_in_the_requested_timezone(api: Client, orgs: list[Row]) -> None:
    body = search(api, timezone="Europe/Brussels")
    brussels = zoneinfo.ZoneInfo("Europe/Brussels")
    written = {r["fields"]["name"]: r["fields"]["created_at"] for r in body["records"]}
    assert written == {r["name"]: r["created_at"].astimezone(brussels).isoformat() for r in orgs}
    assert body["parameters"]["timezone"] == "Europe/Brussels"


def test_it_answers_in_the_requested_language(api: Client, orgs: list[Row]) -> None:
    beta = next(r for r in orgs if r["name"] == "Bêta SRL")
    english = sorted(concept(c).label_en for c in beta["tags"] if c.startswith("technology:"))
    body = search(api, lang="en", q='#exact(name, "Bêta SRL")')
    assert body["records"][0]["fields"]["technology"] == ";".join(english)
    # A language Opendatasoft knows and Territoria has no texts in reads French, as in v2.1.
    spanish = search(api, lang="es", q='#exact(name, "Bêta SRL")')
    assert spanish["records"][0]["fields"]["technology"] == ";".join(labels(beta, "technology"))


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"rows": 10_001}, "rows"),
        ({"rows": -1}, "rows"),
        ({"rows": "ten"}, "rows"),
        ({"start": -1}, "start"),
        ({"start": 9_999, "rows": 2}, "start + rows"),
        ({"format": "geojson"}, "format"),
        ({"geofilter.distance": "50.4,4.4,1000"}, "geofilter.distance"),
        ({"sort": "nope"}, "sort"),
        ({"lang": "xx"}, "lang"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"dataset": [DATASET, "organisations"]}, "one dataset"),
        ({"dataset": ""}, "mandatory"),
    ],
)
def test_bad_parameters_are_a_400_in_v1_shape(
    api: Client, params: dict[str, Any], named: str
) -> None:
    response = api.get(SEARCH, {"dataset": DATASET, **params})
    assert named in refused(response)
    assert response["Access-Control-Allow-Origin"] == "*"


def test_rows_go_up_to_ten_thousand(api: Client, orgs: list[Row]) -> None:
    assert len(search(api, rows=10_000)["records"]) == len(orgs)
    assert search(api, rows=1, start=9_999)["records"] == []


def test_an_unknown_dataset_is_a_404(api: Client) -> None:
    assert refused(api.get(SEARCH, {"dataset": "nope"}), 404) == "Unknown dataset: nope"
    assert refused(api.get(SEARCH), 400) == "dataset: this parameter is mandatory"


def test_it_looks_a_record_up_by_its_identifier(api: Client, orgs: list[Row]) -> None:
    row = next(r for r in orgs if r["name"] == "Bêta SRL")
    url = f"/api/datasets/1.0/{DATASET}/records/{row['id']}/"
    record = api.get(url).json()
    assert record["recordid"] == str(row["id"])
    assert record["fields"]["city"] == "Namur"
    assert record["fields"]["technology"] == ";".join(labels(row, "technology"))
    assert api.get(url.rstrip("/")).json() == record
    assert refused(api.get(f"/api/datasets/1.0/{DATASET}/records/0/"), 404).startswith("Unknown")
    assert refused(api.get(f"/api/datasets/1.0/{DATASET}/records/abc/"), 404).startswith("Unknown")
    assert refused(api.get(f"/api/datasets/1.0/nope/records/{row['id']}/"), 404)


# --- The catalogue -----------------------------------------------------------------------------


def catalog(client: Client, **params: Any) -> dict[str, Any]:
    response = client.get(CATALOG, {"rows": 100, **params})
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def ids(body: dict[str, Any]) -> list[str]:
    return [d["datasetid"] for d in body["datasets"]]


def test_it_lists_the_catalogue_in_v1_shape(api: Client, orgs: list[Row]) -> None:
    everything = [d.id for d in registry.all_datasets()]
    body = api.get(CATALOG).json()
    assert body["nhits"] == len(everything)
    assert ids(body) == everything[:10]
    assert body["parameters"] == {
        "rows": 10,
        "start": 0,
        "format": "json",
        "timezone": "UTC",
        "staged": False,
    }
    assert ids(catalog(api, rows=2, start=1)) == everything[1:3]
    assert api.get(CATALOG.rstrip("/")).json() == body
    for dataset in body["datasets"]:
        assert {"datasetid", "has_records", "features", "metas", "fields"} <= set(dataset)
        assert None not in dataset["metas"].values()


def test_it_describes_a_dataset_as_v1_does(api: Client, orgs: list[Row]) -> None:
    dataset = api.get(LOOKUP).json()
    assert dataset == api.get(LOOKUP.rstrip("/")).json()
    assert dataset["datasetid"] == DATASET
    assert dataset["has_records"] is True and "geo" in dataset["features"]
    metas = dataset["metas"]
    assert metas["title"] == "Organisations d'essai"
    assert metas["description"] == "Jeu d'essai."
    assert metas["records_count"] == len(orgs)
    assert metas["keyword"] == ["test"]
    assert metas["theme"] == [registry.THEMES["ECON"]["fr"]]
    assert metas["language"] == "fr"
    assert metas["modified"].startswith("2024-01-01")
    fields = {f["name"]: f for f in dataset["fields"]}
    assert list(fields) == [f.name for f in registry.get(DATASET).fields()]
    technology = fields["technology"]["annotations"]
    assert {"name": "facet"} in technology and {"name": "multivalued", "args": [";"]} in technology
    assert {"name": "sortable"} not in technology
    assert {"name": "facet"} in fields["city"]["annotations"]
    assert {"name": "sortable"} in fields["city"]["annotations"]
    assert fields["postcode"]["annotations"] == [{"name": "sortable"}]
    assert fields["name"]["label"] == "Dénomination" and fields["name"]["type"] == "text"
    english = api.get(LOOKUP, {"lang": "en"}).json()
    assert english["metas"]["title"] == "Test organisations"
    assert refused(api.get("/api/datasets/1.0/nope/"), 404) == "Unknown dataset: nope"


def test_a_udata_style_harvest_reads_every_dataset_it_needs(api: Client) -> None:
    """What udata's Opendatasoft harvester reads: pages of 50, then each dataset."""
    seen, nhits = [], None
    while nhits is None or len(seen) < nhits:
        page = api.get(CATALOG, {"start": len(seen), "rows": 50, "interopmetas": "true"}).json()
        nhits = page["nhits"]
        seen += [d["datasetid"] for d in page["datasets"]]
    assert seen == [d.id for d in registry.all_datasets()]
    for dataset_id in seen:
        dataset = api.get(f"/api/datasets/1.0/{dataset_id}/", {"interopmetas": "true"}).json()
        if not dataset["has_records"]:
            continue  # the harvester skips it before reading its metas
        metas = dataset["metas"]
        assert metas["title"] and isinstance(metas.get("description", "").strip(), str)
        datetime.datetime.fromisoformat(metas["modified"])
        assert isinstance(dataset["has_records"], bool) and isinstance(dataset["features"], list)
        for field in dataset["fields"]:
            "- *{label}*: {name}[{type}]".format(**field)
        link = f"/explore/dataset/{dataset_id}/download?format=csv&timezone=Europe/Berlin&use_labels_for_header=false"
        download = api.get(link)
        assert download.status_code == 200, dataset_id
        assert (
            b"".join(download.streaming_content)
            .decode("utf-8-sig")
            .startswith(dataset["fields"][0]["name"])
        )


def catalog_oracle(dataset: registry.Dataset) -> str:
    return folded(
        " ".join(
            [
                dataset.id,
                dataset.title.get("fr"),
                dataset.description.get("fr") or "",
                registry.THEMES[dataset.theme]["fr"],
                *dataset.keywords.get("fr"),
                registry.publisher_name(),
            ]
        )
    )


def test_the_catalogue_searches_refines_and_sorts(api: Client, orgs: list[Row]) -> None:
    datasets = registry.all_datasets()
    essai = [d.id for d in datasets if "essai" in catalog_oracle(d)]
    assert DATASET in essai and ids(catalog(api, q="ESSAI")) == essai
    titled = [d.id for d in datasets if "essai" in folded(d.title.get("fr"))]
    assert ids(catalog(api, q="title:essai")) == titled
    econ = [d.id for d in datasets if d.theme == "ECON"]
    assert ids(catalog(api, **{"refine.theme": "ECON"})) == econ
    assert ids(catalog(api, **{"refine.theme": registry.THEMES["ECON"]["fr"]})) == econ
    assert ids(catalog(api, **{"exclude.theme": "ECON"})) == [
        d.id for d in datasets if d.theme != "ECON"
    ]
    assert ids(catalog(api, **{"refine.keyword": "test"})) == [
        d.id for d in datasets if "test" in d.keywords.get("fr")
    ]
    assert ids(catalog(api, **{"refine.modified": "2024/01"})) == [
        d.id for d in datasets if (m := d.modified()) is not None and (m.year, m.month) == (2024, 1)
    ]
    by_title = sorted(datasets, key=lambda d: folded(d.title.get("fr")))
    assert ids(catalog(api, sort="-title")) == [d.id for d in by_title]
    assert ids(catalog(api, sort="title")) == [d.id for d in reversed(by_title)]
    counts = [d["metas"]["records_count"] for d in catalog(api, sort="records_count")["datasets"]]
    assert counts == sorted(counts, reverse=True)
    counted = catalog(api, q=f"records_count>={len(orgs)}")
    assert DATASET in ids(counted)
    assert all(d["metas"]["records_count"] >= len(orgs) for d in counted["datasets"])


def test_the_catalogue_counts_its_facets(api: Client) -> None:
    body = catalog(api, facet="theme", rows=0)
    assert body["datasets"] == []
    (group,) = body["facet_groups"]
    counted = {f["name"]: f["count"] for f in group["facets"]}
    assert counted == Counter(registry.THEMES[d.theme]["fr"] for d in registry.all_datasets())


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"refine.nope": "x"}, "refine"),
        ({"facet": "nope"}, "facet"),
        ({"sort": "issued"}, "sort"),
        ({"rows": 10_001}, "rows"),
        ({"q": "nope:1"}, "unknown field"),
        ({"q": "#now()"}, "#now"),
        ({"lang": "xx"}, "lang"),
    ],
)
def test_the_catalogue_refuses_bad_parameters(
    api: Client, params: dict[str, Any], named: str
) -> None:
    assert named in refused(api.get(CATALOG, params))


# --- Downloads ---------------------------------------------------------------------------------


def csv_rows(response: Any, delimiter: str = ";") -> list[list[str]]:
    assert response.status_code == 200, response.content
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # a BOM, as v2.1 writes
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def test_the_portal_download_is_a_csv_with_v1_options(api: Client, orgs: list[Row]) -> None:
    response = api.get(DOWNLOAD)
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == f'attachment; filename="{DATASET}.csv"'
    header, *rows = csv_rows(response)
    assert header == [f.name for f in registry.get(DATASET).fields()]
    by_name = {row[header.index("name")]: row for row in rows}
    assert set(by_name) == {r["name"] for r in orgs}
    beta = next(r for r in orgs if r["name"] == "Bêta SRL")
    assert by_name["Bêta SRL"][header.index("technology")] == ";".join(labels(beta, "technology"))
    labelled, *_ = csv_rows(
        api.get(DOWNLOAD, {"format": "csv", "use_labels_for_header": "true", "csv_separator": ","}),
        ",",
    )
    assert labelled[:2] == ["Identifiant", "Dénomination"]
    no_slash = api.get(DOWNLOAD.rstrip("/") + "?format=csv&timezone=Europe/Berlin")
    assert len(csv_rows(no_slash)) == len(orgs) + 1


def test_the_download_takes_the_search_filters(api: Client, orgs: list[Row]) -> None:
    params = {"refine.city": "Namur", "fields": "name,city", "sort": "-name"}
    header, *rows = csv_rows(api.get(DOWNLOAD, params))
    assert header == ["name", "city"]
    assert rows == sorted([[r["name"], "Namur"] for r in orgs if r["city"] == "Namur"])
    _header, *found = csv_rows(api.get(DOWNLOAD, {"q": "founded_on:2010", "rows": 2}))
    assert len(found) == 2
    assert "rows" in refused(api.get(DOWNLOAD, {"rows": -2}))


def test_the_json_download_is_a_list_of_v1_records(api: Client, orgs: list[Row]) -> None:
    response = api.get(DOWNLOAD, {"format": "json", "exclude.city": "Namur"})
    assert response["Content-Type"] == "application/json"
    records = json.loads(b"".join(response.streaming_content))
    expected = {str(r["id"]): r for r in orgs if r["city"] != "Namur"}
    assert {r["recordid"] for r in records} == set(expected)
    for record in records:
        row = expected[record["recordid"]]
        assert record["datasetid"] == DATASET
        assert record["fields"]["name"] == row["name"]
        assert record["fields"].get("city") == row["city"]
        assert ("geometry" in record) == (row["latitude"] is not None)
    empty = api.get(DOWNLOAD, {"format": "json", "q": "city:Nowhere"})
    assert json.loads(b"".join(empty.streaming_content)) == []
    packed = api.get(DOWNLOAD, {"format": "json", "compressed": "true"})
    assert len(json.loads(gzip.decompress(b"".join(packed.streaming_content)))) == len(orgs)
    same = api.get("/api/records/1.0/download/", {"dataset": DATASET, "format": "json"})
    assert len(json.loads(b"".join(same.streaming_content))) == len(orgs)


def test_the_geojson_and_xlsx_downloads_are_the_v2_exports(api: Client, orgs: list[Row]) -> None:
    response = api.get(DOWNLOAD, {"format": "geojson"})
    collection = json.loads(b"".join(response.streaming_content))
    alpha = next(f for f in collection["features"] if f["properties"]["name"] == "Alpha SA")
    assert alpha["geometry"] == {"type": "Point", "coordinates": [5.57, 50.63]}
    assert len(collection["features"]) == len(orgs)
    for name in ("xlsx", "xls"):
        sheet = api.get(DOWNLOAD, {"format": name, "use_labels_for_header": "true"})
        assert sheet["Content-Disposition"] == f'attachment; filename="{DATASET}.xlsx"'
        book = openpyxl.load_workbook(io.BytesIO(b"".join(sheet.streaming_content)))
        values = list(book.active.values)
        assert values[0][1] == "Dénomination" and len(values) == len(orgs) + 1


def test_a_bad_download_is_a_clear_error_never_a_500(api: Client) -> None:
    assert "shp" in refused(api.get(DOWNLOAD, {"format": "shp"}))
    assert "delimiter" in refused(api.get(DOWNLOAD, {"csv_separator": '"'}))
    assert "use_labels" in refused(api.get(DOWNLOAD, {"use_labels_for_header": "perhaps"}))
    missing = api.get("/explore/dataset/nope/download/", {"format": "csv"})
    assert refused(missing, 404) == "Unknown dataset: nope"
    assert refused(api.get("/api/records/1.0/download/"), 400)
    assert api.head("/explore/dataset/nope/download/").status_code == 404


def test_head_on_a_download_answers_the_headers_only(api: Client) -> None:
    head = api.head(DOWNLOAD, {"format": "json"})
    # An empty stream: no Content-Length announces an empty file.
    assert head.status_code == 200 and b"".join(head.streaming_content) == b""
    assert "Content-Length" not in head
    assert head["Content-Disposition"] == f'attachment; filename="{DATASET}.json"'


def test_the_portal_dataset_link_leads_to_the_dataset_page(api: Client) -> None:
    response = api.get(f"/explore/dataset/{DATASET}/")
    assert response.status_code == 302 and response["Location"] == f"/data/{DATASET}/"
    assert api.get("/explore/dataset/nope/").status_code == 404


# --- The anonymous quota -----------------------------------------------------------------------


def test_the_quota_refusal_is_in_v1_shape(api: Client, settings: Any) -> None:
    settings.OPENDATA_RATE_LIMIT = 2
    settings.OPENDATA_RATE_WINDOW = 3600
    cache.clear()
    for _ in range(2):
        assert api.get(CATALOG, {"rows": 0}).status_code == 200
    response = api.get(SEARCH, {"dataset": DATASET})
    assert response.status_code == 429
    body = response.json()
    assert body["errorcode"] == 10005 and body["call_limit"] == 2
    assert body["limit_time_unit"] == "hour" and "Too many requests" in body["error"]
    reset = datetime.datetime.fromisoformat(body["reset_time"])
    waited = (reset - datetime.datetime.now(datetime.UTC)).total_seconds()
    assert 0 < waited <= 3600 + 1
    assert response["X-RateLimit-Remaining"] == "0"
