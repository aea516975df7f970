"""axe-core (WCAG 2.1 A and AA) on every public page and the staff pages, in French and English."""

import pytest

from territoria.core.models import Role, User
from territoria.ecosystem.models import Event, Membership, Person, Publication
from territoria.taxonomy.models import Magnet, SchemeImport
from territoria.taxonomy.services.reference import load_reference_schemes
from tests.browser.conftest import assert_accessible
from tests.factories import concept, organisation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PUBLIC_PAGES = [
    "/",
    "/ecosystem/",
    "/ecosystem/?c=technology:ai&c=territory:BE-WNA",
    "/ecosystem/events/",
    "/ecosystem/publications/",
    "/magnets/",
    "/magnets/example/",
    "/taxonomies/",
    "/taxonomies/territory/",
    "/accounts/login/",
    "/nowhere/",
]
STAFF_PAGES = [
    "/magnets/new/",
    "/magnets/example/edit/",
    "/taxonomies/import/",
    "/calls/manage/",
    "/accounts/people/",
    "/accounts/people/requests/",
    "/accounts/people/invitations/",
]


@pytest.fixture
def site(transactional_db):
    load_reference_schemes()
    org = organisation(
        "Nexalis SRL",
        "technology:nlp",
        "org-type:startup",
        municipality=concept("territory:namur"),
        description_fr="Organisation fictive de démonstration.",
        website="https://nexalis.example",
    )
    person = Person.objects.create(first_name="Ada", last_name="Lovelace", public_consent=True)
    Membership.objects.create(person=person, organisation=org, role="CEO")
    event = Event.objects.create(
        title="Atelier IA",
        starts_on="2026-03-01",
        event_type=concept("event-type:workshop"),
        organiser=org,
    )
    event.participants.add(org)
    publication = Publication.objects.create(
        title="Baromètre", published_on="2025-05-01", url="https://example.org/b"
    )
    publication.organisations.add(org)
    Magnet.objects.create(
        name="Exemple", slug="example", expression={"concept": "technology:ai"}, is_public=True
    )
    staff = User(username="analyste", role=Role.STAFF, email="analyste@agence.example")
    staff.set_password("a long staff passphrase")
    staff.save()
    upload = SchemeImport.objects.create(
        scheme_code="x",
        file_name="x.csv",
        file_format="csv",
        content="",
        status="failed",
        problems=["line 2, field notation: empty"],
    )
    return {"org": org, "staff": staff, "upload": upload}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_public_pages_have_no_accessibility_violation(page, site, language):
    page.goto("/")
    page.select_option("#language-select", language)
    page.click(".language-switcher button")
    for url in [*PUBLIC_PAGES, site["org"].get_absolute_url()]:
        page.goto(url)
        assert page.locator("html").get_attribute("lang") == language
        assert_accessible(page)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_staff_pages_have_no_accessibility_violation(page, site, language):
    page.goto("/")
    page.select_option("#language-select", language)
    page.click(".language-switcher button")
    page.goto("/accounts/login/")
    page.fill("#id_login", "analyste")
    page.fill("#id_password", "a long staff passphrase")
    page.click("main button[type=submit]")
    for url in [*STAFF_PAGES, f"/taxonomies/imports/{site['upload'].pk}/"]:
        page.goto(url)
        assert page.locator("html").get_attribute("lang") == language
        assert_accessible(page)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_evaluators_list_has_no_accessibility_violation(page, site, language):
    juror = User(username="juror", role=Role.EVALUATOR, email="juror@jury.example")
    juror.set_password("a long juror passphrase")
    juror.save()
    page.goto("/")
    page.select_option("#language-select", language)
    page.click(".language-switcher button")
    page.goto("/accounts/login/")
    page.fill("#id_login", "juror")
    page.fill("#id_password", "a long juror passphrase")
    page.click("main button[type=submit]")
    for url in ["/calls/reviews/", "/calls/reviews/?status=declare", "/accounts/"]:
        page.goto(url)
        assert page.locator("html").get_attribute("lang") == language
        assert_accessible(page)
