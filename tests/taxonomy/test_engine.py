import pytest

from territoria.taxonomy import containers
from territoria.taxonomy.engine import engine
from territoria.taxonomy.expressions import parse
from territoria.taxonomy.models import ConceptScheme
from territoria.taxonomy.services import refine
from tests.factories import concept, organisation


def select(expression):
    container = containers.get("organisation")
    return set(engine.select(container, parse(expression)).values_list("name", flat=True))


@pytest.fixture
def orgs(db):
    return {
        "bakery": organisation("Bakery", "nace:C10", "org-type:sme", "territory:namur"),
        "plastics": organisation(
            "Plastics", "nace:C22", "technology:machine-learning", "label:made-different"
        ),
        "software": organisation(
            "Software", "nace:K62", "technology:ai", "org-type:startup", "territory:liege"
        ),
        "shop": organisation("Shop", "nace:G47", "org-type:sme", "territory:liege"),
    }


def test_a_concept_includes_its_descendants(orgs):
    assert select({"concept": "nace:C"}) == {"Bakery", "Plastics"}
    assert select({"concept": "technology:ai"}) == {"Plastics", "Software"}
    assert select({"concept": "territory:BE-WLG"}) == {"Software", "Shop"}


def test_all_any_and_not_combine(orgs):
    assert select({"all": [{"concept": "nace:C"}, {"concept": "technology:ai"}]}) == {"Plastics"}
    assert select({"any": [{"concept": "nace:C10"}, {"concept": "nace:G"}]}) == {"Bakery", "Shop"}
    assert select({"not": {"concept": "org-type:sme"}}) == {"Plastics", "Software"}
    assert select(
        {"all": [{"concept": "territory:liege"}, {"not": {"concept": "technology:ai"}}]}
    ) == {"Shop"}


def test_facet_counts_roll_up_to_ancestors_without_counting_twice(orgs):
    extra = organisation("Twice", "nace:C10", "nace:C22")
    container = containers.get("organisation")
    counts = engine.facet_counts(container, container.queryset(), ["nace"])
    assert counts[concept("nace:C").pk] == 3  # Bakery, Plastics, Twice: once each
    assert counts[concept("nace:C10").pk] == 2
    assert extra.pk


def test_facet_counts_down_to_the_expanded_concepts_are_the_full_counts_cut(orgs):
    container = containers.get("organisation")
    ids = engine.matching(container, None)
    full = engine.facet_counts_of(container, ids, ["nace", "territory"])
    tops = engine.facet_counts_of(container, ids, ["nace", "territory"], expanded=())
    assert tops == {
        pk: n
        for pk, n in full.items()
        if pk
        in {
            concept("nace:C").pk,
            concept("nace:K").pk,
            concept("nace:G").pk,
            concept("territory:BE-WAL").pk,
        }
    }
    opened = {concept("nace:C").pk, concept("territory:BE-WAL").pk}
    below = engine.facet_counts_of(container, ids, ["nace", "territory"], expanded=opened)
    assert below[concept("nace:C10").pk] == full[concept("nace:C10").pk] == 1
    assert concept("nace:K62").pk not in below and concept("territory:BE-WLG").pk in below
    assert all(full[pk] == n for pk, n in below.items())


def test_refining_is_disjunctive_within_a_scheme_and_conjunctive_across(orgs):
    container = containers.get("organisation")
    schemes = list(ConceptScheme.objects.filter(code__in=["org-type", "territory"]))
    selected = [concept("territory:liege"), concept("org-type:sme"), concept("org-type:startup")]
    refinement = refine(container, container.queryset(), selected, schemes)
    assert set(refinement.records.values_list("name", flat=True)) == {"Software", "Shop"}
    org_types = next(f for f in refinement.facets if f.scheme.code == "org-type")
    counts = {v.concept.notation: v.count for v in org_types.values}
    # Counts in a scheme with a selection ignore that scheme's own choice.
    assert counts == {"sme": 1, "startup": 1}
    territory = next(f for f in refinement.facets if f.scheme.code == "territory")
    provinces = {v.concept.notation: v.count for v in territory.values}
    assert provinces == {"BE-WLG": 2, "BE-WNA": 1}
    liege = next(v for v in territory.values if v.concept.notation == "BE-WLG")
    assert [child.concept.notation for child in liege.children] == ["liege"]


def test_the_bitmap_index_follows_every_kind_of_change(orgs):
    from territoria.taxonomy.services import set_tags

    container = containers.get("organisation")
    ai = parse({"concept": "technology:ai"})
    assert engine.count(container, ai) == 2
    set_tags(orgs["shop"], [concept("technology:nlp"), concept("org-type:sme")])  # bulk path
    assert engine.count(container, ai) == 3
    orgs["software"].delete()  # a deleted record leaves every bitmap
    assert engine.count(container, ai) == 2
    fresh = organisation("Fresh", "technology:computer-vision")  # signals path
    assert engine.count(container, ai) == 3
    assert engine.count(container, parse({"not": {"concept": "technology:ai"}})) == 1  # Bakery
    assert fresh.pk in engine.matching(container, ai)


def test_another_process_changing_the_token_makes_this_one_rebuild(orgs):
    from territoria.taxonomy import index
    from territoria.taxonomy.models import IndexState, Tag

    container = containers.get("organisation")
    before = index.for_container(container)
    # What another process's write looks like from here: rows and token changed, no signal.
    Tag.objects.filter(
        object_id=orgs["plastics"].pk, concept=concept("technology:machine-learning")
    ).update(concept=concept("technology:cloud"))
    IndexState.objects.filter(key=index.STATE_KEY).update(token="changed-elsewhere")
    after = index.for_container(container)
    assert after is not before
    assert engine.count(container, parse({"concept": "technology:ai"})) == 1
