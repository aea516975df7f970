"""The checked rows on disk, in DuckDB, until every file is read: then sorted by
enterprise, so that the import meets each enterprise's rows of every file together,
without holding the register in memory.
"""

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from territoria.ecosystem.kbo.layout import DATA_FILES, FileSpec

FLUSH = 100_000


def _columns(spec: FileSpec) -> list[str]:
    own = [c.lower() for c in spec.columns]
    if spec.name == "enterprise":
        own = own[1:]
    elif spec.name in ("establishment", "branch"):
        own = ["start"]
    else:
        own = own[1:]
    return ["line", "enterprise", "entity", *own]


# Duplicate keys: (file, the columns one row per key may have, a condition on the rows).
UNIQUE = {
    "enterprise": ("enterprise", ""),
    "establishment": ("entity", ""),
    "branch": ("entity", ""),
    "denomination": ("entity, language, typeofdenomination", "typeofdenomination = '001'"),
    "address": ("entity, typeofaddress", ""),
}


class Staging:
    def __init__(self, folder: Path | None = None, memory: str = "1GB") -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="kbo-staging-", dir=folder))
        self.db = duckdb.connect(str(self.folder / "staging.duckdb"))
        self.db.execute(f"SET memory_limit = '{memory}'")
        self.db.execute("SET threads = 2")
        self.db.execute("SET preserve_insertion_order = false")
        self.db.execute(f"SET temp_directory = '{self.folder / 'spill'}'")
        self.buffers: dict[str, list[list[Any]]] = {}
        for spec in DATA_FILES:
            columns = _columns(spec)
            types = ", ".join(f"{c} {'BIGINT' if c == 'line' else 'VARCHAR'}" for c in columns)
            self.db.execute(f"CREATE TABLE {spec.name} ({types})")
            self.buffers[spec.name] = [[] for _ in columns]

    def add(self, spec: FileSpec, line: int, kept: list[str]) -> None:
        buffer = self.buffers[spec.name]
        buffer[0].append(line)
        for column, value in zip(buffer[1:], kept, strict=True):
            column.append(value)
        if len(buffer[0]) >= FLUSH:
            self.flush(spec)

    def flush(self, spec: FileSpec) -> None:
        buffer = self.buffers[spec.name]
        if not buffer[0]:
            return
        names = _columns(spec)
        batch = pa.table(
            [pa.array(buffer[0], pa.int64())] + [pa.array(c, pa.string()) for c in buffer[1:]],
            names=names,
        )
        self.db.register("batch", batch)
        self.db.execute(f"INSERT INTO {spec.name} SELECT * FROM batch")
        self.db.unregister("batch")
        self.buffers[spec.name] = [[] for _ in names]

    def duplicates(self, spec: FileSpec) -> list[tuple[int, int, str]]:
        """(line, first line, key) of each row repeating an earlier row's key; the repeats
        are removed, the first row of each key stays."""
        if spec.name not in UNIQUE:
            return []
        self.flush(spec)
        key, condition = UNIQUE[spec.name]
        where = f"WHERE {condition}" if condition else ""
        found = self.db.execute(
            f"""SELECT line, first_value(line) OVER w, concat_ws(' ', {key})
                FROM {spec.name} {where}
                WINDOW w AS (PARTITION BY {key} ORDER BY line)
                QUALIFY row_number() OVER w > 1 ORDER BY line"""
        ).fetchall()
        if found:
            self.db.execute(
                f"DELETE FROM {spec.name} WHERE line IN (SELECT unnest(?))",
                [[line for line, _first, _key in found]],
            )
        return found

    def count(self, spec: FileSpec) -> int:
        self.flush(spec)
        result = self.db.execute(f"SELECT count(*) FROM {spec.name}").fetchone()
        return int(result[0]) if result else 0

    def enterprises(self) -> Iterator[str]:
        """Every enterprise some kept row belongs to, in order."""
        union = " UNION ".join(f"SELECT enterprise FROM {spec.name}" for spec in DATA_FILES)
        yield from (
            row[0] for row in self._stream(f"SELECT DISTINCT enterprise FROM ({union}) ORDER BY 1")
        )

    def sorted_rows(self, spec: FileSpec) -> Iterator[tuple[Any, ...]]:
        """(enterprise, entity, *values) of the file, by enterprise then line."""
        columns = ", ".join(_columns(spec)[1:])
        yield from self._stream(f"SELECT {columns} FROM {spec.name} ORDER BY enterprise, line")

    def _stream(self, query: str) -> Iterator[tuple[Any, ...]]:
        # Its own connection, and Arrow batches: DuckDB streams the result instead of
        # building it whole, so several files are read side by side in flat memory.
        cursor = self.db.cursor()
        try:
            for batch in cursor.sql(query).to_arrow_reader(20_000):
                yield from zip(*(column.to_pylist() for column in batch.columns), strict=True)
        finally:
            cursor.close()

    def close(self) -> None:
        self.db.close()
        shutil.rmtree(self.folder, ignore_errors=True)
