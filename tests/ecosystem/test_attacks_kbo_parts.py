"""Attacks on the KBO import's latest changes: a big file's second half checked by a helper
process (`kbo.parts`), extracts applied in their order, the agency's own records taken
over, the states' compression, the legal form labels and the tags' indexes."""

import csv
import hashlib
import json
import multiprocessing
import os
import signal
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from territoria.ecosystem.kbo import parts
from territoria.ecosystem.kbo import state as states
from territoria.ecosystem.kbo.generator import enterprise_number, generate
from territoria.ecosystem.kbo.importer import ImportRefused, import_extract
from territoria.ecosystem.kbo.layout import DENOMINATION
from territoria.ecosystem.kbo.reader import CutInValue, Extract, ExtractError, halves, rows
from territoria.ecosystem.kbo.staging import Staging
from territoria.ecosystem.models import KboCode, KboEnterprise, KboImport, Organisation
from territoria.taxonomy.models import Concept, Tag
from tests.factories import organisation

pytestmark = pytest.mark.django_db

SIZE = 80
SEED = 11
HUGE = 10**12


# --- helpers ------------------------------------------------------------------------------


def lines_of(path: Path) -> list[str]:
    return path.read_bytes().decode("utf-8", "surrogateescape").splitlines(keepends=True)


def write_lines(path: Path, lines: list[str]) -> None:
    path.write_bytes("".join(lines).encode("utf-8", "surrogateescape"))


def table_of(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.reader(stream))


def write_table(path: Path, table: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(table)


def second_half_row(path: Path, back: int = 2) -> int:
    """The index (in `lines_of`) of a row well inside the file's second half."""
    return len(lines_of(path)) - back


def register() -> dict[str, tuple]:
    return {
        number: rest
        for number, *rest in KboEnterprise.objects.values_list(
            "number",
            "organisation__name",
            "organisation__other_names",
            "organisation__street",
            "organisation__website",
            "organisation__main_activity__notation",
            "organisation__struck_off_on",
            "digest",
        )
    }


def children() -> set[str]:
    """This process's live child processes, as /proc tells them (zombies left out, and
    multiprocessing's resource tracker: one per process, started once and kept)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == os.getpid() and fields[0] != "Z":
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            if "resource_tracker" not in command:
                found.add(f"{entry.name}: {command}")
    return found


def assert_no_helper_left() -> None:
    assert multiprocessing.active_children() == []
    assert children() == set()


@contextmanager
def rolled_back() -> Iterator[None]:
    """What happens inside is undone (the import's own transaction is a savepoint in it)."""

    class Undo(Exception):
        pass

    try:
        with transaction.atomic():
            yield
            raise Undo
    except Undo:
        pass


class Run:
    """One import of an extract, split or not, and what it left: outcome, report, register."""

    def __init__(self, folder: Path, tmp_path: Path, split: bool, monkeypatch: Any, **options):
        monkeypatch.setattr(parts, "SPLIT_AT", 1 if split else HUGE)
        report = tmp_path / f"report-{split}-{len(list(tmp_path.iterdir()))}.csv"
        self.error = ""
        self.outcome: Any = None
        try:
            self.outcome = import_extract(folder, report_path=report, **options)
        except (ExtractError, ImportRefused) as error:
            self.error = f"{type(error).__name__}: {error}"
        self.report = table_of(report) if report.exists() else []
        self.register = register()

    def summary(self) -> tuple:
        counts = None
        if self.outcome is not None:
            o = self.outcome
            counts = (o.read, o.bad, o.created, o.updated, o.unchanged, o.struck_off, o.held)
        return self.error, counts, self.report, self.register


def compare_split(folder: Path, tmp_path: Path, monkeypatch: Any, **options) -> tuple:
    """The import of `folder` alone then with the helper, each from an empty register."""
    found = []
    for split in (False, True):
        with rolled_back():
            found.append(Run(folder, tmp_path, split, monkeypatch, **options).summary())
        assert_no_helper_left()
    return found[0], found[1]


@pytest.fixture
def full(tmp_path: Path) -> Path:
    return generate(tmp_path / "full", SIZE, seed=SEED)


# --- 1. the cut: rows read in two parts are the rows read whole ---------------------------


def both_ways(folder: Path, name: str = "denomination.csv") -> tuple[Any, Any]:
    columns = tuple(table_of(folder / name)[0]) if name != "denomination.csv" else None
    columns = columns or DENOMINATION.columns
    extract = Extract(folder)

    def read(part=None) -> Any:
        try:
            return list(rows(extract, name, columns, part=part))
        except ExtractError as error:
            return str(error)

    try:
        cut = halves(extract, name)
        assert cut is not None
        whole = read()
        first = read(cut[0])
        both = first if isinstance(first, str) else first + read(cut[1])
        second = read(cut[1])
        both = first if isinstance(first, str) else second if isinstance(second, str) else both
    finally:
        extract.close()
    return whole, both


def edit_middle(folder: Path, edit: Callable[[list[str], int], None]) -> None:
    path = folder / "denomination.csv"
    lines = lines_of(path)
    edit(lines, len(lines) // 2)
    write_lines(path, lines)


@pytest.mark.parametrize(
    "edit",
    [
        # CRLF line ends throughout, and a byte-order mark
        lambda lines, m: lines.__setitem__(slice(None), [x.replace("\n", "\r\n") for x in lines]),
        lambda lines, m: lines.__setitem__(0, "\ufeff" + lines[0]),
        # values spanning lines, with doubled quotes, on every line around the middle
        lambda lines, m: lines.__setitem__(
            slice(m - 3, m + 3),
            [x[:-2] + '\n""x"",\r\ny\n""' + '"\n' for x in lines[m - 3 : m + 3]],
        ),
        # a value that is only a doubled quote, and an empty quoted value, at the middle
        lambda lines, m: lines.__setitem__(
            slice(m - 2, m + 2),
            [
                x.rsplit(",", 1)[0] + (',""""\n', ',""\n')[i % 2]
                for i, x in enumerate(lines[m - 2 : m + 2])
            ],
        ),
        # the whole file one huge row (its cut falls at the file's end)
        lambda lines, m: lines.__setitem__(
            slice(1, None), ['"0200.000.043","2","001","' + "x" * 3000 + '"\n']
        ),
    ],
    ids=["crlf", "bom", "multiline-middle", "doubled-quotes-middle", "one-huge-row"],
)
def test_rows_read_in_two_parts_are_the_rows_read_whole(tmp_path, edit):
    folder = generate(tmp_path / "full", SIZE, seed=SEED)
    edit_middle(folder, edit)
    whole, both = both_ways(folder)
    assert both == whole


def stray_quote(lines: list[str], middle: int) -> None:
    """A quote inside an unquoted value early on, a value over two lines past the middle."""
    number = lines[5].split(",")[0]
    lines[5] = f'{number},"2","001",O"Brien\n'
    later = middle + middle // 2  # past the middle: the first line end there is the cut
    number = lines[later].split(",")[0]
    lines.insert(later, f'{number},"2","003","first line\nsecond line"\n')


def test_a_stray_quote_before_the_middle_does_not_cut_a_value_in_two(tmp_path):
    # finding 1: the cut counts quotes from the file's start, but a quote inside an unquoted
    # value (O"Brien) is a plain character to the csv reader. After one, the parity is
    # wrong: the cut falls on the line end inside the next quoted value that spans lines.
    # Read whole, both rows are fine; read in two parts, the value is cut in two rows.
    folder = generate(tmp_path / "full", SIZE, seed=SEED)

    edit_middle(folder, stray_quote)
    extract = Extract(folder)
    try:
        whole = list(rows(extract, "denomination.csv", DENOMINATION.columns))
        assert [row for _line, row in whole if "second line" in row[-1]]
        first, _second = halves(extract, "denomination.csv")
        # The first part tells that it ends inside a value (the import then reads the file
        # whole, see the next test) rather than giving a value cut in two.
        with pytest.raises(CutInValue):
            list(rows(extract, "denomination.csv", DENOMINATION.columns, part=first))
    finally:
        extract.close()


def test_a_stray_quote_gives_the_same_import_split_or_not(tmp_path, monkeypatch, helped):
    # finding 1, as the import shows it: split, a row is refused that alone is kept.
    folder = generate(tmp_path / "full", SIZE, seed=SEED)

    edit_middle(folder, stray_quote)
    alone, split = compare_split(folder, tmp_path, monkeypatch, max_bad_share=0.5)
    assert "denomination.csv" in helped
    assert split == alone


def test_a_file_in_a_zip_is_cut_and_read_the_same(tmp_path, monkeypatch, helped):
    archive = generate(tmp_path / "zip", SIZE, seed=SEED, as_zip=True)
    folder = generate(tmp_path / "folder", SIZE, seed=SEED)
    alone, split = compare_split(archive, tmp_path, monkeypatch)
    assert helped == ["denomination.csv", "address.csv", "contact.csv", "activity.csv"]
    assert split == alone and not alone[0]
    with rolled_back():
        assert Run(folder, tmp_path, False, monkeypatch).register == alone[3]


# --- 1. refused rows and errors in the second half: told as the import alone tells them ----


def fault_in_second_half(folder: Path, name: str, fault: Callable[[list[str]], list[str]]):
    path = folder / name
    table = table_of(path)
    for index in (len(table) - 2, len(table) - 1):
        table[index] = fault(table[index])
    write_table(path, table)


def test_refused_rows_in_the_second_half_are_reported_and_held_as_alone(
    tmp_path, monkeypatch, helped
):
    folder = generate(tmp_path / "full", SIZE, seed=SEED)
    # a wrong column count, an unknown code, a bad date, a NUL, an unknown entity
    fault_in_second_half(folder, "denomination.csv", lambda row: [*row, "extra"])
    fault_in_second_half(folder, "activity.csv", lambda row: [*row[:2], "2008", "00000", row[4]])
    fault_in_second_half(folder, "address.csv", lambda row: [*row[:-1], "31-02-2020"])
    fault_in_second_half(folder, "contact.csv", lambda row: [*row[:-1], "a\x00b"])
    path = folder / "activity.csv"
    table = table_of(path)
    table[len(table) // 2 + 1][0] = "0999.999.999"  # bad check digits
    write_table(path, table)
    alone, split = compare_split(folder, tmp_path, monkeypatch, max_bad_share=0.5)
    assert len(helped) == 4
    assert split == alone
    report = alone[2]
    assert {row[0] for row in report[1:]} == {
        "denomination.csv",
        "activity.csv",
        "address.csv",
        "contact.csv",
    }
    assert alone[1][-1]  # enterprises held back


@pytest.mark.parametrize(
    "fault",
    [
        # not UTF-8
        lambda line: line[:-3] + "\udcff" + line[-3:],
        # a carriage return alone in an unquoted value: the csv reader's error
        lambda line: line.rstrip("\n") + ",ab\rcd\n",
        # a value past the csv reader's field limit
        lambda line: line[:-2] + "y" * 140_000 + '"\n',
        # a quote never closed, at the file's end
        lambda line: line.rstrip("\n")[:-1] + "\n",
    ],
    ids=["utf-8", "csv-cr", "field-limit", "unterminated"],
)
def test_an_error_in_the_second_half_names_the_line_the_import_alone_names(
    tmp_path, monkeypatch, helped, fault
):
    folder = generate(tmp_path / "full", SIZE, seed=SEED)
    path = folder / "activity.csv"
    lines = lines_of(path)
    at = len(lines) - 1
    lines[at] = fault(lines[at])
    write_lines(path, lines)
    alone, split = compare_split(folder, tmp_path, monkeypatch, max_bad_share=0.5)
    assert "activity.csv" in helped
    assert split[0] == alone[0]
    assert split == alone


def test_duplicates_across_both_halves_are_found_as_alone(tmp_path, monkeypatch, helped):
    folder = generate(tmp_path / "full", SIZE, seed=SEED)
    for name in ("denomination.csv", "address.csv"):
        path = folder / name
        lines = lines_of(path)
        lines.append(lines[2])  # the first half's row again, at the file's end
        lines.insert(len(lines) // 2 - 1, lines[-3])  # a second-half row, again in the first
        write_lines(path, lines)
    alone, split = compare_split(folder, tmp_path, monkeypatch, max_bad_share=0.5)
    assert sum("duplicate key" in row[3] for row in alone[2][1:]) >= 2
    assert split == alone


def test_a_second_half_without_a_kept_row_is_no_crash(tmp_path, monkeypatch, helped):
    # finding 2: the helper always writes its part file, empty when it keeps no row, and
    # DuckDB cannot read an empty CSV file ("Error when sniffing file"): the import stops
    # on DuckDB's error instead of importing (here the cut falls at the file's end).
    folder = generate(tmp_path / "full", SIZE, seed=SEED)
    path = folder / "contact.csv"
    lines = lines_of(path)
    lines[-1] = lines[-1][:-2] + "x" * (len("".join(lines)) + 10) + '"\n'  # past the middle
    write_lines(path, lines)
    alone, split = compare_split(folder, tmp_path, monkeypatch, max_bad_share=0.5)
    assert "contact.csv" in helped
    assert split == alone


def test_a_second_half_whose_every_row_is_refused_is_no_crash(tmp_path, monkeypatch, helped):
    # finding 2 again: every row of the second half refused (its part file empty).
    folder = generate(tmp_path / "full", SIZE, seed=SEED)
    path = folder / "contact.csv"
    table = table_of(path)
    for row in table[len(table) // 2 :]:
        row[2] = "ZZZ"  # an unknown ContactType
    write_table(path, table)
    alone, split = compare_split(folder, tmp_path, monkeypatch, max_bad_share=1)
    assert split == alone


# --- 1. an update, two imports in a row, the helper gone whatever happens ------------------


def test_an_update_is_split_and_imported_as_alone(tmp_path, monkeypatch, helped):
    folder = generate(tmp_path / "full", SIZE, seed=SEED)
    update = generate(tmp_path / "update", SIZE, seed=SEED, update_share=0.3)
    path = update / "address_insert.csv"
    table = table_of(path)
    table[-1][-1] = "99-99-9999"  # a bad DateStrikingOff
    write_table(path, table)
    Run(folder, tmp_path, False, monkeypatch)
    found = []
    for split in (False, True):
        with rolled_back():
            found.append(Run(update, tmp_path, split, monkeypatch, max_bad_share=0.5).summary())
        assert_no_helper_left()
    assert any(name.endswith("_insert.csv") for name in helped)
    assert found[1] == found[0]
    assert not found[0][0] and found[0][1][3]  # imported, and updated some


def test_two_imports_in_a_row_each_use_and_stop_a_helper(tmp_path, monkeypatch, helped):
    folder = generate(tmp_path / "full", SIZE, seed=SEED)
    first = Run(folder, tmp_path, True, monkeypatch)
    assert_no_helper_left()
    again = Run(folder, tmp_path, True, monkeypatch)
    assert_no_helper_left()
    assert not first.error and not again.error
    assert again.outcome.unchanged == first.outcome.created
    assert len(helped) == 8


def test_no_helper_is_left_after_an_error_in_it(tmp_path, monkeypatch, helped):
    folder = generate(tmp_path / "full", SIZE, seed=SEED)
    path = folder / "address.csv"
    lines = lines_of(path)
    lines[-2] = lines[-2][:-3] + "\udcff" + lines[-2][-3:]
    write_lines(path, lines)
    run = Run(folder, tmp_path, True, monkeypatch)
    assert "not UTF-8" in run.error and helped == ["denomination.csv", "address.csv"]
    assert_no_helper_left()
    assert KboImport.objects.get().status == KboImport.Status.FAILED


def test_no_helper_is_left_after_an_interrupt_while_it_works(tmp_path, monkeypatch, helped):
    folder = generate(tmp_path / "full", SIZE, seed=SEED)
    check_rows = parts.check_rows

    def interrupted(found, name, *rest, **options):
        if name == "activity.csv":
            raise KeyboardInterrupt
        return check_rows(found, name, *rest, **options)

    monkeypatch.setattr(parts, "check_rows", interrupted)
    monkeypatch.setattr(parts, "SPLIT_AT", 1)
    with pytest.raises(KeyboardInterrupt):
        import_extract(folder, report_path=tmp_path / "r.csv")
    assert helped[-1] == "activity.csv"
    assert_no_helper_left()
    assert KboImport.objects.get().status == KboImport.Status.FAILED
    assert not Organisation.objects.exists()


class Alarm(Exception):
    pass


def test_a_helper_that_dies_makes_the_import_fail_not_hang(tmp_path, monkeypatch):
    # finding 3: a helper killed while it checks (the kernel's out-of-memory killer, a
    # crash) never answers: with multiprocessing.Pool, another worker started but the task
    # was lost, and the import waited forever. The import should fail.
    folder = generate(tmp_path / "full", SIZE, seed=SEED)
    check = parts.Helper.check
    made = Staging.part_path

    def as_fifo(self, spec, part):
        path = made(self, spec, part)
        os.mkfifo(path)  # the helper's open() waits for a reader: it has the task then
        return path

    def killed(self, extract, name, spec, codes, register, part, out):
        result = check(self, extract, name, spec, codes, register, part, out)
        reader = os.open(out, os.O_RDONLY)  # returns once the helper opened it
        self.process.kill()
        self.process.join()
        os.close(reader)
        return result

    monkeypatch.setattr(Staging, "part_path", as_fifo)
    monkeypatch.setattr(parts.Helper, "check", killed)
    monkeypatch.setattr(parts, "SPLIT_AT", 1)

    def ring(*_args):
        raise Alarm

    previous = signal.signal(signal.SIGALRM, ring)
    signal.alarm(20)
    try:
        with pytest.raises(Exception) as raised:  # noqa: PT011 - any error, but no hang
            import_extract(folder, report_path=tmp_path / "r.csv")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert_no_helper_left()
    assert not isinstance(raised.value, Alarm), "the import waited for the dead helper"


# --- 2. extracts in their order -----------------------------------------------------------


def renumber(folder: Path, value: str) -> None:
    path = folder / "meta.csv"
    table = table_of(path)
    for row in table:
        if row[0] == "ExtractNumber":
            row[1] = value
    write_table(path, table)


def update_of(tmp_path: Path, name: str, number: str) -> Path:
    folder = generate(tmp_path / name, SIZE, seed=SEED, update_share=0.2)
    renumber(folder, number)
    return folder


def test_a_refused_update_does_not_move_the_register_on(tmp_path, full):
    import_extract(full)  # 147
    refused = update_of(tmp_path, "refused", "148")
    path = refused / "enterprise_insert.csv"
    table = table_of(path)
    for row in table[1:]:
        row[1] = "ZZ"  # every status unknown: too many refused rows
    write_table(path, table)
    with pytest.raises(ImportRefused):
        import_extract(refused, report_path=tmp_path / "r.csv")
    failed = KboImport.objects.get(status=KboImport.Status.FAILED)
    assert failed.extract_number == 148
    # The register is still at 147: 149 needs 148 first, and 148 goes.
    with pytest.raises(ExtractError, match="import the update extract 148 first"):
        import_extract(update_of(tmp_path, "next", "149"))
    import_extract(update_of(tmp_path, "again", "148"))
    assert KboImport.objects.filter(status=KboImport.Status.DONE).count() == 2


def test_a_run_killed_while_running_does_not_count_either(tmp_path, full):
    import_extract(full)  # 147
    KboImport.objects.create(
        source="x", extract_type="update", extract_number=150, status=KboImport.Status.RUNNING
    )
    with pytest.raises(ExtractError, match="register is at extract 147"):
        import_extract(update_of(tmp_path, "u", "150"))
    import_extract(update_of(tmp_path, "u148", "148"))


@pytest.mark.parametrize(("written", "number"), [(" 0148 ", 148), ("148", 148), ("+148", 0)])
def test_the_number_meta_csv_writes_oddly_is_read_as_a_number_or_none(
    tmp_path, full, written, number
):
    import_extract(full)  # 147
    import_extract(update_of(tmp_path, "u", written))
    assert KboImport.objects.order_by("pk").last().extract_number == number


def test_an_unnumbered_extract_does_not_turn_the_order_check_off(tmp_path, full):
    # finding 4 (to confirm): `_check_sequence` compares with the last finished import
    # only; once an extract without a number was imported (stored as 0), any extract
    # passes, an older full one too: here 147 after 150, which undoes 148 to 150.
    renumber(full, "150")
    import_extract(full)
    import_extract(update_of(tmp_path, "u", ""))
    older = generate(tmp_path / "older", SIZE, seed=SEED)  # 147
    with pytest.raises(ExtractError, match="older than the register"):
        import_extract(older)


def test_an_update_onto_an_empty_register_is_refused_whatever_its_number(tmp_path):
    for number in ("1", "0", ""):
        with pytest.raises(ExtractError, match="none was imported yet"):
            import_extract(update_of(tmp_path, f"u{number}", number))
    assert not KboImport.objects.exists()


# --- 3. the agency's own records ----------------------------------------------------------


def test_a_first_import_takes_over_the_agencys_records_and_leaves_the_others(tmp_path, full):
    number = enterprise_number(3)
    taken = Organisation.objects.create(name="De l'agence", enterprise_number=number)
    without = Organisation.objects.create(name="Sans numéro", enterprise_number=None)
    empty = Organisation.objects.create(name="Numéro vide", enterprise_number="")
    elsewhere = Organisation.objects.create(
        name="Ailleurs", enterprise_number=enterprise_number(SIZE + 50)
    )
    outcome = import_extract(full)
    assert outcome.created == SIZE - 1 and outcome.updated == 1 and not outcome.held
    assert Organisation.objects.count() == SIZE + 3
    taken.refresh_from_db()
    assert taken.kbo.number == number and taken.name != "De l'agence"
    for other in (without, empty, elsewhere):
        assert not KboEnterprise.objects.filter(organisation=other).exists()


def test_a_reimport_takes_over_records_made_since_and_holds_back_edited_numbers(tmp_path):
    import_extract(generate(tmp_path / "smaller", SIZE - 3, seed=SEED))
    new, edited_to = enterprise_number(SIZE - 3), enterprise_number(SIZE - 2)
    recorded = Organisation.objects.create(name="Enregistrée depuis", enterprise_number=new)
    edited = Organisation.objects.get(enterprise_number=enterprise_number(1))
    edited.enterprise_number = edited_to
    edited.save()
    cleared = Organisation.objects.get(enterprise_number=enterprise_number(2))
    cleared.enterprise_number = None
    cleared.save()
    # The cleared number taken by a record of the agency's own.
    twin = Organisation.objects.create(name="Doublon", enterprise_number=enterprise_number(2))
    count = Organisation.objects.count()
    outcome = import_extract(generate(tmp_path / "whole", SIZE, seed=SEED))
    assert outcome.held == {edited_to}
    recorded.refresh_from_db()
    assert recorded.kbo.number == new
    # One organisation more: the last enterprise; the edited number's is held back.
    assert Organisation.objects.count() == count + 1
    assert KboEnterprise.objects.get(number=enterprise_number(2)).organisation_id == cleared.pk
    assert not KboEnterprise.objects.filter(organisation=twin).exists()
    assert not KboEnterprise.objects.filter(number=edited_to).exists()


# --- 4. the states' compression -----------------------------------------------------------


def a_state() -> dict:
    state = states.empty()
    states.insert(state, "enterprise", "0200.000.097", ["AC", "000", "2", "610", "", "2020-01-01"])
    states.insert(state, "denomination", "0200.000.097", ["2", "001", "Société « Ça »"])
    states.settle(state)
    return state


def test_a_state_keeps_its_digest_and_old_bytes_still_decode():
    state = a_state()
    data, digest = states.encode(state)
    text = json.dumps(state, separators=(",", ":"), ensure_ascii=False).encode()
    assert digest == hashlib.sha1(text, usedforsecurity=False).hexdigest()
    assert states.decode(data) == json.loads(text)
    for old in (zlib.compress(text, 1), zlib.compress(text), zlib.compress(text, 9)):
        assert states.decode(old) == json.loads(text)
        assert states.decode(memoryview(old)) == json.loads(text)


def test_states_written_the_old_way_are_unchanged_on_a_reimport(full, monkeypatch):
    encode = states.encode

    def old_way(state):
        data, digest = encode(state)
        text = json.dumps(state, separators=(",", ":"), ensure_ascii=False).encode()
        return zlib.compress(text, 1), digest

    monkeypatch.setattr(states, "encode", old_way)
    import_extract(full)
    monkeypatch.setattr(states, "encode", encode)
    outcome = import_extract(full)
    assert outcome.unchanged == SIZE and outcome.updated == outcome.created == 0


# --- 5. the activity cache ----------------------------------------------------------------


def test_an_activitys_concept_is_found_once_and_a_version_not_kept_is_none():
    from territoria.ecosystem.kbo import nace
    from territoria.ecosystem.kbo.derive import Context

    context = Context(
        codes={}, nace_ids={nace.notation("2008", "62010"): 7}, place_ids={}, org_type_ids={}
    )
    assert context.activity_id("2008", "62010") == 7
    assert context.activity_id("2003", "62010") is None
    assert context.activity_id("2008", "99999") is None
    context.nace_ids.clear()  # a hit is remembered
    assert context.activity_id("2008", "62010") == 7


# --- 6. the tags' indexes -----------------------------------------------------------------


def plan(queryset: Any) -> str:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        try:
            return queryset.explain()
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_seqscan = on")
    return queryset.explain()


def assert_indexed(queryset: Any, index: str = "") -> None:
    found = plan(queryset)
    assert "Seq Scan on taxonomy_tag" not in found, found
    assert "SCAN taxonomy_tag" not in found.replace("SCAN taxonomy_tag USING", ""), found
    if index and connection.vendor == "postgresql":
        assert index in found, found


@pytest.fixture
def tagged(users) -> tuple[Organisation, Concept, Any]:
    staff = users["staff"]
    org = organisation("Étiquetée")
    concept = Concept.objects.filter(scheme__code="technology").first()
    Tag.objects.create(record=org, concept=concept, created_by=staff)
    return org, concept, staff


def test_the_queries_on_tags_still_have_an_index(tagged):
    org, concept, user = tagged
    content_type = ContentType.objects.get_for_model(Organisation)
    assert_indexed(
        Tag.objects.filter(content_type=content_type, object_id=org.pk), "tag_unique_per_record"
    )
    assert_indexed(Tag.objects.filter(content_type=content_type, concept=concept))
    assert_indexed(
        Tag.objects.filter(content_type=content_type, concept__in=[concept.pk]).values("object_id")
    )
    assert_indexed(Tag.objects.filter(created_by__in=[user.pk]), "tag_created_by_set")
    assert_indexed(Tag.objects.filter(content_type__in=[content_type.pk]))
    assert_indexed(Tag.objects.filter(concept__in=[concept.pk]))


def test_deleting_a_user_who_tagged_keeps_the_tag_without_its_author(tagged):
    org, concept, user = tagged
    user.delete()
    tag = Tag.objects.get(object_id=org.pk, concept=concept)
    assert tag.created_by_id is None


# --- 7. legal form labels -----------------------------------------------------------------


def labelled(code: str, **labels: str) -> None:
    KboCode.objects.create(category="JuridicalForm", code=code, **labels)


def page_in(path: str, language: str) -> str:
    from django.conf import settings

    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_html_in_a_registers_label_is_escaped_on_the_page_and_in_the_directory():
    labelled("777", label_nl='<img src=x onerror="alert(1)">&', label_fr="")
    org = organisation("Balise", legal_form="", juridical_form="777")
    for language in ("nl", "fr"):
        for path in (org.get_absolute_url(), "/ecosystem/?q=Balise"):
            html = page_in(path, language)
            assert "<img src=x" not in html
            assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;" in html


def test_without_any_code_row_the_stored_form_is_shown_and_exported():
    org = organisation("Sans code", legal_form="SRL", juridical_form="610")
    assert "<dd>BV</dd>" in page_in(org.get_absolute_url(), "nl")
    rows = (
        Client()
        .get(
            "/api/explore/v2.1/catalog/datasets/organisations/records",
            {"select": "name, legal_form", "where": 'name = "Sans code"', "lang": "nl"},
        )
        .json()["results"]
    )
    assert rows == [{"name": "Sans code", "legal_form": "BV"}]


def test_a_natural_person_with_a_code_reads_natural_person_in_the_dataset_too():
    labelled("014", label_fr="Société anonyme", label_nl="Naamloze vennootschap")
    organisation(
        "Atelier Lambert",
        legal_form="personne physique",
        juridical_form="014",
        publication_consent_at=timezone.now(),
    )
    for lang, expected in (("nl", "natuurlijk persoon"), ("de", "natürliche Person")):
        rows = (
            Client()
            .get(
                "/api/explore/v2.1/catalog/datasets/organisations/records",
                {"select": "legal_form", "where": 'name = "Atelier Lambert"', "lang": lang},
            )
            .json()["results"]
        )
        assert rows == [{"legal_form": expected}]


@pytest.mark.parametrize(
    "params",
    [
        {"select": "legal_form, count(*) as n", "group_by": "legal_form"},
        {"select": "name, legal_form", "order_by": "legal_form desc"},
        {"select": "name", "where": 'legal_form like "Naamloze%"'},
        {"select": "name", "where": 'legal_form = "Naamloze vennootschap"'},
        {"select": "name", "refine": "legal_form:Naamloze vennootschap"},
    ],
)
def test_the_dataset_groups_sorts_and_filters_by_the_worded_form(params):
    labelled("014", label_fr="Société anonyme", label_nl="Naamloze vennootschap")
    organisation("Mosa", legal_form="Société anonyme", juridical_form="014")
    response = Client().get(
        "/api/explore/v2.1/catalog/datasets/organisations/records", {**params, "lang": "nl"}
    )
    assert response.status_code == 200, response.content[:500]
    assert "Mosa" in response.content.decode() or "Naamloze" in response.content.decode()
