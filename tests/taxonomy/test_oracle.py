"""The magnet engine agrees with a brute-force evaluation on random taggings and expressions."""

import pytest
from django.contrib.contenttypes.models import ContentType
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyroaring import BitMap

from territoria.ecosystem.models import Organisation
from territoria.taxonomy import containers, index
from territoria.taxonomy.engine import BitmapMagnetEngine, SqlMagnetEngine, engine
from territoria.taxonomy.expressions import parse
from territoria.taxonomy.models import Tag
from tests.factories import concept

CODES = [
    "nace:C",
    "nace:C10",
    "nace:C22",
    "nace:K",
    "nace:K62",
    "technology:ai",
    "technology:machine-learning",
    "technology:nlp",
    "technology:cloud",
    "label:wing-fund",
    "org-type:startup",
    "territory:BE-WNA",
    "territory:namur",
    "territory:gembloux",
]
TAGGABLE = [c for c in CODES if c not in {"nace:C", "nace:K", "territory:BE-WNA"}]
RECORDS = 10

leaves = st.sampled_from(CODES).map(lambda code: {"concept": code})
expressions = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda items: {"all": items}),
        st.lists(inner, min_size=1, max_size=3).map(lambda items: {"any": items}),
        inner.map(lambda item: {"not": item}),
    ),
    max_leaves=8,
)
taggings = st.lists(
    st.sets(st.sampled_from(TAGGABLE), max_size=5), min_size=RECORDS, max_size=RECORDS
)


def brute_force(expression, tags_of_record, descendants):
    if "concept" in expression:
        return bool(tags_of_record & descendants[expression["concept"]])
    if "all" in expression:
        return all(brute_force(e, tags_of_record, descendants) for e in expression["all"])
    if "any" in expression:
        return any(brute_force(e, tags_of_record, descendants) for e in expression["any"])
    return not brute_force(expression["not"], tags_of_record, descendants)


@pytest.mark.django_db
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(tagging=taggings, expression=expressions)
def test_the_engine_matches_brute_force(tagging, expression):
    container = containers.get("organisation")
    content_type = ContentType.objects.get_for_model(Organisation)
    concepts = {code: concept(code) for code in CODES}

    # Independent of the closure table: walk the parent pointers.
    def ancestor_ids(c):
        chain = set()
        while c is not None:
            chain.add(c.pk)
            c = c.parent
        return chain

    descendants = {
        code: {other for other, o in concepts.items() if c.pk in ancestor_ids(o)}
        for code, c in concepts.items()
    }
    # Each example adds its own records in bulk; earlier examples' records stay, so
    # the engine's answer is compared on this example's records only.
    records = Organisation.objects.bulk_create(
        [Organisation(name=f"Org {i}") for i in range(len(tagging))]
    )
    Tag.objects.bulk_create(
        [
            Tag(content_type=content_type, object_id=org.pk, concept=concepts[code])
            for org, codes in zip(records, tagging, strict=True)
            for code in codes
        ]
    )
    index.bump()
    ours = {org.pk for org in records}
    records_ids = [org.pk for org in records]
    concepts_by_pk = {c.pk: c for c in concepts.values()}
    expected = {
        org.pk
        for org, codes in zip(records, tagging, strict=True)
        if brute_force(expression, set(codes), descendants)
    }
    tree = parse(expression)
    assert set(engine.matching(container, tree)) & ours == expected
    assert (
        set(
            SqlMagnetEngine()
            .select(container, tree)
            .filter(pk__in=ours)
            .values_list("pk", flat=True)
        )
        == expected
    )
    # Facet counts: from the records' rows and by intersections, every value or the tree
    # a reader has opened; against the same brute force.
    found = BitMap(expected)
    every = {}
    for code, c in concepts.items():
        n = len({pk for pk in expected if descendants[code] & set(tagging[records_ids.index(pk)])})
        if n:
            every[c.pk] = n
    schemes = sorted({code.split(":")[0] for code in CODES})
    opened = {concepts["nace:C"].pk, concepts["technology:ai"].pk}
    answers = []
    for counting in ("members", "bitmaps"):
        counter = BitmapMagnetEngine(counting)
        counts = counter.facet_counts_of(container, found, schemes)
        # The brute force knows the concepts above; the engine also counts their ancestors.
        assert {pk: n for pk, n in counts.items() if pk in concepts_by_pk} == every
        shown = counter.facet_counts_of(container, found, schemes, expanded=opened)
        assert {pk: n for pk, n in shown.items() if pk in concepts_by_pk} == {
            pk: n for pk, n in every.items() if concepts_by_pk[pk].parent_id in (None, *opened)
        }
        answers.append((counts, shown))
    assert answers[0] == answers[1]
