"""The main flows under each packaged territory profile: the directory, a magnet, applying
to a call whose seat rule is the region, the Open Data catalogue and the DCAT catalogue
(validated with the official DCAT-AP shapes), each speaking of the profile's region."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS

from territoria.accounts.models import Affiliation
from territoria.calls.models import Call, DocumentRequirement, Instrument
from territoria.calls.services.applications import eligibility, start
from territoria.ecosystem.models import Organisation
from territoria.taxonomy.models import Concept
from tests.factories import concept, organisation
from tests.opendata.test_dcat import severities, shacl_report
from tests.territory.conftest import Profiles

DCAT = "http://www.w3.org/ns/dcat#"
GEO_WKT = URIRef("http://www.opengis.net/ont/geosparql#wktLiteral")


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def ecosystem(profiles: Profiles) -> dict[str, Organisation]:
    """An SME in a municipality of the profile's region, one in the other profile's region,
    and one whose municipality is not recorded."""
    return {
        "inside": organisation(
            "Inside Analytics SRL", "org-type:sme", "technology:ai",
            municipality=profiles.municipality(profiles.current),
            postcode=next(iter(profiles.current.places().values())).postcodes[0],
            size_class=concept("size:small"),
        ),
        "outside": organisation(
            "Outside Robotics SRL", "org-type:sme", "technology:ai",
            municipality=profiles.municipality(profiles.other), size_class=concept("size:small"),
        ),
        "nowhere": organisation(
            "Nowhere Data SRL", "org-type:sme", "technology:ai", size_class=concept("size:small")
        ),
    }  # fmt: skip


def directory(client: Client, query: str) -> str:
    return english(client).get(f"/ecosystem/?{query}").content.decode()


def test_the_directory_searches_and_facets_by_a_municipality_of_the_region(
    client, profiles, ecosystem
):
    municipality = profiles.municipality(profiles.current)
    page = directory(client, f"c=territory:{municipality.notation}")
    assert "Inside Analytics SRL" in page and "Outside Robotics SRL" not in page
    # The whole region, from its concept: its municipalities are below it.
    page = directory(client, f"c=territory:{profiles.current.region_concept}")
    assert "Inside Analytics SRL" in page and "Outside Robotics SRL" not in page
    page = directory(client, "q=inside")
    assert "Inside Analytics SRL" in page and "Nowhere Data SRL" not in page
    assert re.search(r'id="results-heading"[^>]*>\s*1 organisation', page)


def test_a_magnet_on_the_region_finds_its_organisations_only(client, profiles, ecosystem):
    expression = {
        "all": [{"concept": f"territory:{profiles.current.region_concept}"},
                {"concept": "technology:ai"}],
    }  # fmt: skip
    body = json.dumps({"expression": expression})
    answer = client.post("/api/v1/magnets/evaluate", body, content_type="application/json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["count"] == 1


@pytest.fixture
def call(profiles: Profiles) -> Call:
    """An open call that requires a seat in the profile's region."""
    instrument = Instrument.objects.create(
        code="tremplin-ia", prefix="TIA", name="Tremplin IA", summary="Un projet pilote."
    )
    now = timezone.now()
    region = Concept.objects.get(scheme__code="territory", notation=profiles.current.region_concept)
    call = Call.objects.create(
        instrument=instrument, code="pilot", title="Pilot call", summary="Un appel.",
        opens_at=now - datetime.timedelta(days=1), closes_at=now + datetime.timedelta(days=1),
        is_published=True, budget=Decimal(100_000), max_amount=Decimal(50_000), seat_in=region,
    )  # fmt: skip
    DocumentRequirement.objects.create(call=call, code="plan", label="Project plan")
    return call


def seat(application) -> tuple[str, bool, str]:
    [check] = [c for c in eligibility(application) if c.rule.startswith("Seat in")]
    return check.rule, check.ok, check.detail


def test_applying_checks_the_seat_in_the_region(client_for, users, profiles, ecosystem, call):
    region = profiles.current.name("en")
    client = english(client_for("applicant"))
    assert f"A seat in {region}." in client.get("/calls/pilot/").content.decode()
    for name in ("inside", "outside", "nowhere"):
        Affiliation.objects.create(user=users["applicant"], organisation=ecosystem[name])
    response = client.post("/calls/pilot/apply/", {"organisation": ecosystem["inside"].pk})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert re.search(rf"<td>Seat in {re.escape(region)}</td><td><span[^>]*>met<", page), page

    with translation.override("en"):
        inside = start(call, ecosystem["inside"], users["applicant"])
        assert seat(inside)[:2] == (f"Seat in {region}", True)
        outside = start(call, ecosystem["outside"], users["applicant"])
        _rule, ok, detail = seat(outside)
        assert not ok and detail == profiles.municipality(profiles.other).label
        nowhere = start(call, ecosystem["nowhere"], users["applicant"])
        assert seat(nowhere)[1:] == (
            False,
            "no municipality recorded: complete the organisation's address",
        )
        # A postcode of the region, without a municipality: the profile's places place it.
        ecosystem["nowhere"].postcode = next(iter(profiles.current.places().values())).postcodes[0]
        ecosystem["nowhere"].save()
        assert seat(nowhere)[1] is True
        ecosystem["nowhere"].postcode = next(iter(profiles.other.places().values())).postcodes[0]
        ecosystem["nowhere"].save()
        assert seat(nowhere)[1] is False


def test_the_open_data_catalogue_names_the_region(client, profiles, ecosystem):
    answer = client.get("/api/explore/v2.1/catalog/datasets", {"lang": "en", "limit": 100})
    assert answer.status_code == 200
    datasets = {d["dataset_id"]: d["metas"]["default"] for d in answer.json()["results"]}
    organisations = datasets["organisations"]
    assert organisations["territory"] == [profiles.current.name("en")]
    assert profiles.current.name("en") in organisations["keyword"]
    assert profiles.current.programme("en") in datasets["calls"]["keyword"]
    other = profiles.other
    for meta in datasets.values():
        text = json.dumps(meta, ensure_ascii=False)
        assert other.name("en") not in text and other.programme("en") not in text


@pytest.mark.django_db
def test_the_dcat_catalogue_conforms_and_covers_the_region(client, profiles, ecosystem):
    response = client.get("/api/explore/v2.1/catalog/exports/dcat")
    assert response.status_code == 200
    graph = Graph().parse(data=response.content, format="turtle")
    report, text = shacl_report(graph, "shapes.ttl", "range.ttl")
    assert severities(report)["Violation"] == 0, text
    region = URIRef(profiles.current.nuts_uri)
    catalogue = next(graph.subjects(predicate=URIRef(f"{DCAT}dataset")))
    assert graph.value(catalogue, DCTERMS.spatial) == region
    organisations = URIRef("http://testserver/data/organisations/#dataset")
    assert graph.value(organisations, DCTERMS.spatial) == region
    assert (region, SKOS.prefLabel, Literal(profiles.current.name("fr"), lang="fr")) in graph
    bbox = Literal(profiles.current.bbox_wkt, datatype=GEO_WKT)
    assert (region, URIRef(f"{DCAT}bbox"), bbox) in graph
    centroid = Literal(profiles.current.centroid_wkt, datatype=GEO_WKT)
    assert (region, URIRef(f"{DCAT}centroid"), centroid) in graph
    assert URIRef(profiles.other.nuts_uri) not in set(graph.all_nodes())
    keywords = {str(k) for k in graph.objects(organisations, URIRef(f"{DCAT}keyword"))}
    assert profiles.current.name("fr") in keywords
    publisher = graph.value(organisations, DCTERMS.publisher)
    names = {str(n) for n in graph.objects(publisher, URIRef("http://xmlns.com/foaf/0.1/name"))}
    assert profiles.current.publisher("fr") in names


def test_a_new_call_in_the_back_office_asks_for_a_seat_in_the_region(client_for, profiles):
    region = Concept.objects.get(scheme__code="territory", notation=profiles.current.region_concept)
    page = client_for("staff").get("/admin/calls/call/add/").content.decode()
    select = re.search(r'<select name="seat_in".*?</select>', page, re.S)
    assert select is not None
    assert re.search(rf'<option value="{region.pk}" selected>', select.group(0)), select.group(0)
