import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from territoria.taxonomy.models import Magnet
from tests.factories import organisation

URL = "/api/v1/magnets/evaluate"


def post(client, body, language="en"):
    # API messages follow Accept-Language, like the pages (French by default).
    return client.post(
        URL,
        json.dumps(body),
        content_type="application/json",
        headers={"Accept-Language": language},
    )


@pytest.fixture
def orgs(db):
    return [
        organisation("Alpha IA", "technology:machine-learning", "nace:K62", "territory:namur"),
        organisation("Beta Cloud", "technology:cloud", "nace:K63", "territory:liege"),
        organisation("Gamma Food", "nace:C10", "territory:namur"),
    ]


def test_it_evaluates_an_expression_with_facets(client, orgs):
    response = post(
        client, {"expression": {"concept": "nace:K"}, "facets": ["territory", "nace"], "limit": 1}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert len(body["results"]) == 1
    first = body["results"][0]
    assert set(first) >= {"id", "name", "enterprise_number", "concepts"}
    assert first["name"] == "Alpha IA" and "technology:machine-learning" in first["concepts"]
    territory = {v["concept"]: v["count"] for v in body["facets"]["territory"]}
    assert territory["territory:BE-WAL"] == 2 and territory["territory:namur"] == 1
    assert {"concept", "label", "count"} <= set(body["facets"]["nace"][0])


def test_offset_pages_through_the_results(client, orgs):
    body = post(
        client, {"expression": {"concept": "territory:BE-WAL"}, "limit": 2, "offset": 2}
    ).json()
    assert body["count"] == 3 and [r["name"] for r in body["results"]] == ["Gamma Food"]


@pytest.mark.parametrize(
    "body, fragment",
    [
        (
            {"expression": {"concept": "technology:telepathy"}},
            'expression.concept: unknown concept "technology:telepathy"',
        ),
        ({"expression": {"all": [{"concept": "nace:C"}, {"allof": []}]}}, "expression.all[1]"),
        (
            {"expression": {"concept": "nace:C"}, "container": "planet"},
            'unknown container "planet"',
        ),
        ({"expression": {"concept": "nace:C"}, "facets": ["colour"]}, 'unknown scheme "colour"'),
        ({"expression": {"concept": "nace:C"}, "limit": -1}, "limit"),
        ({}, "expression"),
    ],
)
def test_a_wrong_request_answers_400_naming_the_wrong_part(client, orgs, body, fragment):
    response = post(client, body)
    assert response.status_code == 400
    assert fragment in response.json()["detail"]


def test_error_messages_are_in_french_by_default(client, orgs):
    response = client.post(
        URL, json.dumps({"expression": {"concept": "nace:ZZ"}}), content_type="application/json"
    )
    assert response.json()["detail"] == 'expression.concept: concept inconnu "nace:ZZ"'


def test_malformed_json_answers_400(client, db):
    response = client.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400


@pytest.fixture
def magnets(orgs, users):
    public = Magnet.objects.create(
        name="Public", slug="public", expression={"concept": "nace:K"}, is_public=True
    )
    private = Magnet.objects.create(
        name="Private", slug="private", expression={"concept": "nace:C"}
    )
    return public, private


@pytest.mark.parametrize(
    "role", ["anonymous", "staff", "applicant", "other_applicant", "evaluator", "expert"]
)
def test_saved_magnet_results_are_public_only_when_the_magnet_is(client_for, magnets, role):
    client = client_for(role)
    response = client.get("/api/v1/magnets/public/results?facets=nace")
    assert response.status_code == 200 and response.json()["count"] == 2
    private = client.get("/api/v1/magnets/private/results")
    assert private.status_code == (200 if role == "staff" else 404)


def test_an_unknown_magnet_answers_404(client, db):
    assert client.get("/api/v1/magnets/nothing/results").status_code == 404


def test_the_openapi_document_describes_the_routes(client, db):
    document = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/magnets/evaluate" in document["paths"]
    assert "/api/v1/magnets/{slug}/results" in document["paths"]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=20)
    | st.sampled_from(["nace:C", "technology:ai", "a:b", ":", "concept", "all", "any", "not"]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(["concept", "all", "any", "not", "x"]), inner, max_size=3)
    ),
    max_leaves=12,
)


@pytest.mark.django_db
@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.dictionaries(
        st.sampled_from(["expression", "container", "facets", "limit", "offset", "other"]),
        json_values,
        max_size=5,
    )
)
def test_any_json_body_answers_200_or_400_never_500(client, body):
    response = client.post(URL, json.dumps(body), content_type="application/json")
    assert response.status_code in (200, 400), response.content
    if response.status_code == 400:
        assert response.json()["detail"]
