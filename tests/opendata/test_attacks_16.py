"""Attacks on issue 16's Open Data routes (the catalogue's ODSQL evaluated in Python, the
record route, HEAD, API v1 and its downloads, the anonymous quota, date facets), each kept
as a regression test. A test named after a finding fails until the finding is fixed; the
others guard attacks that already hold. Every answer is checked against an oracle computed
here from the fixture's own values or the registry, never against another answer."""

import csv
import datetime
import io
import json
import time
import unicodedata
from typing import Any
from urllib.parse import quote

import openpyxl
import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.test import Client

from territoria.opendata import registry, selection
from territoria.opendata.describe import moment
from territoria.strategy.models import Action, Strategy
from territoria.taxonomy import index
from territoria.taxonomy.models import Tag
from tests.conftest import PASSWORD
from tests.factories import concept, organisation, strategy_tree
from tests.opendata.conftest import EXPORTS, FACETS, RECORDS, ROWS

V2 = "/api/explore/v2.1"
CATALOG = f"{V2}/catalog/datasets"
CATALOG_FACETS = f"{V2}/catalog/facets"
CATALOG_EXPORTS = f"{V2}/catalog/exports"
DATASET = "fixture-organisations"
DATASET_URL = f"{CATALOG}/{DATASET}"
SEARCH = "/api/records/1.0/search/"
V1_DOWNLOAD = "/api/records/1.0/download/"
V1_CATALOG = "/api/datasets/1.0/search/"
V1_LOOKUP = f"/api/datasets/1.0/{DATASET}/"
DOWNLOAD = f"/explore/dataset/{DATASET}/download/"
PAGE = f"/data/{DATASET}/"
AI_FAMILY = {
    "technology:ai",
    "technology:machine-learning",
    "technology:nlp",
    "technology:generative-ai",
}
NAMES = [row[0] for row in ROWS]
Row = dict[str, Any]

pytestmark = pytest.mark.django_db


@pytest.fixture
def unlimited(settings: Any) -> None:
    settings.OPENDATA_RATE_LIMIT = 10**9


def at(route: str, orgs: list[Row]) -> str:
    """`route` with `{pk}` naming the first fixture record (ids differ between databases)."""
    return route.replace("{pk}", str(orgs[0]["id"]))


def content(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def v2_refused(response: Any, status: int = 400) -> str:
    """The message of a v2.1 error, after checking its status and shape."""
    assert response.status_code == status, content(response)[:300]
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(content(response))
    assert set(body) == {"error_code", "message"}, body
    message: str = body["message"]
    return message


def v1_refused(response: Any, status: int = 400) -> str:
    assert response.status_code == status, content(response)[:300]
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(content(response))
    assert set(body) == {"error"}, body
    message: str = body["error"]
    return message


def folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def modified_of() -> dict[str, datetime.datetime | None]:
    """Each published dataset's `modified`, as the registry gives it (the oracle)."""
    found = {}
    for dataset in registry.all_datasets():
        text = moment(dataset.modified())
        found[dataset.id] = datetime.datetime.fromisoformat(text) if text else None
    return found


def record_names(response: Any) -> list[str]:
    assert response.status_code == 200, content(response)[:300]
    return [r["name"] for r in response.json()["results"]]


def facet_values(facets: list[Row], name: str) -> list[Row]:
    return next(group["facets"] for group in facets if group["name"] == name)


def v1_facet_values(body: Row, name: str) -> list[Row]:
    return next(group["facets"] for group in body["facet_groups"] if group["name"] == name)


def ai_count() -> int:
    return sum(1 for row in ROWS if set(row[7]) & AI_FAMILY)


# ============================================================================================
# Findings: each test fails until its finding is fixed.
# ============================================================================================

# --- catalog_odsql.like: with a run of `%`, each character costs O(len(pattern)²) -----

SLOW_LIKE = 'title LIKE "' + "%" * 1200 + 'x"'


@pytest.mark.parametrize("route", [CATALOG, CATALOG_FACETS, f"{CATALOG_EXPORTS}/csv"])
def test_catalogue_like_with_a_run_of_percent_signs_answers_at_once(
    api: Client, route: str
) -> None:
    """`_closure` walks every `%` from every state, for every character of every value: a
    pattern of 1,200 `%` takes ~15 s a request (any anonymous client, CPU-bound, in the
    worker), the 10,000 characters ODSQL allows ~15 min."""
    started = time.monotonic()
    response = api.get(route, {"where": SLOW_LIKE})
    body = content(response)
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert elapsed < 3, f"one request took {elapsed:.1f} s"
    if route == CATALOG:
        expected = sum(folded(d.title.get("fr")).endswith("x") for d in registry.all_datasets())
        assert json.loads(body)["total_count"] == expected


# --- catalog_api.catalog_facets: ODSQL errors escape as 500 -------------------------------

BAD_CATALOGUE_QUERIES = [
    {"where": 'records_count = "x"'},
    {"where": "modified > 3"},
    {"where": "1 = 1"},
    {"where": "title like 3"},
    {"where": "startswith(title)"},
    {"refine": "founded_on:2010"},
    {"exclude": "nope:x"},
]


@pytest.mark.parametrize("route", [CATALOG, CATALOG_FACETS])
@pytest.mark.parametrize("params", BAD_CATALOGUE_QUERIES)
def test_catalogue_facets_refuse_a_bad_query_with_a_400_as_the_datasets_route_does(
    api: Client, route: str, params: dict[str, str]
) -> None:
    assert v2_refused(api.get(route, params))


# --- catalog_odsql.compare: a datetime compared with a text raises TypeError ---------------


@pytest.mark.parametrize("route", [CATALOG, CATALOG_FACETS, f"{CATALOG_EXPORTS}/json"])
@pytest.mark.parametrize(
    ("where", "op", "literal"),
    [
        ("modified > '2020'", ">", "2020"),
        ("'2020' < modified", ">", "2020"),
        ("modified >= '2024-01-01'", ">=", "2024-01-01"),
        ("modified < '2024-06-30T22:00:00+00:00'", "<", "2024-06-30T22:00:00+00:00"),
    ],
)
def test_catalogue_compares_modified_with_a_text_as_the_records_route_does(
    api: Client, route: str, where: str, op: str, literal: str
) -> None:
    """A 400 (the records route's answer to `created_at > '2020'`), or the datasets whose
    `modified` compares so with the text read as an ISO 8601 moment; never a 500."""
    params = {"where": where, "select": "dataset_id", "limit": 100}
    if route == CATALOG_FACETS:
        params = {"where": where, "facet": "publisher"}
    response = api.get(route, params)
    assert response.status_code in (200, 400), content(response)[:300]
    try:
        bound = datetime.datetime.fromisoformat(literal)
    except ValueError:
        v2_refused(response)
        return
    if response.status_code == 400:
        v2_refused(response)
        return
    if bound.tzinfo is None:
        bound = bound.replace(tzinfo=datetime.UTC)
    check = {">": bound.__lt__, ">=": bound.__le__, "<": bound.__gt__}[op]
    expected = sorted(i for i, m in modified_of().items() if m is not None and check(m))
    body = json.loads(content(response))
    if route == CATALOG:
        assert sorted(r["dataset_id"] for r in body["results"]) == expected
    elif route == CATALOG_FACETS:
        counts = [f["count"] for f in facet_values(body["facets"], "publisher")]
        assert counts == ([len(expected)] if expected else [])
    else:
        assert sorted(r["dataset_id"] for r in body) == expected


# --- catalog_api._column: an aggregate of `modified` is typed "text" -----------------------


@pytest.mark.parametrize("format_name", ["json", "jsonl", "xlsx", "csv"])
def test_catalogue_exports_write_an_aggregate_of_modified(api: Client, format_name: str) -> None:
    moments = [m for m in modified_of().values() if m is not None]
    first, last = min(moments), max(moments)
    response = api.get(
        f"{CATALOG_EXPORTS}/{format_name}",
        {"select": "min(modified) as first, max(modified) as last"},
    )
    assert response.status_code == 200
    body = content(response)
    if format_name == "xlsx":
        values = list(openpyxl.load_workbook(io.BytesIO(body)).active.values)
        assert values[0] == ("first", "last")
        cells = values[1]
        found = [
            c if isinstance(c, datetime.datetime) else datetime.datetime.fromisoformat(c)
            for c in cells
        ]
        assert [f.replace(tzinfo=None) for f in found] == [
            first.replace(tzinfo=None),
            last.replace(tzinfo=None),
        ]
        return
    if format_name == "csv":
        rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
        texts = [rows[0]["first"], rows[0]["last"]]
    else:
        text = body.decode()
        rows = json.loads(text) if format_name == "json" else [json.loads(text.splitlines()[0])]
        texts = [rows[0]["first"], rows[0]["last"]]
    # ISO 8601, as the same export writes `modified` itself.
    assert all("T" in t for t in texts), texts
    assert [datetime.datetime.fromisoformat(t) for t in texts] == [first, last]


# --- catalog_api.catalog_facets: a theme refined or excluded by its code -------------------


def test_catalogue_facets_list_a_theme_excluded_by_its_code(api: Client) -> None:
    """The pages link themes by code (`theme:ECON`): excluded so, the theme must stay listed,
    counted as if not excluded, as it is when excluded by its label."""
    label = registry.THEMES["ECON"]["fr"]
    expected = sum(d.theme == "ECON" for d in registry.all_datasets())
    total = len(registry.all_datasets())
    for spelling in (label, "ECON"):
        params = {"facet": "theme", "exclude": f"theme:{spelling}"}
        assert api.get(CATALOG, params).json()["total_count"] == total - expected
        theme = facet_values(api.get(CATALOG_FACETS, params).json()["facets"], "theme")
        entry = next((f for f in theme if f["value"] == label), None)
        assert entry == {"name": label, "count": expected, "value": label, "state": "excluded"}, (
            spelling
        )


def test_catalogue_facets_mark_a_theme_refined_by_its_code(api: Client) -> None:
    label = registry.THEMES["ECON"]["fr"]
    expected = sum(d.theme == "ECON" for d in registry.all_datasets())
    for spelling in (label, "ECON"):
        params = {"facet": "theme", "refine": f"theme:{spelling}"}
        theme = facet_values(api.get(CATALOG_FACETS, params).json()["facets"], "theme")
        assert theme == [{"name": label, "count": expected, "value": label, "state": "refined"}]


# --- services.Query.facets: a concept refined or excluded by its notation ------------------


def test_dataset_facets_list_a_concept_excluded_by_its_notation(api: Client) -> None:
    """`refine`/`exclude` take a concept's code (Selection._concepts): excluded by it, the
    concept must stay listed, as it does when excluded by its label."""
    label = concept("technology:ai").label_fr
    for spelling in (label, "ai"):
        response = api.get(FACETS, {"facet": "technology", "exclude": f"technology:{spelling}"})
        entry = next(
            (
                f
                for f in facet_values(response.json()["facets"], "technology")
                if f["name"] == label
            ),
            None,
        )
        assert entry == {"name": label, "count": ai_count(), "value": label, "state": "excluded"}, (
            spelling
        )
        body = api.get(
            SEARCH,
            {"dataset": DATASET, "facet": "technology", "exclude.technology": spelling},
        ).json()
        assert body["nhits"] == len(ROWS) - ai_count()
        listed = {f["name"]: f["state"] for f in v1_facet_values(body, "technology")}
        assert listed.get(label) == "excluded", spelling


def test_dataset_facets_mark_a_concept_refined_by_its_notation(api: Client) -> None:
    label = concept("technology:ai").label_fr
    for spelling in (label, "ai"):
        response = api.get(FACETS, {"facet": "technology", "refine": f"technology:{spelling}"})
        top = facet_values(response.json()["facets"], "technology")
        entry = next(f for f in top if f["name"] == label)
        assert (entry["count"], entry["state"]) == (ai_count(), "refined"), spelling


# --- v1_catalog._facet_groups: an excluded value disappears --------------------------------


def test_v1_catalogue_facets_keep_an_excluded_value_listed(api: Client) -> None:
    label = registry.THEMES["ECON"]["fr"]
    expected = sum(d.theme == "ECON" for d in registry.all_datasets())
    body = api.get(V1_CATALOG, {"rows": 0, "facet": "theme", "exclude.theme": label}).json()
    assert body["nhits"] == len(registry.all_datasets()) - expected
    entry = next((f for f in v1_facet_values(body, "theme") if f["name"] == label), None)
    assert entry == {"name": label, "count": expected, "state": "excluded", "path": label}
    body = api.get(V1_CATALOG, {"rows": 0, "facet": "theme", "refine.theme": "ECON"}).json()
    assert v1_facet_values(body, "theme") == [
        {"name": label, "count": expected, "state": "refined", "path": label}
    ]


# --- v1.facet_groups: a refined year's months are dropped ----------------------------------


def test_v1_date_facet_nests_the_months_of_a_refined_year(api: Client) -> None:
    """v2.1 nests a refined year's months (and a refined month's days); v1's facet_groups
    copies each value but drops its `facets`, so v1 clients cannot drill down."""
    months: dict[int, int] = {}
    for row in ROWS:
        if row[3] is not None and row[3].year == 2010:
            months[row[3].month] = months.get(row[3].month, 0) + 1
    body = api.get(
        SEARCH,
        {"dataset": DATASET, "rows": 0, "facet": "founded_on", "refine.founded_on": "2010"},
    ).json()
    (year,) = v1_facet_values(body, "founded_on")
    assert (year["path"], year["count"], year["state"]) == ("2010", sum(months.values()), "refined")
    assert [(f["path"], f["count"]) for f in year.get("facets", [])] == [
        (f"2010/{m:02d}", n) for m, n in sorted(months.items())
    ]


# --- api.without_body: HEAD of a streamed file announces an empty body ---------------------

STREAMED = [
    f"{EXPORTS}csv",
    f"{EXPORTS}json",
    f"{EXPORTS}xlsx",
    f"{CATALOG_EXPORTS}/csv",
    DOWNLOAD,
    f"{DOWNLOAD}?format=json",
    f"{V1_DOWNLOAD}?dataset={DATASET}",
]


@pytest.mark.parametrize("route", STREAMED)
def test_head_of_a_streamed_file_does_not_announce_an_empty_body(api: Client, route: str) -> None:
    """The HEAD answer is a plain HttpResponse without Content-Length, to which Django's
    CommonMiddleware adds `Content-Length: 0`: a link checker or harvester reads the file as
    empty. A HEAD may leave Content-Length out, never give another length than GET's."""
    size = len(content(api.get(route)))
    assert size > 0
    head = api.head(route)
    assert head.status_code == 200 and content(head) == b""
    assert head.get("Content-Length") in (None, str(size))


# --- v1._v1_quota_error: the explanation is lost --------------------------------------------


def test_v1_quota_refusal_keeps_the_explanation(api: Client, settings: Any) -> None:
    """`_v1_quota_error` reads the v2.1 body's "message", but the quota body names it
    "error": every v1 refusal says only "Too many requests"."""
    settings.OPENDATA_RATE_LIMIT = 1
    settings.OPENDATA_RATE_WINDOW = 3600
    cache.clear()
    assert api.get(V1_CATALOG, {"rows": 0}).status_code == 200
    v2 = api.get(CATALOG).json()
    v1 = api.get(SEARCH, {"dataset": DATASET}).json()
    assert v1["errorcode"] == 10005
    assert v1["error"] == v2["error"]
    assert "sign in" in v1["error"] and "1 per hour" in v1["error"]


# --- ratelimit.rate_limited: the 429 lacks CORS -------------------------------------------


@pytest.mark.parametrize(
    "route", [f"{DATASET_URL}/records", CATALOG, f"{SEARCH}?dataset={DATASET}", DOWNLOAD]
)
def test_a_quota_refusal_carries_the_cors_header_of_every_api_answer(
    api: Client, settings: Any, route: str
) -> None:
    """Every API answer has `Access-Control-Allow-Origin: *` but the 429, made outside
    `explore_view`: a page on another site cannot read why it is refused nor when to retry."""
    settings.OPENDATA_RATE_LIMIT = 1
    cache.clear()
    assert api.get(route)["Access-Control-Allow-Origin"] == "*"
    refused = api.get(route)
    assert refused.status_code == 429
    assert refused.get("Access-Control-Allow-Origin") == "*"


# --- urls.py: the API's root without its slash is a redirect --------------------------------


def test_the_explore_root_answers_without_a_trailing_slash_and_without_redirect(
    api: Client,
) -> None:
    """Every v2.1 route answers with and without a final slash, with no redirect, but the
    root itself: `/api/explore/v2.1` is APPEND_SLASH's 301 (the include's prefix ends in /)."""
    slashed = api.get(f"{V2}/")
    plain = api.get(V2)
    assert plain.status_code == slashed.status_code == 200
    assert plain.json() == slashed.json()


# --- views._too_many: an HTMX request past the quota gets a page HTMX never shows ------------


def test_an_htmx_request_past_the_quota_is_shown_to_the_visitor(api: Client, settings: Any) -> None:
    """The page's filters and pager fetch the page body with HTMX, which swaps in only 2xx
    answers: past the quota the whole 429 page (layout included) is discarded and the click
    does nothing. Sensible: the body fragment with the message (as the page answers a bad
    query), or a 429 that tells HTMX to load it (HX-Refresh, HX-Redirect, HX-Location)."""
    settings.OPENDATA_RATE_LIMIT = 1
    cache.clear()
    assert api.get(PAGE).status_code == 200
    response = api.get(PAGE, {"page": 2}, HTTP_HX_REQUEST="true")
    assert response["Retry-After"]
    told = {"HX-Refresh", "HX-Redirect", "HX-Location"} & set(response.headers)
    if response.status_code == 429:
        assert told, dict(response.headers)
    else:
        assert response.status_code == 200
        assert b"<html" not in response.content


# --- require_safe: a 405 is an empty HTML answer ---------------------------------------------


@pytest.mark.parametrize(
    ("route", "shape"),
    [
        (f"{DATASET_URL}/records", {"error_code", "message"}),
        (f"{DATASET_URL}/records/{{pk}}", {"error_code", "message"}),
        (CATALOG, {"error_code", "message"}),
        (SEARCH, {"error"}),
        (DOWNLOAD, {"error"}),
    ],
)
def test_a_refused_method_is_answered_in_the_routes_error_shape(
    api: Client, orgs: list[Row], route: str, shape: set[str]
) -> None:
    response = api.post(at(route, orgs))
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response["Content-Type"].startswith("application/json")
    assert set(json.loads(response.content)) == shape


# ============================================================================================
# What held: no 500, errors in each route's shape, answers equal to the oracle.
# ============================================================================================

DEEP_WHERE = "(" * 40 + "title = 'x'" + ")" * 40
NOTS = "NOT " * 30 + "title = 'x'"
V2_ATTACKS: list[dict[str, Any]] = [
    {"where": "\x00"},
    {"where": "name = '\x00'"},
    {"select": "\x00"},
    {"order_by": "name\x00"},
    {"group_by": "\x00"},
    {"refine": "city:\x00"},
    {"exclude": "city:\x00"},
    {"lang": "\x00"},
    {"lang": "xx"},
    {"timezone": "\x00"},
    {"timezone": "Mars/Olympus"},
    {"limit": "99999999999999999999"},
    {"limit": "-5"},
    {"offset": "99999999999999999999"},
    {"offset": "-1"},
    {"limit": ["1", "1000"]},
    {"include_links": "yes"},
    {"include_links": "\x00"},
    {"where": DEEP_WHERE},
    {"where": NOTS},
    {"where": "a" * 10_001},
    {"select": "lower(" * 30 + "name" + ")" * 30},
    {"where": "name like '" + "%a" * 4000 + "'"},
    {"where": "id > 99999999999999999999999999"},
    {"where": "latitude > 1e400"},
    {"where": "name > 3"},
    {"where": "founded_on > '2010'"},
    {"refine": "nope:1"},
    {"refine": "founded_on:2010/13"},
    {"refine": "founded_on:0/0"},
    {"refine": "founded_on:-1"},
    {"refine": "founded_on:2010/07/99"},
    {"refine": "founded_on:99999999999999999999"},
    {"refine": "active:maybe"},
    {"refine": "technology:\u202e"},
    {"exclude": "technology:nope"},
    {"facet": "nope"},
    {"facet": 'facet(name="city", limit=0)'},
    {"facet": "facet("},
    {"compressed": "maybe"},
    {"delimiter": ""},
    {"delimiter": "\n"},
    {"parquet_compression": "zip"},
]
V2_ROUTES = [
    DATASET_URL,
    f"{DATASET_URL}/records",
    f"{DATASET_URL}/records/{{pk}}",
    f"{DATASET_URL}/facets",
    f"{DATASET_URL}/attachments",
    f"{DATASET_URL}/exports",
    f"{DATASET_URL}/exports/csv",
    f"{DATASET_URL}/exports/json",
]


@pytest.mark.parametrize("route", V2_ROUTES)
def test_no_attack_on_a_dataset_route_is_a_500(
    api: Client, orgs: list[Row], unlimited: None, route: str
) -> None:
    route = at(route, orgs)
    for attack in V2_ATTACKS:
        response = api.get(route, attack)
        assert response.status_code in (200, 400, 404), (attack, response.status_code)
        if response.status_code != 200:
            v2_refused(response, response.status_code)
        else:
            content(response)


CATALOGUE_ATTACKS: list[dict[str, Any]] = [
    {"where": "\x00"},
    {"where": "title = '\x00'"},
    {"where": DEEP_WHERE},
    {"where": NOTS},
    {"where": "title like '" + "%a" * 4000 + "'"},
    {"where": "description like '" + "_%" * 4000 + "'"},
    {"where": "search('" + "a " * 4000 + "')"},
    {"where": 'records_count = "x"'},
    {"where": "modified > 3"},
    {"where": "has_records = 'x'"},
    {"where": "theme in (1, 2)"},
    {"where": "count(*) > 1"},
    {"where": "records_count > 99999999999999999999999999"},
    {"select": "sum(title)"},
    {"select": "avg(records_count), title"},
    {"select": "count(distinct *)"},
    {"select": "title as x, title as x"},
    {"select": "*", "group_by": "theme"},
    {"group_by": "title as x"},
    {"group_by": "theme", "select": "title"},
    {"order_by": "count(*)"},
    {"order_by": "nope"},
    {"refine": "nope:1"},
    {"refine": "theme:\x00"},
    {"limit": "99999999999999999999"},
    {"limit": "101"},
    {"offset": "10001"},
    {"include_links": "maybe"},
    {"lang": "xx"},
    {"facet": "nope"},
    {"delimiter": "\r"},
]
CATALOGUE_ROUTES = [
    CATALOG,
    f"{CATALOG_EXPORTS}/csv",
    f"{CATALOG_EXPORTS}/json",
    f"{CATALOG_EXPORTS}/rss",
    f"{CATALOG_EXPORTS}/xlsx",
]


@pytest.mark.parametrize("route", CATALOGUE_ROUTES)
def test_no_attack_on_a_catalogue_route_is_a_500(api: Client, unlimited: None, route: str) -> None:
    for attack in CATALOGUE_ATTACKS:
        response = api.get(route, attack)
        assert response.status_code in (200, 400), (attack, response.status_code)
        if response.status_code == 400:
            v2_refused(response)
        else:
            content(response)


V1_ATTACKS: list[dict[str, Any]] = [
    {"q": "\x00"},
    {"q": "(" * 20 + "a" + ")" * 20},
    {"q": "NOT " * 20 + "a"},
    {"q": "a " * 1001},
    {"q": '"'},
    {"q": "a:"},
    {"q": "#now()"},
    {"q": "#null()"},
    {"q": "founded_on:2010/13"},
    {"q": "founded_on:9999/12/31"},
    {"q": "created_at>=9999-12-31T23:59:59-14:00"},
    {"q": "latitude:1e999999"},
    {"q": "id:99999999999999999999999"},
    {"q": "active:maybe"},
    {"q": "position:1"},
    {"q": "records_count>1e99999"},
    {"q": ["a", "b"], "q.x": "c"},
    {"refine.founded_on": "2010/13"},
    {"refine.founded_on": "0/0"},
    {"refine.nope": "1"},
    {"exclude.nope": "1"},
    {"refine.modified": "2024/13"},
    {"refine.": "x"},
    {"disjunctive.city": "true", "refine.city": ["Namur", "Mons"]},
    {"rows": "99999999999999999999"},
    {"rows": "-1"},
    {"start": "-1"},
    {"start": "9999", "rows": "10"},
    {"sort": "nope"},
    {"sort": ","},
    {"fields": "nope"},
    {"fields": ",,,"},
    {"facet": "nope"},
    {"format": "\x00"},
    {"format": "XLS"},
    {"format": "shp"},
    {"lang": "\x00"},
    {"timezone": "\x00"},
    {"timezone": "Nowhere/Else"},
    {"geofilter.distance": "1,2,3"},
    {"csv_separator": ""},
    {"csv_separator": ";;"},
    {"csv_separator": "\n"},
    {"csv_separator": '"'},
    {"use_labels_for_header": "perhaps"},
    {"q": "records_count:x"},
    {"q": "records_count:[x TO *]"},
    {"q": "modified>2024/13"},
    {"q": "modified:0000"},
    {"q": "modified:[* TO *]"},
    {"q": "title:[a TO *]"},
    {"q": '#exact(records_count, "x")'},
    {"q": '#startswith(modified, "2024")'},
    {"q": '#search(nope, "x")'},
    {"q": '#search("x")'},
    {"q": "#null(nope)"},
    {"q": "datasetid:" + "%" * 1500},
    {"dataset": ["a", "b"]},
    {"dataset": "nope"},
    {"dataset": "\x00"},
]
V1_ROUTES = [SEARCH, V1_DOWNLOAD, V1_CATALOG, V1_LOOKUP, f"{V1_LOOKUP}records/{{pk}}/", DOWNLOAD]


@pytest.mark.parametrize("route", V1_ROUTES)
def test_no_attack_on_a_v1_route_is_a_500(
    api: Client, orgs: list[Row], unlimited: None, route: str
) -> None:
    route = at(route, orgs)
    for attack in V1_ATTACKS:
        params = {"dataset": DATASET, **attack} if route in (SEARCH, V1_DOWNLOAD) else attack
        response = api.get(route, params)
        assert response.status_code in (200, 400, 404), (attack, response.status_code)
        if response.status_code != 200:
            v1_refused(response, response.status_code)
        else:
            content(response)


def test_v1_catalogue_q_selects_what_the_oracle_selects(api: Client) -> None:
    datasets = registry.all_datasets()
    modified = modified_of()
    counts = {d.id: d.queryset().order_by().count() for d in datasets}
    expected = {
        "records_count>=1": [i for i, n in counts.items() if n >= 1],
        "records_count:[1 TO *]": [i for i, n in counts.items() if n >= 1],
        "records_count<1": [i for i, n in counts.items() if n < 1],
        "modified:2024": [i for i, m in modified.items() if m and m.year == 2024],
        "modified>=2024/06": [
            i for i, m in modified.items() if m and (m.year, m.month) >= (2024, 6)
        ],
        "#null(modified)": [i for i, m in modified.items() if m is None],
        "datasetid:fixture": [DATASET],
        f'#exact(datasetid, "{DATASET}")': [DATASET],
        "NOT #null(modified) AND records_count>=1": [
            i for i, n in counts.items() if n >= 1 and modified[i] is not None
        ],
    }
    for q, ids in expected.items():
        body = api.get(V1_CATALOG, {"q": q, "rows": 100}).json()
        assert sorted(d["datasetid"] for d in body["datasets"]) == sorted(ids), q
        assert body["nhits"] == len(ids), q


PAGE_ATTACKS: list[dict[str, Any]] = [
    {"where": "\x00"},
    {"where": DEEP_WHERE},
    {"q": "\x00" * 5000},
    {"refine": ["city:\x00", "nope:1", "founded_on:2010/13", "x"] * 30},
    {"page": "99999999999999999999"},
    {"page": "-1"},
    {"page": "١"},
]


def test_no_attack_on_the_dataset_page_is_a_500(api: Client, unlimited: None) -> None:
    for attack in PAGE_ATTACKS:
        response = api.get(PAGE, attack)
        assert response.status_code in (200, 400), (attack, response.status_code)
        assert response["Content-Type"].startswith("text/html")
        fragment = api.get(PAGE, attack, HTTP_HX_REQUEST="true")
        assert fragment.status_code == 200 and b"<html" not in fragment.content


# --- The record route and v1's record lookup -------------------------------------------------


def test_a_record_is_found_by_its_identifier_and_by_nothing_else(
    api: Client, orgs: list[Row]
) -> None:
    for row in orgs:
        record = api.get(f"{DATASET_URL}/records/{row['id']}").json()
        assert (record["id"], record["name"], record["city"]) == (
            row["id"],
            row["name"],
            row["city"],
        )
        selected = api.get(f"{DATASET_URL}/records/{row['id']}/", {"select": "name"}).json()
        assert selected == {"name": row["name"]}
        v1 = api.get(f"{V1_LOOKUP}records/{row['id']}/").json()
        assert (v1["recordid"], v1["fields"]["name"]) == (str(row["id"]), row["name"])
    top = max(row["id"] for row in orgs)
    for text in [
        "0",
        "-0",
        "-1",
        f"-{top}",
        f"+{top}",
        str(top + 1),
        "1" + "0" * 30,
        "9" * 19,
        f"{top}.0",
        "١",
        "\x00",
        "x" * 3000,
        "1e3",
    ]:
        path = quote(text, safe="")
        assert "Unknown record" in v2_refused(api.get(f"{DATASET_URL}/records/{path}"), 404)
        assert "Unknown record" in v1_refused(api.get(f"{V1_LOOKUP}records/{path}/"), 404)
    assert "nope" in v2_refused(api.get(f"{CATALOG}/nope/records/{top}"), 404)
    assert "nope" in v1_refused(api.get(f"/api/datasets/1.0/nope/records/{top}/"), 404)


# --- selection.Selection.ids: narrows the taxonomy index's own bitmaps in place (finding) --


def test_a_filtered_selection_does_not_shrink_the_shared_taxonomy_bitmaps(
    api: Client, orgs: list[Row]
) -> None:
    """Selection.ids() takes the engine's bitmap (`ContainerIndex.universe`, or a concept's
    bitmap for a one-concept refinement) and narrows it in place (`matching &= …`): one
    request refined by a plain field (or `where`) shrinks the index every later request, of
    any client and of the directory's magnets, reads, until the index is rebuilt."""
    label = concept("technology:ai").label_fr
    unrefined = {
        f["name"]: f["count"]
        for f in facet_values(
            api.get(FACETS, {"facet": "technology"}).json()["facets"], "technology"
        )
    }
    assert unrefined[label] == ai_count()
    in_ai = sorted(row[0] for row in ROWS if set(row[7]) & AI_FAMILY)
    assert sorted(record_names(api.get(RECORDS, {"refine": f"technology:{label}"}))) == in_ai
    # Requests narrowed by a plain field, by a concept and a plain field, by a where.
    for params in (
        {"facet": "technology", "refine": "city:Namur"},
        {"facet": "technology", "refine": [f"technology:{label}", "city:Mons"]},
        {"facet": "technology", "where": "founded_on < date'2000-01-01'"},
    ):
        assert api.get(FACETS, params).status_code == 200
        after = facet_values(
            api.get(FACETS, {"facet": "technology"}).json()["facets"], "technology"
        )
        assert {f["name"]: f["count"] for f in after} == unrefined, params
        refined = record_names(api.get(RECORDS, {"refine": f"technology:{label}"}))
        assert sorted(refined) == in_ai, params
    v1 = api.get(SEARCH, {"dataset": DATASET, "facet": "technology", "rows": 0}).json()
    assert {f["name"]: f["count"] for f in v1_facet_values(v1, "technology")} == unrefined


# --- Nothing unpublished leaks ---------------------------------------------------------------


def test_a_withheld_natural_person_leaks_through_no_route(api: Client, orgs: list[Row]) -> None:
    """A self-employed person without a recorded consent is not published (public_organisations):
    not by id, in no count, facet, drill-down, exclusion, search or download."""
    hidden = organisation(
        "Jean Dupont",
        "org-type:self-employed",
        "technology:ai",
        city="Namur",
        founded_on=datetime.date(2010, 7, 3),
    )
    index.bump()
    selection._ids_cache.clear()
    base = f"{CATALOG}/organisations"
    names = api.get(f"{base}/records", {"select": "name", "limit": 100})
    assert sorted(record_names(names)) == sorted(NAMES)
    v2_refused(api.get(f"{base}/records/{hidden.pk}"), 404)
    v1_refused(api.get(f"/api/datasets/1.0/organisations/records/{hidden.pk}/"), 404)
    all_facets = api.get(f"{base}/facets").json()["facets"]
    tech = {f["name"]: f["count"] for f in facet_values(all_facets, "technology")}
    assert tech[concept("technology:ai").label_fr] == ai_count()
    for exclude in ("city:Namur", f"technology:{concept('technology:ai').label_fr}"):
        kept = record_names(api.get(f"{base}/records", {"exclude": exclude, "limit": 100}))
        assert "Jean Dupont" not in kept
    assert api.get(f"{base}/records", {"where": 'search("Dupont")'}).json()["total_count"] == 0
    v1 = api.get(SEARCH, {"dataset": "organisations", "q": "Dupont"}).json()
    assert v1["nhits"] == 0
    for route in (f"{base}/exports/csv", "/explore/dataset/organisations/download/?format=json"):
        assert b"Dupont" not in content(api.get(route))
    described = api.get(base).json()["metas"]["default"]
    assert described["records_count"] == len(ROWS)
    v1_described = api.get("/api/datasets/1.0/organisations/").json()["metas"]
    assert v1_described["records_count"] == len(ROWS)
    # (A refined selection last: it shrinks the shared bitmaps, see the poisoning test.)
    facets = api.get(f"{base}/facets", {"refine": "founded_on:2010/07"}).json()["facets"]
    july = [row for row in ROWS if row[3] is not None and (row[3].year, row[3].month) == (2010, 7)]
    (year,) = facet_values(facets, "founded_on")
    (month,) = year["facets"]
    assert [(d["value"], d["count"]) for d in month["facets"]] == sorted(
        (f"2010/07/{row[3].day:02d}", 1) for row in july
    )
    assert {f["value"]: f["count"] for f in facet_values(facets, "city")} == {
        city: sum(1 for row in july if row[1] == city) for city in {row[1] for row in july}
    }
    # A consent withdrawn after a client has read (and the server cached) the selection.
    consenting = organisation("Marie Martin", "org-type:self-employed", city="Mons")
    consenting.record_publication_consent(True, None)
    consenting.save()
    index.bump()
    assert api.get(f"{base}/records", {"limit": 0}).json()["total_count"] == len(ROWS) + 1
    assert api.get(f"{base}/facets", {"refine": "city:Mons"}).status_code == 200
    consenting.record_publication_consent(False, None)
    consenting.save()
    assert api.get(f"{base}/records", {"limit": 0}).json()["total_count"] == len(ROWS)
    v2_refused(api.get(f"{base}/records/{consenting.pk}"), 404)
    mons = facet_values(api.get(f"{base}/facets").json()["facets"], "city")
    assert {f["value"]: f["count"] for f in mons}["Mons"] == sum(r[1] == "Mons" for r in ROWS)


def test_an_action_of_a_draft_strategy_leaks_through_no_route(api: Client, unlimited: None) -> None:
    public = strategy_tree("open", status="active")["action"]
    draft = strategy_tree("drafty", status="draft")["action"]
    kind = ContentType.objects.get_for_model(Action)
    ai = concept("technology:ai")
    for action in (public, draft):
        Tag.objects.get_or_create(content_type=kind, object_id=action.pk, concept=ai)
    index.bump()
    base = f"{CATALOG}/strategy-actions"
    fields = {f.name: f for f in registry.get("strategy-actions").fields()}
    technology = next(name for name, f in fields.items() if f.scheme == "technology")

    def ids(**params: Any) -> list[int]:
        response = api.get(f"{base}/records", {"select": "action_id", "limit": 100, **params})
        assert response.status_code == 200, response.content
        return [r["action_id"] for r in response.json()["results"]]

    assert ids() == [public.pk]
    assert ids(exclude=f"{technology}:{ai.label_fr}") == []
    assert ids(exclude="status:done") == [public.pk]
    v2_refused(api.get(f"{base}/records/{draft.pk}"), 404)
    v1_refused(api.get(f"/api/datasets/1.0/strategy-actions/records/{draft.pk}/"), 404)
    counts = facet_values(api.get(f"{base}/facets").json()["facets"], technology)
    assert [(f["name"], f["count"]) for f in counts] == [(ai.label_fr, 1)]
    assert api.get(base).json()["metas"]["default"]["records_count"] == 1
    # The public version made a draft: gone from every route at once.
    Strategy.objects.filter(pk=public.programme.strategy_id).update(status="draft")
    Strategy.objects.get(pk=public.programme.strategy_id).save()
    assert ids() == []
    assert facet_values(api.get(f"{base}/facets").json()["facets"], technology) == []
    v2_refused(api.get(f"{base}/records/{public.pk}"), 404)
    nhits = api.get(SEARCH, {"dataset": "strategy-actions"}).json()["nhits"]
    assert nhits == 0


# --- HEAD answers as GET does, and the next request still works (PostgreSQL too) -------------

HEAD_ROUTES = [
    f"{V2}/",
    f"{V2}/catalog",
    CATALOG,
    CATALOG_FACETS,
    f"{CATALOG_EXPORTS}",
    f"{CATALOG_EXPORTS}/rss",
    f"{CATALOG_EXPORTS}/dcat",
    f"{CATALOG_EXPORTS}/nope",
    DATASET_URL,
    f"{DATASET_URL}/records?select=name&limit=3",
    f"{DATASET_URL}/records/{{pk}}",
    f"{DATASET_URL}/records/999999",
    f"{DATASET_URL}/facets",
    f"{DATASET_URL}/attachments",
    f"{DATASET_URL}/exports",
    f"{DATASET_URL}/exports/csv?select=name,city",
    f"{DATASET_URL}/exports/csv",
    f"{DATASET_URL}/exports/parquet",
    f"{DATASET_URL}/exports/nope",
    f"{CATALOG}/nope/records",
    f"{SEARCH}?dataset={DATASET}",
    f"{SEARCH}?dataset=nope",
    V1_CATALOG,
    V1_LOOKUP,
    f"{V1_LOOKUP}records/{{pk}}/",
    DOWNLOAD,
    f"{DOWNLOAD}?format=json",
    f"{DOWNLOAD}?format=shp",
    f"{V1_DOWNLOAD}?dataset={DATASET}",
    "/explore/dataset/nope/download/",
    f"/explore/dataset/{DATASET}/",
    PAGE,
    "/data/nope/",
]
VARYING = {"x-ratelimit-remaining", "x-ratelimit-reset", "content-length"}


@pytest.mark.parametrize("route", HEAD_ROUTES)
def test_head_answers_as_get_and_the_next_request_still_works(
    api: Client, orgs: list[Row], unlimited: None, route: str
) -> None:
    route = at(route, orgs)
    get = api.get(route)
    expected = content(get)
    head = api.head(route)
    assert head.status_code == get.status_code
    assert content(head) == b""
    same = {k.lower(): v for k, v in get.items() if k.lower() not in VARYING}
    assert {k.lower(): v for k, v in head.items() if k.lower() not in VARYING} == same
    if not get.streaming:
        assert head.get("Content-Length") == str(len(expected))
    # The same connection serves the next requests (a HEAD once closed it mid-request).
    again = api.get(route)
    assert again.status_code == get.status_code
    if again["Content-Type"].startswith("application/json") and not again.streaming:
        assert again.content == expected
    assert api.get(f"{DATASET_URL}/records", {"limit": 0}).json()["total_count"] == len(ROWS)


def test_a_head_of_a_postgresql_copy_then_a_get_reads_the_whole_file(api: Client) -> None:
    """On PostgreSQL a CSV of plain columns is written by COPY: its HEAD must end the COPY
    without spoiling the connection the next GET reads the file on."""
    route = f"{DATASET_URL}/exports/csv"
    params = {"select": "name,city", "order_by": "name"}
    for _ in range(2):
        assert api.head(route, params).status_code == 200
    text = content(api.get(route, params)).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["name", "city"]
    expected = sorted(NAMES, key=folded)
    assert sorted((r[0] for r in rows[1:]), key=folded) == expected
    assert api.get(f"{DATASET_URL}/records", {"limit": 0}).json()["total_count"] == len(ROWS)


# --- Trailing slashes, unknown datasets and formats -------------------------------------------

SLASHED = [
    f"{V2}/catalog",
    CATALOG_FACETS,
    CATALOG_EXPORTS,
    f"{DATASET_URL}/records/{{pk}}",
    f"{DATASET_URL}/attachments",
    f"{DATASET_URL}/exports",
    f"{DATASET_URL}/facets",
    "/api/records/1.0/search",
    "/api/datasets/1.0/search",
    f"/api/datasets/1.0/{DATASET}",
    f"/api/datasets/1.0/{DATASET}/records/{{pk}}",
    f"/explore/dataset/{DATASET}/download",
]


@pytest.mark.parametrize("route", SLASHED)
def test_a_route_answers_the_same_with_and_without_its_slash(
    api: Client, orgs: list[Row], route: str
) -> None:
    route = at(route, orgs)
    params = {"dataset": DATASET} if "records/1.0" in route else {}
    plain, slashed = api.get(route, params), api.get(route + "/", params)
    assert plain.status_code == slashed.status_code == 200
    assert content(plain) == content(slashed)


@pytest.mark.parametrize(
    "route",
    [
        f"{CATALOG}/nope",
        f"{CATALOG}/nope/records",
        f"{CATALOG}/nope/records/1",
        f"{CATALOG}/nope/facets",
        f"{CATALOG}/nope/attachments",
        f"{CATALOG}/nope/exports",
        f"{CATALOG}/nope/exports/csv",
        f"{CATALOG}/nope/exports/nope",
        f"{CATALOG}/{quote(chr(0))}/records",
        f"{CATALOG}/{'x' * 3000}",
    ],
)
def test_an_unknown_dataset_is_a_404_on_every_v2_route(api: Client, route: str) -> None:
    assert "Unknown dataset" in v2_refused(api.get(route), 404)
    assert api.head(route).status_code == 404


@pytest.mark.parametrize(
    "route",
    [
        "/api/datasets/1.0/nope/",
        "/api/datasets/1.0/nope/records/1/",
        f"{SEARCH}?dataset=nope",
        f"{V1_DOWNLOAD}?dataset=nope",
        "/explore/dataset/nope/download/",
    ],
)
def test_an_unknown_dataset_is_a_404_on_every_v1_route(api: Client, route: str) -> None:
    assert "Unknown dataset" in v1_refused(api.get(route), 404)


@pytest.mark.parametrize(
    ("route", "refused"),
    [
        (f"{DATASET_URL}/exports/shp", v2_refused),
        (f"{DATASET_URL}/exports/CSV", v2_refused),
        (f"{CATALOG_EXPORTS}/pdf", v2_refused),
        (f"{DOWNLOAD}?format=pdf", v1_refused),
        (f"{DOWNLOAD}?format=%00", v1_refused),
        (f"{SEARCH}?dataset={DATASET}&format=csv", v1_refused),
    ],
)
def test_an_unknown_format_is_a_400(api: Client, route: str, refused: Any) -> None:
    assert refused(api.get(route))


# --- Odd values of include_links, lang, csv_separator, limits ---------------------------------


def test_include_links_and_lang_take_their_values_and_refuse_others(api: Client) -> None:
    for value in ("true", "TRUE", " true "):
        body = api.get(f"{DATASET_URL}/records", {"include_links": value, "limit": 1}).json()
        assert {link["rel"] for link in body["links"]} >= {"self", "first", "last", "next"}
        described = api.get(CATALOG, {"include_links": value, "limit": 1}).json()
        assert "links" in described and "links" in described["results"][0]
    for value in ("false", "", "FALSE"):
        assert "links" not in api.get(DATASET_URL, {"include_links": value}).json()
    for value in ("1", "yes", "\x00", "true,false"):
        for route in (DATASET_URL, f"{DATASET_URL}/records", CATALOG):
            assert "include_links" in v2_refused(api.get(route, {"include_links": value}))
    title = registry.get(DATASET).title
    assert api.get(DATASET_URL, {"lang": " EN "}).json()["metas"]["default"]["title"] == title.get(
        "en"
    )
    # A language Opendatasoft accepts but Territoria has no texts in reads French.
    assert api.get(DATASET_URL, {"lang": "es"}).json()["metas"]["default"]["title"] == title.get(
        "fr"
    )
    for value in ("xx", "\x00", "fr-BE", "e" * 500):
        assert "lang" in v2_refused(api.get(DATASET_URL, {"lang": value}))
        assert "lang" in v1_refused(api.get(V1_LOOKUP, {"lang": value}))


@pytest.mark.parametrize("separator", ["\t", "|", ",", " ", "é", "a"])
def test_an_odd_single_character_csv_separator_writes_a_readable_file(
    api: Client, separator: str
) -> None:
    response = api.get(
        DOWNLOAD, {"csv_separator": separator, "fields": "name,city", "sort": "-name"}
    )
    text = content(response).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=separator))
    assert rows[0] == ["name", "city"]
    cities = {row[0]: row[1] or "" for row in ROWS}
    assert sorted((r[0], r[1]) for r in rows[1:]) == sorted(cities.items())


@pytest.mark.parametrize("separator", ["", ";;", "\n", "\r", '"', "\r\n"])
def test_a_csv_separator_that_breaks_csv_is_refused(api: Client, separator: str) -> None:
    assert "delimiter" in v1_refused(api.get(DOWNLOAD, {"csv_separator": separator}))
    assert "delimiter" in v2_refused(api.get(f"{EXPORTS}csv", {"delimiter": separator}))


@pytest.mark.parametrize(
    ("route", "params", "refused"),
    [
        (f"{DATASET_URL}/records", {"limit": "99999999999999999999"}, v2_refused),
        (f"{DATASET_URL}/records", {"offset": "9999", "limit": "2"}, v2_refused),
        (f"{DATASET_URL}/records", {"limit": "1e3"}, v2_refused),
        (CATALOG, {"limit": "99999999999999999999"}, v2_refused),
        (CATALOG, {"offset": "-1"}, v2_refused),
        (f"{CATALOG_EXPORTS}/csv", {"limit": "-2"}, v2_refused),
        (SEARCH, {"dataset": DATASET, "rows": "99999999999999999999"}, v1_refused),
        (SEARCH, {"dataset": DATASET, "rows": "10", "start": "9991"}, v1_refused),
        (V1_CATALOG, {"start": "-1"}, v1_refused),
        (DOWNLOAD, {"rows": "-2"}, v1_refused),
        (DOWNLOAD, {"start": "-1"}, v1_refused),
    ],
)
def test_a_huge_or_negative_number_is_a_400(
    api: Client, route: str, params: dict[str, str], refused: Any
) -> None:
    assert refused(api.get(route, params))


def test_a_huge_download_slice_is_an_empty_file_not_an_error(api: Client) -> None:
    body = json.loads(
        content(
            api.get(DOWNLOAD, {"format": "json", "rows": "999999999999", "start": "999999999999"})
        )
    )
    assert body == []
    whole = json.loads(content(api.get(DOWNLOAD, {"format": "json", "rows": "999999999999"})))
    assert sorted(r["fields"]["name"] for r in whole) == sorted(NAMES)


# --- Date facets: drill-down, odd refinements, exclusion -------------------------------------


def test_a_refined_year_nests_its_months_and_a_refined_month_its_days(api: Client) -> None:
    dated = [row for row in ROWS if row[3] is not None]
    in_2010 = [row for row in dated if row[3].year == 2010]
    facets = api.get(FACETS, {"facet": "founded_on", "refine": "founded_on:2010"}).json()
    (year,) = facet_values(facets["facets"], "founded_on")
    assert (year["value"], year["count"], year["state"]) == ("2010", len(in_2010), "refined")
    months = sorted({row[3].month for row in in_2010})
    assert [(m["value"], m["count"]) for m in year["facets"]] == [
        (f"2010/{m:02d}", sum(row[3].month == m for row in in_2010)) for m in months
    ]
    for spelling in ("2010/07", "2010/7", "2010-07"):
        facets = api.get(FACETS, {"facet": "founded_on", "refine": f"founded_on:{spelling}"})
        (year,) = facet_values(facets.json()["facets"], "founded_on")
        (month,) = year["facets"]
        assert (month["value"], month["state"]) == ("2010/07", "refined")
        july = [row for row in in_2010 if row[3].month == 7]
        assert [(d["value"], d["count"]) for d in month["facets"]] == sorted(
            (f"2010/07/{row[3].day:02d}", 1) for row in july
        )
        assert sorted(
            record_names(api.get(RECORDS, {"refine": f"founded_on:{spelling}"}))
        ) == sorted(row[0] for row in july)


@pytest.mark.parametrize(
    "value", ["2010/13", "0/0", "0", "-1", "2010/07/99", "2010/", "/", "99999999999999999999"]
)
def test_an_impossible_date_refinement_is_a_400(api: Client, value: str) -> None:
    for route in (RECORDS, FACETS, f"{EXPORTS}csv"):
        assert "founded_on" in v2_refused(api.get(route, {"refine": f"founded_on:{value}"}))
    assert "founded_on" in v1_refused(
        api.get(SEARCH, {"dataset": DATASET, "refine.founded_on": value})
    )


@pytest.mark.parametrize("value", ["9999", "9999/12", "9999/12/31", "1/1/1"])
def test_a_date_refinement_at_the_calendars_ends_is_answered(api: Client, value: str) -> None:
    """No fixture record is dated so: a 400 (the period's end is past year 9999) or none."""
    response = api.get(RECORDS, {"refine": f"founded_on:{value}"})
    if response.status_code == 200:
        assert response.json()["total_count"] == 0
    else:
        v2_refused(response)


def test_an_excluded_date_keeps_the_records_without_one_and_stays_listed(api: Client) -> None:
    kept = sorted(row[0] for row in ROWS if row[3] is None or row[3].year != 2010)
    assert sorted(record_names(api.get(RECORDS, {"exclude": "founded_on:2010"}))) == kept
    facets = api.get(FACETS, {"facet": "founded_on", "exclude": "founded_on:2010"}).json()
    entry = next(f for f in facet_values(facets["facets"], "founded_on") if f["value"] == "2010")
    assert (entry["count"], entry["state"]) == (
        sum(1 for row in ROWS if row[3] and row[3].year == 2010),
        "excluded",
    )
    kept_cities = sorted(row[0] for row in ROWS if row[1] != "Namur")
    assert sorted(record_names(api.get(RECORDS, {"exclude": "city:Namur"}))) == kept_cities


# --- The anonymous quota on every route, and signed-in users ---------------------------------

QUOTA_V2 = [f"{V2}/", CATALOG, CATALOG_FACETS, f"{CATALOG_EXPORTS}/csv", f"{DATASET_URL}/records"]
QUOTA_V1 = [
    f"{SEARCH}?dataset={DATASET}",
    V1_CATALOG,
    V1_LOOKUP,
    f"{V1_LOOKUP}records/{{pk}}/",
    DOWNLOAD,
    f"{V1_DOWNLOAD}?dataset={DATASET}",
]


def test_past_the_quota_every_route_answers_429_in_its_shape(
    api: Client, orgs: list[Row], settings: Any
) -> None:
    settings.OPENDATA_RATE_LIMIT = 2
    settings.OPENDATA_RATE_WINDOW = 60
    cache.clear()
    for _ in range(2):
        assert api.get(CATALOG, {"limit": 0}).status_code == 200
    for route in [at(r, orgs) for r in [*QUOTA_V2, *QUOTA_V1, PAGE, f"{CATALOG}/nope"]]:
        for method in (api.get, api.head):
            response = method(route)
            assert response.status_code == 429, (route, method)
            assert 0 < int(response["Retry-After"]) <= 60
            assert response["X-RateLimit-Limit"] == "2"
            assert response["X-RateLimit-Remaining"] == "0"
        body = api.get(route)
        if route == PAGE:
            assert body["Content-Type"].startswith("text/html")
            assert b"2" in body.content
            continue
        answer = body.json()
        assert answer["call_limit"] == 2 and answer["limit_time_unit"] == "minute"
        v1 = route in [at(r, orgs) for r in QUOTA_V1]
        assert answer["errorcode"] == (10005 if v1 else 10002)
        keys = {"errorcode", "reset_time", "limit_time_unit", "call_limit", "error"}
        assert set(answer) == keys
    # Another address has its own quota; the portal's dataset link is a plain redirect.
    assert api.get(PAGE, REMOTE_ADDR="192.0.2.99").status_code == 200
    assert api.get(f"/explore/dataset/{DATASET}/").status_code == 302


def test_signed_in_users_are_not_limited_on_any_route(
    api: Client, orgs: list[Row], users: dict[str, Any], settings: Any
) -> None:
    settings.OPENDATA_RATE_LIMIT = 1
    cache.clear()
    api.login(username="applicant", password=PASSWORD)
    for route in [*QUOTA_V2, *QUOTA_V1, PAGE] * 2:
        response = api.get(at(route, orgs))
        assert response.status_code == 200, route
        content(response)
        assert "X-RateLimit-Remaining" not in response
    assert api.get(PAGE, HTTP_HX_REQUEST="true").status_code == 200
