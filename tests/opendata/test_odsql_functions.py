"""Opendatasoft's ODSQL functions and forms through the Explore API: group keys beside the
aggregates, `order_by=-field`, `field:value`, `now()`, `random()`, `range()`, `median()`
and `percentile()`, `include()` / `exclude()`, `suggest()`, and the geo functions, each
checked against the fixture's values by an oracle written here in plain Python."""

import datetime
import json
import math
import re
import statistics
import zoneinfo
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta, weekday
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st

from territoria.opendata import compiler_now
from territoria.opendata.odsql import ODSQLError
from tests.opendata.conftest import EXPORTS, RECORDS, ROWS

UTC = datetime.UTC
EARTH_RADIUS_M = 6_371_008.7714  # Elasticsearch's mean radius, on which Opendatasoft computes
NAMUR = (50.46, 4.87)  # latitude, longitude
METRES = {"m": 1, "km": 1000, "mi": 1609.344, "yd": 0.9144, "ft": 0.3048}


def body(client: Client, **params: Any) -> dict[str, Any]:
    response = client.get(RECORDS, {"limit": 100, **params})
    assert response.status_code == 200, response.content
    result: dict[str, Any] = response.json()
    return result


def results(client: Client, **params: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = body(client, **params)["results"]
    return found


def refused(client: Client, **params: Any) -> str:
    response = client.get(RECORDS, params)
    assert response.status_code == 400, (params, response.content)
    payload = response.json()
    assert payload["error_code"] == "ODSQLError"
    message: str = payload["message"]
    return message


def ids(client: Client, **params: Any) -> list[int]:
    return [r["id"] for r in results(client, select="id", **params)]


def located(orgs: list[dict[str, Any]]) -> list[tuple[dict[str, Any], float, float]]:
    """Each organisation with a position, and its latitude and longitude (ROWS' values)."""
    where = {row[0]: (row[4], row[5]) for row in ROWS}
    return [(r, *where[r["name"]]) for r in orgs if where[r["name"]][0] is not None]


def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


# --- group keys ----------------------------------------------------------------------------


def test_group_keys_come_with_the_aggregates_after_them(
    api: Client, orgs: list[dict[str, Any]]
) -> None:
    found = body(api, select="count(*) as n", group_by="city")
    assert all(list(group) == ["n", "city"] for group in found["results"])
    # Opendatasoft v2.1 groups the null values too (an empty city is null).
    assert {g["city"]: g["n"] for g in found["results"]} == Counter(r["city"] for r in orgs)
    assert found["total_count"] == len({r["city"] for r in orgs})
    years = results(api, select="count(*) as n", group_by="year(founded_on) as y, active")
    assert all(list(group) == ["n", "y", "active"] for group in years)
    expected = Counter((r["founded_on"] and r["founded_on"].year, r["active"]) for r in orgs)
    assert {(g["y"], g["active"]): g["n"] for g in years} == expected


def test_a_selected_group_keeps_its_place(api: Client, orgs: list[dict[str, Any]]) -> None:
    found = results(api, select="city, count(*) as n", group_by="city")
    assert all(list(group) == ["city", "n"] for group in found)
    mixed = results(api, select="count(*) as n, active", group_by="city, active")
    assert all(list(group) == ["n", "active", "city"] for group in mixed)
    assert {(g["city"], g["active"]): g["n"] for g in mixed} == Counter(
        (r["city"], r["active"]) for r in orgs
    )


def test_group_keys_are_exported_too(api: Client, orgs: list[dict[str, Any]]) -> None:
    response = api.get(EXPORTS + "json", {"select": "count(*) as n", "group_by": "city"})
    assert response.status_code == 200
    rows = json.loads(b"".join(response.streaming_content))
    assert {row["city"]: row["n"] for row in rows} == Counter(r["city"] for r in orgs)


def test_a_group_named_like_a_selected_column_is_refused(api: Client) -> None:
    assert "two columns" in refused(api, select="count(*) as city", group_by="city")


# --- order_by -field, and aggregates it does not select -----------------------------------------


def test_a_minus_sorts_descending_like_desc(api: Client, orgs: list[dict[str, Any]]) -> None:
    where = "founded_on is not null"
    expected = sorted((r for r in orgs if r["founded_on"]), key=lambda r: r["name"])
    expected.sort(key=lambda r: r["founded_on"], reverse=True)
    assert ids(api, where=where, order_by="-founded_on, name") == [r["id"] for r in expected]
    assert ids(api, where=where, order_by="founded_on desc, name") == [r["id"] for r in expected]
    groups = results(api, select="count(*) as n", group_by="city", order_by="-n, city")
    counts = Counter(r["city"] for r in orgs if r["city"])
    named = [(g["city"], g["n"]) for g in groups if g["city"]]
    assert named == sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    assert "not both" in refused(api, order_by="-name desc")


def test_groups_sort_by_an_aggregate_they_do_not_select(
    api: Client, orgs: list[dict[str, Any]]
) -> None:
    groups = results(api, group_by="city", order_by="count(*) desc, city", where="city is not null")
    counts = Counter(r["city"] for r in orgs if r["city"])
    assert [g["city"] for g in groups] == [
        city for city, _n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    assert list(groups[0]) == ["city"]


# --- field:value -------------------------------------------------------------------------------

COLON_CASES = [
    ('city:"Liège"', lambda r: r["city"] == "Liège"),
    ("city:'Namur'", lambda r: r["city"] == "Namur"),
    ('city:"liège"', lambda r: r["city"] == "liège"),  # exact, as Opendatasoft's `=`
    ('technology:"Cloud"', lambda r: "technology:cloud" in r["tags"]),
    ("latitude:50.46", lambda r: r["latitude"] == 50.46),
    ("active:false", lambda r: r["active"] is False),
    ('NOT city:"Namur"', lambda r: r["city"] is not None and r["city"] != "Namur"),
    ('city:"Namur" OR postcode:"4000"', lambda r: r["city"] == "Namur" or r["postcode"] == "4000"),
]


@pytest.mark.parametrize(("where", "oracle"), COLON_CASES, ids=[c[0] for c in COLON_CASES])
def test_a_colon_is_an_equality(
    api: Client, orgs: list[dict[str, Any]], where: str, oracle: Any
) -> None:
    assert sorted(ids(api, where=where)) == sorted(r["id"] for r in orgs if oracle(r))


# --- now() ---------------------------------------------------------------------------------------


def test_now_moves_by_its_arguments_in_the_requested_timezone(
    api: Client, orgs: list[dict[str, Any]]
) -> None:
    new_year = "now(year=2024, month=1, day=1, hour=0, minute=0, second=0, microsecond=0)"
    utc = datetime.datetime(2024, 1, 1, tzinfo=UTC)
    assert sorted(ids(api, where=f"created_at >= {new_year}")) == sorted(
        r["id"] for r in orgs if r["created_at"] >= utc
    )
    # Midnight in Brussels is 23:00 UTC the day before: Delta (23:59 UTC) is of 2024 there.
    brussels = utc.replace(tzinfo=zoneinfo.ZoneInfo("Europe/Brussels"))
    local = ids(api, where=f"created_at >= {new_year}", timezone="Europe/Brussels")
    assert sorted(local) == sorted(r["id"] for r in orgs if r["created_at"] >= brussels)
    assert len(local) == len(ids(api, where=f"created_at >= {new_year}")) + 1


def test_now_compares_with_datetimes_and_dates(api: Client, orgs: list[dict[str, Any]]) -> None:
    now = datetime.datetime.now(UTC)
    three_years_ago = now + relativedelta(years=-3)
    assert sorted(ids(api, where="created_at > now(years=-3)")) == sorted(
        r["id"] for r in orgs if r["created_at"] > three_years_ago
    )
    twenty = (now + relativedelta(years=-20, months=+1)).date()
    assert sorted(ids(api, where="founded_on < now(years=-20, months=+1)")) == sorted(
        r["id"] for r in orgs if r["founded_on"] and r["founded_on"] < twenty
    )
    assert sorted(ids(api, where="created_at <= now()")) == sorted(r["id"] for r in orgs)


@pytest.mark.parametrize(
    ("where", "named"),
    [
        ("created_at > now(days=1.5)", "whole number"),
        ("created_at > now(fortnights=1)", "unknown argument"),
        ("created_at > now(1)", "named arguments"),
        ("created_at > now(month=13)", "1 to 12"),
        ("created_at > now(years=99999)", "out of range"),
        ("created_at > now(mondays=0)", "not 0"),
        ("created_at > now(days>1)", "days="),
        ("days=1", "unknown field"),
    ],
)
def test_a_wrong_now_says_what(api: Client, where: str, named: str) -> None:
    assert named in refused(api, where=where)


WEEK = ("mondays", "tuesdays", "wednesdays", "thursdays", "fridays", "saturdays", "sundays")


@settings(max_examples=300, deadline=None)
@given(
    start=st.datetimes(
        min_value=datetime.datetime(1900, 1, 1), max_value=datetime.datetime(2100, 1, 1)
    ),
    absolute=st.dictionaries(
        st.sampled_from(["year", "month", "day", "hour", "minute", "weekday"]),
        st.integers(1, 6),
        max_size=3,
    ),
    relative=st.dictionaries(
        st.sampled_from(["years", "months", "days", "hours", "minutes", "seconds"]),
        st.integers(-400, 400),
        max_size=3,
    ),
    week=st.one_of(st.none(), st.tuples(st.integers(0, 6), st.integers(-3, 3).filter(bool))),
)
def test_now_moves_as_dateutil_relativedelta_does(
    start: datetime.datetime,
    absolute: dict[str, int],
    relative: dict[str, int],
    week: tuple[int, int] | None,
) -> None:
    # Opendatasoft's parameters are relativedelta's: the oracle is relativedelta itself.
    parts: dict[str, int] = {**absolute, **relative}
    delta: dict[str, Any] = {**absolute, **relative}
    if week is not None:
        parts.pop("weekday", None)
        parts[WEEK[week[0]]] = week[1]
        delta["weekday"] = weekday(week[0])(week[1])
    start = start.replace(tzinfo=UTC)
    try:
        expected = start + relativedelta(**delta)
    except (OverflowError, ValueError):  # before year 1 or after 9999
        with pytest.raises(ODSQLError, match="out of range"):
            compiler_now.moved(start, parts)
        return
    assert compiler_now.moved(start, parts) == expected


# --- random() ------------------------------------------------------------------------------------


def test_random_orders_differently_and_a_seed_the_same_way(
    api: Client, orgs: list[dict[str, Any]]
) -> None:
    everyone = sorted(r["id"] for r in orgs)
    assert sorted(ids(api, order_by="random()")) == everyone
    seeded = {seed: ids(api, order_by=f"random({seed})") for seed in range(1, 6)}
    assert all(sorted(order) == everyone for order in seeded.values())
    assert ids(api, order_by="random(3)") == seeded[3]
    assert len({tuple(order) for order in seeded.values()}) > 1
    groups = results(api, group_by="city", order_by="random(2)")
    assert results(api, group_by="city", order_by="random(2)") == groups
    assert sorted(g["city"] or "" for g in groups) == sorted({r["city"] or "" for r in orgs})
    assert "order_by" in refused(api, where="random() > 1")
    assert "seed" in refused(api, order_by='random("x")')


# --- range() -----------------------------------------------------------------------------------


def decimal_text(value: Decimal) -> str:
    return str(int(value)) if value == value.to_integral_value() else f"{value.normalize():f}"


def test_range_groups_numbers_by_equal_widths(api: Client, orgs: list[dict[str, Any]]) -> None:
    found = results(api, select="count(*) as n", group_by="range(latitude, 0.1) as band")
    step = Decimal("0.1")
    expected: Counter[str | None] = Counter()
    for r in orgs:
        if r["latitude"] is None:
            expected[None] += 1
            continue
        low = math.floor(r["latitude"] / 0.1) * step
        expected[f"[{decimal_text(low)}, {decimal_text(low + step)}["] += 1
    assert {g["band"]: g["n"] for g in found} == expected
    assert "[50.4, 50.5[" in expected
    # Groups come in the order of their ranges (the null group first).
    bands = [g["band"] for g in found if g["band"]]
    assert bands == sorted(bands, key=lambda b: Decimal(b[1:].split(",")[0]))
    by_id = results(api, select="count(*) as n", group_by="range(id, 3)")
    assert {g["range(id, 3)"]: g["n"] for g in by_id} == Counter(
        f"[{r['id'] // 3 * 3}, {r['id'] // 3 * 3 + 3}[" for r in orgs
    )


def test_range_groups_dates_by_calendar_units(api: Client, orgs: list[dict[str, Any]]) -> None:
    years = results(api, select="count(*) as n", group_by="range(founded_on, 1 year) as y")
    expected = Counter(
        f"[{d.year}-01-01T00:00:00.000Z, {d.year + 1}-01-01T00:00:00.000Z["
        if (d := r["founded_on"])
        else None
        for r in orgs
    )
    assert {g["y"]: g["n"] for g in years} == expected
    brussels = zoneinfo.ZoneInfo("Europe/Brussels")
    months = results(
        api,
        select="count(*) as n",
        group_by="range(created_at, 1M) as m",
        timezone="Europe/Brussels",
    )
    oracle: Counter[str] = Counter()
    for r in orgs:
        local = r["created_at"].astimezone(brussels)
        start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        end = (start + relativedelta(months=1)).replace(tzinfo=brussels)
        oracle[
            f"[{start.isoformat(timespec='milliseconds')}, {end.isoformat(timespec='milliseconds')}["
        ] += 1
    assert {g["m"]: g["n"] for g in months} == oracle
    assert "[2024-01-01T00:00:00.000+01:00, 2024-02-01T00:00:00.000+01:00[" in oracle
    days = results(api, select="count(*) as n", group_by="range(created_at, 1 day) as d")
    assert {g["d"]: g["n"] for g in days} == Counter(
        f"[{r['created_at'].date()}T00:00:00.000Z, "
        f"{r['created_at'].date() + datetime.timedelta(days=1)}T00:00:00.000Z["
        for r in orgs
    )


def test_range_groups_by_static_bounds(api: Client, orgs: list[dict[str, Any]]) -> None:
    def band(lat: float | None, below: bool, above: bool) -> str | None:
        if lat is None:
            return None
        if lat < 50.45:
            return "[*, 50.45[" if below else "out"
        if lat < 50.6:
            return "[50.45, 50.6["
        return "[50.6, *[" if above else "out"

    for spec, below, above in [
        ("*, 50.45, 50.6, *", True, True),
        ("50.45, 50.6", False, False),
        ("*, 50.45, 50.6", True, False),
    ]:
        found = results(api, select="count(*) as n", group_by=f"range(latitude, {spec}) as b")
        expected = Counter(band(r["latitude"], below, above) for r in orgs)
        expected.pop("out", None)  # a value in no range is left out
        assert {g["b"]: g["n"] for g in found} == expected, spec
    dates = results(
        api,
        select="count(*) as n",
        group_by="range(founded_on, *, date'2010-01-01', date'2015-01-01', *) as b",
    )
    first, second = datetime.date(2010, 1, 1), datetime.date(2015, 1, 1)
    names = ["[*, 2010-01-01T00:00:00.000Z[", "[2010-01-01T00:00:00.000Z, 2015-01-01T00:00:00.000Z[",
             "[2015-01-01T00:00:00.000Z, *["]  # fmt: skip
    assert {g["b"]: g["n"] for g in dates} == Counter(
        None if not (d := r["founded_on"]) else names[(d >= first) + (d >= second)] for r in orgs
    )


def test_range_groups_are_exported(api: Client, orgs: list[dict[str, Any]]) -> None:
    response = api.get(
        EXPORTS + "json", {"select": "count(*) as n", "group_by": "range(latitude, 1) as b"}
    )
    rows = json.loads(b"".join(response.streaming_content))
    assert {row["b"]: row["n"] for row in rows} == Counter(
        None if r["latitude"] is None else "[50, 51[" for r in orgs
    )


@pytest.mark.parametrize(
    ("group_by", "named"),
    [
        ("range(latitude, 0)", "above 0"),
        ("range(latitude, -1)", "above 0"),
        ("range(city, 1)", "numbers or dates"),
        ("range(latitude, 1km)", "width in numbers"),
        ("range(created_at, 2 days)", "one unit"),
        ("range(created_at, 1 fortnight)", "unknown unit"),
        ("range(created_at, 1ms)", "milliseconds"),
        ("range(created_at, 1)", "unit"),
        ("range(founded_on, 1h)", "no hours"),
        ("range(latitude, 50.6, 50.45)", "increase"),
        ("range(latitude)", "width"),
        ("range(latitude, *, *)", "bounds"),
        ("range(latitude, 'a', 'b')", "cannot compare"),
    ],
)
def test_a_wrong_range_says_what(api: Client, group_by: str, named: str) -> None:
    assert named in refused(api, group_by=group_by)


def test_range_belongs_to_group_by(api: Client) -> None:
    assert "group_by" in refused(api, select="range(latitude, 1)")
    assert "group_by" in refused(api, where="range(latitude, 1) = 'x'")
    grouped = results(
        api, select="range(latitude, 1), count(*) as n", group_by="range(latitude, 1)"
    )
    assert all(list(g) == ["range(latitude, 1)", "n"] for g in grouped)


# --- median() and percentile() ---------------------------------------------------------------


def percentile_cont(values: list[float], p: float) -> float:
    """The interpolated percentile, written from its definition."""
    ordered = sorted(values)
    position = p / 100 * (len(ordered) - 1)
    below = int(position)
    if below == len(ordered) - 1:
        return ordered[below]
    return ordered[below] * (1 - (position - below)) + ordered[below + 1] * (position - below)


def test_median_and_percentile_interpolate_exactly(api: Client, orgs: list[dict[str, Any]]) -> None:
    latitudes = [r["latitude"] for r in orgs if r["latitude"] is not None]
    row = results(
        api,
        select="median(latitude) as m, percentile(latitude, 25) as p25, "
        "percentile(latitude, 90.5) as p90, percentile(latitude, 0) as p0, "
        "percentile(latitude, 100) as p100, median(id) as mid",
    )[0]
    assert row["m"] == pytest.approx(statistics.median(latitudes), rel=1e-12)
    assert row["p25"] == pytest.approx(percentile_cont(latitudes, 25), rel=1e-12)
    assert row["p90"] == pytest.approx(percentile_cont(latitudes, 90.5), rel=1e-12)
    # To the bit, the same on both databases: PostgreSQL's arithmetic, lo + (hi - lo) × f.
    ordered, rank = sorted(latitudes), 0.905 * (len(latitudes) - 1)
    low, high = ordered[math.floor(rank)], ordered[math.ceil(rank)]
    assert row["p90"] == low + (high - low) * (rank - math.floor(rank))
    assert (row["p0"], row["p100"]) == (min(latitudes), max(latitudes))
    assert row["mid"] == statistics.median(r["id"] for r in orgs)
    assert isinstance(row["mid"], float)


def test_median_per_group(api: Client, orgs: list[dict[str, Any]]) -> None:
    found = results(api, select="median(latitude) as m", group_by="city")
    by_city: dict[Any, list[float]] = {}
    for r in orgs:
        by_city.setdefault(r["city"], [])
        if r["latitude"] is not None:
            by_city[r["city"]].append(r["latitude"])
    medians = {g["city"]: g["m"] for g in found}
    assert medians.keys() == by_city.keys()
    for city, values in by_city.items():
        if values:
            assert medians[city] == pytest.approx(statistics.median(values), rel=1e-12)
        else:
            assert medians[city] is None
    ordered = results(api, select="median(latitude) as m", group_by="city", order_by="-m")
    medians = [g["m"] for g in ordered if g["m"] is not None]
    assert medians == sorted(medians, reverse=True)


@pytest.mark.parametrize(
    ("select", "named"),
    [
        ("median(city)", "numeric"),
        ("percentile(latitude, 101)", "between 0 and 100"),
        ("percentile(latitude, -1)", "between 0 and 100"),
        ("percentile(latitude)", "a field and a percentile"),
        ("percentile(latitude, 'x')", "is a number"),
        ("median(*)", "takes a field"),
        ("median(latitude, 2)", "one argument"),
        ("median(median(latitude))", "is an aggregate"),
    ],
)
def test_a_wrong_percentile_says_what(api: Client, select: str, named: str) -> None:
    assert named in refused(api, select=select)


def test_median_is_no_condition(api: Client) -> None:
    assert "aggregate" in refused(api, where="median(latitude) > 1")


# --- include() and exclude() ---------------------------------------------------------------

FIELDS = ["id", "name", "city", "postcode", "founded_on", "latitude", "active", "created_at",
          "position", "technology", "size"]  # fmt: skip


@pytest.mark.parametrize(
    ("select", "columns"),
    [
        ("include(c*)", ["city", "created_at"]),
        ("include(name)", ["name"]),
        ("name, include(c*)", ["name", "city", "created_at"]),
        ("include(c*), city as town", ["city", "created_at", "town"]),
        ("include(na*), name", ["name"]),
        ("exclude(technology), exclude(size)", FIELDS[:-2]),
        ("exclude(c*, p*)", [f for f in FIELDS if f[0] not in "cp"]),
        ("include(*), exclude(t*)", [f for f in FIELDS if f != "technology"]),
        ("id, name, exclude(name)", ["id"]),
        ("include(zz*), id", ["id"]),
    ],
)
def test_include_and_exclude_choose_fields_by_pattern(
    api: Client, select: str, columns: list[str]
) -> None:
    found = results(api, select=select, where='name = "Alpha SA"')
    assert list(found[0]) == columns


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"select": "include(nope)"}, "unknown field"),
        ({"select": "include(name) as n"}, "alias"),
        ({"select": "include('name')"}, "field names"),
        ({"select": "include()"}, "field names"),
        ({"where": "include(name)"}, "only allowed in select"),
        ({"select": "name*"}, "unexpected"),
    ],
)
def test_a_wrong_include_says_what(api: Client, params: dict[str, str], named: str) -> None:
    assert named in refused(api, **params)


# --- suggest() --------------------------------------------------------------------------------

TERM = re.compile(r"[\s'’\"«(/-]")


def suggests(values: Any, text: str) -> bool:
    """Whether a value (or one of a list's) has a term beginning with `text`."""
    if values is None:
        return False
    texts = values if isinstance(values, list) else [values]
    return any(term.lower().startswith(text.lower()) for v in texts for term in TERM.split(str(v)))


@pytest.mark.parametrize(
    ("fields", "text"),
    [
        (["name"], "mult"),  # after a new line
        (["name"], "quoted"),  # after a quote, case aside
        (["name"], "eta"),  # not inside a word
        (["name"], "vir"),
        (["name", "city"], "li"),
        (["technology"], "intel"),  # any of a multivalued field's values
        (["technology", "city"], "nam"),
        ([], "li"),  # every text field
        (["*"], "cl"),
    ],
)
def test_suggest_finds_terms_that_begin_with_the_text(
    api: Client, fields: list[str], text: str
) -> None:
    everything = results(api)
    searched = [f for f in fields if f != "*"] or ["name", "city", "postcode", "technology", "size"]
    expected = sorted(r["id"] for r in everything if any(suggests(r[f], text) for f in searched))
    where = f"suggest({', '.join([*fields, repr(text)])})"
    assert sorted(ids(api, where=where)) == expected
    assert bool(expected) == (text != "eta"), where  # each case but one finds something
    negated = sorted(
        r["id"]
        for r in everything
        if all(r[f] is not None and not suggests(r[f], text) for f in searched)
    )
    if fields and "technology" not in fields and "*" not in fields:
        assert sorted(ids(api, where=f"NOT {where}")) == negated


def test_a_wrong_suggest_says_what(api: Client) -> None:
    assert "text field" in refused(api, where="suggest(latitude, 'x')")
    assert "text in quotes" in refused(api, where="suggest(name)")
    assert "takes fields" in refused(api, where="suggest()")
    assert "alone" in refused(api, where="suggest(name, *, 'x')")
    assert "where" in refused(api, select="suggest('x')")


# --- geo ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("point", "distance"),
    [
        ("geom'POINT(4.87 50.46)'", "10km"),
        ("geom'POINT(4.87 50.46)'", "60 km"),
        ("geom'point(4.35 50.85)'", "50000"),
        ("geom'POINT(4.35 50.85)'", "40mi"),
        ('geom\'{"type": "Point", "coordinates": [5.57, 50.63]}\'', "100000ft"),
        ("geom'POINT(4.44 50.41)'", "80000yd"),
        ("geom'POINT(4.44 50.41)'", "0m"),
    ],
)
def test_within_distance_keeps_the_points_in_the_circle(
    api: Client, orgs: list[dict[str, Any]], point: str, distance: str
) -> None:
    numbers = re.findall(r"[-\d.]+", point)
    lon, lat = float(numbers[0]), float(numbers[1])
    value, unit = re.fullmatch(r"([\d.]+)\s*([a-z]*)", distance).groups()  # type: ignore[union-attr]
    radius = float(value) * METRES[unit or "m"]
    inside = sorted(r["id"] for r, la, lo in located(orgs) if haversine(lat, lon, la, lo) <= radius)
    outside = sorted(r["id"] for r, la, lo in located(orgs) if haversine(lat, lon, la, lo) > radius)
    where = f"within_distance(position, {point}, {distance})"
    assert sorted(ids(api, where=where)) == inside
    assert sorted(ids(api, where=f"NOT {where}")) == outside


def test_within_distance_keeps_a_point_on_the_circle(
    api: Client, orgs: list[dict[str, Any]]
) -> None:
    # The bounding box that comes first must never leave out a point the distance keeps.
    for record, lat, lon in located(orgs):
        for center_lat, center_lon in [NAMUR, (50.85, 4.35), (-33.9, 151.2)]:
            radius = haversine(center_lat, center_lon, lat, lon) * (1 + 1e-9)
            where = (
                f"within_distance(position, geom'POINT({center_lon} {center_lat})', {radius!r}m)"
            )
            assert record["id"] in ids(api, where=where), where


def test_in_bbox_keeps_the_points_in_the_box(api: Client, orgs: list[dict[str, Any]]) -> None:
    for corners in [(50.4, 4.0, 50.5, 5.0), (50.5, 5.0, 50.4, 4.0), (50.0, 3.0, 51.0, 6.0)]:
        lat1, lon1, lat2, lon2 = corners
        expected = sorted(
            r["id"]
            for r, la, lo in located(orgs)
            if min(lat1, lat2) <= la <= max(lat1, lat2) and min(lon1, lon2) <= lo <= max(lon1, lon2)
        )
        where = f"in_bbox(position, {lat1}, {lon1}, {lat2}, {lon2})"
        assert sorted(ids(api, where=where)) == expected


def test_distance_is_selected_and_sorted_in_metres(api: Client, orgs: list[dict[str, Any]]) -> None:
    point = "geom'POINT(4.87 50.46)'"
    found = results(api, select=f"id, distance(position, {point}) as d")
    where = {r["id"]: (la, lo) for r, la, lo in located(orgs)}
    for row in found:
        if row["id"] in where:
            assert row["d"] == pytest.approx(haversine(*NAMUR, *where[row["id"]]), rel=1e-9)
        else:
            assert row["d"] is None
    nearest = ids(api, where="position is not null", order_by=f"distance(position, {point}), id")
    assert nearest == sorted(where, key=lambda i: (haversine(*NAMUR, *where[i]), i))
    farthest = ids(api, where="position is not null", order_by=f"-distance(position, {point})")
    assert farthest == sorted(where, key=lambda i: -haversine(*NAMUR, *where[i]))


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"where": "distance(position, geom'POINT(1 1)') < 1000"}, "within_distance"),
        ({"where": "within_distance(city, geom'POINT(1 1)', 1km)"}, "geo_point_2d field"),
        ({"where": "within_distance(position, geom'POLYGON((1 1, 2 2, 1 2, 1 1))', 1km)"}, "not a point"),
        ({"where": "within_distance(position, geom'POINT(1)', 1km)"}, "not a point"),
        ({"where": "within_distance(position, geom'{\"type\": \"Point\"}', 1km)"}, "not a point"),
        ({"where": "within_distance(position, geom'POINT(200 1)', 1km)"}, "longitude"),
        ({"where": "within_distance(position, geom'POINT(1 91)', 1km)"}, "latitude"),
        ({"where": "within_distance(position, geom'POINT(1 1)', 1 furlong)"}, "unknown unit"),
        ({"where": "within_distance(position, geom'POINT(1 1)', -1km)"}, "positive"),
        ({"where": "within_distance(position, 'x', 1km)"}, "point"),
        ({"where": "within_distance(position, geom'POINT(1 1)')"}, "a point and a distance"),
        ({"where": "in_bbox(position, 1, 2, 3)"}, "two corners"),
        ({"where": "in_bbox(position, 1, 2, 3, 'x')"}, "numbers"),
        ({"where": "in_bbox(position, 95, 2, 3, 4)"}, "latitude"),
        ({"where": "position = geom'POINT(1 1)'"}, "cannot be compared"),
        ({"where": "geom'POINT(1 1)' IS NULL"}, "never null"),
        ({"where": "name = 10km"}, "unexpected"),
        ({"select": "geom'POINT(1 1)'"}, "constants"),
        ({"select": "within_distance(position, geom'POINT(1 1)', 1km)"}, "where"),
        ({"select": "distance(city, geom'POINT(1 1)')"}, "geo_point_2d field"),
        ({"select": "count(*)", "group_by": "city", "order_by": "distance(position, geom'POINT(1 1)')"}, "sort by"),
    ],
)  # fmt: skip
def test_a_wrong_geo_function_says_what(api: Client, params: dict[str, str], named: str) -> None:
    assert named in refused(api, **params)
