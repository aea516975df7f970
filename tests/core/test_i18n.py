import datetime

import pytest
from django.utils import formats, translation


@pytest.mark.django_db
def test_pages_are_in_french_by_default(client):
    response = client.get("/ecosystem/")
    assert response["Content-Language"] == "fr"
    assert '<html lang="fr">' in response.content.decode()
    assert "Annuaire de l" in response.content.decode()


@pytest.mark.django_db
def test_the_language_switcher_changes_the_language(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/ecosystem/"})
    assert response.status_code == 302
    page = client.get("/ecosystem/").content.decode()
    assert '<html lang="en">' in page
    assert "Ecosystem directory" in page


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["fr", "nl", "de", "en"])
def test_every_language_is_offered(client, language):
    assert f'value="{language}"' in client.get("/").content.decode()


def test_dates_and_numbers_follow_belgian_conventions():
    for language in ["fr", "nl", "de", "en"]:
        with translation.override(language):
            assert (
                formats.date_format(datetime.date(2025, 3, 7), "SHORT_DATE_FORMAT") == "07/03/2025"
            )
            assert (
                formats.number_format(1234567.5, 1, use_l10n=True, force_grouping=True)
                == "1.234.567,5"
            )


@pytest.mark.django_db
def test_concept_labels_follow_the_language():
    from tests.factories import concept

    ai = concept("technology:ai")
    for language, label in [
        ("fr", "Intelligence artificielle"),
        ("nl", "Artificiële intelligentie"),
        ("de", "Künstliche Intelligenz"),
        ("en", "Artificial intelligence"),
    ]:
        with translation.override(language):
            assert ai.label == label
