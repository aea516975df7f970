"""The dashboard overview's tiles and the impact page's charts in Chromium, on a phone and a
laptop: nothing overflows sideways, axe finds nothing, the pictures are drawn."""

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from territoria.calls.models import Application, Call, Instrument
from territoria.core.models import Role
from territoria.strategy.models import Ambition
from territoria.strategy.services.reference import load_strategy_reference
from territoria.taxonomy.services.reference import load_reference_schemes
from tests.browser.conftest import assert_accessible, watch_errors
from tests.conftest import make_user
from tests.factories import concept, organisation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [390, 1280]


@pytest.fixture
def reference(transactional_db):
    """The published strategy, and a few laureates of two instruments over two years."""
    load_reference_schemes()
    load_strategy_reference()
    applicant = make_user("applicant", Role.APPLICANT)
    instruments = [
        Instrument.objects.create(code=code, prefix=code[:3].upper(), name=name, summary=".")
        for code, name in (("start-ia", "Start IA"), ("tremplin-ia", "Tremplin IA"))
    ]
    places = ["namur", "liege", "wavre", "mons", "arlon", "namur"]
    sectors = ["nace:K62", "nace:C10", "nace:J58", "nace:K62", "nace:M68", "nace:Q85"]
    for year in (2023, 2024):
        for index, instrument in enumerate(instruments):
            opens = timezone.make_aware(timezone.datetime(year, 2, 1))
            call = Call.objects.create(
                instrument=instrument, code=f"{instrument.code}-{year}", title=f"{year}",
                summary=".", opens_at=opens, closes_at=opens + timezone.timedelta(days=30),
                is_published=True, budget=Decimal(100_000), max_amount=Decimal(50_000),
            )  # fmt: skip
            for n, (place, sector) in enumerate(zip(places, sectors, strict=True)):
                if n > 2 + index + (year - 2023):
                    break
                org = organisation(
                    f"Org {year}-{index}-{n}", sector, municipality=concept(f"territory:{place}")
                )
                Application.objects.create(
                    call=call, organisation=org, created_by=applicant,
                    status="selected" if n % 2 == 0 else "rejected",
                    submitted_at=opens + timezone.timedelta(days=n + 1),
                )  # fmt: skip


def assert_no_sideways_scroll(page):
    overflow = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert overflow[0] <= overflow[1], overflow


def grid_columns(page, selector: str) -> int:
    return page.evaluate(
        "(s) => getComputedStyle(document.querySelector(s)).gridTemplateColumns.split(' ').length",
        selector,
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_the_overview_shows_a_tile_per_ambition_with_its_lines(page, reference, width):
    errors = watch_errors(page)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/dashboard/")
    ambitions = Ambition.objects.filter(strategy__is_default=True).count()
    assert ambitions > 1
    expect(page.locator(".overview-tile")).to_have_count(ambitions)
    expect(page.locator("svg.sparkline").first).to_be_visible()
    columns = grid_columns(page, ".overview-tiles")
    assert columns == 1 if width == 390 else 2 <= columns <= 3
    # The tables stay on the page, below the tiles.
    expect(page.locator("#figures-table")).to_be_visible()
    assert_no_sideways_scroll(page)
    assert_accessible(page)
    assert errors == []


@pytest.mark.parametrize("width", WIDTHS)
def test_the_impact_page_draws_each_chart_beside_its_table(page, reference, width):
    errors = watch_errors(page)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/calls/impact/")
    page.wait_for_load_state("networkidle")
    charts = page.locator("[data-chart].js-plotly-plot")
    expect(charts).to_have_count(3)
    for index in range(3):
        expect(charts.nth(index).locator("svg.main-svg").first).to_be_visible()
        expect(charts.nth(index).locator(".barlayer .trace").first).to_be_attached()
    for table in ("#requests-per-year", "#laureates-by-province", "#laureates-by-sector"):
        expect(page.locator(table)).to_be_visible()
    # Plotly would add <style> elements unless the page declares its stylesheet.
    assert page.locator("style").count() == 0
    assert_no_sideways_scroll(page)
    assert_accessible(page)
    assert errors == []
