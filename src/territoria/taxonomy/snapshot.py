"""The bitmap index of a container on disk, so that a process starts in seconds.

Written after every full build, for the index token it was built for; a process whose
token matches loads it, then applies the change log written since. Layout: an 8-byte
length, a JSON header (token, what it read of the change log, concept ids, chunk keys),
then length-prefixed blobs: the universe, each concept's bitmap, each chunk of the order
(its ids as 8-byte integers), then the records' rows of concepts (`members.py`) as raw
arrays. Written beside its final name and renamed, so a reader never meets half a file.
"""

from __future__ import annotations

import json
import os
import struct
import tempfile
from array import array
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np
from django.conf import settings
from django.utils import timezone
from pyroaring import BitMap

from territoria.taxonomy import index
from territoria.taxonomy.changes import KEEP_CHANGES
from territoria.taxonomy.members import Layout, Members, Rows
from territoria.taxonomy.models import IndexChange
from territoria.taxonomy.ordering import Ordering

if TYPE_CHECKING:
    from territoria.taxonomy.containers import Container

VERSION = 2
LENGTH = struct.Struct("<Q")


def path_of(container: Container) -> Path:
    return Path(settings.DATA_DIR) / "index" / f"{container.code}.snapshot"


def build_and_save(container: Container, state: index.State) -> index.ContainerIndex:
    built = index.build(container, state)
    IndexChange.objects.filter(at__lt=timezone.now() - KEEP_CHANGES).delete()
    try:
        save(container, built)
    except OSError:
        pass  # a read-only data folder: the next process builds again, nothing is wrong
    return built


def save(container: Container, built: index.ContainerIndex) -> Path:
    target = path_of(container)
    target.parent.mkdir(parents=True, exist_ok=True)
    concepts = sorted(built.by_concept)
    ordering = built.ordering
    header = {
        "version": VERSION,
        "token": built.token,
        "seen": list(built.seen),
        "read_at": built.read_at,
        "applied": sorted(built.applied),
        "concepts": concepts,
        "scheme_concepts": built.scheme_concepts,
        "keys": [list(key) for key in ordering.keys] if ordering is not None else None,
    }
    # Rows with changes of their own are built again on loading rather than written.
    members = built.members if built.members is not None and not built.members.changes else None
    if members is not None:
        header["members"] = {
            "scheme_codes": list(members.layout.scheme_codes),
            "dtype": np.dtype(members.layout.dtype).name,
            "shape": list(members.base.table.shape),
            "keyed": members.base.keys is not None,  # then the records' ids come last
        }
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=target.name)
    with os.fdopen(descriptor, "wb") as stream:
        _blob(stream, json.dumps(header).encode())
        _blob(stream, built.universe.serialize())
        for concept_id in concepts:
            _blob(stream, built.by_concept[concept_id].serialize())
        if ordering is not None:
            for ids in ordering.chunks:
                _blob(stream, array("q", ids).tobytes())
        if members is not None:
            for part in _member_arrays(members):
                _blob(stream, part.tobytes())
    os.replace(temporary, target)
    return target


def load(container: Container, state: index.State) -> index.ContainerIndex | None:
    """The snapshot written for `state`'s token, or None (none, another token, damaged)."""
    target = path_of(container)
    try:
        with target.open("rb") as stream:
            header = json.loads(_read(stream))
            if header.get("version") != VERSION or header.get("token") != state.token:
                return None
            universe = BitMap.deserialize(_read(stream))
            by_concept = {c: BitMap.deserialize(_read(stream)) for c in header["concepts"]}
            ordering = None
            if header["keys"] is not None:
                ordering = Ordering()
                for key in header["keys"]:
                    ids = array("q")
                    ids.frombytes(_read(stream))
                    ordering.chunks.append(ids.tolist())
                    ordering.bitmaps.append(BitMap(ordering.chunks[-1]))
                    ordering.keys.append((key[0], key[1]))
            members = _read_members(stream, header.get("members"))
    except (OSError, ValueError, KeyError, TypeError, struct.error):
        return None
    if members is None:  # written with changes applied: the rows from the bitmaps
        members = Members.of_bitmaps(by_concept, index.catalog().hierarchy())
    return index.ContainerIndex(
        token=header["token"],
        universe=universe,
        by_concept=by_concept,
        scheme_concepts=header["scheme_concepts"],
        ordering=ordering,
        seen=(header["seen"][0], header["seen"][1]),
        read_at=header["read_at"],
        applied={(pk, at) for pk, at in header["applied"]},
        members=members,
    )


def _member_arrays(members: Members) -> list[np.ndarray]:
    layout, base = members.layout, members.base
    return [
        layout.concepts,
        layout.parents,
        layout.schemes.astype(np.int64),
        base.table,
        base.long_keys.astype(np.int64),
        base.long_offsets,
        base.long_entries,
        *([base.keys] if base.keys is not None else []),
    ]


def _read_members(stream: IO[bytes], described: dict[str, Any] | None) -> Members | None:
    if described is None:
        return None
    concepts, parents, schemes = (np.frombuffer(_read(stream), dtype=np.int64) for _ in range(3))
    scheme_codes = tuple(described["scheme_codes"])
    # Arrays that do not fit together are a damaged file: counted from, they would give
    # wrong numbers or fail on every request until the token changes.
    size = len(concepts)
    if len(parents) != size or len(schemes) != size:
        raise ValueError("a damaged snapshot")
    if size and not (-1 <= parents.min() and parents.max() < size):
        raise ValueError("a damaged snapshot")
    if size and not (0 <= schemes.min() and schemes.max() < len(scheme_codes)):
        raise ValueError("a damaged snapshot")
    layout = Layout.from_arrays(concepts, parents, schemes, scheme_codes)
    dtype = np.dtype(layout.dtype)  # the layout's, not the header's word for it
    if described["dtype"] != dtype.name:
        raise ValueError("a damaged snapshot")
    table = np.frombuffer(_read(stream), dtype=dtype).reshape(described["shape"])
    long_keys, long_offsets = (np.frombuffer(_read(stream), dtype=np.int64) for _ in range(2))
    long_entries = np.frombuffer(_read(stream), dtype=dtype)
    keys = np.frombuffer(_read(stream), dtype=np.int64) if described.get("keyed") else None
    if (
        table.ndim != 2
        or (keys is not None and len(keys) != len(table))
        or len(long_offsets) != len(long_keys) + 1
        or long_offsets[0] != 0
        or long_offsets[-1] != len(long_entries)
        or (np.diff(long_offsets) < 0).any()
    ):
        raise ValueError("a damaged snapshot")
    base = Rows(table, keys, BitMap(long_keys.tolist()), long_keys, long_offsets, long_entries)
    return Members(layout, base)


def _blob(stream: IO[bytes], data: bytes) -> None:
    stream.write(LENGTH.pack(len(data)))
    stream.write(data)


def _read(stream: IO[bytes]) -> bytes:
    head = stream.read(LENGTH.size)
    (length,) = LENGTH.unpack(head)
    data = stream.read(length)
    if len(data) != length:
        raise ValueError("a truncated snapshot")
    return data
