"""A container's records in name order, for pages cut straight from a bitmap.

The order is split into chunks of consecutive records, each with the bitmap of its ids.
A page of a selection (a bitmap, any size) is found by counting, chunk after chunk, how
many of the selection each holds (one C call each) until the page's offset is reached,
then reading the few chunks the page falls in, in order. No list of ids goes to the
database: a page of 20 among two million records costs a few hundred intersections.

An ordering is never changed in place (requests read it while it is brought up to date):
`changed` gives a new one that shares every chunk the change leaves alone.

The order is the one a reader expects of a list of names: case and accents ignored,
then the record id to break ties (`sort_key`).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pyroaring import BitMap

from territoria.core.text import sort_key

CHUNK = 4096

Key = tuple[str, int]


@dataclass
class Ordering:
    """Record ids in order, cut into chunks; `keys` holds each chunk's first sort key."""

    chunks: list[list[int]] = field(default_factory=list)
    bitmaps: list[BitMap] = field(default_factory=list)
    keys: list[Key] = field(default_factory=list)

    @classmethod
    def of(cls, rows: Iterable[tuple[int, str]], chunk: int = CHUNK) -> Ordering:
        """From (id, name) pairs, in any order."""
        ordered = sorted((sort_key(name), pk) for pk, name in rows)
        ordering = cls()
        for start in range(0, len(ordered), chunk):
            part = ordered[start : start + chunk]
            ordering.chunks.append([pk for _key, pk in part])
            ordering.bitmaps.append(BitMap(pk for _key, pk in part))
            ordering.keys.append(part[0])
        return ordering

    def __len__(self) -> int:
        return sum(len(bitmap) for bitmap in self.bitmaps)

    def page(self, selection: BitMap, offset: int, limit: int) -> list[int]:
        """The ids of `selection` at positions offset … offset + limit − 1 of the order."""
        found: list[int] = []
        skip = offset
        for ids, bitmap in zip(self.chunks, self.bitmaps, strict=True):
            inside = selection.intersection_cardinality(bitmap)
            if inside <= skip:
                skip -= inside
                continue
            for pk in ids:
                if pk in selection:
                    if skip:
                        skip -= 1
                        continue
                    found.append(pk)
                    if len(found) == limit:
                        return found
        return found

    def changed(
        self,
        gone: BitMap,
        names: dict[int, str],
        names_of: Callable[[list[int]], dict[int, str]],
    ) -> Ordering:
        """A new ordering without the ids of `gone`, then with the records of `names` (id →
        name) in their place; `names_of(ids)` reads the names of a chunk's records."""
        new = Ordering(list(self.chunks), list(self.bitmaps), list(self.keys))
        copied: set[int] = set()

        def own(number: int) -> None:
            if number not in copied:
                new.chunks[number] = list(new.chunks[number])
                new.bitmaps[number] = BitMap(new.bitmaps[number])
                copied.add(number)

        for number, bitmap in enumerate(self.bitmaps):
            if bitmap.intersect(gone):
                own(number)
                new.chunks[number] = [pk for pk in new.chunks[number] if pk not in gone]
                new.bitmaps[number] -= gone
        for pk, name in sorted(names.items()):
            key = (sort_key(name), pk)
            if not new.chunks:
                new.chunks, new.bitmaps, new.keys = [[pk]], [BitMap([pk])], [key]
                copied.add(0)
                continue
            number = max(bisect.bisect_right(new.keys, key) - 1, 0)
            own(number)
            ids = new.chunks[number]
            known = {**names_of([other for other in ids if other not in names]), **names}
            keys = [(sort_key(known.get(other, "")), other) for other in ids]
            position = bisect.bisect_right(keys, key)
            ids.insert(position, pk)
            new.bitmaps[number].add(pk)
            if position == 0:
                new.keys[number] = key
        return new
