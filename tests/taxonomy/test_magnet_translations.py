"""Magnets named and described in the visitor's language, French marked where staff have not
translated yet; staff translate them in the back office, audited like every change."""

import json

import pytest
from django.conf import settings

from territoria.core.models import AuditEntry
from territoria.taxonomy import builder
from territoria.taxonomy.models import Magnet
from territoria.taxonomy.services import save_magnet

MARKER = '<span aria-hidden="true">FR</span>'
EXAMPLE = {"all": [{"concept": "org-type:startup"}, {"concept": "technology:ai"}]}


@pytest.fixture
def magnet(db):
    return Magnet.objects.create(
        name="Start-ups IA", name_nl="AI-start-ups", name_en="AI start-ups",
        description="Les start-ups de l'IA.", description_nl="De AI-start-ups.",
        slug="startups-ia", expression=EXAMPLE, is_public=True,
    )  # fmt: skip


def page(client, path: str, language: str) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_a_magnet_page_is_in_the_visitors_language(client, magnet):
    html = page(client, "/magnets/startups-ia/", "nl")
    assert "<h1>AI-start-ups</h1>" in html and '<p class="lead">De AI-start-ups.</p>' in html
    assert "<title>AI-start-ups ·" in html


def test_what_is_not_translated_is_marked_as_french(client, magnet):
    html = page(client, "/magnets/startups-ia/", "en")
    assert "<h1>AI start-ups</h1>" in html
    assert MARKER in html and '<span lang="fr">Les start-ups de l&#x27;IA.</span>' in html
    german = page(client, "/magnets/", "de")
    assert '<span lang="fr">Start-ups IA</span>' in german and MARKER in german


def test_the_home_page_features_magnets_in_the_visitors_language(client, magnet):
    assert ">AI start-ups</a>" in page(client, "/", "en")


def test_the_builder_keeps_the_translations_it_does_not_show(client_for, magnet):
    client_for("staff").post(
        "/magnets/startups-ia/edit/",
        {
            "name": "Start-ups de l'IA",
            "slug": "startups-ia",
            "description": "",
            "container": "organisation",
            "tree": json.dumps(builder.from_expression(EXAMPLE)),
            "is_public": "on",
        },
    )
    magnet.refresh_from_db()
    assert magnet.name == "Start-ups de l'IA" and magnet.name_nl == "AI-start-ups"


def test_staff_translate_a_magnet_in_the_back_office_and_it_is_audited(client_for, magnet):
    staff = client_for("staff")
    html = page(staff, f"/admin/taxonomy/magnet/{magnet.pk}/change/", "en")
    assert "Translations" in html and 'name="description_de"' in html
    response = staff.post(
        f"/admin/taxonomy/magnet/{magnet.pk}/change/",
        {
            "name": magnet.name, "name_nl": magnet.name_nl, "name_de": "KI-Start-ups",
            "name_en": magnet.name_en, "slug": magnet.slug, "description": magnet.description,
            "description_nl": "", "description_de": "", "description_en": "",
            "container": "organisation", "expression": json.dumps(EXAMPLE), "is_public": "on",
        },
    )  # fmt: skip
    assert response.status_code == 302
    magnet.refresh_from_db()
    assert magnet.name_de == "KI-Start-ups" and magnet.description_nl == ""
    entry = AuditEntry.objects.get(action="magnet.update")
    assert entry.before["name_de"] == "" and entry.after["name_de"] == "KI-Start-ups"


def test_a_translation_is_checked_like_the_french(magnet):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        save_magnet(
            magnet, actor=None, name=magnet.name, slug=magnet.slug, description="",
            container="organisation", expression=EXAMPLE, is_public=True,
            translations={"name_en": "x" * 201, "description_de": "a\x00b"},
        )  # fmt: skip
    assert set(refused.value.message_dict) == {"name_en", "description_de"}
    with pytest.raises(ValueError, match="slug_en"):
        save_magnet(
            magnet, actor=None, name=magnet.name, slug=magnet.slug, description="",
            container="organisation", expression=EXAMPLE, is_public=True,
            translations={"slug_en": "x"},
        )  # fmt: skip
