"""The Explore API's catalogue, dataset descriptions, rate limits and headers."""

import datetime
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from territoria.opendata import registry
from tests.conftest import PASSWORD

CATALOG = "/api/explore/v2.1/catalog/datasets"


def test_it_lists_every_registered_dataset_in_opendatasoft_shape(api: Client) -> None:
    body = api.get(CATALOG, {"limit": 100}).json()
    assert body["total_count"] == len(registry.all_datasets())
    ids = [d["dataset_id"] for d in body["results"]]
    for expected in ("organisations", "events", "publications", "fixture-organisations"):
        assert expected in ids
    first = body["results"][0]
    assert {"dataset_id", "dataset_uid", "has_records", "metas", "fields"} <= set(first)
    assert first["metas"]["default"]["license"] == "CC-BY-4.0"


def test_it_pages_and_refines_the_catalogue(api: Client) -> None:
    page = api.get(CATALOG, {"limit": 2, "offset": 1}).json()
    assert len(page["results"]) == 2
    econ = api.get(CATALOG, {"refine": "theme:ECON", "limit": 100}).json()["results"]
    assert econ and all(registry.get(d["dataset_id"]).theme == "ECON" for d in econ)
    assert api.get(CATALOG, {"where": "x"}).status_code == 400
    assert api.get(CATALOG, {"limit": "1000"}).status_code == 400


def test_it_describes_a_dataset_with_its_fields_in_the_requested_language(
    api: Client, orgs: list[dict[str, Any]]
) -> None:
    body = api.get(f"{CATALOG}/fixture-organisations", {"lang": "en"}).json()
    assert body["dataset_id"] == "fixture-organisations"
    assert body["metas"]["default"]["title"] == "Test organisations"
    assert body["metas"]["default"]["records_count"] == len(orgs)
    fields = {f["name"]: f for f in body["fields"]}
    # Opendatasoft's annotations are lists: a flag is [], a separator its one value.
    assert fields["technology"]["annotations"] == {
        "facet": [],
        "hierarchical": ["/"],
        "disjunctive": [],
        "multivalued": [","],
    }
    assert fields["city"]["annotations"] == {"facet": [], "sortable": []}
    assert fields["latitude"]["annotations"] == {}
    assert fields["created_at"]["type"] == "datetime"
    assert fields["name"]["label"] == "Name"
    assert api.get(f"{CATALOG}/fixture-organisations", {"lang": "xx"}).status_code == 400


def test_the_public_datasets_publish_no_personal_data(db: Any) -> None:
    for dataset in registry.all_datasets():
        # A group's mean score (the Digiscore barometer's `mean_score`) is an aggregate of
        # five respondents or more: no one's score.
        names = {f.name for f in dataset.fields() if not f.aggregated}
        for private in (
            "email",
            "e_mail",
            "first_name",
            "last_name",
            "password",
            "score",
            "comment",
        ):
            assert not any(private in name for name in names), (dataset.id, names)


def test_it_answers_only_get(api: Client) -> None:
    assert api.post(f"{CATALOG}/fixture-organisations/records").status_code == 405


@pytest.fixture
def tight_quota(settings: Any) -> None:
    settings.OPENDATA_RATE_LIMIT = 3
    settings.OPENDATA_RATE_WINDOW = 60
    cache.clear()


def test_it_rate_limits_anonymous_clients_with_headers(api: Client, tight_quota: None) -> None:
    url = f"{CATALOG}/fixture-organisations/records"
    remaining = [api.get(url)["X-RateLimit-Remaining"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]
    refused = api.get(url)
    assert refused.status_code == 429
    body = refused.json()
    # Opendatasoft's quota body, every key of its OpenAPI document's `quota` response.
    assert set(body) == {"errorcode", "reset_time", "limit_time_unit", "call_limit", "error"}
    assert body["errorcode"] == 10002
    assert body["call_limit"] == 3
    assert body["limit_time_unit"] == "minute"
    reset = datetime.datetime.strptime(body["reset_time"], "%Y-%m-%dT%H:%M:%SZ")
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    assert now < reset <= now + datetime.timedelta(seconds=61)
    assert refused["X-RateLimit-Limit"] == "3"
    assert refused["X-RateLimit-Remaining"] == "0"
    assert 0 < int(refused["Retry-After"]) <= 60
    # Another client has its own quota.
    assert api.get(url, REMOTE_ADDR="192.0.2.7").status_code == 200


def test_it_does_not_limit_signed_in_users(
    api: Client, users: dict[str, Any], tight_quota: None
) -> None:
    api.login(username="staff", password=PASSWORD)
    url = f"{CATALOG}/fixture-organisations/records"
    assert all(api.get(url).status_code == 200 for _ in range(5))


def test_it_allows_cross_origin_reads(api: Client) -> None:
    assert api.get(CATALOG)["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("lang", ["fr", "nl", "de", "en"])
def test_every_dataset_answers_records_facets_and_exports_in_every_language(
    api: Client, lang: str
) -> None:
    for dataset in registry.all_datasets():
        base = f"{CATALOG}/{dataset.id}"
        for url, params in (
            (base, {}),
            (f"{base}/records", {"limit": 5}),
            (f"{base}/facets", {}),
            (f"{base}/records", {"select": "count(*) as n"}),
        ):
            response = api.get(url, {**params, "lang": lang})
            assert response.status_code == 200, (dataset.id, url, response.content[:300])
        export = api.get(f"{base}/exports/csv", {"lang": lang})
        assert export.status_code == 200, (dataset.id, lang)
        b"".join(export.streaming_content)


def test_the_dataset_pages_share_the_anonymous_quota(api: Client, tight_quota: None) -> None:
    page = "/data/fixture-organisations/"
    records = f"{CATALOG}/fixture-organisations/records"
    assert api.get(page).status_code == 200
    assert api.get(records).status_code == 200
    assert api.get(page)["X-RateLimit-Remaining"] == "0"
    refused = api.get(page)
    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("text/html")
    assert 0 < int(refused["Retry-After"]) <= 60
    assert api.get(records).status_code == 429
    # The other pages are not counted.
    assert api.get("/data/").status_code == 200
