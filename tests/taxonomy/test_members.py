"""Facet counts from the records' rows (`members.py`) agree with counting each concept's
records one by one, on random hierarchies, taggings, selections and changes."""

import random
from contextlib import contextmanager

from hypothesis import given, settings
from hypothesis import strategies as st
from pyroaring import BitMap

from territoria.taxonomy import members as members_module
from territoria.taxonomy.members import MAX_CHANGED, Members


def forest(rng: random.Random, size: int) -> dict[int, tuple[int | None, str]]:
    """Concepts 1…size, each under an earlier one or a top, in two schemes."""
    hierarchy: dict[int, tuple[int | None, str]] = {}
    for concept in range(1, size + 1):
        if concept > 2 and rng.random() < 0.8:
            parent = rng.randrange(1, concept)
            hierarchy[concept] = (parent, hierarchy[parent][1])
        else:
            hierarchy[concept] = (None, rng.choice(["nace", "territory"]))
    return hierarchy


def closure(tags: set[int], hierarchy) -> set[int]:
    found: set[int] = set()
    for concept in tags:
        current = concept
        while current is not None:
            found.add(current)
            current = hierarchy[current][0]
    return found


def rolled_up(tagging: dict[int, set[int]], hierarchy) -> dict[int, BitMap]:
    """The index's bitmaps: each concept's records, descendants included."""
    by_concept: dict[int, BitMap] = {}
    for record, tags in tagging.items():
        for concept in closure(tags, hierarchy):
            by_concept.setdefault(concept, BitMap()).add(record)
    return by_concept


def brute_force(selection, tagging, hierarchy) -> dict[int, int]:
    counts: dict[int, int] = {}
    for record in selection:
        for concept in closure(tagging.get(record, set()), hierarchy):
            counts[concept] = counts.get(concept, 0) + 1
    return counts


def counted(members: Members, selection: BitMap) -> dict[int, int]:
    return members.nonzero(members.counts(selection), members.layout.scheme_codes)


def random_tagging(rng, hierarchy, records) -> dict[int, set[int]]:
    concepts = list(hierarchy)
    return {
        record: set(rng.sample(concepts, min(len(concepts), rng.choice([0, 1, 1, 2, 3, 5, 8]))))
        for record in records
    }


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10**6), width=st.sampled_from([1, 2, 4, 16]))
def test_counts_match_brute_force(seed, width):
    with rows_of(width):  # narrow rows: many records keep entries in `long`
        check_counts(seed)


def check_counts(seed):
    rng = random.Random(seed)
    hierarchy = forest(rng, rng.randint(1, 40))
    records = rng.sample(range(1, 3000), rng.randint(0, 60))
    tagging = random_tagging(rng, hierarchy, records)
    members = Members.of_bitmaps(rolled_up(tagging, hierarchy), hierarchy)
    for _ in range(5):
        selection = BitMap(rng.sample(records, rng.randint(0, len(records))) + [4000])
        assert counted(members, selection) == brute_force(selection, tagging, hierarchy)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), width=st.sampled_from([2, 16]))
def test_changed_records_are_counted_from_their_new_rows(seed, width):
    with rows_of(width):
        check_changes(seed)


def check_changes(seed):
    rng = random.Random(seed)
    hierarchy = forest(rng, rng.randint(1, 30))
    records = list(range(1, 200, 3))
    tagging = random_tagging(rng, hierarchy, records)
    members = Members.of_bitmaps(rolled_up(tagging, hierarchy), hierarchy)
    for _step in range(6):
        changed = rng.sample(records + [500, 501], rng.randint(1, 5))
        closures = {}
        for record in changed:
            if rng.random() < 0.2:  # no longer public
                tagging.pop(record, None)
                closures[record] = set()
            else:
                tagging[record] = set(
                    rng.sample(list(hierarchy), rng.randint(0, min(4, len(hierarchy))))
                )
                closures[record] = closure(tagging[record], hierarchy)
        members = members.changed(closures)
        assert members is not None
        selection = BitMap(r for r in tagging if rng.random() < 0.7)
        assert counted(members, selection) == brute_force(selection, tagging, hierarchy)


def test_too_many_changes_or_an_unknown_concept_ask_for_a_new_build():
    hierarchy = {1: (None, "nace"), 2: (1, "nace")}
    members = Members.of_bitmaps({1: BitMap([5]), 2: BitMap([5])}, hierarchy)
    assert members.changed({5: {99}}) is None  # 99: not in the catalogue it was built for
    assert members.changed({n: {1} for n in range(MAX_CHANGED + 1)}) is None
    assert members.changed({n: {1} for n in range(MAX_CHANGED)}) is not None


def test_a_record_in_two_children_counts_once_above_them():
    # 1 → 2 → {3, 4}; record 7 in both 3 and 4, record 8 in 4 and tagged at 2 itself.
    hierarchy = {1: (None, "nace"), 2: (1, "nace"), 3: (2, "nace"), 4: (2, "nace")}
    tagging = {7: {3, 4}, 8: {2, 4}}
    members = Members.of_bitmaps(rolled_up(tagging, hierarchy), hierarchy)
    assert counted(members, BitMap([7, 8])) == {1: 2, 2: 2, 3: 1, 4: 2}
    assert counted(members, BitMap([7])) == {1: 1, 2: 1, 3: 1, 4: 1}
    assert counted(members, BitMap()) == {}


def test_an_empty_index_counts_nothing():
    members = Members.of_bitmaps({}, {1: (None, "nace")})
    assert counted(members, BitMap([1, 2, 3])) == {}
    assert members.changed({2: {1}}) is not None


@contextmanager
def rows_of(width: int):
    original = members_module.WIDTH
    members_module.WIDTH = width
    try:
        yield
    finally:
        members_module.WIDTH = original
