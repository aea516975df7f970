import datetime

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from territoria.ecosystem.models import Event, Membership, Person, Publication
from territoria.opendata import registry
from tests.calls.conftest import make_call
from tests.conftest import ROLES
from tests.factories import concept, organisation


@pytest.fixture
def ecosystem(db):
    ai_startup = organisation(
        "Nexalis", "technology:ai", "org-type:startup", municipality=concept("territory:namur")
    )
    bakery = organisation(
        "Boulangerie Dupont", "nace:C10", "org-type:sme", municipality=concept("territory:liege")
    )
    shop = organisation(
        "Épicerie Fine", "nace:G47", "org-type:sme", municipality=concept("territory:namur")
    )
    visible = Person.objects.create(first_name="Ada", last_name="Visible", public_consent=True)
    hidden = Person.objects.create(first_name="Bob", last_name="Hidden", public_consent=False)
    Membership.objects.create(person=visible, organisation=ai_startup, role="CEO")
    Membership.objects.create(person=hidden, organisation=ai_startup, role="CTO")
    event = Event.objects.create(
        title="Atelier IA", starts_on="2026-03-01", event_type=concept("event-type:workshop")
    )
    event.participants.add(ai_startup)
    publication = Publication.objects.create(
        title="Baromètre",
        published_on="2025-05-01",
        publication_type=concept("publication-type:barometer"),
    )
    publication.organisations.add(bakery)
    return {"ai": ai_startup, "bakery": bakery, "shop": shop}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/ecosystem/",
        "/ecosystem/events/",
        "/ecosystem/publications/",
        "/ecosystem/?q=boulangerie&c=nace:C",
        "/taxonomies/",
        "/taxonomies/nace/",
    ],
)
def test_public_pages_open_for_every_role(client_for, ecosystem, role, url):
    assert client_for(role).get(url).status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_an_organisation_page_opens_for_every_role(client_for, ecosystem, role):
    assert client_for(role).get(ecosystem["ai"].get_absolute_url()).status_code == 200


def test_the_directory_searches_and_refines(client, ecosystem):
    page = client.get("/ecosystem/", {"c": ["territory:namur"]}).content.decode()
    assert "Nexalis" in page and "Épicerie Fine" in page and "Boulangerie Dupont" not in page
    page = client.get("/ecosystem/", {"c": ["territory:namur", "org-type:sme"]}).content.decode()
    assert "Épicerie Fine" in page and "Nexalis" not in page
    page = client.get("/ecosystem/", {"q": "epicerie"}).content.decode()
    assert "Épicerie Fine" in page and "Nexalis" not in page


def test_the_directory_answers_a_fragment_to_htmx(client, ecosystem):
    response = client.get("/ecosystem/", {"c": "org-type:sme"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "<html" not in body and 'name="c"' in body and "Boulangerie Dupont" in body


def test_the_directory_shows_facet_counts(client, ecosystem):
    response = client.get("/ecosystem/")
    org_types = next(f for f in response.context["facets"] if f.scheme.code == "org-type")
    assert {v.concept.notation: v.count for v in org_types.values} == {"sme": 2, "startup": 1}


def test_unknown_concepts_in_the_url_are_ignored_with_a_message(client, ecosystem):
    response = client.get("/ecosystem/", {"c": ["nace:ZZ", "technology:ai"]})
    assert response.status_code == 200
    assert "nace:ZZ" in response.content.decode()
    assert [o.name for o in response.context["page"]] == ["Nexalis"]


def test_a_bad_page_number_falls_back_instead_of_failing(client, ecosystem):
    assert client.get("/ecosystem/", {"page": "abc"}).status_code == 200
    assert client.get("/ecosystem/events/", {"page": "999"}).status_code == 200


def test_people_appear_only_with_their_consent(client, ecosystem):
    page = client.get(ecosystem["ai"].get_absolute_url()).content.decode()
    assert "Ada Visible" in page and "Bob Hidden" not in page


def test_an_unknown_organisation_is_404(client, db):
    assert client.get("/ecosystem/organisations/999999/").status_code == 404


def test_events_and_publications_filter_by_type(client, ecosystem):
    assert "Atelier IA" in client.get("/ecosystem/events/", {"type": "workshop"}).content.decode()
    assert (
        "Atelier IA"
        not in client.get("/ecosystem/events/", {"type": "conference"}).content.decode()
    )
    assert (
        "Baromètre"
        in client.get("/ecosystem/publications/", {"type": "barometer"}).content.decode()
    )


@pytest.mark.parametrize(
    "role, status",
    [
        ("anonymous", 302),
        ("staff", 200),
        ("applicant", 302),
        ("evaluator", 302),
        ("expert", 302),
        ("other_applicant", 302),
    ],
)
def test_only_staff_open_the_back_office(client_for, db, role, status):
    assert client_for(role).get("/admin/").status_code == status


def test_staff_can_edit_organisations_in_the_back_office(client_for, ecosystem):
    client = client_for("staff")
    assert (
        client.get(f"/admin/ecosystem/organisation/{ecosystem['ai'].pk}/change/").status_code == 200
    )
    assert client.get("/admin/ecosystem/organisation/?q=nexalis").status_code == 200
    assert client.get("/admin/taxonomy/concept/?q=namur").status_code == 200
    # Accounts stay with superusers.
    assert client.get("/admin/core/user/").status_code == 403


@pytest.mark.django_db
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    q=st.text(max_size=60),
    codes=st.lists(
        st.text(max_size=30) | st.sampled_from(["nace:C", "territory:namur", "a:b:c", ":"]),
        max_size=5,
    ),
    page=st.text(max_size=8),
)
def test_odd_directory_queries_never_fail(client, q, codes, page):
    response = client.get("/ecosystem/", {"q": q, "c": codes, "page": page})
    assert response.status_code == 200


def test_the_home_page_leads_to_the_calls_and_the_open_data_with_their_key_figures(
    client, ecosystem
):
    now = timezone.now()
    make_call("open-now")
    make_call(
        "closed", opens=now - datetime.timedelta(days=9), closes=now - datetime.timedelta(days=1)
    )
    draft = make_call("draft")
    draft.is_published = False
    draft.save()
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'href="/calls/"' in page and 'href="/calls/impact/"' in page
    assert "1 call open now" in page and "2 calls published" in page
    assert 'href="/data/"' in page
    assert f"{len(registry.all_datasets())} datasets to download" in page
    # The same numbers as the Open Data API.
    calls = "/api/explore/v2.1/catalog/datasets/calls/records"
    assert client.get(calls, {"limit": 0}).json()["total_count"] == 2
    assert client.get(calls, {"limit": 0, "refine": "is_open:true"}).json()["total_count"] == 1
