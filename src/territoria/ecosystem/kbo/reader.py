"""Reading an extract (a folder or its zip) and checking each row where it stands.

Every refused row becomes a `BadRow` naming the file, the line, the field and the reason;
the rows that pass come out as plain tuples. Nothing here touches the database.
"""

import csv
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO

from territoria.ecosystem.kbo.layout import ALL_FILES, CODE, CODE_LANGUAGES, META, FileSpec

# Matched whole (`fullmatch`): `$` would also let a final line break through.
ENTERPRISE_NUMBER = re.compile(r"[01][0-9]{3}\.[0-9]{3}\.[0-9]{3}")
ESTABLISHMENT_NUMBER = re.compile(r"[2-8]\.[0-9]{3}\.[0-9]{3}\.[0-9]{3}")
BRANCH_ID = re.compile(r"9\.[0-9]{3}\.[0-9]{3}\.[0-9]{3}")
DATE = re.compile(r"([0-9]{2})-([0-9]{2})-([0-9]{4})")
EXTRACT_NUMBER = re.compile(r"[0-9]{1,9}")
# The longest code each category may hold: the width of the column it is written to.
CODE_WIDTHS = {"JuridicalForm": 3, "JuridicalSituation": 3}
CODE_WIDTH, CATEGORY_WIDTH = 20, 40
# csv's own limit is 128 KiB per field; no KBO field comes near a thousand characters.
MAX_FIELD = 4000


class ExtractError(Exception):
    """The extract cannot be imported at all (a missing file, a wrong header): nothing was
    written. The message says which file and what to do."""


@dataclass(frozen=True)
class BadRow:
    file: str
    line: int
    field: str
    reason: str
    row: str = ""


def number_is_valid(number: str) -> bool:
    """The check of an enterprise or establishment number: the last two digits are
    97 − (the first eight mod 97). `number` is written with its dots."""
    digits = number.replace(".", "")
    return 97 - int(digits[:8]) % 97 == int(digits[8:])


def enterprise_number_problem(value: str) -> str:
    if not ENTERPRISE_NUMBER.fullmatch(value):
        return f"{value!r} is not an enterprise number written 0123.456.789"
    if not number_is_valid(value):
        return f"{value}: the check digits do not match"
    return ""


def entity_number_problem(value: str) -> str:
    """An enterprise's or an establishment unit's number (2.123.456.789)."""
    if ESTABLISHMENT_NUMBER.fullmatch(value):
        return "" if number_is_valid(value) else f"{value}: the check digits do not match"
    return enterprise_number_problem(value)


def branch_id_problem(value: str) -> str:
    """A branch's id, written as a unit's number beginning with 9 (9.123.456.789)."""
    if not BRANCH_ID.fullmatch(value):
        return f"{value!r} is not a branch id written 9.123.456.789"
    return ""


def parse_date(value: str) -> date:
    """`dd-mm-yyyy` → a date; ValueError with the reason otherwise."""
    match = DATE.fullmatch(value)
    if not match:
        raise ValueError(f"{value!r} is not a date written dd-mm-yyyy")
    day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"{value!r} is not a date of the calendar") from None


class Extract:
    """A KBO extract on disk: a folder of CSV files or the zip the FOD publishes."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise ExtractError(f"{self.path}: no such file or folder")
        self._zip: zipfile.ZipFile | None = None
        if self.path.is_dir():
            self.names = {p.name.lower(): p.name for p in self.path.iterdir() if p.is_file()}
        else:
            try:
                self._zip = zipfile.ZipFile(self.path)
            except (zipfile.BadZipFile, OSError) as error:
                raise ExtractError(f"{self.path}: not a folder nor a zip file ({error})") from None
            self.names = {
                Path(info.filename).name.lower(): info.filename
                for info in self._zip.infolist()
                if not info.is_dir()
            }
        self.meta = self._read_meta()
        self.kind = self.meta.get("ExtractType", "").strip().lower()
        if self.kind not in ("full", "update"):
            raise ExtractError(
                f"{self.path}: meta.csv says ExtractType {self.meta.get('ExtractType')!r}; "
                "expected full or update"
            )
        self._check_files()

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    @property
    def number(self) -> int:
        value = self.meta.get("ExtractNumber", "0").strip()
        return int(value) if EXTRACT_NUMBER.fullmatch(value) else 0

    @property
    def snapshot_date(self) -> date | None:
        try:
            return parse_date(self.meta.get("SnapshotDate", "").strip())
        except ValueError:
            return None

    def file_names(self, spec: FileSpec) -> list[str]:
        """The file names that hold `spec`'s rows: one in a full extract, the delete then the
        insert file in an update."""
        if spec in (META, CODE) or self.kind == "full":
            return [f"{spec.name}.csv"]
        return [f"{spec.name}_delete.csv", f"{spec.name}_insert.csv"]

    def has(self, name: str) -> bool:
        return name.lower() in self.names

    def size(self, name: str) -> int:
        stored = self.names[name.lower()]
        if self._zip is not None:
            return self._zip.getinfo(stored).file_size
        return (self.path / stored).stat().st_size

    def open_binary(self, name: str) -> IO[bytes]:
        stored = self.names[name.lower()]
        if self._zip is not None:
            return self._zip.open(stored)
        return (self.path / stored).open("rb")

    def _check_files(self) -> None:
        missing = [
            name
            for spec in ALL_FILES
            if spec.required
            for name in self.file_names(spec)
            if not self.has(name)
        ]
        if missing:
            raise ExtractError(
                f"{self.path}: this {self.kind} extract lacks {', '.join(missing)}; "
                "nothing was imported. Give the whole extract (the zip as published, or "
                "the folder it unpacks to)."
            )

    def _read_meta(self) -> dict[str, str]:
        if not self.has("meta.csv"):
            raise ExtractError(
                f"{self.path}: no meta.csv, so this is not a KBO open-data extract; "
                "nothing was imported"
            )
        values = {}
        for _line, row in rows(self, "meta.csv", META.columns):
            if len(row) == 2:
                values[row[0]] = row[1]
        return values


class LineCounter:
    """The lines of a binary stream decoded one by one, so that a byte that is not UTF-8
    is told at its own line; also counts the bytes read, for the progress bar. From a
    `Part`, it counts on from the part's first line and stops at the part's end."""

    def __init__(self, raw: IO[bytes], name: str, part: "Part | None" = None) -> None:
        self.raw, self.name = raw, name
        self.count = part.start if part else 0
        self.line = part.line if part else 0
        self.stop = part.stop if part else None
        self.ended = False  # every line was given

    def __iter__(self) -> Iterator[str]:
        yield from self._lines()
        self.ended = True

    def _lines(self) -> Iterator[str]:
        for data in self.raw:
            self.count += len(data)
            self.line += 1
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as error:
                raise ExtractError(
                    f"{self.name} line {self.line}: not UTF-8 text ({error.reason} at byte "
                    f"{error.start + 1}); nothing was imported"
                ) from None
            if self.line == 1 and text.startswith("\ufeff"):
                text = text[1:]
            yield text
            if self.stop is not None and self.count >= self.stop:
                return


class CutInValue(Exception):
    """A part of a file ends inside a quoted value: `halves` was misled by a quote inside
    an unquoted value. The file is to be read whole."""


@dataclass(frozen=True)
class Part:
    """A stretch of a file's bytes that starts at a row: `line` lines come before it."""

    start: int
    line: int
    stop: int | None  # None: to the end


def halves(extract: "Extract", name: str) -> tuple[Part, Part] | None:
    """File `name` cut in two at the first line end past its middle that no quoted value
    spans (an even count of quotes before it: the register doubles a quote inside a quoted
    value), so that two processes may read it side by side; None if there is none. A
    quote inside an unquoted value (the csv reader keeps it as is) misleads the count:
    reading the first part then raises CutInValue."""
    middle = extract.size(name) // 2
    offset = quotes = lines = 0
    with extract.open_binary(name) as raw:
        while offset < middle:
            block = raw.read(min(1 << 20, middle - offset))
            if not block:
                return None
            quotes += block.count(b'"')
            lines += block.count(b"\n")
            offset += len(block)
        while block := raw.read(1 << 16):
            start = 0
            while (end := block.find(b"\n", start)) >= 0:
                quotes += block.count(b'"', start, end)
                lines += 1
                if quotes % 2 == 0:
                    cut = offset + end + 1
                    return Part(0, 0, cut), Part(cut, lines, None)
                start = end + 1
            quotes += block.count(b'"', start)
            offset += len(block)
    return None


def rows(
    extract: Extract,
    name: str,
    columns: tuple[str, ...],
    counter: list[LineCounter] | None = None,
    part: Part | None = None,
) -> Iterator[tuple[int, list[str]]]:
    """(line, values) for each row of file `name` after its header, which must be `columns`
    (or of one `part` of it: the header is checked by the part that starts the file).

    The line is where the row ends, as a text editor numbers it (a quoted value may span
    lines). The file is UTF-8, with or without a byte-order mark.
    """
    first = part is None or part.start == 0
    before = 0 if part is None else part.line
    try:
        with extract.open_binary(name) as raw:
            if not first and part is not None:
                raw.seek(part.start)  # a zip member reads its way there
            lines = LineCounter(raw, name, part)
            if counter is not None:
                counter[:] = [lines]
            reader = csv.reader(lines)
            try:
                header = next(reader, None) if first else list(columns)
                if header is None or [h.strip() for h in header] != list(columns):
                    raise ExtractError(
                        f"{name} line 1: expected the columns {','.join(columns)}; found "
                        f"{','.join(header or []) or 'an empty file'}. Nothing was imported."
                    )
                for row in reader:
                    if lines.ended and part is not None and part.stop is not None:
                        # The row ended at the end of the part, not at a line end: the cut
                        # fell inside a quoted value.
                        raise CutInValue(name)
                    yield before + reader.line_num, row
            except csv.Error as error:
                raise ExtractError(
                    f"{name} line {before + reader.line_num}: {error}; nothing was imported"
                ) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
        raise ExtractError(
            f"{extract.path}: {name} cannot be read ({error}); nothing was imported"
        ) from None


Codes = dict[str, dict[str, dict[str, str]]]  # category → code → language → description


def read_codes(extract: Extract, bad: list[BadRow]) -> Codes:
    codes: Codes = {}
    for line, row in rows(extract, "code.csv", CODE.columns):
        if len(row) != len(CODE.columns):
            bad.append(BadRow("code.csv", line, "", _count_problem(len(row), 4), _shown(row)))
            continue
        category, code, language, description = row
        width = CODE_WIDTHS.get(category, CODE_WIDTH)
        if len(category) > CATEGORY_WIDTH or len(code) > width:
            field = "Category" if len(category) > CATEGORY_WIDTH else "Code"
            reason = f"longer than the {CATEGORY_WIDTH if field == 'Category' else width} characters a code holds"
            bad.append(BadRow("code.csv", line, field, reason, _shown(row)))
            continue
        lang = CODE_LANGUAGES.get(language.strip().upper())
        if lang is None:
            bad.append(
                BadRow("code.csv", line, "Language", f"unknown language {language!r}", _shown(row))
            )
            continue
        codes.setdefault(category, {}).setdefault(code, {})[lang] = description.strip()
    return codes


def _count_problem(found: int, expected: int) -> str:
    return f"{found} values where the file has {expected} columns"


def _shown(row: list[str]) -> str:
    """The row as the report shows it (cut, so that a runaway line does not fill the file)."""
    text = ",".join(row)
    return text if len(text) <= 300 else text[:300] + "…"
