"""What real clients send: paths ending in "/" (Opendatasoft's JavaScript client ends every
path with one), HEAD (link checkers, harvesters), and paths that do not exist."""

import json

import pytest
from django.test import Client

from tests.factories import organisation

BASE = "/api/explore/v2.1"
ROUTES = [
    "/catalog/datasets",
    "/catalog/datasets/organisations",
    "/catalog/datasets/organisations/records",
    "/catalog/datasets/organisations/facets",
    "/catalog/datasets/organisations/exports/json",
    "/catalog/datasets/organisations/exports/csv",
    "/catalog/exports/dcat",
    "/catalog/exports/jsonld",
]

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(db):
    organisation("Alpha SA")
    organisation("Beta SRL")


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("route", ROUTES)
def test_a_trailing_slash_answers_the_same_without_a_redirect(client: Client, data, route):
    plain = client.get(BASE + route, {"limit": 5})
    slashed = client.get(BASE + route + "/", {"limit": 5})
    assert plain.status_code == slashed.status_code == 200
    assert slashed["Content-Type"] == plain["Content-Type"]
    assert body(slashed) == body(plain)


@pytest.mark.parametrize("route", ROUTES)
def test_head_answers_like_get_without_a_body(client: Client, data, route):
    get = client.get(BASE + route)
    head = client.head(BASE + route + "/")
    assert head.status_code == get.status_code == 200
    assert head["Content-Type"] == get["Content-Type"]
    assert body(head) == b""
    if not get.streaming:
        assert head["Content-Length"] == str(len(get.content))


def test_head_of_an_unknown_dataset_is_a_404(client: Client):
    assert client.head(f"{BASE}/catalog/datasets/nothing-here/").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/api/explore/v2.1/catalog/nowhere",
        "/api/explore/v2.1/catalog/nowhere/",
        "/api/explore/v2.0/catalog/datasets/",
        "/api/unknown/",
        "/api/v1/nothing/",
    ],
)
def test_an_unknown_path_under_api_answers_json(client: Client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    answer = json.loads(response.content)
    assert answer["error_code"] == "NotFound" and path in answer["message"]


def test_an_unknown_page_elsewhere_is_still_a_page(client: Client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_other_methods_are_refused(client: Client):
    assert client.post(f"{BASE}/catalog/datasets/").status_code == 405


@pytest.mark.parametrize("spelling", ["dcat_ap_ch", "dcat-ap-ch", "dcat_ap_it", "dcat-ap-de"])
def test_both_spellings_of_a_dcat_variant_answer_the_catalogue(client: Client, spelling):
    response = client.get(f"{BASE}/catalog/exports/{spelling}/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/turtle")
    assert b"dcat:Catalog" in response.content
