import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from territoria.opendata.odsql import (
    And,
    Call,
    Compare,
    Distinct,
    Field,
    FieldPattern,
    Geometry,
    In,
    IsNull,
    Like,
    Literal,
    Named,
    Not,
    ODSQLError,
    Or,
    OrderItem,
    Quantity,
    SelectItem,
    Star,
    Truthy,
    parse_order_by,
    parse_select,
    parse_where,
)

F, L = Field, Literal


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ('status = "done"', Compare("=", F("status"), L("done"))),
        ("budget >= 1000.5", Compare(">=", F("budget"), L(Decimal("1000.5")))),
        ("a <> 1", Compare("!=", F("a"), L(Decimal(1)))),
        ("start > date'2024-01-01'", Compare(">", F("start"), L(datetime.date(2024, 1, 1)))),
        ('`field with space` = "x"', Compare("=", F("field with space"), L("x"))),
        ("recovery_plan = true", Compare("=", F("recovery_plan"), L(True))),
        ("end IS NULL", IsNull(F("end"))),
        ("end is not null", IsNull(F("end"), negated=True)),
        ('audience IN ("smes", "citizens")', In(F("audience"), (L("smes"), L("citizens")))),
        ('audience not in ("smes")', In(F("audience"), (L("smes"),), negated=True)),
        ('name LIKE "Fri%"', Like(F("name"), L("Fri%"))),
        ('name not like "Fri%"', Like(F("name"), L("Fri%"), negated=True)),
        ('"intelligence artificielle"', Truthy(L("intelligence artificielle"))),
        ('search(name, "frit")', Truthy(Call("search", (F("name"), L("frit"))))),
        ('startswith(name, "Fri")', Truthy(Call("startswith", (F("name"), L("Fri"))))),
        ("a = 1 AND b = 2 and c = 3", And((Compare("=", F("a"), L(Decimal(1))), Compare("=", F("b"), L(Decimal(2))), Compare("=", F("c"), L(Decimal(3)))))),
        ("a = 1 OR b = 2 AND c = 3", Or((Compare("=", F("a"), L(Decimal(1))), And((Compare("=", F("b"), L(Decimal(2))), Compare("=", F("c"), L(Decimal(3)))))))),
        ("(a = 1 OR b = 2) AND NOT c = 3", And((Or((Compare("=", F("a"), L(Decimal(1))), Compare("=", F("b"), L(Decimal(2))))), Not(Compare("=", F("c"), L(Decimal(3))))))),
        ("""name = 'l\\'Oréal'""", Compare("=", F("name"), L("l'Oréal"))),
        ("country_code:'FR'", Compare("=", F("country_code"), L("FR"))),
        ("`and`: 3", Compare("=", F("and"), L(Decimal(3)))),
        ("a > now(days=-7, mondays=+1)", Compare(">", F("a"), Call("now", (Named("days", L(Decimal(-7))), Named("mondays", L(Decimal(1))))))),
        ("within_distance(p, geom'POINT(1 2)', 10km)", Truthy(Call("within_distance", (F("p"), L(Geometry("POINT(1 2)")), Quantity(L(Decimal(10)), "km"))))),
        ("suggest(a, b, 'x')", Truthy(Call("suggest", (F("a"), F("b"), L("x"))))),
    ],
)  # fmt: skip
def test_where(text, tree):
    assert parse_where(text) == tree


def test_select_group_by_and_order_by():
    assert parse_select(
        "count(*) as n, year(start) AS y, count(distinct programme), sum(budget)"
    ) == (
        SelectItem(Call("count", (Star(),)), "n"),
        SelectItem(Call("year", (F("start"),)), "y"),
        SelectItem(Call("count", (Distinct(F("programme")),)), None),
        SelectItem(Call("sum", (F("budget"),)), None),
    )
    assert parse_select('date_format(start, "yyyy-MM") as month') == (
        SelectItem(Call("date_format", (F("start"), L("yyyy-MM"))), "month"),
    )
    assert parse_order_by("n desc, name ASC, budget") == (
        OrderItem(F("n"), True), OrderItem(F("name"), False), OrderItem(F("budget"), False),
    )  # fmt: skip
    # `-` before sorts descending (Opendatasoft's JavaScript client writes -population);
    # `-1` stays a number.
    assert parse_order_by("-population, - n, -1") == (
        OrderItem(F("population"), True), OrderItem(F("n"), True), OrderItem(L(Decimal(-1)), False),
    )  # fmt: skip
    assert parse_select("include(pop*), exclude(`a b`*), range(d, 1 day) as r") == (
        SelectItem(Call("include", (FieldPattern("pop"),)), None),
        SelectItem(Call("exclude", (FieldPattern("a b"),)), None),
        SelectItem(Call("range", (F("d"), Quantity(L(Decimal(1)), "day"))), "r"),
    )


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("year >", "ends too early", 6),
        ('a = "x', "unexpected character", 4),
        ("((((", "ends too early", 4),
        ("a = date'2024-13-01'", "invalid date", 8),
        ("a = 1e99999999999999999999999", "out of range", 4),
        ("a = = 1", "unexpected", 4),
        ("", "empty", 0),
        ("a = 1 b = 2", "unexpected", 6),
        ("now(days > 1)", "write days=", 9),
    ],
)
def test_errors_say_what_and_where(text, message, position):
    with pytest.raises(ODSQLError) as error:
        parse_where(text)
    assert message in str(error.value)
    assert error.value.position == position


def test_a_minus_and_desc_together_are_refused():
    with pytest.raises(ODSQLError, match="not both"):
        parse_order_by("-a desc")


def test_length_and_depth_limits():
    with pytest.raises(ODSQLError, match="longer"):
        parse_where("a = 1 AND " * 2000 + "b = 2")
    # Redundant parentheses are no level; a long chain of AND is one, whatever its length.
    assert parse_where("(" * 3000 + "a = 1" + ")" * 3000) == Compare("=", F("a"), L(Decimal(1)))
    assert len(parse_where(" AND ".join(["a = 1"] * 1000)).items) == 1000
    with pytest.raises(ODSQLError, match="nested too deeply: at most 20 levels"):
        parse_where("NOT " * 1000 + "a = 1")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_text_is_parsed_or_refused_with_odsql_error(text):
    for parse in (parse_where, parse_select, parse_order_by):
        try:
            parse(text)
        except ODSQLError:
            pass


TOKENS = ['a', 'b', '"x"', "1", "2.5", "date'2024-01-01'", "true", "null", "=", "!=", "<", ">=",
          "AND", "OR", "NOT", "IN", "IS", "LIKE", "(", ")", ",", "*", "count", "distinct", "as", "desc",
          ":", "-", "+1", "km", "geom'POINT(1 2)'", "now", "days"]  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=15))
def test_token_soups_are_parsed_or_refused(tokens):
    text = " ".join(tokens)
    for parse in (parse_where, parse_select, parse_order_by):
        try:
            parse(text)
        except ODSQLError:
            pass
