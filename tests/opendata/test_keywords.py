"""Dataset keywords, declared per language in each domain's datasets.py: in the page's
language on /data/, in the requested language in the catalogue API."""

import dataclasses
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from territoria.core.i18n import InLanguage
from territoria.opendata import registry
from territoria.opendata.registry import Keywords

CATALOG = "/api/explore/v2.1/catalog/datasets"
KEYWORDS = Keywords(fr=("entreprises", "numérique"), en=("companies", "digital"))


def test_keywords_fall_back_to_french_where_a_language_has_none():
    assert KEYWORDS.get("en") == ["companies", "digital"]
    assert KEYWORDS.shown("de") == [InLanguage("entreprises", "fr"), InLanguage("numérique", "fr")]
    assert list(KEYWORDS.tagged()) == [
        ("fr", "entreprises"),
        ("fr", "numérique"),
        ("en", "companies"),
        ("en", "digital"),
    ]
    assert "companies" in KEYWORDS and "bedrijven" not in KEYWORDS


def page(path: str, language: str) -> str:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("language", "keyword"),
    [("fr", "écosystème"), ("nl", "ecosysteem"), ("de", "Ökosystem"), ("en", "ecosystem")],
)
def test_the_pages_show_the_keywords_in_the_page_language(db: Any, language, keyword):
    assert f"<li>{keyword}</li>" in page("/data/", language)
    assert keyword in page("/data/organisations/", language).split("</dl>")[0]


@pytest.fixture
def french_only(db: Any):
    organisations = registry.get("organisations")
    shown = dataclasses.replace(organisations, keywords=Keywords(fr=("entreprises",)))
    registry._registry["organisations"] = shown
    yield
    registry._registry["organisations"] = organisations


def test_a_page_marks_keywords_that_fall_back_to_french(french_only):
    html = page("/data/", "en")
    assert (
        '<li><span class="untranslated">' in html and '<span lang="fr">entreprises</span>' in html
    )


def test_the_catalogue_api_gives_the_keywords_in_the_requested_language(db: Any):
    api = Client()

    def keywords(**params: str) -> list[str]:
        found = api.get(f"{CATALOG}/organisations", params).json()
        return list(found["metas"]["default"]["keyword"])

    assert "entreprises" in keywords()
    assert "bedrijven" in keywords(lang="nl") and "entreprises" not in keywords(lang="nl")
    assert "Unternehmen" in keywords(lang="de")
    # A refinement finds a dataset by its keyword in any language.
    for word in ("entreprises", "companies", "Unternehmen"):
        found = api.get(CATALOG, {"refine": f"keyword:{word}"}).json()
        assert [d["dataset_id"] for d in found["results"]] == ["organisations"], word
