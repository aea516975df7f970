"""Hypothesis throws query texts at the API: every answer is 200 or 400, never a 500; and
where the answer is known (a number the databases hold, a nesting within the bound), it
is that one."""

import math
import re
from decimal import Decimal
from typing import Any

from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from territoria.opendata.odsql import MAX_DEPTH
from tests.opendata.conftest import EXPORTS, FACETS, RECORDS

FIELDS = [
    "id",
    "name",
    "city",
    "founded_on",
    "latitude",
    "active",
    "created_at",
    "position",
    "technology",
    "size",
    "nope",
]
LITERALS = [
    '"Liège"',
    "'x'",
    "3",
    "-1.5",
    "1e400",
    "date'2020-01-01'",
    "date'2020-13-45'",
    "true",
    "null",
    '""',
    "'%'",
    "99999999999999999999",
    "geom'POINT(4.87 50.46)'",
    "geom'POLYGON((1 1))'",
    "10km",
    "1 day",
    "1M",
]
OPERATORS = [
    "=",
    "!=",
    "<",
    ">=",
    " LIKE ",
    " IN ",
    " IS NULL",
    " IS NOT NULL",
    " AND ",
    " OR ",
    "NOT ",
    ",",
    ":",
    "-",
    " desc",
]
FUNCTIONS = [
    "search(",
    "startswith(",
    "year(",
    "count(",
    "sum(",
    "avg(",
    "min(",
    "max(",
    "date_format(",
    "lower(",
    "median(",
    "percentile(",
    "now(",
    "days=-7",
    "random(",
    "range(",
    "include(",
    "exclude(",
    "c*",
    "suggest(",
    "within_distance(",
    "in_bbox(",
    "distance(",
    "distinct ",
    "*",
    "(",
    ")",
    " as a",
]

token = st.sampled_from(FIELDS + LITERALS + OPERATORS + FUNCTIONS)
soup = st.lists(token, min_size=1, max_size=12).map(" ".join)
wellformed = st.builds(
    lambda f, op, v, join, f2, v2: f"{f} {op} {v} {join} {f2} = {v2}",
    st.sampled_from(FIELDS),
    st.sampled_from(["=", "!=", "<", ">=", "LIKE"]),
    st.sampled_from(LITERALS),
    st.sampled_from(["AND", "OR", "AND NOT"]),
    st.sampled_from(FIELDS),
    st.sampled_from(LITERALS),
)
functions = st.builds(
    lambda f, args: f"{f}({', '.join(args)})",
    st.sampled_from(["now", "random", "range", "median", "percentile", "include", "exclude",
                     "suggest", "within_distance", "in_bbox", "distance"]),
    st.lists(st.sampled_from(FIELDS + LITERALS + ["*", "c*", "days=-7", "1e-320"]), max_size=5),
)  # fmt: skip
query_text = st.one_of(soup, wellformed, functions, st.text(max_size=60))

SLOW = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def answered(response: Any) -> None:
    if response.streaming:  # an export: its file, read to the end
        assert response.status_code == 200
        b"".join(response.streaming_content)
        return
    assert response.status_code in (200, 400), (response.status_code, response.content[:500])
    body = response.json()
    if response.status_code == 400:
        assert set(body) == {"error_code", "message"}


@SLOW
@given(where=query_text)
def test_any_where_is_answered_200_or_400(api: Client, where: str) -> None:
    answered(api.get(RECORDS, {"where": where}))


@SLOW
@given(
    select=query_text,
    group_by=st.one_of(st.none(), query_text),
    order_by=st.one_of(st.none(), query_text),
)
def test_any_select_group_by_and_order_by_is_answered_200_or_400(
    api: Client, select: str, group_by: str | None, order_by: str | None
) -> None:
    params = {"select": select}
    if group_by is not None:
        params["group_by"] = group_by
    if order_by is not None:
        params["order_by"] = order_by
    answered(api.get(RECORDS, params))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    refine=st.text(max_size=30),
    facet=query_text,
    limit=st.text(max_size=6),
    timezone=st.text(max_size=20),
)
def test_any_refine_facet_limit_and_timezone_is_answered_200_or_400(
    api: Client, refine: str, facet: str, limit: str, timezone: str
) -> None:
    answered(api.get(FACETS, {"refine": refine, "facet": facet}))
    answered(api.get(RECORDS, {"limit": limit, "timezone": timezone, "exclude": refine}))


# --- Numbers at the edges ------------------------------------------------------------------

EDGE_NUMBERS = [
    "0", "-0", "-0.0", "0.5", "-2.5e-3", "2001", "2001.5",
    "9223372036854775807", "9223372036854775808", "-9223372036854775808",
    "-9223372036854775809", "99999999999999999999", "99999999999999999999.5",
    "1e19", "-1e19", "1.5e19", "1e18", "1e308", "1e309", "-1e309",
    "1.7976931348623157e308", "1e-400", "4.9e-324", "2.5e-324", "1e999999999",
]  # fmt: skip
number = st.one_of(
    st.sampled_from(EDGE_NUMBERS),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),  # 1e+16, -0.0, 5e-324…
    st.builds(lambda m, e: f"{m}e{e}", st.integers(-99, 99), st.integers(-400, 400)),
)
NUMERIC = ["id", "latitude", "year(founded_on)", "month(created_at)", "day(founded_on)",
           "hour(created_at)"]  # fmt: skip
COMPARISONS = ["=", "!=", "<>", "<", "<=", ">", ">="]


def holdable(text: str) -> bool:
    """Whether the databases hold the number written `text`: a whole number in 64 bits,
    any other in a finite double that is not 0."""
    value = Decimal(text)
    try:
        whole = value == value.to_integral_value()
    except ArithmeticError:  # too large for Decimal to round: no database holds it
        return False
    if whole:
        return -(2**63) <= value < 2**63
    as_double = float(value)
    return math.isfinite(as_double) and as_double != 0


def expect_numbers(response: Any, numbers: list[str]) -> None:
    """200 when every number is held; else a 400 that names one that is not."""
    answered(response)
    bad = [n for n in numbers if not holdable(n)]
    if not bad:
        assert response.status_code == 200, (numbers, response.content[:300])
    else:
        assert response.status_code == 400, numbers
        message = response.json()["message"]
        assert "out of range" in message and any(n in message for n in bad), message


@SLOW
@given(field=st.sampled_from(NUMERIC), op=st.sampled_from(COMPARISONS), n=number)
def test_a_comparison_with_any_number_is_answered_by_its_range(
    api: Client, field: str, op: str, n: str
) -> None:
    expect_numbers(api.get(RECORDS, {"where": f"{field} {op} {n}"}), [n])


@SLOW
@given(
    field=st.sampled_from(NUMERIC),
    negated=st.booleans(),
    numbers=st.lists(number, min_size=1, max_size=5),
)
def test_in_and_not_in_with_any_numbers_are_answered_by_their_range(
    api: Client, field: str, negated: bool, numbers: list[str]
) -> None:
    where = f"{field} {'NOT IN' if negated else 'IN'} ({', '.join(numbers)})"
    expect_numbers(api.get(RECORDS, {"where": where}), numbers)
    expect_numbers(api.get(FACETS, {"where": where}), numbers)


@SLOW
@given(field=st.sampled_from(NUMERIC), low=number, high=number, outside=st.booleans())
def test_a_range_between_any_numbers_is_answered_by_their_range(
    api: Client, field: str, low: str, high: str, outside: bool
) -> None:
    where = f"{field} >= {low} AND {field} <= {high}"
    where = f"NOT ({where})" if outside else where
    expect_numbers(api.get(RECORDS, {"where": where}), [low, high])
    grouped = {"where": where, "group_by": "city", "select": "city, count(*) as n"}
    expect_numbers(api.get(RECORDS, grouped), [low, high])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(n=number, clause=st.sampled_from(["select", "order_by", "group_by"]))
def test_any_number_in_select_order_by_or_group_by_is_a_200_or_a_400(
    api: Client, n: str, clause: str
) -> None:
    response = api.get(RECORDS, {clause: n})
    answered(response)
    if not holdable(n):
        assert "out of range" in response.json()["message"]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(n=number, name=st.sampled_from(["refine", "exclude"]))
def test_a_refinement_by_any_number_is_answered_by_its_range(
    api: Client, n: str, name: str
) -> None:
    # The calls dataset's year is a whole number: written in digits, in 64 bits.
    response = api.get("/api/explore/v2.1/catalog/datasets/calls/records", {name: f"year:{n}"})
    answered(response)
    held = re.fullmatch(r"-?[0-9]+", n) is not None and -(2**63) <= int(n) < 2**63
    assert response.status_code == (200 if held else 400), (n, response.content)


# --- Nesting -------------------------------------------------------------------------------


def expect_depth(response: Any, levels: int) -> None:
    answered(response)
    if levels <= MAX_DEPTH:
        assert response.status_code == 200, (levels, response.content[:300])
    else:
        assert response.status_code == 400
        assert "nested too deeply" in response.json()["message"]


@SLOW
@given(n=st.integers(min_value=0, max_value=400))
def test_deep_function_calls_are_bounded(api: Client, n: int) -> None:
    call = "lower(" * n + "name" + ")" * n
    expect_depth(api.get(RECORDS, {"where": f'{call} = "x"'}), n + 2)
    expect_depth(api.get(RECORDS, {"select": call}), n + 1)
    expect_depth(api.get(RECORDS, {"order_by": call}), n + 1)
    expect_depth(api.get(RECORDS, {"group_by": call}), n + 1)


@SLOW
@given(n=st.integers(min_value=0, max_value=2_400))
def test_deep_not_chains_are_bounded(api: Client, n: int) -> None:
    expect_depth(api.get(RECORDS, {"where": "NOT " * n + "id = 1"}), n + 2)


@SLOW
@given(n=st.integers(min_value=0, max_value=4_990), inner=st.sampled_from(["id = 1", "active"]))
def test_deep_parentheses_are_no_level(api: Client, n: int, inner: str) -> None:
    expect_depth(api.get(RECORDS, {"where": "(" * n + inner + ")" * n}), 2)


@SLOW
@given(n=st.integers(min_value=0, max_value=200))
def test_nested_groups_are_bounded(api: Client, n: int) -> None:
    where = "id = 1" + " OR (id = 2 AND (id = 3" * n + "))" * n
    if len(where) <= 10_000:
        expect_depth(api.get(RECORDS, {"where": where}), 2 * n + 2)


@SLOW
@given(
    connectors=st.lists(st.sampled_from([" AND ", " OR "]), min_size=1, max_size=1_100),
    term=st.sampled_from(["id > 0", "active", "NOT id = 2", 'city = "Namur"']),
)
def test_long_and_or_chains_are_answered(api: Client, connectors: list[str], term: str) -> None:
    where = term + "".join(connector + term for connector in connectors)
    for url in (RECORDS, FACETS, EXPORTS + "csv"):
        response = api.get(url, {"where": where})
        answered(response)
        # One level, whatever the length; SQLite may refuse a tree deeper than 1,000 (400).
        if response.status_code == 400:
            message = response.json()["message"]
            assert "nested" not in message, message


condition = st.recursive(
    st.sampled_from(
        [
            "id = 1",
            "active",
            'lower(city) = "namur"',
            "latitude > 50.5",
            "year(founded_on) IN (2010, 2020)",
            "name IS NULL",
        ]
    ),
    lambda inner: st.one_of(
        inner.map(lambda c: f"NOT {c}"),
        inner.map(lambda c: f"({c})"),
        st.tuples(inner, st.sampled_from(["AND", "OR"]), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
    ),
    max_leaves=60,
)


@SLOW
@given(where=condition)
def test_any_nesting_of_conditions_is_answered_200_or_400(api: Client, where: str) -> None:
    response = api.get(RECORDS, {"where": where})
    answered(response)
    if response.status_code == 400:
        assert "nested too deeply" in response.json()["message"]
