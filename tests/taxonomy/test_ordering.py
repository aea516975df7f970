"""Pages cut from a bitmap in name order agree with sorting the selection."""

from hypothesis import given, settings
from hypothesis import strategies as st
from pyroaring import BitMap

from territoria.core.text import sort_key
from territoria.taxonomy.ordering import Ordering

names = st.text(alphabet="aAbBéÉe zZ-1", min_size=0, max_size=6)
records = st.dictionaries(st.integers(1, 5000), names, max_size=120)


def expected(rows: dict[int, str], selection: BitMap, offset: int, limit: int) -> list[int]:
    chosen = sorted((sort_key(rows[pk]), pk) for pk in selection if pk in rows)
    return [pk for _key, pk in chosen][offset : offset + limit]


@settings(max_examples=150, deadline=None)
@given(records, st.data(), st.integers(0, 130), st.integers(1, 40))
def test_a_page_is_the_sorted_selection_cut(rows, data, offset, limit):
    selection = BitMap(data.draw(st.sets(st.sampled_from(sorted(rows)) if rows else st.nothing())))
    built = Ordering.of(rows.items(), chunk=7)
    assert built.page(selection, offset, limit) == expected(rows, selection, offset, limit)


@settings(max_examples=100, deadline=None)
@given(records, st.lists(st.tuples(st.integers(1, 5000), names), max_size=15), st.data())
def test_inserted_renamed_and_removed_records_take_their_place(rows, changes, data):
    built = Ordering.of(rows.items(), chunk=7)  # small chunks: many borders to cross
    before = [list(chunk) for chunk in built.chunks]
    current = dict(rows)
    renamed = dict(changes)
    removed = data.draw(st.sets(st.sampled_from(sorted(rows)))) if rows else set()
    removed -= set(renamed)
    current.update(renamed)
    for pk in removed:
        del current[pk]
    changed = built.changed(
        BitMap([*renamed, *removed]),
        renamed,
        lambda ids: {pk: current[pk] for pk in ids if pk in current},
    )
    assert [list(chunk) for chunk in built.chunks] == before  # the old one is untouched
    selection = BitMap(current)
    offset = data.draw(st.integers(0, len(current)))
    assert changed.page(selection, offset, 25) == expected(current, selection, offset, 25)
    assert len(changed) == len(current)


def test_accents_and_case_sort_among_their_letters():
    rows = {1: "Zèbre", 2: "école", 3: "Ecole", 4: "abeille", 5: "Étang"}
    assert Ordering.of(rows.items()).page(BitMap(rows), 0, 10) == [4, 3, 2, 5, 1]
