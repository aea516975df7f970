"""Content written in French and translated beside it: one field helper, one choice of text,
one way to show a fallback."""

from types import SimpleNamespace

import pytest
from django.db import models
from django.template import Context, Template
from django.utils import translation

from territoria.calls.models import Call
from territoria.core.i18n import InLanguage, marked, translated, translation_values

CALL = SimpleNamespace(title="Appel & co", title_nl="Oproep & co", title_de="", title_en="")
MARKER = '<span aria-hidden="true">FR</span>'


def render(source: str, language: str, **context: object) -> str:
    with translation.override(language):
        return Template("{% load translations %}" + source).render(Context(context))


def test_each_translated_field_has_three_siblings_like_it():
    for name, kind in (("title", models.CharField), ("summary", models.TextField)):
        base = Call._meta.get_field(name)
        for code, language in (("nl", "Dutch"), ("de", "German"), ("en", "English")):
            sibling = Call._meta.get_field(f"{name}_{code}")
            assert type(sibling) is kind
            assert sibling.max_length == base.max_length
            assert sibling.blank and not sibling.null and not sibling.unique
            with translation.override("en"):
                assert str(sibling.verbose_name) == f"{base.verbose_name} ({language})"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", InLanguage("Appel & co", "fr")),
        ("nl", InLanguage("Oproep & co", "nl")),
        ("de", InLanguage("Appel & co", "fr")),
        ("en", InLanguage("Appel & co", "fr")),
    ],
)
def test_the_text_is_the_translation_or_else_the_french(language, expected):
    assert translated(CALL, "title", language) == expected
    with translation.override(language):
        assert translated(CALL, "title") == expected


def test_no_object_gives_no_text():
    assert translated(None, "title", "nl") == InLanguage("", "fr")


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_a_text_in_the_page_language_is_shown_as_it_is(language):
    text = translated(CALL, "title", language).text
    assert marked(InLanguage(text, language), language) == text.replace("&", "&amp;")


@pytest.mark.parametrize("language", ["de", "en"])
def test_a_fallback_keeps_its_language_and_a_visible_marker(language):
    html = marked(InLanguage("Appel & co", "fr"), language)
    assert '<span lang="fr">Appel &amp; co</span>' in html
    assert MARKER in html
    assert html.index(MARKER) < html.index('lang="fr"')  # first: truncation cannot drop it


def test_the_marker_is_named_in_the_page_language():
    with translation.override("en"):
        assert "(not yet translated, in French)" in marked(InLanguage("Appel", "fr"))


@pytest.mark.parametrize(
    ("language", "html"),
    [
        ("fr", "Appel &amp; co"),
        ("nl", "Oproep &amp; co"),
        ("de", '<span lang="fr">Appel &amp; co</span>'),
        ("en", '<span lang="fr">Appel &amp; co</span>'),
    ],
)
def test_the_filter_renders_the_rule(language, html):
    rendered = render('{{ call|translated:"title" }}', language, call=CALL)
    assert html in rendered
    assert (MARKER in rendered) == (language in ("de", "en"))


@pytest.mark.parametrize("language", ["fr", "nl", "de", "en"])
def test_the_plain_variant_has_no_markup(language):
    rendered = render('<option>{{ call|translated_text:"title" }}</option>', language, call=CALL)
    expected = "Oproep &amp; co" if language == "nl" else "Appel &amp; co"
    assert rendered == f"<option>{expected}</option>"


def test_truncating_a_fallback_keeps_the_marker_and_closes_the_markup():
    long = SimpleNamespace(summary=" ".join(["mot"] * 60), summary_en="")
    rendered = render('{{ obj|translated:"summary"|truncatewords_html:10 }}', "en", obj=long)
    assert MARKER in rendered and rendered.endswith("</span></span>")


def test_a_text_chosen_in_python_renders_by_the_same_rule():
    rendered = render("{{ value|marked }}", "nl", value=InLanguage("Appel", "fr"))
    assert '<span lang="fr">Appel</span>' in rendered and MARKER in rendered


def test_translation_values_name_each_sibling():
    texts = {"nl": ("Titel", "Samenvatting"), "en": ("Title", "Summary")}
    assert translation_values(("title", "summary"), texts) == {
        "title_nl": "Titel",
        "summary_nl": "Samenvatting",
        "title_en": "Title",
        "summary_en": "Summary",
    }
