import datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from territoria.core.models import AuditEntry
from territoria.strategy.models import Indicator, Measurement, MeasurementImport
from territoria.strategy.services.imports import (
    ImportRefused,
    MeasurementImportError,
    check_measurements,
    confirm_import,
    import_measurements,
    parse_number,
    stage_import,
)
from tests.factories import strategy_tree

GOOD = """indicator;date;value;source_url;note
ind-dw;2023-12-31;166;https://example.org/a;fin 2023
ind-dw;31/12/2024;226;https://example.org/b;
"""

BAD = """indicator;date;value;source_url;unit;note
ind-dw;2023-12-31;166;https://example.org/a;count;ok
nope;2023-12-31;1;https://example.org/a;;
ind-dw;2023-13-45;1;https://example.org/a;;
ind-dw;2022-12-31;12,5;https://example.org/a;;
ind-dw;2021-12-31;-3;https://example.org/a;;
ind-dw;2020-12-31;10;;;
ind-dw;2023-12-31;170;https://example.org/a;;
ind-dw;2019-12-31;10;ftp://example.org;percent;
ind-dw;2099-12-31;10;https://example.org/a;;
eur-dw;2023-12-31;10.123;https://example.org/a;;
ind-dw;2018-12-31;1.5,3;https://example.org/a;;
"""


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def indicators(db):
    tree = strategy_tree()
    eur = Indicator.objects.create(
        code="eur-dw", programme=tree["programme"], name="Budget", unit="eur"
    )
    return tree["indicator"], eur


def test_numbers_in_belgian_and_plain_writing():
    assert parse_number("58 414") == Decimal(58414)
    assert parse_number("3,1") == Decimal("3.1")
    assert parse_number("29.8") == Decimal("29.8")
    for wrong in ("1.234,5", "abc", "NaN", "Infinity"):
        with pytest.raises(ValueError):
            parse_number(wrong)


def test_a_good_file_imports_every_line(indicators):
    staged = import_measurements(GOOD, "good.csv")
    assert staged.imported == 2
    indicator = indicators[0]
    values = list(indicator.measurements.values_list("measured_on", "value"))
    assert values == [(datetime.date(2023, 12, 31), 166), (datetime.date(2024, 12, 31), 226)]
    assert AuditEntry.objects.filter(action="measurement.import").count() == 1


def test_every_bad_line_is_reported_with_its_number_field_and_reason(indicators):
    check = check_measurements(BAD)
    found = {(p.line, p.field) for p in check.problems}
    assert found == {
        (3, "indicator"),
        (4, "date"),
        (5, "value"),  # a count is whole
        (6, "value"),  # negative count
        (7, "source_url"),  # no source
        (8, "date"),  # same indicator and date as line 2
        (9, "source_url"),
        (9, "unit"),
        (10, "date"),  # future
        (11, "value"),  # euros have two decimals
        (12, "value"),
    }
    assert [row.line for row in check.valid_rows] == [2]
    messages = {p.line: p.message for p in check.problems}
    assert "line 2" in messages[8] or "2" in messages[8]


def test_nothing_is_imported_when_a_line_is_wrong(indicators):
    with pytest.raises(MeasurementImportError) as refused:
        import_measurements(BAD, "bad.csv")
    assert len({p.line for p in refused.value.problems}) == 10
    assert not Measurement.objects.exists()
    assert not MeasurementImport.objects.exists()


def test_or_exactly_the_valid_lines_when_staff_choose_so(indicators):
    staged = import_measurements(BAD, "bad.csv", only_valid=True)
    assert staged.imported == 1
    assert list(Measurement.objects.values_list("value", flat=True)) == [166]


def test_a_value_already_recorded_for_the_date_is_refused(indicators):
    import_measurements(GOOD, "good.csv")
    check = check_measurements(GOOD)
    assert {p.field for p in check.problems} == {"date"}
    assert len(check.problems) == 2


def test_the_file_is_checked_again_when_confirmed(indicators, users):
    staged = stage_import("good.csv", GOOD, users["staff"])
    assert staged.problems == [] and staged.valid_lines == 2
    # Someone records one of the values in the meantime.
    Measurement.objects.create(
        indicator=indicators[0], measured_on=datetime.date(2023, 12, 31), value=1,
        source_url="https://example.org/x",
    )  # fmt: skip
    with pytest.raises(ImportRefused):
        confirm_import(staged, users["staff"], only_valid=False)
    staged.refresh_from_db()
    assert staged.status == MeasurementImport.Status.CHECKED
    assert len(staged.problems) == 1
    done = confirm_import(staged, users["staff"], only_valid=True)
    assert done.imported == 1
    with pytest.raises(ImportRefused):
        confirm_import(staged, users["staff"], only_valid=True)  # twice is harmless
    assert Measurement.objects.count() == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("date;value;source_url\n", "missing column"),
        ("indicator;date;value\n", "missing column"),
        ("indicator;date;value;source_url;colour\n", "unknown column"),
        (
            "indicator;date;value;source_url\nind-dw;2020-01-01;1;https://e.org;extra\n",
            "more values",
        ),
    ],
)
def test_malformed_files(indicators, text, message):
    problems = check_measurements(text).problems
    assert problems and message in problems[0].message


def test_comma_separated_files_with_a_bom(indicators):
    text = "\ufeffindicator,date,value,source_url\nind-dw,2024-12-31,226,https://example.org\n"
    assert import_measurements(text).imported == 1


def test_the_command_reports_lines_and_writes_nothing(indicators, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(BAD, encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        call_command("import_measurements", str(path))
    assert f"{path}:3: indicator" in str(refused.value)
    assert not Measurement.objects.exists()
    call_command("import_measurements", str(path), "--only-valid")
    assert Measurement.objects.count() == 1


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("1_000", False),
        ("١٢٣", False),
        ("１２３", False),
        ("1e5", False),
        ("+5", False),
        ("1e9999999", False),
        ("99999999999999.99999", False),
        ("0.123456789", False),
        ("1000000000000", False),  # 10^12: beyond what the columns hold everywhere
        ("999999999999", True),
        ("-0", True),
        ("12,5", True),
    ],
)
def test_strict_numbers(indicators, value, accepted):
    indicators[0].unit = "ratio" if value != "-0" else "count"
    indicators[0].save()
    text = f"indicator;date;value;source_url\nind-dw;2024-12-31;{value};https://e.org\n"
    assert (check_measurements(text).problems == []) is accepted


def test_hostile_files_are_reported_not_errors(indicators):
    long_field = "x" * 200_000
    cases = {
        f"indicator;date;value;source_url;note\nind-dw;2024-12-31;1;https://e.org;{long_field}\n": "",
        "indicator;date;value;source_url;source_publication\nind-dw;2024-12-31;1;;²\n": "source_publication",
        "indicator;date;value;source_publication\nind-dw;2024-12-31;1;99999999999999999999999\n": "source_publication",
        f"indicator;date;value;source_url\nind-dw;2024-12-31;1;https://e.org/{'a' * 300}\n": "source_url",
        "indicator;value;value;date;source_url\n": "",
        "indicator;date;value;source_url\n": "",
    }  # fmt: skip
    for text, field in cases.items():
        problems = check_measurements(text).problems
        assert problems, text[:80]
        assert problems[0].field == field, (text[:80], problems)


def test_line_numbers_count_blank_lines_and_quoted_newlines(indicators):
    text = (
        "indicator;date;value;source_url;note\n"
        "\n"
        "\n"
        "ind-dw;2024-12-31;x;https://e.org;\n"  # line 4
        'ind-dw;2023-12-31;1;https://e.org;"two\nlines"\n'  # lines 5-6
        "ind-dw;2022-12-31;y;https://e.org;\n"  # line 7
    )
    check = check_measurements(text)
    assert [p.line for p in check.problems] == [4, 7]
    assert check.lines == 3
