"""A big file's second half checked by a helper process: the same rows, lines and report."""

import csv
from pathlib import Path

import pytest

from territoria.ecosystem.kbo import parts
from territoria.ecosystem.kbo.generator import generate
from territoria.ecosystem.kbo.importer import import_extract
from territoria.ecosystem.kbo.layout import ACTIVITY
from territoria.ecosystem.kbo.reader import Extract, ExtractError, halves, rows
from territoria.ecosystem.models import KboEnterprise, Organisation

pytestmark = pytest.mark.django_db

SIZE = 120


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def read_report(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.reader(stream))


def register() -> dict[str, tuple]:
    return {
        number: (name, other_names, street, state)
        for number, name, other_names, street, state in KboEnterprise.objects.values_list(
            "number",
            "organisation__name",
            "organisation__other_names",
            "organisation__street",
            "digest",
        )
    }


def test_halves_cut_where_a_row_starts_even_inside_a_quoted_value(tmp_path):
    full = generate(tmp_path / "full", SIZE, seed=3)
    path = full / "denomination.csv"
    lines = lines_of(path)
    # A name spanning three lines, right where the file's middle falls.
    middle = len(lines) // 2
    number = lines[middle].split(",")[0]
    lines.insert(middle, f'{number},"2","003","Line one\nline ""two""\nline three"\n')
    path.write_text("".join(lines), encoding="utf-8")
    extract = Extract(full)
    cut = halves(extract, "denomination.csv")
    assert cut is not None
    first, second = cut
    columns = ("EntityNumber", "Language", "TypeOfDenomination", "Denomination")
    whole = list(rows(extract, "denomination.csv", columns))
    both = list(rows(extract, "denomination.csv", columns, part=first)) + list(
        rows(extract, "denomination.csv", columns, part=second)
    )
    assert both == whole
    assert any("line three" in row[-1] for _line, row in whole)
    extract.close()


def test_a_cut_in_a_zip_reads_the_same(tmp_path):
    archive = generate(tmp_path / "zip", SIZE, seed=3, as_zip=True)
    extract = Extract(archive)
    cut = halves(extract, "activity.csv")
    assert cut is not None and cut[1].line > 1
    whole = list(rows(extract, "activity.csv", ACTIVITY.columns))
    both = [
        row for part in cut for row in rows(extract, "activity.csv", ACTIVITY.columns, part=part)
    ]
    assert both == whole
    extract.close()


def test_a_file_without_a_row_end_past_its_middle_is_not_cut(tmp_path):
    full = generate(tmp_path / "full", 5, seed=3)
    path = full / "contact.csv"
    path.write_text(lines_of(path)[0] + '"0200.000.0097","ENT","EMAIL","a' + "x" * 400 + '"')
    extract = Extract(full)
    assert halves(extract, "contact.csv") is None
    extract.close()


def faulty(folder: Path) -> None:
    """Refused rows in both halves of the entity files."""
    for name, fault in (
        ("activity.csv", lambda row: row[:3] + ["99999", *row[4:]]),  # an unknown NACE code
        ("address.csv", lambda row: ["0200.000.0000", *row[1:]]),  # bad check digits
        ("denomination.csv", lambda row: row[:1] + ["7", *row[2:]]),  # an unknown language
    ):
        path = folder / name
        with path.open(encoding="utf-8", newline="") as stream:
            table = list(csv.reader(stream))
        for index in (3, len(table) // 2 + 2, len(table) - 2):
            table[index] = fault(table[index])
        with path.open("w", encoding="utf-8", newline="") as stream:
            csv.writer(stream, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(table)


def imported(folder: Path, tmp_path: Path, split: bool, monkeypatch) -> tuple[dict, list, dict]:
    monkeypatch.setattr(parts, "SPLIT_AT", 1 if split else 10**12)
    KboEnterprise.objects.all().delete()
    Organisation.objects.all().delete()
    report = tmp_path / f"report-{split}.csv"
    outcome = import_extract(folder, max_bad_share=0.5, report_path=report)
    return register(), read_report(report), outcome.read


def test_the_helper_checks_half_and_the_import_is_the_same(tmp_path, monkeypatch, helped):
    full = generate(tmp_path / "full", SIZE, seed=5)
    faulty(full)
    alone = imported(full, tmp_path, False, monkeypatch)
    assert helped == []
    assert imported(full, tmp_path, True, monkeypatch) == alone
    assert helped == ["denomination.csv", "address.csv", "contact.csv", "activity.csv"]
    report = alone[1]
    assert len(report) == 1 + 9  # the header, then three refused rows in each of three files
    for name in ("activity.csv", "address.csv", "denomination.csv"):
        lines = [int(row[1]) for row in report[1:] if row[0] == name]
        assert len(lines) == 3 and lines == sorted(lines)


def test_a_bad_byte_in_the_second_half_is_told_at_its_line(tmp_path, monkeypatch, helped):
    full = generate(tmp_path / "full", SIZE, seed=5)
    path = full / "activity.csv"
    data = lines_of(path)
    at = len(data) - 3
    data[at] = data[at].replace("MAIN", "MA\udcffIN")
    path.write_bytes("".join(data).encode("utf-8", "surrogateescape"))
    monkeypatch.setattr(parts, "SPLIT_AT", 1)
    with pytest.raises(ExtractError, match=f"activity.csv line {at + 1}: not UTF-8"):
        import_extract(full)
    assert helped[-1] == "activity.csv"
    assert not Organisation.objects.exists()
