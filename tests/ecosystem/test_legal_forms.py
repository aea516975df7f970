"""Belgian legal forms, stored as the KBO and staff write them in French, shown as each
language writes them (French, marked, where no official form exists in that language)."""

import pytest
from django.conf import settings
from django.test import Client

from territoria.core.i18n import InLanguage
from territoria.ecosystem.legal_forms import LEGAL_FORMS, legal_form_label
from territoria.opendata import selection
from territoria.taxonomy import index
from tests.factories import organisation

MARKER = '<span aria-hidden="true">FR</span>'
URL = "/api/explore/v2.1/catalog/datasets/organisations/"


@pytest.mark.parametrize(
    ("stored", "language", "expected"),
    [
        ("SRL", "fr", InLanguage("SRL", "fr")),
        ("SRL", "nl", InLanguage("BV", "nl")),
        ("SRL", "de", InLanguage("GmbH", "de")),
        ("SA", "nl", InLanguage("NV", "nl")),
        ("SA", "de", InLanguage("AG", "de")),
        ("ASBL", "nl", InLanguage("VZW", "nl")),
        ("ASBL", "de", InLanguage("VoG", "de")),
        ("SC", "de", InLanguage("Gen.", "de")),
        ("SNC", "nl", InLanguage("VOF", "nl")),
        ("SComm", "nl", InLanguage("CommV", "nl")),
        ("fondation privée", "de", InLanguage("Privatstiftung", "de")),
        (" srl ", "nl", InLanguage("BV", "nl")),  # as staff may type it
    ],
)
def test_each_language_writes_the_form_officially(stored, language, expected):
    assert legal_form_label(stored, language) == expected


def test_english_has_no_official_form_and_falls_back_to_french():
    assert legal_form_label("SRL", "en") == InLanguage("SRL", "fr")
    assert legal_form_label("intercommunale", "nl") == InLanguage("intercommunale", "fr")


def test_a_form_the_table_does_not_know_is_shown_as_stored_unmarked():
    assert legal_form_label("GmbH & Co. KG", "en") == InLanguage("GmbH & Co. KG", "en")


def test_every_form_the_demo_writes_is_in_the_table():
    from territoria.ecosystem.demo.tables import LEGAL_FORMS as DEMO_FORMS
    from territoria.ecosystem.demo.tables import LOCAL_PATTERNS

    written = {form for forms in DEMO_FORMS.values() for form in forms}
    written |= {form for _pattern, form in LOCAL_PATTERNS} | {"fondation privée"}
    assert {" ".join(form.casefold().split()) for form in written} <= set(LEGAL_FORMS)


@pytest.fixture
def company(db):
    index._cache.clear()
    selection._ids_cache.clear()
    company = organisation("Datavia SRL", "technology:cloud", legal_form="SRL", city="Namur")
    organisation("Mosa SA", "technology:cloud", legal_form="SA", city="Liège")
    organisation("Région IC", "technology:cloud", legal_form="intercommunale", city="Namur")
    index.bump()
    return company


def page(path: str, language: str) -> str:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_the_organisation_page_shows_the_form_in_the_visitors_language(company):
    assert "<dd>BV</dd>" in page(company.get_absolute_url(), "nl")
    assert "<dd>GmbH</dd>" in page(company.get_absolute_url(), "de")
    english = page(company.get_absolute_url(), "en")
    assert '<span lang="fr">SRL</span>' in english and MARKER in english


def test_the_directory_shows_the_forms_in_the_visitors_language(company):
    html = page("/ecosystem/", "nl")
    assert "BV · " in html and "NV · " in html
    assert '<span lang="fr">intercommunale</span>' in html


def test_open_data_publishes_the_form_in_the_requested_language(company):
    client = Client()
    french = client.get(URL + "records", {"select": "name, legal_form", "order_by": "name"})
    assert [r["legal_form"] for r in french.json()["results"]] == ["SRL", "SA", "intercommunale"]
    dutch = client.get(URL + "records", {"order_by": "name", "lang": "nl"}).json()["results"]
    assert [r["legal_form"] for r in dutch] == ["BV", "NV", "intercommunale"]
    facets = client.get(URL + "facets", {"facet": "legal_form", "lang": "de"}).json()["facets"]
    assert {f["name"] for f in facets[0]["facets"]} == {"GmbH", "AG", "intercommunale"}
    refined = client.get(URL + "records", {"refine": "legal_form:GmbH", "lang": "de"}).json()
    assert refined["total_count"] == 1
    english = client.get(URL + "records", {"order_by": "name", "lang": "en"}).json()["results"]
    assert [r["legal_form"] for r in english] == ["SRL", "SA", "intercommunale"]
