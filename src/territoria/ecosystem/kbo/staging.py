"""The checked rows on disk, in DuckDB, until every file is read: then sorted by
enterprise, so that the import meets each enterprise's rows of every file together,
without holding the register in memory.
"""

import csv
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import duckdb

from territoria.ecosystem.kbo.layout import DATA_FILES, FileSpec


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


def staged_writer(stream: IO[str]) -> Any:
    """How a kept row is written for DuckDB to read: (line, *kept), every value quoted."""
    return csv.writer(stream, quoting=csv.QUOTE_ALL)


class Staging:
    """The checked rows of each file go to a CSV file of their own as they pass (Python's
    csv writer is the cheapest way out of the interpreter), which DuckDB then reads whole."""

    def __init__(self, folder: Path | None = None, memory: str = "1GB") -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="kbo-staging-", dir=folder))
        self.db = duckdb.connect(str(self.folder / "staging.duckdb"))
        self.db.execute(f"SET memory_limit = '{memory}'")
        self.db.execute("SET threads = 2")
        self.db.execute("SET preserve_insertion_order = false")
        self.db.execute(f"SET temp_directory = '{self.folder / 'spill'}'")
        self.files: dict[str, IO[str]] = {}
        self.writers: dict[str, Any] = {}
        self.parts: dict[str, list[Path]] = {}
        for spec in DATA_FILES:
            columns = _columns(spec)
            types = ", ".join(f"{c} {'BIGINT' if c == 'line' else 'VARCHAR'}" for c in columns)
            self.db.execute(f"CREATE TABLE {spec.name} ({types})")

    def add(self, spec: FileSpec, line: int, kept: list[str]) -> None:
        writer = self.writers.get(spec.name)
        if writer is None:
            stream = (self.folder / f"{spec.name}.csv").open("w", encoding="utf-8", newline="")
            self.files[spec.name] = stream
            writer = self.writers[spec.name] = staged_writer(stream)
        writer.writerow((line, *kept))

    def part_path(self, spec: FileSpec, part: int) -> Path:
        """A file another process writes this file's kept rows of one part to, as `add`
        would (see `staged_writer`); `flush` loads it with the rest."""
        path = self.folder / f"{spec.name}.part{part}.csv"
        self.parts.setdefault(spec.name, []).append(path)
        return path

    def discard(self, spec: FileSpec) -> None:
        """Forget the rows of this file not loaded yet (those `add` and the parts wrote)."""
        stream = self.files.pop(spec.name, None)
        if stream is not None:
            stream.close()
            del self.writers[spec.name]
        for path in [self.folder / f"{spec.name}.csv", *self.parts.pop(spec.name, [])]:
            path.unlink(missing_ok=True)

    def flush(self, spec: FileSpec) -> None:
        """Load what `add` and other processes wrote of this file."""
        paths = self.parts.pop(spec.name, [])
        stream = self.files.pop(spec.name, None)
        if stream is not None:
            stream.close()
            del self.writers[spec.name]
            paths.insert(0, self.folder / f"{spec.name}.csv")
        # DuckDB cannot read an empty file: a part of which nothing was kept.
        paths = [path for path in paths if path.exists() and path.stat().st_size]
        if not paths:
            return
        columns = _columns(spec)
        types = ", ".join(f"'{c}': '{'BIGINT' if c == 'line' else 'VARCHAR'}'" for c in columns)
        # Quoted, so that an empty value stays an empty text, not a null.
        self.db.execute(
            f"""INSERT INTO {spec.name} SELECT * FROM read_csv(?, header = false,
                columns = {{{types}}}, quote = '"', escape = '"', delim = ',',
                allow_quoted_nulls = false, strict_mode = true)""",
            [[str(path) for path in paths]],
        )
        for path in paths:
            path.unlink()

    def duplicates(self, spec: FileSpec) -> list[tuple[int, int, str, str]]:
        """(line, first line, key, enterprise) of each row repeating an earlier row's key;
        the repeats are removed, the first row of each key stays."""
        if spec.name not in UNIQUE:
            return []
        self.flush(spec)
        key, condition = UNIQUE[spec.name]
        where = f"WHERE {condition}" if condition else ""
        found = self.db.execute(
            f"""SELECT line, first_value(line) OVER w, concat_ws(' ', {key}), enterprise
                FROM {spec.name} {where}
                WINDOW w AS (PARTITION BY {key} ORDER BY line)
                QUALIFY row_number() OVER w > 1 ORDER BY line"""
        ).fetchall()
        if found:
            self.db.execute(
                f"DELETE FROM {spec.name} WHERE line IN (SELECT unnest(?))",
                [[line for line, *_rest in found]],
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
        if spec.name == "activity":  # one row per activity, whatever its groups
            yield from self._stream(
                "SELECT DISTINCT enterprise, entity, naceversion, nacecode, classification "
                "FROM activity ORDER BY ALL"
            )
            return
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
