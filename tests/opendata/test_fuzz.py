"""Hypothesis throws query texts at the API: every answer is 200 or 400, never a 500."""

from typing import Any

from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.opendata.conftest import FACETS, RECORDS

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
query_text = st.one_of(soup, wellformed, st.text(max_size=60))

SLOW = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def answered(response: Any) -> None:
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
