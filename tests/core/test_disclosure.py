"""The minimum group and the subtraction rule (`core.disclosure`).

The audit does what a reader would: every published cell gives its count and its sum, so
the reader knows every linear combination of published cells. A group of respondents is
exposed when its indicator (over the table's atoms) lies in the span of the published
cells' indicators. The audit tries every set of atoms holding 1 to 4 respondents, by brute
force: none may lie in that span.
"""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from territoria.core.disclosure import (
    MINIMUM_GROUP,
    cell_counts,
    cell_of,
    known_cells,
    protect,
    relations,
)

# The barometer's: everyone, by section, by size, by province, by section and size.
GROUPINGS = [(), (0,), (1,), (2,), (0, 1)]


def indicator(cell, atoms):
    return np.array(
        [all(v is None or v == a for v, a in zip(cell, atom, strict=True)) for atom in atoms],
        dtype=float,
    )


def exposed(published, counts, groupings):
    """The groups of 1 to 4 respondents a reader can total from the published cells: any set
    of atoms (a group under five holds at most four), its indicator in their span."""
    atoms = sorted(a for a, n in counts.items() if n)
    if not published:
        return []
    span = np.array([indicator(c, atoms) for c in published])
    rank = np.linalg.matrix_rank(span)
    found = []
    small = [i for i, atom in enumerate(atoms) if counts[atom] < MINIMUM_GROUP]
    for size in range(1, MINIMUM_GROUP):
        for chosen in itertools.combinations(small, size):
            held = sum(counts[atoms[i]] for i in chosen)
            if held >= MINIMUM_GROUP:
                continue
            vector = np.zeros(len(atoms))
            vector[list(chosen)] = 1
            if np.linalg.matrix_rank(np.vstack([span, vector])) == rank:
                found.append((vector, held))
    return found


def test_a_group_of_four_is_not_published():
    counts = {("C", "small", "BE-WNA"): 4}
    assert protect(counts, GROUPINGS) == set()


def test_a_group_of_five_is_published_at_every_level_it_stands_alone():
    counts = {("C", "small", "BE-WNA"): 5}
    published = protect(counts, GROUPINGS)
    assert published == {
        (None, None, None),
        ("C", None, None),
        (None, "small", None),
        (None, None, "BE-WNA"),
        ("C", "small", None),
    }


def test_a_section_minus_its_published_sizes_never_leaves_one_company():
    # Section C: 5 small and 1 medium. Publishing C (6) and C/small (5) would give the
    # medium company by subtraction: the section, or the small group, is withheld.
    counts = {("C", "small", "BE-WNA"): 5, ("C", "medium", "BE-WNA"): 1}
    published = protect(counts, GROUPINGS)
    assert not {("C", None, None), ("C", "small", None)} <= published
    assert not exposed(published, counts, GROUPINGS)


def test_respondents_whose_size_is_unknown_are_protected_like_a_group():
    counts = {("C", "small", "BE-WNA"): 8, ("C", "", "BE-WNA"): 2}
    published = protect(counts, GROUPINGS)
    assert ("C", "", None) not in published
    assert not exposed(published, counts, GROUPINGS)


def test_a_withheld_cell_is_not_worked_out_through_its_other_relation():
    # 2 × 2 sections and sizes, one of them small: withholding it, then its row and its
    # column partner, leaves a rectangle no relation opens.
    counts = {
        ("C", "small", "p"): 3,
        ("C", "medium", "p"): 20,
        ("J", "small", "p"): 20,
        ("J", "medium", "p"): 20,
    }
    published = protect(counts, GROUPINGS)
    assert ("C", "small", None) not in published
    assert not exposed(published, counts, GROUPINGS)
    # And as much as possible stays: everyone, and the provinces.
    assert (None, None, None) in published


def test_known_cells_follow_the_relations_both_ways():
    cells = {(None,): 10, ("a",): 4, ("b",): 6}
    links = relations(cells, [(), (0,)])
    assert known_cells({("a",), ("b",)}, links) == set(cells)
    assert known_cells({(None,), ("a",)}, links) == set(cells)
    assert known_cells({(None,)}, links) == {(None,)}


def test_cell_of_keeps_the_grouping_variables():
    assert cell_of(("C", "small", "p"), (0, 2)) == ("C", None, "p")


atoms = st.tuples(
    st.sampled_from(["C", "J", "M", ""]),
    st.sampled_from(["micro", "small", "medium", ""]),
    st.sampled_from(["BE-WNA", "BE-WHT", ""]),
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(atoms, st.integers(min_value=1, max_value=12), max_size=12))
def test_no_published_table_lets_anyone_total_fewer_than_five(counts):
    published = protect(counts, GROUPINGS)
    sizes = cell_counts(counts, GROUPINGS)
    assert all(sizes[cell] >= MINIMUM_GROUP and "" not in cell for cell in published)
    leaks = exposed(published, counts, GROUPINGS)
    assert not leaks, f"{len(leaks)} groups under {MINIMUM_GROUP} can be worked out"


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(atoms, st.integers(min_value=5, max_value=40), min_size=1, max_size=10))
def test_groups_all_large_enough_and_known_are_all_published(counts):
    counts = {atom: n for atom, n in counts.items() if "" not in atom}
    published = protect(counts, GROUPINGS)
    assert published == set(cell_counts(counts, GROUPINGS))


def test_every_grouping_pair_that_refines_by_one_variable_is_a_relation():
    sizes = cell_counts({("C", "small", "p"): 5}, GROUPINGS)
    pairs = {
        (tuple(i for i, v in enumerate(parent) if v is not None), len(children))
        for parent, children in relations(sizes, GROUPINGS)
    }
    assert pairs == {((), 1), ((0,), 1), ((1,), 1)}
    assert list(itertools.chain(*(c for _p, c in relations(sizes, GROUPINGS))))
