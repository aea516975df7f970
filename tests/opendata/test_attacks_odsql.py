"""Attacks on the ODSQL functions of the Explore API v2.1 (`now()`, `range()`, `median()` and
`percentile()`, the geo functions and geom'…' literals, `include()` / `exclude()`,
`random(seed)`, `suggest()`, `-field` and `field:value`), each kept as a regression test.

A test named after a finding fails until the finding is fixed; the parametrised ones after
them guard attacks that already hold. Every answer is a 200, or a 400 / 404 in
Opendatasoft's shape `{"error_code", "message"}`, never a 500, and is checked against an
oracle computed here from the fixture's values, never against another answer.
"""

import bisect
import csv
import datetime
import io
import json
import math
import statistics
import string
import time
import zoneinfo
from collections import Counter
from decimal import ROUND_FLOOR, Decimal, localcontext
from typing import Any

import openpyxl
import pyarrow.parquet as pq
import pytest
from dateutil.relativedelta import relativedelta
from django.test import Client

from territoria.ecosystem.models import Organisation
from territoria.taxonomy import index
from tests.factories import organisation
from tests.opendata.conftest import EXPORTS, FACETS, RECORDS, ROWS

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
EARTH_RADIUS_M = 6_371_008.7714  # the radius compiler_geo.py documents (Elasticsearch's)
NAMUR = "geom'POINT(4.87 50.46)'"
Row = dict[str, Any]


@pytest.fixture
def attacker(orgs: list[Row], settings: Any) -> Client:
    """A client that gets a 500 back as an answer instead of the view's exception."""
    settings.OPENDATA_RATE_LIMIT = 10**9
    return Client(raise_request_exception=False)


def answer(client: Client, url: str = RECORDS, **params: Any) -> tuple[int, bytes]:
    """The status and body of a request; anything but a 200 must be a 400 or 404 in
    Opendatasoft's error shape."""
    response = client.get(url, params)
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    exc = getattr(response, "exc_info", None)
    assert response.status_code in (200, 400, 404), (
        params,
        response.status_code,
        repr(exc[1]) if exc else raw[:300],
    )
    if response.status_code != 200:
        assert set(json.loads(raw)) == {"error_code", "message"}, raw[:300]
    return response.status_code, raw


def found(client: Client, **params: Any) -> dict[str, Any]:
    status, raw = answer(client, RECORDS, **{"limit": 100, **params})
    assert status == 200, (params, raw[:300])
    result: dict[str, Any] = json.loads(raw)
    return result


def results(client: Client, **params: Any) -> list[Row]:
    rows: list[Row] = found(client, **params)["results"]
    return rows


def refused(client: Client, url: str = RECORDS, **params: Any) -> str:
    status, raw = answer(client, url, **params)
    assert status == 400, (params, raw[:300])
    message: str = json.loads(raw)["message"]
    return message


def ids(client: Client, **params: Any) -> list[int]:
    return [r["id"] for r in results(client, select="id", **params)]


def positions(orgs: list[Row]) -> dict[int, tuple[float, float]]:
    """Each located organisation's (latitude, longitude), from ROWS."""
    where = {row[0]: (row[4], row[5]) for row in ROWS}
    return {r["id"]: where[r["name"]] for r in orgs if where[r["name"]][0] is not None}


def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def decimal_text(value: Decimal) -> str:
    return str(int(value)) if value == value.to_integral_value() else f"{value.normalize():f}"


def exact_band(value: float, width: str) -> str:
    """The range of equal widths a value falls in, computed exactly on the value as written
    (its shortest decimal, which is how the API shows it) and the width as written."""
    with localcontext(prec=1000):
        step = Decimal(width)
        low = (Decimal(repr(value)) / step).to_integral_value(rounding=ROUND_FLOOR) * step
        return f"[{decimal_text(low)}, {decimal_text(low + step)}["


def iso(moment: datetime.datetime) -> str:
    text = moment.isoformat(timespec="milliseconds")
    return text[:-6] + "Z" if text.endswith("+00:00") else text


# === Findings ===================================================================================

# --- now() at the calendar's ends, in a timezone: a 500 on SQLite -------------------------------
# compiler_expressions.ExpressionCompiler.now gives an aware datetime in the request's timezone;
# compared with a datetime field or another now() (comparable() leaves two datetimes as they
# are), SQLite's adapter converts it to UTC, which past 9999-12-31 or before 0001-01-01 raises
# OverflowError (PostgreSQL answers).

NOW_AT_THE_ENDS = [
    ("created_at > now(year=9999, month=12, day=31, hour=23)", "America/New_York", False),
    ("created_at > now(year=1, month=1, day=1, hour=0)", "Asia/Tokyo", True),
    ("now(year=9999, month=12, day=31, hour=23) > now(years=-1)", "America/New_York", True),
    ("created_at IN (now(year=1, month=1, day=1, hour=0), now())", "Asia/Tokyo", False),
]


@pytest.mark.parametrize(("where", "tz", "everyone"), NOW_AT_THE_ENDS)
def test_now_at_the_calendar_ends_in_a_timezone_is_no_server_error(
    attacker: Client, orgs: list[Row], where: str, tz: str, everyone: bool
) -> None:
    status, raw = answer(attacker, where=where, timezone=tz, select="id", limit=100)
    if status == 200:
        assert sorted(r["id"] for r in json.loads(raw)["results"]) == sorted(
            r["id"] for r in orgs if everyone
        )


def test_now_at_the_calendar_end_as_a_range_bound_is_no_server_error(attacker: Client) -> None:
    end = "now(year=9999, month=12, day=31, hour=23, minute=0, second=0, microsecond=0)"
    group_by = f"range(created_at, *, {end}, *) as b"
    status, raw = answer(
        attacker, select="count(*) as n", group_by=group_by, timezone="America/New_York"
    )
    if status == 200:
        assert json.loads(raw)["results"] == [
            {"n": len(ROWS), "b": "[*, 9999-12-31T23:00:00.000-05:00["}
        ]


# --- range() with bounds on a text or a boolean: a 500 ------------------------------------------
# compiler_ranges._static checks the type only for numbers (and _widths refuses a text), so the
# bounds of a text or boolean pass, and _number() calls Decimal's to_integral_value on a str or a
# bool (AttributeError). It should refuse, as range(city, 1) does: "range() groups numbers or
# dates, not text".


@pytest.mark.parametrize(
    "group_by",
    [
        "range(city, 'A', 'M')",
        "range(city, *, 'M', *)",
        "range(lower(name), 'a', 'n')",
        "range(active, *, true, *)",
    ],
)
def test_range_bounds_on_a_text_or_a_boolean_are_refused(attacker: Client, group_by: str) -> None:
    assert "range()" in refused(attacker, select="count(*) as n", group_by=group_by)


# --- range() labels in the last period of the calendar: a 500 -----------------------------------
# compiler_ranges._after computes the end of the range in Python: for a date of 9999 the end of
# its year, month, week or day (10000-01-01) raises ValueError / OverflowError while the groups
# are read. The label should still be written (the end as text, "10000-01-01T00:00:00.000Z",
# or "*").


@pytest.mark.parametrize(
    ("group_by", "start"),
    [
        ("range(founded_on, 1 year)", "[9999-01-01T00:00:00.000Z, "),
        ("range(founded_on, 1 month)", "[9999-12-01T00:00:00.000Z, "),
        ("range(founded_on, 1 week)", "[9999-12-27T00:00:00.000Z, "),
        ("range(founded_on, 1 day)", "[9999-12-31T00:00:00.000Z, "),
        ("range(created_at, 1 year)", "[9999-01-01T00:00:00.000Z, "),
        ("range(created_at, 1 hour)", "[9999-12-31T23:00:00.000Z, "),
    ],
)
def test_range_labels_in_the_last_year_of_the_calendar_are_written(
    attacker: Client, group_by: str, start: str
) -> None:
    omega = organisation("Omega", founded_on=datetime.date(9999, 12, 31))
    last = datetime.datetime(9999, 12, 31, 23, 30, tzinfo=UTC)
    Organisation.objects.filter(pk=omega.pk).update(created_at=last)
    index.bump()
    groups = results(attacker, select="count(*) as n", group_by=f"{group_by} as b")
    assert sum(g["n"] for g in groups) == len(ROWS) + 1
    assert [g["n"] for g in groups if (g["b"] or "").startswith(start)] == [1], groups


# --- geom'…': a GeoJSON number too large for a double, or nested too deeply: a 500 --------------
# compiler_geo.point: json.loads reads [1000…0, 50] as a Python int, and float() of it raises
# OverflowError; a GeoJSON nested a few thousand levels raises RecursionError, which the
# `except ValueError` around json.loads does not catch. Both should be the "is not a point" 400.

HUGE = "1" + "0" * 400
DEEP = '{"type": "Point", "coordinates": ' + "[" * 5000


@pytest.mark.parametrize(
    "params",
    [
        {"where": f'within_distance(position, geom\'{{"type": "Point", "coordinates": [{HUGE}, 50]}}\', 1km)'},
        {"select": f'distance(position, geom\'{{"type": "Point", "coordinates": [4, -{HUGE}]}}\')'},
        {"where": f"within_distance(position, geom'{DEEP}', 1km)"},
        {"select": f"distance(position, geom'{DEEP}')"},
    ],
    ids=["huge-longitude", "huge-latitude", "deep-where", "deep-select"],
)  # fmt: skip
def test_a_geojson_point_a_double_cannot_hold_is_refused(
    attacker: Client, params: dict[str, str]
) -> None:
    refused(attacker, **params)


# --- geom'POINT(…)': a regular expression that backtracks in cubic time ---------------------------
# compiler_geo._NUMBER, `\d+\.?\d*`, splits a run of digits between `\d+` and `\d*` in as many
# ways as it has digits; a WKT point that does not match (`POINT(1…1 1…1x)`) tries each split
# of the first number times each of the second: 400 digits each take seconds, the 10,000
# characters a query may have would take about an hour of a server's worker. `\d+(?:\.\d*)?`
# reads the same numbers in linear time.


def test_a_wkt_point_that_does_not_match_is_refused_in_linear_time(attacker: Client) -> None:
    digits = "1" * 500
    start = time.monotonic()
    refused(attacker, where=f"within_distance(position, geom'POINT({digits} {digits}x)', 1km)")
    assert time.monotonic() - start < 1.0


# --- range() of equal widths: a value shown in a range that excludes it ---------------------------
# compiler_ranges._widths numbers a value's range floor(value / width) in doubles, then writes the
# range's bounds exactly from that number: 50.41 / 0.001 is 50409.99999999999 in doubles, so
# 50.41 is counted in "[50.409, 50.41[". The number should be corrected where the double
# quotient falls a hair short of a bound (compare the value with the bound the label will show),
# and a width so fine that the quotient loses the value's digits (beyond 2**53; with 5e-324 an
# infinity, which SQLite turns into a second null group) refused.


@pytest.mark.parametrize("width", ["0.1", "0.05", "0.001", "0.0001", "0.00001"])
def test_range_labels_contain_the_values_they_count(
    attacker: Client, orgs: list[Row], width: str
) -> None:
    groups = results(attacker, select="count(*) as n", group_by=f"range(latitude, {width}) as b")
    expected = Counter(
        None if r["latitude"] is None else exact_band(r["latitude"], width) for r in orgs
    )
    assert {g["b"]: g["n"] for g in groups} == expected


@pytest.mark.parametrize("width", ["1e-18", "1e-300", "5e-324"])
def test_range_too_fine_a_width_is_refused_or_exact(
    attacker: Client, orgs: list[Row], width: str
) -> None:
    status, raw = answer(
        attacker, select="count(*) as n", group_by=f"range(latitude, {width}) as b"
    )
    if status == 200:
        expected = Counter(
            None if r["latitude"] is None else exact_band(r["latitude"], width) for r in orgs
        )
        assert {g["b"]: g["n"] for g in json.loads(raw)["results"]} == expected


# --- The selection's cached ids ignore what range() with bounds leaves out -----------------------
# compile_query adds the condition of range(field, low, high) (the values in no range are left
# out) to the `where` it compiles, but Selection.cache_key (selection.py) names the `where` text
# only: with a taxonomy refinement, the ids of a grouped request are reused by the next request
# with the same `where`, which then loses the records the range left out. The key should include
# the group condition (compile it into the key, e.g. the group_by text, or key on the compiled Q).


@pytest.mark.parametrize(
    ("where", "then"),
    [
        (None, {"select": "count(*) as n", "group_by": "range(latitude, 50, 50.5) as b"}),
        ("active = true", {"select": "id"}),
    ],
)
def test_the_cached_selection_knows_what_a_range_left_out(
    attacker: Client, orgs: list[Row], where: str | None, then: dict[str, str]
) -> None:
    same = {"refine": "size:small", **({"where": where} if where else {})}
    first = results(attacker, select="count(*) as n", group_by="range(latitude, 50.6, 51)", **same)
    assert first == [{"n": 1, "range(latitude, 50.6, 51)": "[50.6, 51["}]  # Alpha
    small = [r for r in orgs if "size:small" in r["tags"] and (where is None or r["active"])]
    second = results(attacker, **then, **same)
    if "group_by" in then:
        assert second == [{"n": 1, "b": "[50, 50.5["}]  # Zêta
    else:
        assert sorted(r["id"] for r in second) == sorted(r["id"] for r in small)


# --- now() written `now ()` escapes the per-second cache key --------------------------------------
# Selection.__init__ keys the ids of a `where` holding now() to the second by looking for the text
# "now(" in the `where`; `now ()` (or `now\t()`), which the grammar reads the same, is cached for
# the minute instead, and a record that became past stays out. The compiler knows whether it read
# the clock (ExpressionCompiler._now): that, not the text, should key the cache.


def test_a_now_written_with_a_space_is_not_cached_past_its_second(
    attacker: Client, orgs: list[Row]
) -> None:
    cloud = sorted(r["id"] for r in orgs if "technology:cloud" in r["tags"])
    beta = next(r["id"] for r in orgs if r["name"] == "Bêta SRL")
    soon = datetime.datetime.now(UTC) + datetime.timedelta(seconds=1.5)
    Organisation.objects.filter(pk=beta).update(created_at=soon)
    spellings = ("created_at <= now()", "created_at <= now ()")
    for where in spellings:
        assert ids(attacker, where=where, refine="technology:cloud") == [
            i for i in cloud if i != beta
        ]
    time.sleep(max(0.0, (soon - datetime.datetime.now(UTC)).total_seconds()) + 0.3)
    for where in spellings:  # the first holds; the second is the finding
        assert ids(attacker, where=where, refine="technology:cloud") == cloud, where


# --- range() by the hour (minute, second) merges the repeated hour of a DST change ----------------
# compiler_ranges._widths truncates a datetime on the local wall clock (Trunc with the request's
# timezone), so on the night summer time ends in Brussels, 00:30 UTC (02:30+02:00) and 01:30 UTC
# (02:30+01:00) fall in one group, labelled "[02:00+02:00, 02:00+01:00[", which the second is not
# in. Fixed units (hour, minute, second) are elapsed time, as _after computes the label's end: the
# group should be too (truncate the instant, offset by the zone's offset at that instant).


@pytest.mark.parametrize(
    ("width", "step"),
    [
        ("1 hour", datetime.timedelta(hours=1)),
        ("1 minute", datetime.timedelta(minutes=1)),
        ("1 second", datetime.timedelta(seconds=1)),
    ],
)
def test_range_by_fixed_units_keeps_the_repeated_hour_of_a_dst_change_apart(
    attacker: Client, orgs: list[Row], width: str, step: datetime.timedelta
) -> None:
    moments = [datetime.datetime(2024, 10, 27, h, 30, tzinfo=UTC) for h in (0, 1)]
    for row, moment in zip(orgs, moments, strict=False):
        Organisation.objects.filter(pk=row["id"]).update(created_at=moment)
    groups = results(
        attacker,
        select="count(*) as n",
        group_by=f"range(created_at, {width}) as b",
        where="created_at >= date'2024-10-27' AND created_at < date'2024-10-28'",
        timezone="Europe/Brussels",
    )
    epoch = datetime.datetime(2000, 1, 1, tzinfo=UTC)  # Brussels' offsets are whole hours
    expected: Counter[str] = Counter()
    for moment in moments:
        start = epoch + (moment - epoch) // step * step
        expected[
            f"[{iso(start.astimezone(BRUSSELS))}, {iso((start + step).astimezone(BRUSSELS))}["
        ] += 1
    assert {g["b"]: g["n"] for g in groups} == expected


# --- An export whose select leaves no column loses its rows --------------------------------------
# select=exclude(*) answers total_count 8 and eight {} from the records, but Query._tuples zips
# no column into no row: JSON and JSON lines exports are empty, the CSV a bare header on SQLite,
# while PostgreSQL's COPY writes eight empty lines. Either refuse a select that leaves no column
# (ODSQLError in Compiler.select) or give every export its rows.


def test_an_export_whose_select_leaves_no_column_keeps_its_rows(attacker: Client) -> None:
    status, raw = answer(attacker, select="exclude(*)")
    if status == 200:
        total = json.loads(raw)["total_count"]
        _status, exported = answer(attacker, EXPORTS + "json", select="exclude(*)")
        assert len(json.loads(exported)) == total


# --- exclude() of a pattern that matches nothing selects nothing --------------------------------
# Compiler.select gives every field to a select made of exclude() only when something was
# excluded (`if excluded and all(…)`): select=exclude(zz*) (a script's exclude(geo*) on a dataset
# without such a field) answers records without a single column. An exclude() that matches
# nothing leaves out nothing: the condition should be that every item is an exclude().


def test_an_exclude_that_matches_nothing_keeps_every_field(attacker: Client) -> None:
    every = results(attacker, where='name = "Alpha SA"')
    assert results(attacker, select="exclude(zz*)", where='name = "Alpha SA"') == every


# === What held ==================================================================================


@pytest.mark.parametrize(
    "where",
    [
        "created_at > now(days=1000000000000000)",
        "created_at > now(years=-3000)",
        "created_at > now(years=8000)",
        "created_at > now(microseconds=9223372036854775807)",
        "created_at > now(seconds=-9223372036854775808)",
        "created_at > now(mondays=9223372036854775807)",
        "founded_on > now(hours=-100000000)",
    ],
)
def test_now_refuses_to_move_past_the_calendar(attacker: Client, where: str) -> None:
    assert "out of range" in refused(attacker, where=where)


@pytest.mark.parametrize(
    ("where", "status"),
    [
        ("created_at > now(days=99999999999999999999)", 400),  # past 64 bits
        ("created_at > now(days=1e400)", 400),
        ("created_at > now(days=now())", 400),
        ("created_at > now(days=1km)", 400),
        ("created_at > now(days=-(1))", 400),
        ("created_at > now(day=1000000000000)", 200),  # clamped to the month's last day
        ("created_at > now(days = 1, days = -1)", 200),
        ("now() = now()", 200),
        ("created_at:now()", 200),
    ],
)
def test_odd_now_arguments_answer_cleanly(attacker: Client, where: str, status: int) -> None:
    assert answer(attacker, where=where)[0] == status


def test_range_of_one_per_record_keeps_to_the_limit(attacker: Client, orgs: list[Row]) -> None:
    page = found(attacker, select="count(*) as n", group_by="range(id, 1) as b", limit=3)
    everyone = sorted(r["id"] for r in orgs)
    assert page["total_count"] == len(orgs)
    assert page["results"] == [{"n": 1, "b": f"[{i}, {i + 1}["} for i in everyone[:3]]
    every = results(attacker, select="count(*) as n", group_by="range(id, 1)", limit=-1)
    assert len(every) == len(orgs)
    assert "20000" in refused(
        attacker, select="count(*) as n", group_by="range(id, 1)", limit=20001
    )


def test_range_with_a_thousand_bounds_answers_quickly(attacker: Client, orgs: list[Row]) -> None:
    bounds = list(range(1, 1401))
    start = time.monotonic()
    groups = results(
        attacker,
        select="count(*) as n",
        group_by=f"range(id, *, {', '.join(map(str, bounds))}, *) as b",
        limit=-1,
    )
    assert time.monotonic() - start < 10

    def band(i: int) -> str:
        at = bisect.bisect_right(bounds, i)
        low = "*" if at == 0 else bounds[at - 1]
        high = "*" if at == len(bounds) else bounds[at]
        return f"[{low}, {high}["

    assert {g["b"]: g["n"] for g in groups} == Counter(band(r["id"]) for r in orgs)


def test_range_of_a_distance_groups_by_metres(attacker: Client, orgs: list[Row]) -> None:
    where = positions(orgs)
    groups = results(
        attacker, select="count(*) as n", group_by=f"range(distance(position, {NAMUR}), 10000) as b"
    )

    def band(metres: float) -> str:
        k = math.floor(metres / 10000)
        return f"[{k * 10000}, {(k + 1) * 10000}["

    expected = Counter(
        band(haversine(50.46, 4.87, *where[r["id"]])) if r["id"] in where else None for r in orgs
    )
    assert {g["b"]: g["n"] for g in groups} == expected


def test_percentiles_at_the_edges_and_of_functions(attacker: Client, orgs: list[Row]) -> None:
    latitudes = [r["latitude"] for r in orgs if r["latitude"] is not None]
    where = positions(orgs)
    years = [r["founded_on"].year for r in orgs if r["founded_on"]]
    row = results(
        attacker,
        select="percentile(latitude, 1e-400) as low, percentile(latitude, 100.0) as high, "
        f"median(year(founded_on)) as y, median(distance(position, {NAMUR})) as d, "
        "percentile(latitude, 50) as p50, median(latitude) as m",
    )[0]
    assert (row["low"], row["high"]) == (min(latitudes), max(latitudes))
    assert row["y"] == statistics.median(years)
    distances = [haversine(50.46, 4.87, *p) for p in where.values()]
    assert row["d"] == pytest.approx(statistics.median(distances), rel=1e-9)
    assert row["p50"] == row["m"] == pytest.approx(statistics.median(latitudes), rel=1e-12)
    nobody = results(attacker, select="median(latitude) as m", where="latitude > 90")
    assert nobody == [{"m": None}]


def test_groups_sort_by_a_percentile_they_do_not_select(attacker: Client, orgs: list[Row]) -> None:
    groups = results(
        attacker, select="count(*) as n", group_by="city", order_by="-percentile(latitude, 90)"
    )
    by_city: dict[Any, list[float]] = {}
    for r in orgs:
        by_city.setdefault(r["city"], [])
        if r["latitude"] is not None:
            by_city[r["city"]].append(r["latitude"])

    def p90(values: list[float]) -> float:
        ordered, rank = sorted(values), 0.9 * (len(values) - 1)
        low, high = ordered[math.floor(rank)], ordered[math.ceil(rank)]
        return low + (high - low) * (rank - math.floor(rank))

    ranked = sorted(
        by_city,
        key=lambda c: (
            not by_city[c],
            -p90(by_city[c]) if by_city[c] else 0,
            c is not None,
            c or "",
        ),
    )
    assert [g["city"] for g in groups] == ranked


@pytest.mark.parametrize(
    "select",
    [
        "percentile(latitude, 101)",
        "percentile(latitude, -1)",
        "percentile(latitude, 100.0000000000000000001)",
        "percentile(latitude, 1e999999999)",
        "percentile(latitude, NaN)",
        "percentile(latitude, latitude)",
        "percentile(latitude, 50, 50)",
        "percentile(name, 50)",
        "percentile(technology, 50)",
        "median(created_at)",
        "median(position)",
        "median(distinct latitude)",
        "median(50)",
        "median(now())",
    ],
)
def test_a_wrong_percentile_is_refused(attacker: Client, select: str) -> None:
    refused(attacker, select=select)


@pytest.mark.parametrize(
    "point",
    [
        "geom'POINT(1000 1000)'",
        "geom'POINT(nan nan)'",
        "geom'POINT(inf 1)'",
        f"geom'POINT({'9' * 400} 1)'",
        "geom'POINT(1 2 3)'",
        "geom'POINT EMPTY'",
        "geom'MULTIPOINT((1 1))'",
        "geom'POLYGON((1 1, 2 2, 1 2, 1 1))'",
        'geom\'{"type": "Point", "coordinates": [NaN, 50]}\'',
        'geom\'{"type": "Point", "coordinates": [4, Infinity]}\'',
        'geom\'{"type": "Point", "coordinates": [-Infinity, 50]}\'',
        'geom\'{"type": "Point", "coordinates": [1e400, 50]}\'',
        'geom\'{"type": "Point", "coordinates": ["4", "50"]}\'',
        'geom\'{"type": "Point", "coordinates": [true, 50]}\'',
        'geom\'{"type": "Point", "coordinates": {"lon": 4, "lat": 50}}\'',
        'geom\'{"type": "Polygon", "coordinates": [[[1, 1], [2, 2], [1, 2], [1, 1]]]}\'',
        'geom\'{"type": "Point", "coordinates": [4, 50]\'',
        "geom''",
        "'POINT(4 50)'",
        "position",
        "geom'" + "(" * 3000 + "'",
    ],
)
def test_a_wrong_point_is_refused(attacker: Client, point: str) -> None:
    refused(attacker, where=f"within_distance(position, {point}, 1km)")
    refused(attacker, select=f"distance(position, {point})")


@pytest.mark.parametrize(
    "where",
    [
        f"within_distance(position, {NAMUR}, -5km)",
        f"within_distance(position, {NAMUR}, 1e308km)",
        f"within_distance(position, {NAMUR}, 1e-400km)",
        f"within_distance(position, {NAMUR}, 5 furlongs)",
        f"within_distance(position, {NAMUR}, 'far')",
        f"within_distance(position, {NAMUR}, now())",
        f"within_distance(latitude, {NAMUR}, 5km)",
        f"within_distance(technology, {NAMUR}, 5km)",
        f"within_distance(position, {NAMUR}, 5km, 1)",
        "in_bbox(position, 91, 0, 0, 0)",
        "in_bbox(position, 0, 181, 0, 0)",
        "in_bbox(position, 0, 0, 0, -180.0000001)",
        "in_bbox(position, 0, 0, 0, 'x')",
        "in_bbox(position, 0, 0, 0, 1e-400)",
        "in_bbox(position, 0, 0, 0)",
        f"distance(position, {NAMUR}) < 10",
        f"position:{NAMUR}",
        f"{NAMUR}:position",
    ],
)
def test_a_wrong_geo_condition_is_refused(attacker: Client, where: str) -> None:
    refused(attacker, where=where)


def test_a_geojson_point_with_other_members_is_read(attacker: Client) -> None:
    shape = (
        '{"type": "Point", "coordinates": [4.87, 50.46], "bbox": [4, 50, 5, 51], '
        '"crs": {"type": "name"}, "properties": {"a": [1, 2]}}'
    )
    assert ids(attacker, where=f"within_distance(position, geom'{shape}', 30km)") == ids(
        attacker, where=f"within_distance(position, {NAMUR}, 30km)"
    )


@pytest.mark.parametrize(
    ("center", "radius", "named"),
    [
        ("POINT(4.87 50.46)", "0km", {"Bêta SRL"}),
        ("POINT(4.87 50.46)", "0", {"Bêta SRL"}),
        ("POINT(180 0)", "10km", set()),
        ("POINT(-180 -90)", "10km", set()),
        ("POINT(0 90)", "0km", set()),
        ("POINT(-175 -50)", "21000km", {r[0] for r in ROWS if r[4] is not None}),
        ("POINT(4.87 50.46)", "100000000000000000", {r[0] for r in ROWS if r[4] is not None}),
    ],
)
def test_within_distance_at_the_edges(
    attacker: Client, orgs: list[Row], center: str, radius: str, named: set[str]
) -> None:
    kept = ids(attacker, where=f"within_distance(position, geom'{center}', {radius})")
    assert sorted(kept) == sorted(r["id"] for r in orgs if r["name"] in named)


@pytest.mark.parametrize(
    "center", [(89.9, -175.0), (-89.0, 0.0), (0.0, 179.9), (-50.0, -170.0), (80.0, 60.0)]
)
def test_within_distance_is_exact_anywhere_on_earth(
    attacker: Client, orgs: list[Row], center: tuple[float, float]
) -> None:
    where = positions(orgs)
    lat, lon = center
    distances = {i: haversine(lat, lon, *p) for i, p in where.items()}
    for radius in sorted(set(distances.values())):
        for factor, kept in (
            (1 + 1e-9, lambda d, r=radius: d <= r),
            (1 - 1e-9, lambda d, r=radius: d < r),
        ):
            condition = f"within_distance(position, geom'POINT({lon} {lat})', {radius * factor!r}m)"
            assert sorted(ids(attacker, where=condition)) == sorted(
                i for i, d in distances.items() if kept(d)
            ), condition


@pytest.mark.parametrize(
    "corners",
    [(50.4, 4.0, 50.5, 5.0), (50.5, 5.0, 50.4, 4.0), (50.4, 5.0, 50.5, 4.0), (50.5, 4.0, 50.4, 5.0),
     (90, 180, -90, -180), (50.46, 4.87, 50.46, 4.87), (0, 0, 0, 0)],
)  # fmt: skip
def test_in_bbox_takes_its_corners_in_any_order(
    attacker: Client, orgs: list[Row], corners: tuple[float, ...]
) -> None:
    lat1, lon1, lat2, lon2 = corners
    inside = {
        i
        for i, (la, lo) in positions(orgs).items()
        if min(lat1, lat2) <= la <= max(lat1, lat2) and min(lon1, lon2) <= lo <= max(lon1, lon2)
    }
    box = f"in_bbox(position, {lat1}, {lon1}, {lat2}, {lon2})"
    assert sorted(ids(attacker, where=box)) == sorted(inside)
    # Like within_distance, NOT keeps the located records outside (not those without a point).
    assert sorted(ids(attacker, where=f"NOT {box}")) == sorted(set(positions(orgs)) - inside)


def test_distance_sorts_records_without_a_position_last(attacker: Client, orgs: list[Row]) -> None:
    where = positions(orgs)
    nowhere = sorted(r["id"] for r in orgs if r["id"] not in where)
    near = sorted(where, key=lambda i: (haversine(50.46, 4.87, *where[i]), i))
    assert ids(attacker, order_by=f"distance(position, {NAMUR}), id") == near + nowhere
    far = sorted(where, key=lambda i: (-haversine(50.46, 4.87, *where[i]), i))
    assert ids(attacker, order_by=f"-distance(position, {NAMUR}), id") == far + nowhere
    rows = results(
        attacker, select=f"id, distance(position, {NAMUR}) as d", where="position is null"
    )
    assert rows == [{"id": i, "d": None} for i in nowhere]


FIELDS = ["id", "name", "city", "postcode", "founded_on", "latitude", "active", "created_at",
          "position", "technology", "size"]  # fmt: skip


@pytest.mark.parametrize(
    ("select", "columns"),
    [
        ("include(*)", FIELDS),
        ("include(*), *", FIELDS),
        ("*, include(*)", FIELDS),
        ("include(*), include(*)", FIELDS),
        ("exclude(zz*), exclude(size)", FIELDS[:-1]),
        ("exclude(*)", []),
        ("*, exclude(*)", []),
        ("include(zz*)", []),
        ("include(name), include(n*), name", ["name"]),
        ("include(`name`*)", ["name"]),
        ("include(id, id, i*)", ["id"]),
        ("include(c*), exclude(city)", ["created_at"]),
    ],
)
def test_include_and_exclude_with_patterns_that_match_nothing_or_everything(
    attacker: Client, select: str, columns: list[str]
) -> None:
    rows = results(attacker, select=select, where='name = "Alpha SA"')
    assert [list(row) for row in rows] == [columns]


def test_include_and_exclude_with_group_by(attacker: Client, orgs: list[Row]) -> None:
    counts = Counter(r["city"] for r in orgs)
    rows = results(attacker, select="include(city), count(*) as n", group_by="city")
    assert {r["city"]: r["n"] for r in rows} == counts
    assert all(list(r) == ["city", "n"] for r in rows)
    rows = results(attacker, select="exclude(*)", group_by="city")
    assert sorted(r["city"] or "" for r in rows) == sorted(c or "" for c in counts)
    assert "group_by" in refused(attacker, select="include(c*), count(*)", group_by="city")
    assert "select" in refused(attacker, group_by="include(city)")


@pytest.mark.parametrize("seed", ["-9223372036854775808", "9223372036854775807", "0", "-1", "1e3"])
def test_random_with_any_seed_is_a_stable_permutation(
    attacker: Client, orgs: list[Row], seed: str
) -> None:
    order = ids(attacker, order_by=f"random({seed})")
    assert sorted(order) == sorted(r["id"] for r in orgs)
    assert ids(attacker, order_by=f"random({seed})") == order
    pages = [ids(attacker, order_by=f"random({seed})", limit=3, offset=o) for o in (0, 3, 6)]
    assert sum(pages, []) == order
    if seed == "1e3":
        assert order == ids(attacker, order_by="random(1000)")


@pytest.mark.parametrize(
    "params",
    [
        {"order_by": "random(9223372036854775808)"},
        {"order_by": "random(-9223372036854775809)"},
        {"order_by": "random('1')"},
        {"order_by": "random(1.5)"},
        {"order_by": "random(1, 2)"},
        {"order_by": "random(id)"},
        {"order_by": "random(now())"},
        {"where": "random() > 0.5"},
        {"select": "random()"},
        {"select": "count(*)", "group_by": "random()"},
    ],
)
def test_a_wrong_random_is_refused(attacker: Client, params: dict[str, str]) -> None:
    refused(attacker, **params)


def has_term(value: str | None, text: str) -> bool:
    """Whether a term of `value` (its parts between TERM's characters) begins with `text`."""
    if value is None:
        return False
    terms = [value]
    for separator in [*" \t\n'’\"«(/-"]:
        terms = [part for term in terms for part in term.split(separator)]
    return any(term.lower().startswith(text.lower()) for term in terms)


@pytest.mark.parametrize(
    "text",
    [c for c in string.punctuation if c not in "'\"-(/"] + ["", "ÊTA", "êta", "thÊta", "a" * 9000],
)
def test_suggest_reads_any_sign_as_itself(attacker: Client, orgs: list[Row], text: str) -> None:
    literal = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    kept = ids(attacker, where=f"suggest(name, {literal})")
    assert sorted(kept) == sorted(r["id"] for r in orgs if has_term(r["name"], text))


@pytest.mark.parametrize(
    "params",
    [
        {"where": "NOT " * 25 + f"within_distance(position, {NAMUR}, 1km)"},
        {"where": "(" * 3000 + "suggest(name, 'a')" + ")" * 3000, "ok": True},
        {"where": "lower(" * 25 + "name" + ")" * 25 + " = 'x'"},
        {"select": "median(" + "lower(" * 25 + "name" + ")" * 25 + ")"},
        {"group_by": "range(" + "year(" * 25 + "founded_on" + ")" * 25 + ", 1)"},
        {"where": f"within_distance(position, geom'POINT(4 50)', 1{'0' * 9990}km)"},
        {"where": "created_at > now(" + ", ".join(["days=-1"] * 1000) + ")", "ok": True},
    ],
)
def test_nesting_and_length_limits_hold_with_the_new_syntax(
    attacker: Client, params: dict[str, Any]
) -> None:
    ok = params.pop("ok", False)
    status, _raw = answer(attacker, **params)
    assert status == (200 if ok else 400)


# --- Exports of the new columns: every writer takes them, and gives the records' values -------------

EXPORTED = [
    {"select": "count(*) as n, median(latitude) as m, percentile(latitude, 90) as p",
     "group_by": "range(latitude, 0.1) as b"},
    {"select": f"id, distance(position, {NAMUR}) as d", "order_by": f"distance(position, {NAMUR}), id"},
    {"select": "count(*) as n", "timezone": "Europe/Brussels",
     "group_by": "range(created_at, 1 month) as m, range(founded_on, *, date'2010-01-01', *) as f"},
    {"select": "id, name", "order_by": "random(5)"},
    {"select": "include(c*), exclude(created_at), id", "order_by": "-city, id",
     "where": "suggest(name, 'li') OR city:'Namur' OR within_distance(position, geom'POINT(3.95 50.45)', 1km)"},
]  # fmt: skip


def normal(value: Any) -> Any:
    """A cell as any format may write it: numbers as floats, "" as null, texts as they are."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def exported_rows(fmt: str, raw: bytes) -> list[dict[str, Any]]:
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    if fmt == "json":
        rows: list[dict[str, Any]] = json.loads(raw)
        return rows
    if fmt == "jsonl":
        return [json.loads(line) for line in raw.decode().splitlines()]
    if fmt == "parquet":
        return pq.read_table(io.BytesIO(raw)).to_pylist()
    sheet = openpyxl.load_workbook(io.BytesIO(raw), read_only=True).active
    header, *cells = list(sheet.iter_rows(values_only=True))
    return [dict(zip(header, row, strict=True)) for row in cells]


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "xlsx", "parquet"])
@pytest.mark.parametrize("params", EXPORTED, ids=range(len(EXPORTED)))
def test_exports_of_the_new_columns_hold_the_records_values(
    attacker: Client, fmt: str, params: dict[str, str]
) -> None:
    expected = results(attacker, **params)
    status, raw = answer(attacker, EXPORTS + fmt, **params)
    assert status == 200, raw[:300]
    rows = exported_rows(fmt, raw)
    assert [list(row) for row in rows] == [list(row) for row in expected]
    for row, want in zip(rows, expected, strict=True):
        for name, value in want.items():
            got = normal(row[name])
            if isinstance(got, float) and value is not None:
                assert got == pytest.approx(float(value), rel=1e-12), (name, row)
            else:
                assert got == normal(value), (name, row)


# --- Facets and refinements with the new conditions -----------------------------------------------


THREE_YEARS_AGO = datetime.datetime.now(UTC) + relativedelta(years=-3)


@pytest.mark.parametrize(
    ("params", "keep"),
    [
        ({"where": f"within_distance(position, {NAMUR}, 30km)", "refine": "technology:cloud"},
         lambda r, p: p and haversine(50.46, 4.87, *p) <= 30000 and "technology:cloud" in r["tags"]),
        ({"where": "suggest(name, 'li')", "exclude": "city:Namur"},
         lambda r, p: has_term(r["name"], "li") and r["city"] != "Namur"),
        ({"where": "in_bbox(position, 50, 4, 51, 5) AND NOT suggest(name, 'zê')", "refine": "active:true"},
         lambda r, p: p and 4 <= p[1] <= 5 and r["active"] and not has_term(r["name"], "zê")),
        ({"where": "created_at < now(years=-3)", "refine": "size:small"},
         lambda r, p: "size:small" in r["tags"] and r["created_at"] < THREE_YEARS_AGO),
    ],
)  # fmt: skip
def test_facets_count_what_the_new_conditions_select(
    attacker: Client, orgs: list[Row], params: dict[str, str], keep: Any
) -> None:
    where = positions(orgs)
    kept = [r for r in orgs if keep(r, where.get(r["id"]))]
    assert sorted(ids(attacker, **params)) == sorted(r["id"] for r in kept)
    status, raw = answer(attacker, FACETS, facet=["city", "active"], **params)
    assert status == 200
    facets = {
        f["name"]: {v["value"]: v["count"] for v in f["facets"]} for f in json.loads(raw)["facets"]
    }
    assert facets["city"] == Counter(r["city"] for r in kept if r["city"])
    assert facets["active"] == Counter("true" if r["active"] else "false" for r in kept)
