import datetime

import pytest
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import filesizeformat, floatformat
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


def test_dates_follow_belgian_conventions_in_every_language():
    for language in ["fr", "nl", "de", "en"]:
        with translation.override(language):
            assert (
                formats.date_format(datetime.date(2025, 3, 7), "SHORT_DATE_FORMAT") == "07/03/2025"
            )


# CLDR: French groups thousands with a narrow no-break space (U+202F).
NUMBERS = [("fr", "1\u202f234\u202f567,5"), ("nl", "1.234.567,5"), ("de", "1.234.567,5"), ("en", "1,234,567.5")]  # fmt: skip


@pytest.mark.parametrize("language, written", NUMBERS)
def test_numbers_are_written_as_each_language_writes_them(language, written):
    with translation.override(language):
        assert formats.number_format(1234567.5, 1, use_l10n=True, force_grouping=True) == written
        assert intcomma(1234567.5) == written
        assert floatformat(1234567.5, "1g") == written


@pytest.mark.parametrize(
    "language, size", [("fr", "14,5\xa0Kio"), ("nl", "14,5\xa0KB"), ("de", "14,5\xa0KB"), ("en", "14.5\xa0KB")]
)  # fmt: skip
def test_file_sizes_are_written_in_the_page_language(language, size):
    with translation.override(language):
        assert filesizeformat(14_848) == size


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
