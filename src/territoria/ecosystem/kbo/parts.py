"""One file's rows checked, and a big file's second half checked by another process.

Reading and checking the extract's 45 million rows is Python's work, one core's: the
files whose rows name an entity (denomination, address, contact, activity: four fifths of
the rows) are cut in two where a row starts (`reader.halves`), and a helper process checks
the second half while this one checks the first. The helper writes its kept rows to a file
of the staging folder and hands back its count and its refused rows; the register it
checks against (the enterprises and units) is complete by then, and it changes nothing
in it. This module needs no Django: the helper process imports it alone.
"""

import multiprocessing
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import cast

from territoria.ecosystem.kbo.checks import Checker, Refused, Register
from territoria.ecosystem.kbo.layout import DATA_FILES, FileSpec
from territoria.ecosystem.kbo.reader import (
    BadRow,
    Codes,
    Extract,
    ExtractError,
    Part,
    halves,
    rows,
)
from territoria.ecosystem.kbo.staging import staged_writer

# The files a helper may check half of: their rows add nothing to the register.
SPLIT_FILES = frozenset({"denomination", "address", "contact", "activity"})
# Smaller files are not worth a second process.
SPLIT_AT = 64 * 1024 * 1024


@dataclass
class Checked:
    """What checking a file (or part of one) found besides its kept rows."""

    count: int = 0
    bad: list[BadRow] = field(default_factory=list)
    held: set[str] = field(default_factory=set)  # enterprises with a refused row


def owner(spec: FileSpec, row: list[str], register: Register) -> str:
    """The enterprise a refused row belongs to, as far as it tells (its own number else)."""
    if not row:
        return ""
    if spec.name in ("establishment", "branch") and len(row) == len(spec.columns):
        return row[2]
    return register.enterprise_of(row[0]) or row[0] if row[0] else ""


def check_rows(
    found: Iterable[tuple[int, list[str]]],
    name: str,
    checker: Checker,
    keep: Callable[[int, list[str]], None],
    refuse: Callable[[BadRow, str], None],
    tick: Callable[[int], None] | None = None,
) -> int:
    """Check each (line, row) of file `name`: `keep(line, kept)` or `refuse(bad row, its
    enterprise)`; `tick(rows so far)` every 50,000 rows. Gives the number of rows."""
    count = 0
    for line, row in found:
        count += 1
        try:
            kept = checker(row)
        except Refused as refused:
            bad = BadRow(name, line, refused.field, refused.reason, ",".join(row)[:300])
            refuse(bad, owner(checker.spec, row, checker.register))
        else:
            keep(line, kept)
        if tick is not None and count % 50_000 == 0:
            tick(count)
    return count


def check_part(
    path: str, name: str, spec_name: str, part: Part, out: str, codes: Codes, register: Register
) -> Checked:
    """In the helper process: check `part` of file `name` of the extract at `path`, its
    kept rows written to `out` as the staging writes them (nothing if none is kept)."""
    spec = next(spec for spec in DATA_FILES if spec.name == spec_name)
    extract = Extract(path)
    checked = Checked()

    def refuse(bad: BadRow, enterprise: str) -> None:
        checked.bad.append(bad)
        checked.held.add(enterprise)

    try:
        with Path(out).open("w", encoding="utf-8", newline="") as stream:
            writer = staged_writer(stream)
            checked.count = check_rows(
                rows(extract, name, spec.columns, part=part),
                name,
                Checker(spec, codes, register),
                lambda line, kept: writer.writerow((line, *kept)),
                refuse,
            )
    finally:
        extract.close()
    return checked


def _serve(connection: Connection, codes: Codes, register: Register) -> None:
    """The helper process: parts to check, one at a time, until told to stop (None). The
    codes and the register come once, when it starts."""
    while (task := _next(connection)) is not None:
        try:
            result: Checked | Exception = check_part(*task, codes, register)
        except ExtractError as error:
            result = error
        except Exception as error:  # noqa: BLE001 (sent to the import, which raises it)
            result = RuntimeError(f"{type(error).__name__}: {error}")
        connection.send(result)


def _next(connection: Connection) -> tuple[str, str, str, Part, str] | None:
    try:
        return cast(tuple[str, str, str, Part, str] | None, connection.recv())
    except EOFError:  # the import is gone
        return None


class Helper:
    """The helper process, started at the first big file and stopped with the reading. One
    part at a time: the import waits for it at the end of each file."""

    def __init__(self) -> None:
        self.process: BaseProcess | None = None
        self.connection: Connection | None = None
        self.name = ""

    @staticmethod
    def available() -> bool:
        return len(os.sched_getaffinity(0)) > 1

    def split(self, extract: Extract, spec: FileSpec, name: str) -> tuple[Part, Part] | None:
        """The two parts of file `name` if it is worth checking side by side."""
        if spec.name not in SPLIT_FILES or extract.size(name) < SPLIT_AT or not self.available():
            return None
        return halves(extract, name)

    def check(
        self,
        extract: Extract,
        name: str,
        spec: FileSpec,
        codes: Codes,
        register: Register,
        part: Part,
        out: Path,
    ) -> None:
        """Start checking `part` in the helper, against `codes` and `register` as they are
        at the first call (the register is complete once the enterprises and units are
        read); `result()` gives what it found."""
        if self.process is None:
            # A fresh interpreter rather than a fork: this process holds database
            # connections and DuckDB's threads, which a fork would copy half-alive.
            context = multiprocessing.get_context("spawn")
            self.connection, theirs = context.Pipe()
            self.process = context.Process(
                target=_serve, args=(theirs, codes, register), name="kbo-check", daemon=True
            )
            self.process.start()
            theirs.close()
        assert self.connection is not None
        self.name = name
        self.connection.send((str(extract.path), name, spec.name, part, str(out)))

    def result(self) -> Checked:
        """What the helper found in its part; its error raised here. A helper that stopped
        (killed, out of memory) stops the import rather than leaving it waiting."""
        assert self.process is not None and self.connection is not None
        try:
            while not self.connection.poll(1.0):
                if not self.process.is_alive():
                    break
            found = self.connection.recv()
        except (EOFError, OSError):
            self.process.join(5)
            code = self.process.exitcode
            self.stop()
            raise ExtractError(
                f"the process checking the second half of {self.name} stopped (exit code "
                f"{code}); nothing was imported"
            ) from None
        if isinstance(found, Exception):
            raise found
        return cast(Checked, found)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.join()
        if self.connection is not None:
            self.connection.close()
        self.process = self.connection = None
