"""The dashboard in the visitor's language: ambitions, programmes, action titles and indicator
names translated by staff, French marked where they are not yet."""

import pytest
from django.conf import settings

from territoria.strategy.models import Ambition
from tests.factories import strategy_tree

MARKER = '<span aria-hidden="true">FR</span>'


@pytest.fixture
def tree(db):
    tree = strategy_tree()
    ambition = tree["ambition"]
    ambition.title = "Économie numérique"
    ambition.title_nl, ambition.title_de = "Digitale economie", "Digitale Wirtschaft"
    ambition.summary, ambition.summary_nl = "Soutenir la croissance", "Groei ondersteunen"
    ambition.save()
    programme = tree["programme"]
    programme.name, programme.name_en = "Programme numérique", "Digital programme"
    programme.save()
    return tree


def page(client, path: str, language: str) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("language", "title"),
    [("nl", "Digitale economie"), ("de", "Digitale Wirtschaft")],
)
def test_the_ambition_page_shows_its_translation(client, tree, language, title):
    html = page(client, "/dashboard/dw/ambitions/amb/", language)
    assert f"<h1>1. {title}</h1>" in html
    assert f"<title>{title} ·" in html


def test_the_ambition_page_marks_the_french_it_falls_back_to(client, tree):
    html = page(client, "/dashboard/dw/ambitions/amb/", "en")
    assert f'<h1>1. <span class="untranslated"><span class="fallback-marker">{MARKER}' in html
    assert '<span lang="fr">Économie numérique</span>' in html
    assert '<span lang="fr">Soutenir la croissance</span>' in html
    assert "<title>Économie numérique ·" in html  # plain text where markup cannot go
    assert ">Digital programme</a>" in html


def test_the_dashboard_and_the_action_list_follow_the_same_rule(client, tree):
    home = page(client, "/dashboard/dw/", "nl")
    assert "1. Digitale economie</a>" in home and "Groei ondersteunen" in home
    actions = page(client, "/dashboard/dw/actions/", "en")
    assert ">Digital programme</td>" in actions
    assert '<span lang="fr">Action dw</span>' in actions  # untranslated action title
    assert ">Économie numérique</option>" in actions


def test_the_action_list_downloads_as_plain_text_in_the_page_language(client, tree):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = b"".join(client.get("/dashboard/dw/actions.csv").streaming_content).decode()
    assert "Action dw,Digital programme,Économie numérique" in body
    assert "<span" not in body


def test_an_indicator_name_is_translated_on_its_page(client, tree):
    indicator = tree["indicator"]
    indicator.name, indicator.name_de = "Nombre de lauréats", "Anzahl der Preisträger"
    indicator.save()
    assert "<h1>Anzahl der Preisträger</h1>" in page(client, indicator.get_absolute_url(), "de")


@pytest.mark.parametrize("model", ["ambition", "programme", "action", "indicator"])
def test_staff_fill_the_translations_in_the_back_office(client_for, tree, model):
    record = tree[model]
    html = page(client_for("staff"), f"/admin/strategy/{model}/{record.pk}/change/", "en")
    assert "Translations" in html
    field = {"ambition": "title", "programme": "name", "action": "title", "indicator": "name"}
    assert f'name="{field[model]}_de"' in html


def test_a_translation_saved_in_the_back_office_reaches_the_page(client_for, tree):
    staff = client_for("staff")
    ambition = tree["ambition"]
    form = {
        "strategy": ambition.strategy_id, "code": "amb", "order": 1, "title": ambition.title,
        "title_en": "Digital economy", "summary": ambition.summary, "values": "", "url": "",
        "levers-TOTAL_FORMS": 0, "levers-INITIAL_FORMS": 0,
    }  # fmt: skip
    response = staff.post(f"/admin/strategy/ambition/{ambition.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Ambition.objects.get(pk=ambition.pk).title_en == "Digital economy"
