"""An organisation's legal form and juridical situation, shown in the visitor's language as
the KBO/BCE register's code.csv words them (`ecosystem.models.legal_labels`)."""

from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from territoria.core.i18n import InLanguage
from territoria.ecosystem.models import KboCode, Organisation, legal_labels
from territoria.opendata import selection
from territoria.taxonomy import index
from tests.factories import organisation

DATASET = "/api/explore/v2.1/catalog/datasets/organisations/records"
MARKER = '<span aria-hidden="true">FR</span>'
# code.csv's wording, as an import stores it (`KboCode`): French, Dutch, German, English.
FORMS = {
    "610": (
        "Société à responsabilité limitée",
        "Besloten vennootschap",
        "Gesellschaft mit beschränkter Haftung",
        "Private limited company",
    ),
    "014": ("Société anonyme", "Naamloze vennootschap", "Aktiengesellschaft", ""),
    "417": ("", "Vereniging van mede-eigenaars", "", ""),
}
SITUATIONS = {
    "000": ("Situation normale", "Normale toestand", "Normaler Zustand", ""),
    "012": (
        "Ouverture de faillite",
        "Opening faillissement",
        "Eröffnung des Konkurses",
        "Opening of bankruptcy",
    ),
}
LANGUAGES = ("fr", "nl", "de", "en")


@pytest.fixture
def codes(db: Any) -> None:
    for category, table in (("JuridicalForm", FORMS), ("JuridicalSituation", SITUATIONS)):
        for code, labels in table.items():
            KboCode.objects.create(
                category=category,
                code=code,
                **{f"label_{lang}": label for lang, label in zip(LANGUAGES, labels, strict=True)},
            )


def page(path: str, language: str, client: Client | None = None) -> str:
    client = client or Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def company(name: str, form: str = "610", situation: str = "000", **fields: Any) -> Organisation:
    """An organisation as a KBO import leaves it: the French label stored beside its codes."""
    fields.setdefault("legal_form", FORMS[form][0] if form in FORMS else "")
    return organisation(name, juridical_form=form, juridical_situation=situation, **fields)


@pytest.mark.parametrize(("language", "position"), [("fr", 0), ("nl", 1), ("de", 2), ("en", 3)])
def test_the_organisation_page_shows_the_registers_legal_form_in_each_language(
    codes: None, language: str, position: int
) -> None:
    html = page(company("Datavia").get_absolute_url(), language)
    assert f"<dd>{FORMS['610'][position]}</dd>" in html


def test_a_language_the_register_does_not_word_falls_back_to_french_marked(codes: None) -> None:
    html = page(company("Mosa", "014").get_absolute_url(), "en")
    assert MARKER in html and '<span lang="fr">Société anonyme</span>' in html


def test_a_form_worded_in_one_language_only_is_shown_in_it_marked(codes: None) -> None:
    html = page(company("Résidence Les Tilleuls", "417").get_absolute_url(), "fr")
    assert '<span lang="nl">Vereniging van mede-eigenaars</span>' in html


def test_an_unknown_code_falls_back_to_the_stored_legal_form(codes: None) -> None:
    foreign = company("Meuse Holding", "998", legal_form="Forme étrangère")
    assert "<dd>Forme étrangère</dd>" in page(foreign.get_absolute_url(), "nl")
    # The stored form keeps the translations the platform knows of its own.
    typed = company("Sambre Conseil", "998", legal_form="SRL")
    assert "<dd>BV</dd>" in page(typed.get_absolute_url(), "nl")


def test_an_organisation_without_code_keeps_its_stored_form(codes: None) -> None:
    manual = organisation("Namur Digital", legal_form="ASBL")
    assert "<dd>VoG</dd>" in page(manual.get_absolute_url(), "de")


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", "personne physique"),
        ("nl", "natuurlijk persoon"),
        ("de", "natürliche Person"),
        ("en", "natural person"),
    ],
)
@pytest.mark.parametrize("form", ["", "014"])
def test_a_natural_person_reads_natural_person(
    codes: None, language: str, expected: str, form: str
) -> None:
    person = organisation(
        "Atelier Lambert",
        legal_form="personne physique",
        juridical_form=form,
        publication_consent_at=timezone.now(),
    )
    html = page(person.get_absolute_url(), language)
    assert f"<dd>{expected}</dd>" in html
    assert "Naamloze" not in html and "Société anonyme" not in html


@pytest.mark.parametrize(("language", "position"), [("fr", 0), ("nl", 1), ("de", 2), ("en", 3)])
def test_the_page_shows_a_juridical_situation_other_than_the_normal_one(
    codes: None, language: str, position: int
) -> None:
    html = page(company("Faillie", situation="012").get_absolute_url(), language)
    assert f"<dd>{SITUATIONS['012'][position]}</dd>" in html


def test_the_normal_situation_is_not_shown(codes: None) -> None:
    ordinary = company("Ordinaire").get_absolute_url()
    assert "Juridical situation" not in page(ordinary, "en")
    assert "Normaler Zustand" not in page(ordinary, "de")
    assert "Situation normale" not in page(ordinary, "fr")


def test_an_unworded_situation_is_not_shown(codes: None) -> None:
    html = page(company("Mystère", situation="099").get_absolute_url(), "en")
    assert "Juridical situation" not in html and "099" not in html


def test_the_situation_is_labelled_as_a_term_and_its_description(codes: None) -> None:
    html = page(company("Faillie", situation="012").get_absolute_url(), "en")
    assert "<dt>Juridical situation</dt><dd>Opening of bankruptcy</dd>" in html


@pytest.fixture
def many(codes: None) -> list[Organisation]:
    index._cache.clear()
    selection._ids_cache.clear()
    made = [
        company(f"Entreprise {n:02}", form, situation)
        for n, (form, situation) in enumerate(
            [("610", "000"), ("014", "012"), ("998", "000"), ("417", "012")] * 6
        )
    ]
    made.append(company("Solitaire", "014"))
    index.bump()
    return made


def test_the_directory_reads_a_pages_labels_in_one_query(many: list[Organisation]) -> None:
    client = Client()
    page("/ecosystem/", "nl", client)  # the caches of a first visit
    with CaptureQueriesContext(connection) as queries:
        html = page("/ecosystem/", "nl", client)
    assert "Besloten vennootschap · " in html and "Naamloze vennootschap · " in html
    assert '<span lang="nl">Besloten' not in html  # Dutch on a Dutch page: not marked
    assert sum("ecosystem_kbocode" in query["sql"] for query in queries.captured_queries) == 1
    # Twenty rows on the page: not a query each.
    assert len(queries) < 20


def test_the_directory_page_costs_the_same_whatever_its_rows(
    many: list[Organisation], django_assert_max_num_queries: Any
) -> None:
    client = Client()
    page("/ecosystem/?q=Entreprise", "de", client)
    with CaptureQueriesContext(connection) as few:
        assert "Aktiengesellschaft · " in page("/ecosystem/?q=Solitaire", "de", client)
    with django_assert_max_num_queries(len(few)):
        html = page("/ecosystem/?q=Entreprise", "de", client)
    assert "Aktiengesellschaft · " in html and "Gesellschaft mit beschränkter Haftung · " in html


def test_the_function_reads_labels_for_many_organisations_at_once(
    many: list[Organisation], django_assert_num_queries: Any
) -> None:
    rows = list(Organisation.objects.order_by("name"))
    with django_assert_num_queries(1):
        labels = legal_labels(rows, "de")
        assert [row.legal_form_label for row in rows] == [label.form for label in labels]
    assert labels[0].form == InLanguage("Gesellschaft mit beschränkter Haftung", "de")
    assert labels[1].situation == InLanguage("Eröffnung des Konkurses", "de")
    assert labels[0].situation is None


def test_an_organisation_reads_its_labels_again_in_another_language(codes: None) -> None:
    org = company("Datavia")
    with translation.override("nl"):
        assert org.legal_form_label == InLanguage("Besloten vennootschap", "nl")
    with translation.override("de"):
        assert org.legal_form_label.text == "Gesellschaft mit beschränkter Haftung"


def test_open_data_keeps_its_french_values_and_words_the_requested_language(
    many: list[Organisation],
) -> None:
    client = Client()
    params = {"select": "name, legal_form", "order_by": "name", "limit": 4}
    french = client.get(DATASET, params).json()["results"]
    assert [row["legal_form"] for row in french] == [
        "Société à responsabilité limitée",
        "Société anonyme",
        None,
        None,
    ]
    dutch = client.get(DATASET, {**params, "lang": "nl"}).json()["results"]
    assert [row["legal_form"] for row in dutch] == [
        "Besloten vennootschap",
        "Naamloze vennootschap",
        None,
        "Vereniging van mede-eigenaars",
    ]
    english = client.get(DATASET, {**params, "lang": "en"}).json()["results"]
    assert [row["legal_form"] for row in english] == [
        "Private limited company",
        "Société anonyme",
        None,
        None,
    ]
    refined = client.get(DATASET, {"refine": "legal_form:Naamloze vennootschap", "lang": "nl"})
    assert refined.json()["total_count"] == 7


def test_the_directorys_download_words_the_forms_as_its_page(many: list[Organisation]) -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    response = client.get(reverse("ecosystem:directory-export", args=["csv"]))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Aktiengesellschaft" in text and "Société anonyme" not in text
