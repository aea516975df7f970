"""Facet counts from the records' side: each record's concepts in one row of a table.

The bitmap index counts a concept by intersecting its bitmap with a selection: one C
call per concept, 5 to 40 µs each over two million records. Every value of NACE is
3,700 concepts, so 30 to 100 ms. Here each record has a row naming its concepts, and a
selection's counts for every concept at once are one gather of its rows and one
histogram (numpy): about 40 ns a selected record, whatever the number of concepts.

A record tagged under two classes of one division must count once for the division.
So a row does not list the record's whole closure T (its concepts and their ancestors,
30 for a KBO enterprise) but weights: each concept A of T weighs 1 − (how many of A's
children are in T). Summed over a concept's subtree, the weights of one record give 1
if the record is in it and 0 if not: a leaf of T weighs +1, a concept where T branches
into k weighs 1 − k, a concept on a single path 0 and is left out. The histogram of the
weights, added up the hierarchy, is then every concept's exact count. A KBO enterprise
needs 9 entries (at most 20 in the generated register).

Entries are concept positions: `p` for +1 and `minus + p` for each −1; rows are padded
with `pad`. A record with more entries than a row holds keeps the rest in `Rows.long`.
Records changed since the table was built are counted from small rows of their own
(`Members.changed`) until there are too many of them; the index then builds anew.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

import numpy as np
from pyroaring import BitMap

# Entries a row holds; longer records go to `Rows.long`. Nine for most KBO enterprises.
WIDTH = 16
# Changed records counted apart before the table is built again.
MAX_CHANGED = 4096
# A row per record id up to the largest, unless the ids spread this many times wider than
# the entries (a record with a huge id): then a row per record held, found by its id.
SPARSE = 8


def ids_of(bitmap: BitMap) -> np.ndarray:
    if not bitmap:
        return np.empty(0, dtype=np.uint32)
    return np.frombuffer(bitmap.to_array(), dtype=np.uint32)


@dataclass(frozen=True)
class Layout:
    """Where each concept sits in a row's entries, and the hierarchy to add counts up."""

    concepts: np.ndarray  # position → concept id
    parents: np.ndarray  # position → the parent's position, −1 at a top
    schemes: np.ndarray  # position → its scheme's place in `scheme_codes`
    scheme_codes: tuple[str, ...]
    positions: dict[int, int] = field(repr=False)
    levels: tuple[np.ndarray, ...] = field(repr=False)  # positions by depth, deepest first
    masks: dict[frozenset[str], np.ndarray] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, hierarchy: Mapping[int, tuple[int | None, str]]) -> Layout:
        """From each concept's parent and scheme code (every concept of the catalogue)."""
        concepts = np.array(sorted(hierarchy), dtype=np.int64)
        positions = {int(c): p for p, c in enumerate(concepts)}
        scheme_codes = tuple(sorted({scheme for _parent, scheme in hierarchy.values()}))
        places = {code: n for n, code in enumerate(scheme_codes)}
        parents, schemes = [], []
        for c in concepts.tolist():
            parent, scheme = hierarchy[c]
            parents.append(positions.get(parent, -1) if parent is not None else -1)
            schemes.append(places[scheme])
        return cls.from_arrays(
            concepts, np.array(parents, dtype=np.int64), np.array(schemes), scheme_codes
        )

    @classmethod
    def from_arrays(
        cls,
        concepts: np.ndarray,
        parents: np.ndarray,
        schemes: np.ndarray,
        scheme_codes: tuple[str, ...],
    ) -> Layout:
        depth = np.zeros(len(concepts), dtype=np.int64)
        above = parents.copy()
        # A concept's depth is how many steps reach a top; a cycle stops at the size.
        for _ in range(len(concepts)):
            step = above >= 0
            if not step.any():
                break
            depth += step
            above = np.where(step, parents[np.maximum(above, 0)], -1)
        levels = tuple(np.nonzero(depth == d)[0] for d in range(int(depth.max(initial=0)), 0, -1))
        positions = {int(c): p for p, c in enumerate(concepts)}
        return cls(concepts, parents, schemes, scheme_codes, positions, levels)

    def of_schemes(self, scheme_codes: Collection[str]) -> np.ndarray:
        """Which positions hold a concept of these schemes (a boolean mask)."""
        key = frozenset(scheme_codes)
        mask = self.masks.get(key)
        if mask is None:
            wanted = [n for n, code in enumerate(self.scheme_codes) if code in key]
            mask = self.masks[key] = np.isin(self.schemes, wanted)
        return mask

    @property
    def size(self) -> int:
        return len(self.concepts)

    @property
    def minus(self) -> int:
        return self.size

    @property
    def pad(self) -> int:
        return 2 * self.size

    @property
    def dtype(self) -> type[np.unsignedinteger]:
        return np.uint16 if self.pad < 2**16 else np.uint32

    def entries(self, closure: Collection[int]) -> list[int] | None:
        """A record's entries from its closure (concept ids); None if one is unknown."""
        try:
            at = [self.positions[c] for c in set(closure)]
        except KeyError:
            return None
        inside = set(at)
        children = Counter(int(self.parents[p]) for p in at if int(self.parents[p]) in inside)
        found: list[int] = []
        for p in at:
            weight = 1 - children[p]
            found.extend([p] if weight > 0 else [self.minus + p] * -weight)
        return found


@dataclass(frozen=True)
class Rows:
    """Records' entries, a row each. Row i holds record `keys[i]`, or record i if keys is
    None; `long` holds the records whose entries do not fit in a row, their rest apart."""

    table: np.ndarray
    keys: np.ndarray | None
    long: BitMap
    long_keys: np.ndarray
    long_offsets: np.ndarray
    long_entries: np.ndarray

    @classmethod
    def pack(
        cls, records: np.ndarray, entries: np.ndarray, layout: Layout, keys: np.ndarray | None
    ) -> Rows:
        """`entries[i]` belongs to `records[i]`; `keys`: the sorted records to hold a row
        each (None: a row per record id up to the largest)."""
        order = np.argsort(records, kind="stable")
        records, entries = records[order].astype(np.int64), entries[order]
        if keys is None:
            rows = records
            count = int(records[-1]) + 1 if len(records) else 0
        else:
            rows = np.searchsorted(keys, records)
            count = len(keys)
        per_row = np.bincount(rows, minlength=count)
        starts = np.cumsum(per_row) - per_row
        slot = np.arange(len(rows)) - starts[rows]
        fits = slot < WIDTH
        table = np.full((count, WIDTH), layout.pad, dtype=layout.dtype)
        table[rows[fits], slot[fits]] = entries[fits]
        rest = records[~fits]
        long_keys = np.unique(rest)
        long_offsets = np.searchsorted(rest, long_keys).astype(np.int64)
        return cls(
            table=table,
            keys=keys,
            long=BitMap(long_keys.tolist()),
            long_keys=long_keys,
            long_offsets=np.append(long_offsets, len(rest)),
            long_entries=entries[~fits].astype(layout.dtype),
        )

    def histogram(self, ids: BitMap, bins: int) -> np.ndarray:
        """How many times each entry occurs in the rows of `ids` (records this holds)."""
        wanted = ids_of(ids)
        if self.keys is None:
            rows = wanted[wanted < len(self.table)]
        else:
            rows = np.searchsorted(self.keys, wanted)
            held = rows < len(self.keys)
            held[held] = self.keys[rows[held]] == wanted[held]
            rows = rows[held]
        counts = np.bincount(np.take(self.table, rows, axis=0).ravel(), minlength=bins)
        long = ids & self.long
        if long:
            at = np.searchsorted(self.long_keys, ids_of(long))
            starts = self.long_offsets[at]
            lengths = self.long_offsets[at + 1] - starts
            ends = np.cumsum(lengths)
            picks = np.repeat(starts - (ends - lengths), lengths) + np.arange(ends[-1])
            counts += np.bincount(self.long_entries[picks], minlength=bins)
        return counts


@dataclass(frozen=True)
class Members:
    """Every public record's concepts as rows of weights (see the module's text)."""

    layout: Layout
    base: Rows
    # Records changed since `base` was built: their entries now (empty: not public).
    changes: Mapping[int, tuple[int, ...]] = field(default_factory=dict)
    patched: BitMap = field(default_factory=BitMap)
    patch: Rows | None = None

    @classmethod
    def of_bitmaps(
        cls, by_concept: Mapping[int, BitMap], hierarchy: Mapping[int, tuple[int | None, str]]
    ) -> Members:
        """From an index's bitmaps (each rolled up over its descendants) and the parent and
        scheme of every concept of the catalogue."""
        layout = Layout.of(hierarchy)
        children: dict[int, list[BitMap]] = {}
        for concept_id, bitmap in by_concept.items():
            parent = hierarchy.get(concept_id, (None, ""))[0]
            if parent is not None and parent in by_concept and bitmap:
                children.setdefault(parent, []).append(bitmap)
        records: list[np.ndarray] = []
        entries: list[np.ndarray] = []

        def add(bitmap: BitMap, entry: int) -> None:
            if bitmap:
                records.append(ids_of(bitmap))
                entries.append(np.full(len(bitmap), entry, dtype=layout.dtype))

        for concept_id, bitmap in by_concept.items():
            position = layout.positions.get(concept_id)
            if position is None:  # deleted since the index read it: counted by no one
                continue
            # at_least[j]: the records in at least j + 1 of the concept's children.
            at_least = [BitMap()]
            for child in children.get(concept_id, ()):
                for j in range(len(at_least) - 1, -1, -1):
                    both = at_least[j] & child
                    if both:
                        if j + 1 == len(at_least):
                            at_least.append(both)
                        else:
                            at_least[j + 1] |= both
                at_least[0] |= child
            add(bitmap - at_least[0], position)  # in no child: weight 1
            for again in at_least[1:]:  # in k children: k − 1 entries of −1
                add(again, layout.minus + position)
        if records:
            found = np.concatenate(records)
            keys = None  # a record's entries are at least one: len(found) ≥ records held
            if int(found.max()) >= SPARSE * len(found) + 2**16:
                keys = np.unique(found).astype(np.int64)
            base = Rows.pack(found, np.concatenate(entries), layout, keys)
        else:
            base = Rows.pack(np.empty(0, np.int64), np.empty(0, layout.dtype), layout, None)
        return cls(layout, base)

    def changed(self, closures: Mapping[int, Collection[int]]) -> Members | None:
        """With changed records' closures (their concepts and every ancestor; empty: no
        longer public). None when the changes are too many or name an unknown concept:
        build anew."""
        changes = dict(self.changes)
        for record, closure in closures.items():
            found = self.layout.entries(closure)
            if found is None:
                return None
            changes[record] = tuple(found)
        if len(changes) > MAX_CHANGED:
            return None
        keys = np.array(sorted(changes), dtype=np.int64)
        records = np.array([r for r in keys for _ in changes[int(r)]], dtype=np.int64)
        entries = np.array([e for r in keys for e in changes[int(r)]], dtype=self.layout.dtype)
        patch = Rows.pack(records, entries, self.layout, keys)
        return Members(self.layout, self.base, changes, BitMap(changes), patch)

    def counts(self, ids: BitMap) -> np.ndarray:
        """How many of `ids` each concept holds, descendants included, by position."""
        size, bins = self.layout.size, self.layout.pad + 1
        if self.patch is not None:
            histogram = self.base.histogram(ids - self.patched, bins)
            histogram += self.patch.histogram(ids & self.patched, bins)
        else:
            histogram = self.base.histogram(ids, bins)
        counts: np.ndarray = histogram[:size].astype(np.int64) - histogram[size : 2 * size]
        for level in self.layout.levels:
            np.add.at(counts, self.layout.parents[level], counts[level])
        return counts

    def nonzero(self, counts: np.ndarray, scheme_codes: Collection[str]) -> dict[int, int]:
        """Concept id → count, for the concepts of these schemes that count any."""
        chosen = np.nonzero((counts > 0) & self.layout.of_schemes(scheme_codes))[0]
        return dict(
            zip(self.layout.concepts[chosen].tolist(), counts[chosen].tolist(), strict=True)
        )

    def reader(self, counts: np.ndarray) -> Callable[[int], int]:
        """A concept id's count in `counts` (0 for a concept this does not place)."""
        values, positions = counts.tolist(), self.layout.positions

        def count_of(concept_id: int) -> int:
            at = positions.get(concept_id)
            return values[at] if at is not None else 0

        return count_of
