"""The dashboard overview: a tile per ambition, sparklines of published values, progress
towards targets, the same figures in tables below, in a fixed number of queries."""

import datetime
import html
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from territoria.strategy.charts import SPARK_HEIGHT, SPARK_PAD, SPARK_WIDTH
from territoria.strategy.models import (
    Action,
    Ambition,
    Indicator,
    Measurement,
    Programme,
    Strategy,
)
from tests.factories import strategy_tree

TODAY = datetime.date.today()


def measure(indicator: Indicator, *points: tuple[datetime.date, int | str]) -> None:
    for day, value in points:
        Measurement.objects.create(
            indicator=indicator, measured_on=day, value=Decimal(value),
            source_url=f"https://example.org/{indicator.code}/{day.isoformat()}",
        )  # fmt: skip


@pytest.fixture
def dashboard(db):
    """Two ambitions: the first with a rising key indicator half way to its target, a key
    indicator already reached and an indicator with no figure; the second with nothing."""
    tree = strategy_tree("dw", is_default=True)
    version, ambition, programme = tree["strategy"], tree["ambition"], tree["programme"]
    Programme.objects.create(strategy=version, ambition=ambition, code="p2", name="Second")
    Action.objects.create(programme=programme, code="act2", title="Another", status="done")
    empty = Ambition.objects.create(strategy=version, code="empty", order=2, title="Nothing yet")
    rising = tree["indicator"]
    rising.is_key, rising.unit_label = True, "schools"
    rising.target_value, rising.target_date = Decimal(1000), datetime.date(TODAY.year + 3, 12, 31)
    rising.save()
    year = TODAY.year
    measure(
        rising,
        (datetime.date(year - 3, 1, 1), 100),
        (datetime.date(year - 2, 1, 1), 300),
        (datetime.date(year - 1, 1, 1), 500),
    )
    reached = Indicator.objects.create(
        code="reached", programme=programme, name="Reached", unit="count", is_key=True,
        target_value=Decimal(10), target_date=datetime.date(year - 1, 12, 31),
    )  # fmt: skip
    measure(reached, (datetime.date(year - 2, 6, 1), 12))
    Indicator.objects.create(code="silent", programme=programme, name="Silent", unit="count")
    return {**tree, "rising": rising, "reached": reached, "empty": empty, "version": version}


def english(client, path: str = "/dashboard/") -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def tiles(page: str) -> dict[str, str]:
    """Each tile's HTML by its ambition's code."""
    found = re.findall(
        r'<section class="card overview-tile" aria-labelledby="ambition-([\w-]+)">(.*?)</section>',
        page,
        re.S,
    )
    return dict(found)


def text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def test_one_tile_per_ambition_with_its_counts_and_standings(client, dashboard):
    page = english(client)
    shown = tiles(page)
    assert list(shown) == ["amb", "empty"]
    first = text(shown["amb"])
    assert "2 programmes" in first and "2 actions" in first
    assert "2 of 3 indicators with a published figure" in first
    assert "target reached: 1" in first and "on track: 1" in first
    assert 'href="/dashboard/dw/ambitions/amb/"' in shown["amb"]
    second = text(shown["empty"])
    assert "0 programmes" in second and "no indicator recorded yet" in second
    assert "<svg" not in shown["empty"]


def test_a_sparkline_draws_the_published_values_and_says_its_trend(client, dashboard):
    tile = tiles(english(client))["amb"]
    svgs = re.findall(r"<svg [^>]*>.*?</svg>", tile, re.S)
    assert len(svgs) == 1  # the reached indicator has one figure: no line
    svg = svgs[0]
    assert 'role="img"' in svg
    label = html.unescape(re.search(r'aria-label="([^"]*)"', svg).group(1))
    assert label.startswith("Trend of “Indicator”, rising: from 100 schools on ")
    assert "to 500 schools on" in label and "3 published figures" in label
    points = [
        tuple(float(c) for c in pair.split(","))
        for pair in re.search(r'points="([^"]*)"', svg).group(1).split()
    ]
    days = [m.measured_on for m in dashboard["rising"].measurements.order_by("measured_on")]
    values = [100, 300, 500]
    inner_w, inner_h = SPARK_WIDTH - 2 * SPARK_PAD, SPARK_HEIGHT - 2 * SPARK_PAD
    span = (days[-1] - days[0]).days
    expected = [
        (SPARK_PAD + inner_w * (day - days[0]).days / span, SPARK_PAD + inner_h * (1 - v / 500))
        for day, v in zip(days, values, strict=True)
    ]
    flat = [c for point in points for c in point]
    assert flat == pytest.approx([c for point in expected for c in point], abs=0.06)
    # The same figures as text, for whoever does not see the line.
    listed = re.search(r'<ul class="visually-hidden">(.*?)</ul>', tile, re.S).group(1)
    assert [v.split(": ")[1] for v in re.findall(r"<li>(.*?)</li>", listed)] == [
        "100 schools",
        "300 schools",
        "500 schools",
    ]


def test_a_progress_bar_shows_the_share_of_the_target_as_text_too(client, dashboard):
    tile = tiles(english(client))["amb"]
    target_year = dashboard["rising"].target_date.year
    assert '<progress max="100" value="50" aria-labelledby="progress-ind-dw">' in tile
    assert f'<span id="progress-ind-dw">50 % of the {target_year} target</span>' in tile
    # Past the target, the bar is full and the text tells how far.
    assert '<progress max="100" value="100" aria-labelledby="progress-reached">' in tile
    assert "120 % of the " in tile


def test_the_tables_below_give_every_figure_the_tiles_show(client, dashboard):
    page = english(client)
    tables = page.split('id="figures-table"')[1]
    assert 'id="figures-amb"' in tables and 'id="figures-empty"' in tables
    rows = re.findall(r"<tr><td>(.*?)</tr>", tables.split('id="figures-empty"')[0], re.S)
    links = [re.search(r'href="([^"]+)"', row).group(1) for row in rows]
    assert links == [
        dashboard["rising"].get_absolute_url(),
        dashboard["reached"].get_absolute_url(),
    ]
    assert "500 schools" in text(rows[0]) and "https://example.org/ind-dw/" in rows[0]
    assert "No key indicator is recorded for this ambition." in tables


def test_numbers_follow_the_page_language(client, dashboard):
    Measurement.objects.filter(indicator=dashboard["rising"]).update(value=Decimal(12345))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = client.get("/dashboard/").content.decode()
    assert "<strong>12\u202f345</strong> schools" in page
    svg = re.search(r'<svg class="sparkline[^>]*>', page).group(0)
    assert re.search(r'points="[\d., ]+"', page)  # coordinates keep their dot in French
    assert 'width="160"' in svg


def test_a_version_with_no_ambition_says_so(client, db):
    Strategy.objects.create(
        code="bare", name="Bare", start_year=2025, end_year=2029, status="active", is_default=True
    )
    page = english(client)
    assert "This version has no ambition recorded yet." in page
    assert "overview-tile" not in page and 'id="figures-table"' not in page


def test_no_strategy_at_all_lists_the_versions_instead(client, db):
    response = client.get("/dashboard/")
    assert response.status_code == 200
    assert "overview-tile" not in response.content.decode()


def count_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/dashboard/dw/").status_code == 200
    return len(queries)


def test_the_overview_takes_a_fixed_number_of_queries(
    client, dashboard, django_assert_max_num_queries
):
    with django_assert_max_num_queries(10):
        client.get("/dashboard/dw/")
    before = count_queries(client)
    version = dashboard["version"]
    for n in range(3, 7):
        ambition = Ambition.objects.create(strategy=version, code=f"a{n}", order=n, title=f"A{n}")
        programme = Programme.objects.create(
            strategy=version, ambition=ambition, code=f"p{n}", name=f"P{n}"
        )
        Action.objects.create(programme=programme, code="x", title="X", status="planned")
        indicator = Indicator.objects.create(
            code=f"i{n}", programme=programme, name=f"I{n}", unit="count", is_key=True,
            target_value=Decimal(50), target_date=datetime.date(TODAY.year + 1, 1, 1),
        )  # fmt: skip
        measure(indicator, (datetime.date(2020, 1, 1), 1), (datetime.date(2021, 1, 1), 2))
    assert count_queries(client) == before
    assert len(tiles(english(client))) == 6
