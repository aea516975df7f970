"""`territoria import kbo DIR|ZIP`: a full or update extract into the organisations.

Reading and checking come first and write nothing: every refused row goes to the report
file (file, line, field, reason), and the import stops there when refused rows pass the
allowed share. Then one transaction writes everything: a crash or a kill at any point
leaves the previous import whole, and running the command again is safe. An enterprise
whose register rows did not change is not written at all, so the same extract twice
changes nothing.
"""

import csv
import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TextIO

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from territoria.core import territory
from territoria.core.http import spreadsheet_text
from territoria.core.progress import ProgressBar
from territoria.ecosystem.kbo import nace, parts, search_index
from territoria.ecosystem.kbo import state as states
from territoria.ecosystem.kbo.checks import Checker, Refused, Register, check_key
from territoria.ecosystem.kbo.derive import Context, derive
from territoria.ecosystem.kbo.layout import DATA_FILES, FileSpec
from territoria.ecosystem.kbo.reader import (
    BadRow,
    CutInValue,
    Extract,
    ExtractError,
    LineCounter,
    read_codes,
    rows,
)
from territoria.ecosystem.kbo.staging import Staging
from territoria.ecosystem.kbo.writer import Pending, Writer
from territoria.ecosystem.models import (
    KboCode,
    KboEnterprise,
    KboEstablishment,
    KboImport,
    Organisation,
)
from territoria.taxonomy import index
from territoria.taxonomy.models import Concept

DEFAULT_MAX_BAD_SHARE = 0.01
DEFAULT_MAX_STRUCK_OFF_SHARE = 0.1
LOCK_KEY = 0x4B424F  # "KBO": the advisory lock that keeps imports one at a time
IMPORTED_SCHEMES = ["nace", "org-type"]


class ImportRefused(Exception):
    """Too many bad rows: nothing was written; the report file lists them."""


@dataclass
class Outcome:
    run: KboImport
    read: dict[str, int] = field(default_factory=dict)
    bad: dict[str, int] = field(default_factory=dict)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    struck_off: int = 0
    # Enterprises with a refused row (or a number another organisation holds): left as
    # the last import left them, neither changed nor struck off.
    held: set[str] = field(default_factory=set)
    report: Path | None = None


class Report:
    """The report file: one line per refused row."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.stream: IO[str] = path.open("w", encoding="utf-8", newline="")
        self.writer = csv.writer(self.stream)
        self.writer.writerow(["file", "line", "field", "reason", "row"])
        self.counts: dict[str, int] = {}

    def add(self, bad: BadRow) -> None:
        # Read in a spreadsheet as often as not: no cell may start a formula.
        self.writer.writerow(
            [bad.file, bad.line, bad.field, spreadsheet_text(bad.reason), spreadsheet_text(bad.row)]
        )
        self.counts[bad.file] = self.counts.get(bad.file, 0) + 1

    def mark(self) -> tuple[int, dict[str, int]]:
        return self.stream.tell(), dict(self.counts)

    def rewind(self, mark: tuple[int, dict[str, int]]) -> None:
        """Back to `mark`: the lines written since are gone."""
        self.stream.seek(mark[0])
        self.stream.truncate()
        self.counts = dict(mark[1])

    def close(self) -> None:
        self.stream.close()


def default_report_path(extract: Extract) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return (
        Path(settings.DATA_DIR) / "kbo-reports" / f"kbo-{extract.kind}-{extract.number}-{stamp}.csv"
    )


def import_extract(
    path: Path | str,
    *,
    max_bad_share: float = DEFAULT_MAX_BAD_SHARE,
    max_struck_off_share: float = DEFAULT_MAX_STRUCK_OFF_SHARE,
    report_path: Path | None = None,
    progress: TextIO | None = None,
) -> Outcome:
    """Import the extract at `path`; ExtractError or ImportRefused when it cannot be.

    `max_bad_share`: the share of refused rows above which nothing is imported.
    `max_struck_off_share`: the share of the register a full extract may strike off (a
    truncated extract would strike off everything it lacks).
    """
    for name, share in (
        ("max_bad_share", max_bad_share),
        ("max_struck_off_share", max_struck_off_share),
    ):
        if not 0 <= share <= 1:  # NaN too
            raise ValueError(f"{name} is a share between 0 and 1, not {share}")
    extract = Extract(path)  # a missing file or a wrong meta.csv stops here
    with _exclusive():
        try:
            _check_sequence(extract)
            search_index.ensure()  # an import killed before it was built again
        except ExtractError:
            extract.close()
            raise
        return _import(extract, path, max_bad_share, max_struck_off_share, report_path, progress)


def _check_sequence(extract: Extract) -> None:
    """Extracts apply in their order: update N edits the register as extract N − 1 left it
    (the FOD numbers each month's full and update extract alike). An older extract would
    bring back what a newer one changed, and a gap would lose what the missing updates
    changed; the same extract again is allowed (it changes nothing). An empty register
    takes any full extract; an extract numbered 0 (none in meta.csv) is not checked."""
    number = extract.number
    if not KboEnterprise.objects.exists():
        if extract.kind == "update":
            full = f"the full extract {number - 1}" if number > 1 else "a full extract"
            raise ExtractError(
                f"{extract.path}: an update extract edits the register a full extract "
                f"imported, and none was imported yet; import {full} first"
            )
        return
    last = (
        KboImport.objects.filter(status=KboImport.Status.DONE, extract_number__gt=0)
        .order_by("-finished_at", "-pk")
        .values_list("extract_number", flat=True)
        .first()
    )
    if not number or not last:
        return
    if number < last:
        raise ExtractError(
            f"{extract.path}: extract {number} is older than the register, which extract "
            f"{last} left; importing it would undo what the newer extracts changed"
        )
    if extract.kind == "update" and number > last + 1:
        missing = (
            f"update extract {last + 1} first"
            if number == last + 2
            else f"update extracts {last + 1} to {number - 1} first, in order,"
        )
        raise ExtractError(
            f"{extract.path}: update {number} follows extract {number - 1}, but the register "
            f"is at extract {last}: import the {missing} or the full extract {number}"
        )


def _import(
    extract: Extract,
    path: Path | str,
    max_bad_share: float,
    max_struck_off_share: float,
    report_path: Path | None,
    progress: TextIO | None,
) -> Outcome:
    try:
        report = Report(report_path or default_report_path(extract))
    except OSError as error:
        extract.close()
        raise ExtractError(f"the report file cannot be written: {error}") from None
    # A run still marked running was killed or crashed (this one holds the only lock): its
    # transaction was rolled back, which its record now says.
    KboImport.objects.filter(status=KboImport.Status.RUNNING).update(
        status=KboImport.Status.FAILED,
        finished_at=timezone.now(),
        message="stopped before finishing (killed or crashed); nothing it read was written",
    )
    run = KboImport.objects.create(
        source=str(path)[:255],
        extract_type=extract.kind,
        extract_number=extract.number,
        snapshot_date=extract.snapshot_date,
        report=str(report.path)[:500],
    )
    outcome = Outcome(run=run, report=report.path)
    staging = Staging(Path(settings.DATA_DIR))
    try:
        codes, register, deletes = _read(extract, staging, report, outcome, progress)
        total_read = sum(outcome.read.values())
        outcome.bad = dict(report.counts)
        total_bad = sum(report.counts.values())
        report.close()
        if total_read and total_bad / total_read > max_bad_share:
            raise ImportRefused(
                f"{total_bad:,} of {total_read:,} rows are refused ({total_bad / total_read:.2%}, "
                f"more than the {max_bad_share:.2%} allowed); nothing was imported. "
                f"Each is listed in {report.path}."
            )
        if extract.kind == "full":
            _check_shrink(register, outcome, max_struck_off_share)
        _roomy_cache()
        first = extract.kind == "full" and not KboEnterprise.objects.exists()
        with search_index.deferred_around_transaction(first), transaction.atomic():
            _write(extract, codes, register, deletes, staging, outcome, progress)
            run.status, run.finished_at = KboImport.Status.DONE, timezone.now()
            run.counts = _counts(outcome)
            run.bad_rows = total_bad
            run.save()
    except BaseException as error:  # a refusal, a crash, an interrupt: the run says so
        KboImport.objects.filter(pk=run.pk).update(
            status=KboImport.Status.FAILED,
            finished_at=timezone.now(),
            message=str(error) or type(error).__name__,
            bad_rows=sum(report.counts.values()),
        )
        raise
    finally:
        report.close()
        staging.close()
        extract.close()
    return outcome


def _check_shrink(register: Register, outcome: Outcome, max_share: float) -> None:
    """A full extract holds every active enterprise: refuse one that holds none, or that
    would strike off more of the register than `max_share` (a truncated file would)."""
    if not register.enterprises:
        raise ImportRefused("the full extract holds no enterprise; nothing was imported")
    active = KboEnterprise.objects.filter(organisation__struck_off_on__isnull=True)
    gone = sum(
        1
        for number in active.values_list("number", flat=True).iterator(20000)
        if number not in register.enterprises and number not in outcome.held
    )
    total = active.count()
    if total and gone / total > max_share:
        raise ImportRefused(
            f"the full extract lacks {gone:,} of the {total:,} enterprises imported before "
            f"({gone / total:.1%}, more than the {max_share:.0%} allowed to leave the register "
            "at once); nothing was imported. If the register did shrink so, run again with a "
            "higher --max-struck-off-share."
        )


@contextmanager
def _exclusive() -> Iterator[None]:
    """One import at a time: a PostgreSQL advisory lock, or a lock file beside SQLite's."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
            row = cursor.fetchone()
        if not row or not row[0]:
            raise ExtractError("another KBO import is running; try again when it has finished")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
        return
    name = str(connection.settings_dict["NAME"])
    lock_path = (
        Path(name + ".kbo-import.lock")
        if "memory" not in name
        else Path(settings.DATA_DIR) / "kbo-import.lock"
    )
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ExtractError(
                "another KBO import is running; try again when it has finished"
            ) from None
        yield


def _roomy_cache() -> None:
    """SQLite's page cache is 2 MB by default: the indexes of millions of rows being written
    then go to disk and back at every insert. 512 MB for this connection's import."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -524288")


def _counts(outcome: Outcome) -> dict[str, Any]:
    return {
        "read": outcome.read,
        "bad": outcome.bad,
        "created": outcome.created,
        "updated": outcome.updated,
        "unchanged": outcome.unchanged,
        "struck_off": outcome.struck_off,
        "held_back": len(outcome.held),
    }


# --- reading and checking --------------------------------------------------------------


def _read(
    extract: Extract, staging: Staging, report: Report, outcome: Outcome, progress: TextIO | None
) -> tuple[Any, Register, dict[str, set[str]]]:
    bad: list[BadRow] = []
    codes = read_codes(extract, bad)
    for row in bad:
        report.add(row)
    register = Register()
    if extract.kind == "update":
        enterprises = set(KboEnterprise.objects.values_list("number", flat=True).iterator(20000))
        units = dict(
            KboEstablishment.objects.values_list("number", "enterprise_id").iterator(20000)
        )
        register.known_enterprise = enterprises.__contains__
        register.known_unit = units.get
    deletes: dict[str, set[str]] = {}
    helper = parts.Helper()
    try:
        for spec in DATA_FILES:
            names = extract.file_names(spec)
            if extract.kind == "update":
                delete_name, names = names[0], names[1:]
                deletes[spec.name] = _read_deletes(
                    extract, spec, delete_name, register, report, outcome
                )
            for name in names:
                if not extract.has(name):
                    continue  # an optional file (contact, branch) the extract lacks
                _read_file(
                    extract, spec, name, codes, register, staging, report, outcome, progress, helper
                )
            for line, first, key, enterprise in staging.duplicates(spec):
                report.add(
                    BadRow(
                        names[-1], line, spec.key, f"duplicate key {key}, already at line {first}"
                    )
                )
                outcome.held.add(enterprise)
    finally:
        helper.stop()
    return codes, register, deletes


def _read_deletes(
    extract: Extract,
    spec: FileSpec,
    name: str,
    register: Register,
    report: Report,
    outcome: Outcome,
) -> set[str]:
    keys: set[str] = set()
    if not extract.has(name):
        return keys
    count = 0
    for line, row in rows(extract, name, (spec.key,)):
        count += 1
        try:
            keys.add(check_key(spec, row))
        except Refused as refused:
            report.add(BadRow(name, line, refused.field, refused.reason, ",".join(row)[:300]))
            outcome.held.add(parts.owner(spec, row, register))
    outcome.read[name] = count
    return keys


def _read_file(
    extract: Extract,
    spec: FileSpec,
    name: str,
    codes: Any,
    register: Register,
    staging: Staging,
    report: Report,
    outcome: Outcome,
    progress: TextIO | None,
    helper: parts.Helper,
    split: bool = True,
) -> None:
    size = extract.size(name)
    bar = ProgressBar(name, size, stream=progress) if progress else None
    counter: list[LineCounter] = []
    started = time.monotonic()
    # A big file: the helper process checks its second half meanwhile (see `parts`).
    cut = helper.split(extract, spec, name) if split else None
    first, other = cut if cut else (None, None)
    if other is not None:
        helper.check(extract, name, spec, codes, register, other, staging.part_path(spec, 2))
    shown = (first.stop or size) if first else size  # the bar follows this process's part
    held: set[str] = set()
    mark = report.mark()

    def keep(line: int, kept: list[str]) -> None:
        if spec.name == "enterprise":
            register.enterprises.add(kept[0])
        elif spec.name == "establishment":
            register.units[kept[1]] = kept[0]
        staging.add(spec, line, kept)

    def refuse(bad: BadRow, enterprise: str) -> None:
        report.add(bad)
        held.add(enterprise)

    def tick(count: int) -> None:
        if bar is not None:
            rate = count / max(time.monotonic() - started, 1e-6) * (size / shown)
            bar.update(counter[0].count * size // shown, note=f"{rate:,.0f} rows/s")

    found = rows(extract, name, spec.columns, counter, part=first)
    checker = Checker(spec, codes, register)
    try:
        count = parts.check_rows(found, name, checker, keep, refuse, tick)
    except CutInValue:
        # The helper's part began inside a value: forget both parts, read the file alone.
        helper.stop()
        staging.discard(spec)
        report.rewind(mark)
        if bar is not None:
            bar.finish()
        _read_file(
            extract, spec, name, codes, register, staging, report, outcome, progress, helper, False
        )
        return
    if other is not None:
        checked = helper.result()  # its error, if it met one, is raised here
        count += checked.count
        for bad in checked.bad:
            report.add(bad)
        held |= checked.held
    outcome.held |= held
    staging.flush(spec)
    outcome.read[name] = count
    if bar is not None:
        rate = count / max(time.monotonic() - started, 1e-6)
        bar.update(size, note=f"{count:,} rows, {rate:,.0f} rows/s")
        bar.finish()


# --- writing ---------------------------------------------------------------------------


# Enterprises per batch: read together, prepared together, written together.
CHUNK = 2000


def _write(
    extract: Extract,
    codes: Any,
    register: Register,
    deletes: dict[str, set[str]],
    staging: Staging,
    outcome: Outcome,
    progress: TextIO | None,
) -> None:
    if connection.vendor == "postgresql":
        # Foreign keys checked as each batch is written (in the background) rather than
        # all at the commit, while nothing else runs.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    _write_codes(codes)
    context = Context(
        codes=codes,
        nace_ids=nace.ensure_concepts(codes),
        place_ids=_place_ids(),
        org_type_ids=dict(
            Concept.objects.filter(scheme__code="org-type").values_list("notation", "pk")
        ),
        languages=_languages(),
    )
    writer = Writer(extract.number, IMPORTED_SCHEMES)
    # A first import finds nothing stored: it does not look, chunk after chunk; and the
    # agency's own records are all the organisations with a number, read once.
    first = extract.kind == "full" and not KboEnterprise.objects.exists()
    agency = _agency_records() if first else None
    touched = _touched_by_deletes(deletes)
    streams = {spec.name: _Cursor(staging.sorted_rows(spec)) for spec in DATA_FILES}
    numbers = _merged(staging.enterprises(), touched)
    total = (
        len(register.enterprises | touched)
        if extract.kind == "update"
        else len(register.enterprises)
    )
    bar = ProgressBar("organisations", total, stream=progress) if progress else None
    seen: set[str] = set()
    chunks = _chunks(numbers, CHUNK)
    chunk = next(chunks, None)
    known = _known(chunk, first, agency, outcome)
    with search_index.deferred_in_transaction(first):
        try:
            while chunk is not None:
                stored, linked = known
                for number in chunk:
                    seen.add(number)
                    _one(
                        number, extract, deletes, streams, stored, linked, context, writer, outcome
                    )
                following = next(chunks, None)
                # The batch before is written (in the background, while this chunk was
                # prepared): the connection is free to read what the next chunk needs,
                # before this chunk's batch starts writing.
                writer.wait()
                known = _known(following, first, agency, outcome)
                writer.flush()
                chunk = following
                if bar is not None:
                    bar.update(len(seen))
            writer.finish()
        except BaseException as error:
            failed = writer.stop()  # before the rollback
            if failed is not None and failed is not error:
                raise failed from error  # the cause, not what the aborted transaction gave
            raise
        if bar is not None:
            bar.finish()
        if extract.kind == "full":
            outcome.struck_off += _strike_off_missing(seen | outcome.held, extract)
    index.bump()


def _one(
    number: str,
    extract: Extract,
    deletes: dict[str, set[str]],
    streams: dict[str, "_Cursor"],
    stored: dict[str, tuple[Any, ...]],
    linked: dict[str, int],
    context: Context,
    writer: Writer,
    outcome: Outcome,
) -> None:
    if number in outcome.held:
        return  # a refused row: the enterprise stays as the last import left it
    previous = stored.get(number)
    if extract.kind == "update" and previous is not None:
        state = states.decode(previous[2])
        # The entities as they stood before the update: deleting a unit must not hide its
        # rows from the other files' deletes.
        entities = states.entities(state, number)
        for file, keys in deletes.items():
            for key in _keys_of(file, number, state, entities, keys):
                states.delete(state, file, key, number)
    else:
        state = states.empty()
    for spec in DATA_FILES:
        for row in streams[spec.name].take(number):
            states.insert(state, spec.name, row[1], list(row[2:]))
    states.settle(state)
    data, digest = states.encode(state)
    if previous is not None and previous[1] == digest:
        outcome.unchanged += 1
        return
    organisation_id = previous[0] if previous is not None else linked.get(number)
    if state["e"] is None:
        if previous is None:
            return  # rows of an enterprise neither the extract nor the database holds
        # Written here, on the connection the background batch uses: after it (and its
        # error, if it had one, rather than the one an aborted transaction gives next).
        writer.wait()
        outcome.struck_off += _strike_off([previous[0]], extract)
        KboEnterprise.objects.filter(number=number).update(state=data, digest=digest)
        return
    derived = derive(number, state, context)
    writer.add(
        Pending(
            number,
            organisation_id,
            derived,
            data,
            digest,
            [*state["est"], *state["br"]],
            previous is not None,
        )
    )
    if organisation_id is None:
        outcome.created += 1
    else:
        outcome.updated += 1


def _known(
    chunk: list[str] | None,
    first: bool,
    agency: dict[str, tuple[int, str | None]] | None,
    outcome: Outcome,
) -> tuple[dict[str, tuple[Any, ...]], dict[str, int]]:
    """For a chunk of enterprises: the register state of those imported before (organisation
    id, digest, state), and the organisations the agency recorded for the others (see
    `_agency_records`; a number held by an organisation of another enterprise is held back:
    the import cannot tell which is right)."""
    if not chunk:
        return {}, {}
    stored = (
        {}
        if first
        else {
            row[0]: row[1:]
            for row in KboEnterprise.objects.filter(number__in=chunk).values_list(
                "number", "organisation_id", "digest", "state"
            )
        }
    )
    if agency is None:
        agency = _agency_records([number for number in chunk if number not in stored])
    linked: dict[str, int] = {}
    for number in chunk:
        if number in stored or number not in agency:
            continue
        organisation_id, other = agency[number]
        if other is None:
            linked[number] = organisation_id
        else:
            outcome.held.add(number)
    return stored, linked


def _keys_of(
    file: str, number: str, state: states.State, entities: list[str], keys: set[str]
) -> list[str]:
    """The keys of this enterprise's rows that `file`'s delete file names."""
    if not keys:
        return []
    if file == "enterprise":
        return [number] if number in keys else []
    if file == "establishment":
        return [unit for unit in state["est"] if unit in keys]
    if file == "branch":
        return [branch for branch in state["br"] if branch in keys]
    return [entity for entity in entities if entity in keys]


def _touched_by_deletes(deletes: dict[str, set[str]]) -> set[str]:
    """The enterprises an update's delete files reach (through their units too)."""
    keys = set().union(*deletes.values()) if deletes else set()
    if not keys:
        return set()
    touched = {key for key in keys if key[:1] in ("0", "1")}
    # Units and branches: the table of what belongs to which enterprise holds both.
    units = [key for key in keys if key[:1] not in ("0", "1")]
    for start in range(0, len(units), 2000):
        touched.update(
            KboEstablishment.objects.filter(number__in=units[start : start + 2000]).values_list(
                "enterprise_id", flat=True
            )
        )
    return touched


class _Cursor:
    """One file's rows, sorted by enterprise, handed out enterprise by enterprise."""

    def __init__(self, source: Iterator[tuple[Any, ...]]) -> None:
        self.source = source
        self.head: tuple[Any, ...] | None = next(source, None)

    def take(self, enterprise: str) -> list[tuple[Any, ...]]:
        found = []
        while self.head is not None and self.head[0] <= enterprise:
            if self.head[0] == enterprise:
                found.append(self.head)
            self.head = next(self.source, None)
        return found


def _merged(first: Iterator[str], extra: set[str]) -> Iterator[str]:
    """The enterprises of the extract and those only its deletes reach, in order."""
    pending = sorted(extra)
    i = 0
    for number in first:
        while i < len(pending) and pending[i] < number:
            yield pending[i]
            i += 1
        if i < len(pending) and pending[i] == number:
            i += 1
        yield number
    yield from pending[i:]


def _chunks(items: Iterator[str], size: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _agency_records(numbers: list[str] | None = None) -> dict[str, tuple[int, str | None]]:
    """Enterprise number → (organisation, the enterprise an import wrote it as, or None)
    for the organisations holding these numbers; all of them when `numbers` is None (on a
    first import, the agency's own records are the only ones with a number)."""
    found = Organisation.objects.exclude(enterprise_number__isnull=True).exclude(
        enterprise_number=""
    )
    if numbers is not None:
        if not numbers:
            return {}
        found = found.filter(enterprise_number__in=numbers)
    return {
        number: (pk, other)
        for number, pk, other in found.order_by().values_list(
            "enterprise_number", "pk", "kbo__number"
        )
        if number
    }


def _strike_off(ids: list[int], extract: Extract) -> int:
    """Strike these organisations off (those not struck off yet); how many were."""
    day = extract.snapshot_date or timezone.localdate()
    return Organisation.objects.filter(pk__in=ids, struck_off_on__isnull=True).update(
        struck_off_on=day, is_active=False, updated_at=timezone.now()
    )


def _strike_off_missing(seen: set[str], extract: Extract) -> int:
    """A full extract holds every active enterprise: those it lacks left the register."""
    active = KboEnterprise.objects.filter(organisation__struck_off_on__isnull=True)
    gone = [
        (number, organisation_id)
        for number, organisation_id in active.values_list("number", "organisation_id").iterator(
            20000
        )
        if number not in seen
    ]
    struck = 0
    for start in range(0, len(gone), 2000):
        chunk = gone[start : start + 2000]
        struck += _strike_off([organisation_id for _number, organisation_id in chunk], extract)
        # Its stored rows no longer describe an active enterprise: if it comes back, the
        # extract that brings it must write it again.
        KboEnterprise.objects.filter(number__in=[number for number, _id in chunk]).update(digest="")
    return struck


def _write_codes(codes: Any) -> None:
    wanted = {
        (category, code): [labels.get(lang, "") for lang in ("fr", "nl", "de", "en")]
        for category, found in codes.items()
        for code, labels in found.items()
    }
    existing = {
        (row[0], row[1]): list(row[2:])
        for row in KboCode.objects.values_list(
            "category", "code", "label_fr", "label_nl", "label_de", "label_en"
        )
    }
    if wanted == existing:
        return
    KboCode.objects.all().delete()
    KboCode.objects.bulk_create(
        [
            KboCode(category=c, code=k, label_fr=fr, label_nl=nl, label_de=de, label_en=en)
            for (c, k), (fr, nl, de, en) in wanted.items()
        ],
        batch_size=2000,
    )


def _place_ids() -> dict[str, int]:
    """Postcode → the territory profile's municipality concept."""
    ids = dict(Concept.objects.filter(scheme__code="territory").values_list("notation", "pk"))
    found: dict[str, int] = {}
    for notation, place in territory.current().places().items():
        if notation in ids:
            for postcode in place.postcodes:
                found.setdefault(postcode, ids[notation])
    return found


def _languages() -> tuple[str, ...]:
    first = territory.current().default_language
    return (first, *(lang for lang in ("fr", "nl", "de", "en") if lang != first))
