"""`territoria import kbo` handed the files a user may really have: broken encodings and
zips, odd metadata, rows that collide with the tables' limits, and extracts that come and
go. Each test states what the import promises; it neither crashes nor half-writes."""

import csv
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from territoria.ecosystem.kbo.generator import enterprise, enterprise_number, generate
from territoria.ecosystem.kbo.importer import ImportRefused, import_extract
from territoria.ecosystem.kbo.reader import ExtractError
from territoria.ecosystem.models import KboEstablishment, KboImport, Organisation
from territoria.ecosystem.services import public_organisations

pytestmark = pytest.mark.django_db

SIZE = 30
SEED = 11


@pytest.fixture
def full(tmp_path: Path) -> Path:
    return generate(tmp_path / "full", SIZE, seed=SEED)


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream))


def lines_of(folder: Path, name: str) -> list[str]:
    return (folder / name).read_text(encoding="utf-8").splitlines(keepends=True)


def write_lines(folder: Path, name: str, lines: list[str]) -> None:
    (folder / name).write_text("".join(lines), encoding="utf-8")


def append_rows(folder: Path, name: str, rows: list[list[str]]) -> None:
    lines = lines_of(folder, name)
    lines += [",".join(f'"{value}"' for value in row) + "\n" for row in rows]
    write_lines(folder, name, lines)


def set_meta(folder: Path, variable: str, value: str) -> None:
    lines = [
        f'"{variable}","{value}"\n' if line.startswith(f'"{variable}"') else line
        for line in lines_of(folder, "meta.csv")
    ]
    write_lines(folder, "meta.csv", lines)


def imported_or_refused(path: Path, **options) -> None:
    """The import either runs or stops with one of its clear errors: never a crash."""
    try:
        import_extract(path, **options)
    except (ExtractError, ImportRefused):
        pass


def legal_person_line(folder: Path) -> tuple[int, str]:
    """(index in the file's lines, number) of an enterprise that is a legal person."""
    for index, line in enumerate(lines_of(folder, "enterprise.csv")[1:], start=1):
        values = next(csv.reader([line]))
        if values[3] == "2":
            return index, values[0]
    raise AssertionError("no legal person")


# --- the report names the right line; a broken file is a clear error ---------------------


def test_a_byte_that_is_not_utf8_is_reported_at_its_own_line(full):
    lines = lines_of(full, "denomination.csv")
    target = len(lines) - 3  # 0-based: the editor's line target + 1
    lines[target] = lines[target].replace('"001","', '"001","Caf\x00 ', 1)
    data = "".join(lines).encode().replace(b"Caf\x00", b"Caf\xe9")  # latin-1 é
    (full / "denomination.csv").write_bytes(data)
    with pytest.raises(ExtractError, match=rf"denomination\.csv line {target + 1}: not UTF-8"):
        import_extract(full)


def test_a_corrupt_zip_member_is_a_command_error_not_a_traceback(tmp_path):
    archive = generate(tmp_path / "zipped", SIZE, seed=SEED, as_zip=True)
    with zipfile.ZipFile(archive) as bundle:
        info = bundle.getinfo("activity.csv")
    data = bytearray(archive.read_bytes())
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 200
    for i in range(start, start + 40):
        data[i] ^= 0xFF  # a damaged download: the zip opens, one member does not inflate
    archive.write_bytes(bytes(data))
    with pytest.raises(CommandError, match="activity.csv"):
        call_command("import_kbo", str(archive))
    assert not Organisation.objects.exists()
    assert KboImport.objects.get().status == KboImport.Status.FAILED  # not "importing" forever


@pytest.mark.parametrize("value", ["\u00b2", "99999999999"])
def test_an_odd_extract_number_is_no_crash(full, value):
    # "²".isdigit() is True but int("²") fails; 11 digits overflow the run's integer column.
    set_meta(full, "ExtractNumber", value)
    imported_or_refused(full)


def test_a_report_path_that_is_a_folder_is_a_command_error(full, tmp_path):
    with pytest.raises(CommandError):
        call_command("import_kbo", str(full), "--report", str(tmp_path))


@pytest.mark.parametrize("fault", ["zero bytes", "header case", "not a zip", "extract type"])
def test_a_broken_extract_is_a_command_error_naming_the_file(full, tmp_path, fault):
    path, expected = full, "enterprise.csv"
    if fault == "zero bytes":
        (full / "enterprise.csv").write_bytes(b"")
    elif fault == "header case":
        lines = lines_of(full, "enterprise.csv")
        write_lines(full, "enterprise.csv", [lines[0].lower(), *lines[1:]])
    elif fault == "not a zip":
        path, expected = tmp_path / "extract.zip", "not a folder nor a zip"
        path.write_text("EnterpriseNumber,Status\n")
    else:
        set_meta(full, "ExtractType", "partial")
        expected = "ExtractType"
    with pytest.raises(CommandError, match=expected):
        call_command("import_kbo", str(path))
    assert not Organisation.objects.exists()


def test_bom_crlf_and_a_zip_with_a_subfolder_import_as_the_plain_folder(full, tmp_path):
    archive = tmp_path / "KboOpenData.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("KboOpenData_0147/", "")  # a directory entry
        bundle.writestr("../../evil.txt", "not part of the extract")
        for path in sorted(full.glob("*.csv")):
            text = path.read_text(encoding="utf-8").replace("\n", "\r\n")
            bundle.writestr(f"KboOpenData_0147/{path.name}", "\ufeff" + text)
    outcome = import_extract(archive)
    assert (outcome.created, sum(outcome.bad.values())) == (SIZE, 0)
    again = import_extract(full)  # the same register, read from the plain files
    assert (again.created, again.updated, again.unchanged) == (0, 0, SIZE)


# --- the allowed share of bad rows ---------------------------------------------------------


def test_the_bad_share_limit_is_inclusive_and_zero_refuses_any_bad_row(full, tmp_path):
    lines = lines_of(full, "contact.csv")
    lines[1] = lines[1].replace('"ENT"', '"XXX"', 1)
    write_lines(full, "contact.csv", lines)
    total = sum(
        len(lines_of(full, p.name)) - 1
        for p in full.glob("*.csv")
        if p.name not in ("meta.csv", "code.csv")
    )
    with pytest.raises(ImportRefused, match="nothing was imported"):
        import_extract(full, max_bad_share=0, report_path=tmp_path / "refused.csv")
    assert not Organisation.objects.exists()
    report = read(tmp_path / "refused.csv")
    assert [(r["file"], r["line"], r["field"]) for r in report] == [
        ("contact.csv", "2", "EntityContact")
    ]
    outcome = import_extract(full, max_bad_share=1 / total, report_path=tmp_path / "r.csv")
    # The enterprise of the refused row is held back, the others imported.
    assert outcome.bad == {"contact.csv": 1} and outcome.created == SIZE - 1
    assert len(outcome.held) == 1


# --- what a full extract strikes off, and brings back ------------------------------------


def test_an_enterprise_back_in_a_later_full_extract_is_active_again(tmp_path):
    whole = generate(tmp_path / "whole", SIZE, seed=SEED)
    smaller = generate(tmp_path / "smaller", SIZE - 1, seed=SEED)  # the last one left
    last = enterprise_number(SIZE - 1)
    import_extract(whole)
    assert import_extract(smaller).struck_off == 1
    assert Organisation.objects.get(enterprise_number=last).struck_off_on is not None
    # It is registered again, with the very rows it had: its digest did not change.
    import_extract(whole)
    organisation = Organisation.objects.get(enterprise_number=last)
    assert organisation.struck_off_on is None and organisation.is_active


@pytest.mark.parametrize("kind", ["full", "update"])
def test_a_refused_row_does_not_strike_off_an_enterprise_the_extract_holds(full, tmp_path, kind):
    import_extract(full)
    folder, name = full, "enterprise.csv"
    if kind == "update":  # the update deletes the enterprise's rows, then inserts them
        folder = generate(tmp_path / "update", SIZE, seed=SEED, update_share=0.3)
        name = "enterprise_insert.csv"
    lines = lines_of(folder, name)
    index = next(  # an enterprise the database holds (an update's new ones come last)
        i for i in range(1, len(lines)) if lines[i][1:13] <= enterprise_number(SIZE - 1)
    )
    number = lines[index][1:13]
    lines[index] = lines[index].replace('"AC"', '"ZZ"', 1)  # an unknown Status code
    write_lines(folder, name, lines)
    import_extract(folder, max_bad_share=0.5, report_path=tmp_path / "r.csv")
    assert (name, str(index + 1), "Status") in {
        (r["file"], r["line"], r["field"]) for r in read(tmp_path / "r.csv")
    }
    # A typo in the register's file is not the enterprise leaving the register.
    organisation = Organisation.objects.get(enterprise_number=number)
    assert organisation.struck_off_on is None and organisation.is_active


def test_a_full_extract_without_any_enterprise_strikes_nothing_off(full):
    import_extract(full)
    public = public_organisations().count()
    for path in full.glob("*.csv"):  # a truncated export: every data file header-only
        if path.name not in ("meta.csv", "code.csv"):
            write_lines(full, path.name, lines_of(full, path.name)[:1])
    with pytest.raises((ImportRefused, ExtractError)):
        import_extract(full)
    assert public_organisations().count() == public
    assert not Organisation.objects.filter(struck_off_on__isnull=False).exists()


# --- values the tables cannot hold ---------------------------------------------------------


def test_a_branch_repeating_a_unit_number_is_a_reported_row(full, tmp_path):
    unit = read(full / "establishment.csv")[0]
    other = enterprise_number(SIZE - 1)
    append_rows(full, "branch.csv", [[unit["EstablishmentNumber"], "01-01-2020", other]])
    outcome = import_extract(full, max_bad_share=1, report_path=tmp_path / "r.csv")
    assert outcome.bad.get("branch.csv") == 1 and outcome.created == SIZE - 1
    assert outcome.held == {other}
    owner = KboEstablishment.objects.get(number=unit["EstablishmentNumber"]).enterprise_id
    assert owner == unit["EnterpriseNumber"]


def test_a_branch_id_too_long_for_its_column_is_no_crash(full, tmp_path):
    append_rows(full, "branch.csv", [["9.000.000.000.000.001", "01-01-2020", enterprise_number(2)]])
    imported_or_refused(full, max_bad_share=1, report_path=tmp_path / "r.csv")


@pytest.mark.parametrize("column", ["JuridicalForm", "JuridicalSituation", "code.csv Code"])
def test_codes_too_long_for_their_columns_are_no_crash(full, tmp_path, column):
    # The organisation keeps the legal form code in 3 characters, KboCode a code in 20.
    code = "9" * 25 if column == "code.csv Code" else "6100"
    category = "ActivityGroup" if column == "code.csv Code" else column
    append_rows(full, "code.csv", [[category, code, "FR", "Trop long"]])
    if column != "code.csv Code":
        index, _number = legal_person_line(full)
        lines = lines_of(full, "enterprise.csv")
        values = next(csv.reader([lines[index]]))
        values[4 if column == "JuridicalForm" else 2] = code
        lines[index] = ",".join(f'"{v}"' for v in values) + "\n"
        write_lines(full, "enterprise.csv", lines)
    imported_or_refused(full, max_bad_share=1, report_path=tmp_path / "r.csv")


def test_a_website_that_is_not_http_is_not_written(full):
    number = enterprise_number(3)
    append_rows(full, "contact.csv", [[number, "ENT", "WEB", "javascript://x/%0Aalert(1)"]])
    import_extract(full)
    website = Organisation.objects.get(enterprise_number=number).website
    # The page links it (href="{{ org.website }}"): only a web address may get there.
    assert website == "" or website.startswith(("http://", "https://")), website


# --- updates -------------------------------------------------------------------------------


def test_a_unit_taken_over_by_a_new_enterprise_is_no_crash(full, tmp_path):
    import_extract(full)
    update = generate(tmp_path / "update", SIZE, seed=SEED, update_share=0.1)
    for path in update.glob("*_*.csv"):
        write_lines(update, path.name, lines_of(update, path.name)[:1])
    # A new enterprise takes over a unit of an imported one (no establishment_delete row).
    rows = enterprise(SIZE + 5, SEED)
    unit = read(full / "establishment.csv")[0]["EstablishmentNumber"]
    rows["establishment"].append([unit, "01-01-2020", rows["enterprise"][0][0]])
    for name, found in rows.items():
        append_rows(update, f"{name}_insert.csv", found)
    imported_or_refused(update, max_bad_share=1, report_path=tmp_path / "r.csv")
    assert KboEstablishment.objects.filter(number=unit).count() == 1


def test_imported_organisations_never_take_a_deleted_organisations_id(full):
    Organisation.objects.create(name="Kept by the agency")
    gone = Organisation.objects.create(name="Deleted by the agency")
    gone_id = gone.pk
    gone.delete()
    import_extract(full)
    # Its page (/organisations/<pk>/) and its audit entries must not name a new one.
    assert not Organisation.objects.filter(pk=gone_id).exists()


def test_an_enterprise_number_the_agency_edited_is_no_crash(tmp_path):
    whole = generate(tmp_path / "whole", SIZE, seed=SEED)
    import_extract(generate(tmp_path / "smaller", SIZE - 1, seed=SEED))
    # The agency corrects an imported organisation's number to one the register has not
    # sent yet; the next extract holds both numbers.
    edited = Organisation.objects.get(enterprise_number=enterprise_number(0))
    edited.enterprise_number = enterprise_number(SIZE - 1)
    edited.save()
    imported_or_refused(whole)
    assert Organisation.objects.filter(enterprise_number=enterprise_number(SIZE - 1)).count() == 1


def test_a_bad_share_limit_that_is_not_a_number_is_refused(full, tmp_path):
    import_extract(full)
    public = public_organisations().count()
    lines = lines_of(full, "enterprise.csv")
    lines[1:] = [line.replace('"AC"', '"ZZ"', 1) for line in lines[1:]]  # every row refused
    write_lines(full, "enterprise.csv", lines)
    # NaN compares false to everything: the safety net would let the whole extract through,
    # and a full extract whose every enterprise is refused strikes off every organisation.
    with pytest.raises(CommandError):
        call_command("import_kbo", str(full), "--max-bad-share", "nan")
    assert public_organisations().count() == public


def test_an_enterprise_number_with_a_trailing_newline_is_no_second_enterprise(full, tmp_path):
    lines = lines_of(full, "enterprise.csv")
    number = lines[1][1:13]
    # A quoted value may hold a line break; "$" in a regular expression matches before one.
    lines.append(f'"{number}\n","AC","000","2","610","","01-01-2000"\n')
    write_lines(full, "enterprise.csv", lines)
    imported_or_refused(full, report_path=tmp_path / "r.csv")
    numbers = list(Organisation.objects.values_list("enterprise_number", flat=True))
    assert len(numbers) == SIZE and all(len(n) == 12 for n in numbers)
