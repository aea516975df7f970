"""The directory's search ranks its matches: the most relevant first, by the database's
own measure (SQLite FTS5's bm25, PostgreSQL's trigram similarity), or by name on demand."""

import pytest

from territoria.ecosystem.services import ranked_search_ids, search_ids
from tests.factories import concept, organisation

LONG_TEXT = (
    "Atelier de menuiserie et d'ébénisterie sur mesure : cuisines, escaliers, portes, "
    "châssis et aménagements intérieurs en bois massif, pour particuliers et entreprises. "
    "Nous avons aussi équipé une boulangerie de la région en mobilier de présentation. "
) * 3


@pytest.fixture
def bakeries(db):
    walloon = concept("territory:namur")
    return {
        # First by name, last by relevance: the word only once, in a long description.
        "joinery": organisation(
            "Atelier Bois Arden", "org-type:sme", municipality=walloon, description_fr=LONG_TEXT
        ),
        "bakery": organisation("Boulangerie Dupont", "org-type:sme", municipality=walloon),
        "other": organisation("Boulangerie du Centre", "org-type:startup"),
        "unrelated": organisation("Nexalis", "org-type:sme", municipality=walloon),
    }


def names(response):
    return [org.name for org in response.context["page"]]


def test_a_name_that_holds_the_word_comes_before_a_long_text_that_mentions_it(bakeries):
    ranked = ranked_search_ids("boulangerie")
    assert ranked is not None
    assert set(ranked) == set(search_ids("boulangerie"))
    assert ranked.index(bakeries["bakery"].pk) < ranked.index(bakeries["joinery"].pk)
    assert bakeries["unrelated"].pk not in ranked


def test_the_directory_lists_by_relevance_and_by_name_on_demand(client, bakeries):
    response = client.get("/ecosystem/", {"q": "boulangerie", "c": "territory:namur"})
    assert names(response) == ["Boulangerie Dupont", "Atelier Bois Arden"]
    assert response.context["page"].paginator.count == 2
    body = response.content.decode()
    assert "sort=name" in body and 'name="sort"' not in body
    response = client.get(
        "/ecosystem/", {"q": "boulangerie", "c": "territory:namur", "sort": "name"}
    )
    assert names(response) == ["Atelier Bois Arden", "Boulangerie Dupont"]
    # The order stays when the form is sent again (a facet ticked, the search changed).
    assert 'name="sort" value="name"' in response.content.decode()


def test_pages_of_a_ranked_search_neither_repeat_nor_skip(client, bakeries, settings):
    for n in range(7):
        organisation(f"Boulangerie {n:02d}", "org-type:sme")
    seen = []
    for number in (1, 2, 3):
        response = client.get("/ecosystem/", {"q": "boulangerie", "page": number})
        seen += names(response)
        if not response.context["page"].has_next():
            break
    everything = set(names(client.get("/ecosystem/", {"q": "boulangerie", "sort": "name"})))
    assert len(seen) == len(set(seen)) == response.context["page"].paginator.count == 10
    assert set(seen) >= everything


def test_a_withheld_or_struck_off_match_is_never_ranked_into_the_list(client, bakeries):
    import datetime

    organisation("Boulangerie Cachée", "org-type:self-employed")
    organisation("Boulangerie Radiée", "org-type:sme", struck_off_on=datetime.date(2025, 1, 1))
    shown = names(client.get("/ecosystem/", {"q": "boulangerie"}))
    assert "Boulangerie Cachée" not in shown and "Boulangerie Radiée" not in shown
    assert set(shown) == {"Boulangerie Dupont", "Boulangerie du Centre", "Atelier Bois Arden"}


def test_words_too_short_to_rank_keep_name_order(client, bakeries):
    assert ranked_search_ids("du") is None
    response = client.get("/ecosystem/", {"q": "du"})
    assert response.context["sort"] == "name" and response.context["sort_links"] is None
    assert names(response) == sorted(names(response), key=str.casefold)


def test_a_short_word_beside_a_long_one_still_narrows_the_ranked_matches(bakeries):
    ranked = ranked_search_ids("boulangerie du")
    assert ranked is not None
    assert set(ranked) == set(search_ids("boulangerie du"))
    assert bakeries["other"].pk in ranked and bakeries["bakery"].pk in ranked


@pytest.mark.parametrize("query", ['"', "boulangerie OR", "NEAR(a b)", "*", "bou'lan\"gerie"])
def test_search_syntax_in_the_words_is_taken_as_text(client, bakeries, query):
    assert client.get("/ecosystem/", {"q": query}).status_code == 200
