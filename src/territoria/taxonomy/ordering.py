"""A container's records in name order, for pages cut straight from a bitmap.

The order is split into chunks of consecutive records, each with the bitmap of its ids.
A page of a selection (a bitmap, any size) is found by counting, chunk after chunk, how
many of the selection each holds (one C call each) until the page's offset is reached,
then reading the few chunks the page falls in, in order. No list of ids goes to the
database: a page of 20 among two million records costs a few hundred intersections.

The order is the one a reader expects of a list of names: letters before their accented
forms, case ignored, then the record id to break ties (`sort_key`).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field

from pyroaring import BitMap

from territoria.core.text import sort_key

CHUNK = 4096


@dataclass
class Ordering:
    """Record ids in order, cut into chunks; `keys` holds each chunk's first sort key."""

    chunks: list[list[int]] = field(default_factory=list)
    bitmaps: list[BitMap] = field(default_factory=list)
    keys: list[tuple[str, int]] = field(default_factory=list)
    where: dict[int, int] = field(default_factory=dict)  # id → its chunk

    @classmethod
    def of(cls, rows: Iterable[tuple[int, str]], chunk: int = CHUNK) -> Ordering:
        """From (id, name) pairs, in any order."""
        ordered = sorted((sort_key(name), pk) for pk, name in rows)
        ordering = cls()
        for start in range(0, len(ordered), chunk):
            part = ordered[start : start + chunk]
            ordering._append([pk for _key, pk in part], part[0])
        return ordering

    def _append(self, ids: list[int], first: tuple[str, int]) -> None:
        number = len(self.chunks)
        self.chunks.append(ids)
        self.bitmaps.append(BitMap(ids))
        self.keys.append(first)
        for pk in ids:
            self.where[pk] = number

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

    def remove(self, pk: int) -> None:
        number = self.where.pop(pk, None)
        if number is not None:
            self.chunks[number].remove(pk)
            self.bitmaps[number].discard(pk)

    def insert(self, pk: int, key: tuple[str, int], keys_of: dict[int, tuple[str, int]]) -> None:
        """Put `pk` (sort key `key`) in its place; `keys_of` gives the sort keys of the ids
        of the chunk it falls in (the caller reads their names)."""
        if not self.chunks:
            self._append([pk], key)
            return
        number = max(bisect.bisect_right(self.keys, key) - 1, 0)
        ids = self.chunks[number]
        position = bisect.bisect_right([keys_of[other] for other in ids], key)
        ids.insert(position, pk)
        self.bitmaps[number].add(pk)
        self.where[pk] = number
        if position == 0:
            self.keys[number] = key

    def chunk_of(self, key: tuple[str, int]) -> list[int]:
        """The ids of the chunk a record with sort key `key` falls in."""
        if not self.chunks:
            return []
        return self.chunks[max(bisect.bisect_right(self.keys, key) - 1, 0)]
