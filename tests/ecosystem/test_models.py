import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from territoria.ecosystem.models import Organisation, normalise_for_search
from territoria.ecosystem.services import search_organisations
from territoria.taxonomy.services import tags_of
from tests.factories import concept, organisation


def test_search_text_ignores_case_and_accents():
    assert normalise_for_search("Liège  ÉCAUSSINNES", None) == "liege ecaussinnes"


def test_concept_fields_are_mirrored_as_tags(db):
    org = organisation(
        "Mirror", municipality=concept("territory:namur"), size_class=concept("size:small")
    )
    assert {c.code for c in tags_of(org)} == {"territory:namur", "size:small"}
    org.municipality = concept("territory:liege")
    org.size_class = None
    org.save()
    assert {c.code for c in tags_of(org)} == {"territory:liege"}


def test_a_concept_field_must_use_its_scheme(db):
    org = Organisation(name="Wrong", municipality=concept("size:small"))
    with pytest.raises(ValidationError) as error:
        org.full_clean()
    assert "municipality" in error.value.message_dict


def test_an_invalid_enterprise_number_is_refused_on_clean(db):
    with pytest.raises(ValidationError) as error:
        Organisation(name="Bad", enterprise_number="0403.170.702").full_clean()
    assert "enterprise_number" in error.value.message_dict


def test_a_foreign_organisation_needs_no_number(db):
    Organisation(name="Foreign GmbH", country="DE").full_clean()


def test_search_needs_every_word(db):
    organisation("Boulangerie de Liège", city="Liège")
    organisation("Boulangerie de Namur", city="Namur")
    assert [o.name for o in search_organisations("boulangerie LIEGE")] == ["Boulangerie de Liège"]
    assert search_organisations("").count() == 2
    number = Organisation.objects.get(city="Namur").enterprise_number
    assert [o.city for o in search_organisations(number.replace(".", ""))] == ["Namur"]


def test_on_postgresql_the_search_uses_a_trigram_index(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the trigram index exists on PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'ecosystem_organisation_search_trgm'"
        )
        assert "gin_trgm_ops" in cursor.fetchone()[0]


def test_the_search_finds_what_a_substring_scan_finds_through_its_index(db):
    """SQLite's FTS5 trigram table answers as `LIKE '%word%'` would, words of three letters
    or more through the index; shorter ones by scan; quotes are words like any."""
    from django.db import connection

    names = ["Boulangerie Dupont", 'Atelier "Les Bois"', "Bois & Co", "Nexalis", "Ixelles Data"]
    names += ["École de l'Ourthe", "Ourthe-Amblève", "Café ix", "BOULANGER"]
    for name in names:
        organisation(name)
    for query in ["boul", "bois", '"les', "ix", "ourthe ecole", "xal", "e", "é", "zzz", "co"]:
        words = normalise_for_search(query).split()
        expected = sorted(
            o.name for o in Organisation.objects.all() if all(w in o.search_text for w in words)
        )
        assert sorted(o.name for o in search_organisations(query)) == expected, query
    if connection.vendor == "sqlite":
        sql = str(search_organisations("boulangerie").query)
        assert "ecosystem_organisation_search" in sql and "MATCH" in sql


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_texts_are_normalised_as_any_other(text):
    # ASCII text takes a shortcut; with an accented word after it, the general path runs.
    assert normalise_for_search(text, "é") == (normalise_for_search(text) + " e").strip()


def test_search_ids_are_the_searchs_rows(db):
    from territoria.ecosystem.services import search_ids

    for name in ["Boulangerie Dupont", "Boulanger", 'Les "Bois"', "Bois & Co", "Nexalis"]:
        organisation(name)
    for query in ["boul", "boulangerie dupont", "bois", '"bois', "xa", "zzz", "bois co"]:
        expected = set(search_organisations(query).values_list("pk", flat=True))
        assert set(search_ids(query)) == expected, query
