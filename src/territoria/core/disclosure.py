"""Which groups of a published table of means may be shown: none under `MINIMUM_GROUP`
respondents, and none that a reader could work out by subtraction.

One rule for every published aggregate of answers (the Digiscore barometer and peers, the
calls' follow-up survey): a figure never stands for fewer than five respondents.

A table here is described by its *atoms*: each combination of the grouping variables that
respondents hold (section, size, province…, with "" for "not known"), and how many
respondents each holds. A *cell* is a group the table may publish: a value or `None`
("all") for each variable, following one of the table's groupings. Since a cell's count
and sum are the sums of its children's (the section's cell is the sum of its
section-and-size cells), a reader who has a parent and all its children but some can
subtract: what the withheld children hold together is as good as published. So:

1. a cell under the minimum, or holding respondents whose value is not known, is
   withheld (primary suppression);
2. no group under the minimum may be worked out from what is published: no cell of any
   grouping (published or not: the provinces of one size class are what a province's
   cell and a size's cell may differ by), no atom, and no set of children a relation
   leaves out. Otherwise the smallest published cell whose absence closes the leak is
   withheld, and the check starts again (complementary suppression).

A reader works a cell out from a relation (all the children of a parent, or a parent and
all its children but one), and, more generally, from any linear combination of published
cells: a group is given away when its atoms' indicator lies in the span of the published
cells' indicators, which `_Table.leak` checks after the relations.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

# The smallest group whose figures are shown or published.
MINIMUM_GROUP = 5

Atom = tuple[str, ...]
Cell = tuple[str | None, ...]
Grouping = tuple[int, ...]  # the positions of the variables a grouping keeps


def cell_of(atom: Atom, grouping: Grouping) -> Cell:
    return tuple(value if position in grouping else None for position, value in enumerate(atom))


def cell_counts(counts: Mapping[Atom, int], groupings: Iterable[Grouping]) -> dict[Cell, int]:
    """Every cell of the groupings that holds someone, with how many it holds."""
    cells: dict[Cell, int] = defaultdict(int)
    for grouping in groupings:
        for atom, count in counts.items():
            if count:
                cells[cell_of(atom, grouping)] += count
    return dict(cells)


def relations(
    cells: Iterable[Cell], groupings: Sequence[Grouping]
) -> list[tuple[Cell, list[Cell]]]:
    """Each (parent, children) where a grouping refines another by one variable."""
    by_grouping: dict[Grouping, list[Cell]] = defaultdict(list)
    for cell in cells:
        by_grouping[tuple(i for i, value in enumerate(cell) if value is not None)].append(cell)
    found: list[tuple[Cell, list[Cell]]] = []
    for coarse in groupings:
        for fine in groupings:
            added = set(fine) - set(coarse)
            if len(added) != 1 or not set(coarse) <= set(fine):
                continue
            (variable,) = added
            children: dict[Cell, list[Cell]] = defaultdict(list)
            for cell in by_grouping[tuple(sorted(fine))]:
                children[cell[:variable] + (None,) + cell[variable + 1 :]].append(cell)
            found.extend(
                (parent, sorted(children[parent], key=_order))
                for parent in by_grouping[tuple(sorted(coarse))]
            )
    return found


def known_cells(published: set[Cell], links: list[tuple[Cell, list[Cell]]]) -> set[Cell]:
    """The cells a reader can work out from the published ones (see the module's text)."""
    known = set(published)
    changed = True
    while changed:
        changed = False
        for parent, children in links:
            unknown = [child for child in children if child not in known]
            if parent in known and len(unknown) == 1:
                known.add(unknown[0])
                changed = True
            elif parent not in known and not unknown:
                known.add(parent)
                changed = True
    return known


def protect(
    counts: Mapping[Atom, int], groupings: Sequence[Grouping], minimum: int = MINIMUM_GROUP
) -> set[Cell]:
    """The cells of `groupings` that may be published: none under `minimum`, none to be
    had by subtraction (a group of fewer than `minimum`)."""
    table = _Table(counts, groupings, minimum)
    published = {
        cell
        for cell, size in table.sizes.items()
        if _grouping(cell) in table.shown and size >= minimum and "" not in cell
    }
    while True:
        leak = table.leak(published)
        if leak is None:
            return published
        # Withhold the smallest published cell whose absence closes this leak; failing
        # one, the smallest sibling of the leaked cells (a child of the same parent that
        # holds none of them), else of the cells holding them; the next round looks again.
        candidates = sorted(published, key=lambda c: (table.sizes[c], _order(c)))
        # Only a cell the group is worked out from can close it: those of one way of
        # working it out are tried, smallest first.
        used = table.used(leak, published)
        closing = next(
            (c for c in candidates if c in used and not table.leaks(leak, published - {c})),
            None,
        )
        if closing is None:
            siblings = table.siblings(leak)
            near = [c for c in candidates if c in siblings]
            holding = [c for c in candidates if table.members[c] & leak]
            closing = (near or holding or candidates)[0]
        published.discard(closing)


# A group a reader might total: the respondents of these atoms.
Leak = frozenset[Atom]


class _Table:
    """A table's atoms and every cell a reader can reason about, published or not."""

    def __init__(
        self, counts: Mapping[Atom, int], groupings: Sequence[Grouping], minimum: int
    ) -> None:
        self.counts = {atom: n for atom, n in counts.items() if n}
        self.minimum = minimum
        self.shown = {tuple(sorted(g)) for g in groupings}
        width = len(next(iter(self.counts), ()))
        # Every grouping, published or not: the provinces of one size are never
        # published, yet they are what two published cells differ by.
        lattice = [g for n in range(width + 1) for g in itertools.combinations(range(width), n)]
        self.sizes = cell_counts(self.counts, lattice)
        self.links = relations(self.sizes, lattice)
        self.atoms = sorted(self.counts, key=_order)
        holding: dict[Cell, set[Atom]] = defaultdict(set)
        for atom in self.atoms:
            for grouping in lattice:
                holding[cell_of(atom, grouping)].add(atom)
        self.members = {cell: frozenset(atoms) for cell, atoms in holding.items()}
        self.row = {cell: i for i, cell in enumerate(sorted(self.sizes, key=_order))}
        self.matrix = np.zeros((len(self.row), len(self.atoms)))
        column = {atom: i for i, atom in enumerate(self.atoms)}
        for cell, i in self.row.items():
            self.matrix[i, [column[a] for a in self.members[cell]]] = 1.0
        # The groups under the minimum a reader must never total: each cell (its atoms),
        # each atom, and what the children of a relation hold together.
        groups = {self.members[c] for c, n in self.sizes.items() if n < minimum}
        groups |= {frozenset([a]) for a in self.atoms if self.counts[a] < minimum}
        self.groups = sorted(groups, key=lambda g: (self._held(g), sorted(map(_order, g))))

    def _held(self, group: Leak) -> int:
        return sum(self.counts[a] for a in group)

    def leak(self, published: set[Cell]) -> Leak | None:
        """A group under the minimum that the published cells give, if there is one."""
        known = known_cells(published, self.links)
        for cell in sorted(known, key=_order):
            if self.sizes[cell] < self.minimum:
                return self.members[cell]
        for parent, children in self.links:
            if parent in known:
                hidden = frozenset().union(*(self.members[c] for c in children if c not in known))
                if 0 < self._held(hidden) < self.minimum:
                    return hidden
        # What one relation at a time cannot show, the whole system of them may.
        span = self.span(published)
        for group in self.groups:
            if _derivable(group, span, self.atoms):
                return group
        return self._small_union(span)

    def _small_union(self, span: Any) -> Leak | None:
        """A set of atoms holding fewer than the minimum whose total the published cells
        give, if there is one: a group of atoms from different cells (everyone, less a
        section, less another section's size, may leave two companies of two places).

        A set's indicator lies in the span when its atoms' residues (what of each the
        span does not give) sum to zero. A group under five holds at most four atoms of
        fewer than five each: singles, then pairs, triples and quadruples are found by
        meeting in the middle on one random projection of the residues, each candidate
        then checked exactly.
        """
        if self.minimum > 5:
            raise ValueError("sets of atoms are searched up to four: a minimum of at most 5")
        small = [a for a in self.atoms if self.counts[a] < self.minimum]
        if not small:
            return None
        position = {atom: i for i, atom in enumerate(self.atoms)}
        columns = np.zeros((len(self.atoms), len(small)))
        columns[[position[a] for a in small], range(len(small))] = 1.0
        residues = columns - span.T @ (span @ columns) if len(span) else columns
        counts = [self.counts[a] for a in small]
        projection = np.random.default_rng(0).standard_normal(len(self.atoms)) @ residues
        step = 1e-7

        def bucket(value: float) -> int:
            return int(round(value / step))

        singles: dict[int, list[int]] = defaultdict(list)
        for i, value in enumerate(projection):
            singles[bucket(value)].append(i)

        def near(value: float, table: Mapping[int, list[Any]]) -> Iterable[Any]:
            key = bucket(value)
            for k in (key - 1, key, key + 1):
                yield from table.get(k, ())

        def found(chosen: Iterable[int]) -> Leak | None:
            ids = sorted(set(chosen))
            if 0 < sum(counts[i] for i in ids) < self.minimum:
                if np.abs(residues[:, ids].sum(axis=1)).max() < 1e-9:
                    return frozenset(small[i] for i in ids)
            return None

        for i in range(len(small)):
            if (group := found([i])) is not None:
                return group
        pairs: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for i in range(len(small)):
            for j in near(-projection[i], singles):  # pairs
                if j > i and (group := found([i, j])) is not None:
                    return group
            for j in range(i + 1, len(small)):
                if counts[i] + counts[j] > self.minimum - 2:
                    continue
                total = projection[i] + projection[j]
                for k in near(-total, singles):  # triples
                    if k not in (i, j) and (group := found([i, j, k])) is not None:
                        return group
                if counts[i] + counts[j] <= self.minimum - 3:
                    pairs[bucket(total)].append((i, j))
        for key, these in list(pairs.items()):
            for i, j in these:  # quadruples: a pair and another pair
                for k, m in near(-(key * step), pairs):
                    if len({i, j, k, m}) == 4 and (group := found([i, j, k, m])) is not None:
                        return group
        return None

    def span(self, published: set[Cell]) -> Any:
        """An orthonormal basis of what the published cells give (their indicators' span)."""
        if not published:
            return np.zeros((0, len(self.atoms)))
        rows = self.matrix[sorted(self.row[cell] for cell in published)]
        _u, singular, basis = np.linalg.svd(rows, full_matrices=False)
        rank = int((singular > 1e-9 * max(1.0, float(singular[0]))).sum())
        return basis[:rank]

    def leaks(self, group: Leak, published: set[Cell]) -> bool:
        """Whether the published cells still give this group's total."""
        return _derivable(group, self.span(published), self.atoms)

    def used(self, group: Leak, published: set[Cell]) -> set[Cell]:
        """The published cells of one way of working out the group's total (least squares)."""
        cells = sorted(published, key=lambda c: self.row[c])
        rows = self.matrix[[self.row[c] for c in cells]]
        target = np.array([1.0 if atom in group else 0.0 for atom in self.atoms])
        weights, *_ = np.linalg.lstsq(rows.T, target, rcond=None)
        return {cell for cell, weight in zip(cells, weights, strict=True) if abs(weight) > 1e-9}

    def siblings(self, group: Leak) -> set[Cell]:
        """The children of a relation one of whose children holds some of the group, that
        hold none of it themselves."""
        return {
            child
            for _parent, children in self.links
            if any(self.members[c] & group for c in children)
            for child in children
            if not self.members[child] & group
        }


def _derivable(group: Leak, span: Any, atoms: list[Atom]) -> bool:
    vector = np.array([1.0 if atom in group else 0.0 for atom in atoms])
    if not len(span):
        return False
    residue = vector - span.T @ (span @ vector)
    return bool(np.abs(residue).max() < 1e-9)


def _grouping(cell: Cell) -> Grouping:
    return tuple(i for i, value in enumerate(cell) if value is not None)


def _order(cell: Cell) -> tuple[tuple[int, str], ...]:
    return tuple((0, "") if value is None else (1, value) for value in cell)
