"""The strategy dashboard in Chromium, on the published reference data."""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from territoria.strategy.models import Action
from territoria.strategy.services.reference import load_strategy_reference
from territoria.taxonomy.models import ConceptClosure, Tag
from territoria.taxonomy.services.reference import load_reference_schemes
from tests.browser.conftest import assert_accessible, watch_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def reference(transactional_db):
    load_reference_schemes()
    load_strategy_reference()


def expected_titles(ambition: str, audience: str) -> set[str]:
    """Computed apart from the page's own filtering: audience tags, descendants included."""
    concepts = ConceptClosure.objects.filter(
        ancestor__scheme__code="audience", ancestor__notation=audience
    ).values("descendant")
    tagged = Tag.objects.filter(content_type__model="action", concept__in=concepts).values(
        "object_id"
    )
    return set(
        Action.objects.filter(
            programme__strategy__code="dw-2016-2024",
            programme__ambition__code=ambition,
            pk__in=tagged,
        ).values_list("title", flat=True)
    )


def test_a_visitor_filters_actions_by_two_criteria_and_downloads_them(page, reference):
    errors = watch_errors(page)
    page.goto("/")
    page.click('main a[href="/dashboard/"]')
    expect(page.locator("h1")).to_contain_text("Digital Wallonia 2016-2024")
    expect(page.locator("#ambition-usages-numeriques")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Actions", exact=True).first.click()
    total = Action.objects.filter(programme__strategy__code="dw-2016-2024").count()
    expect(page.locator("#actions-count")).to_contain_text(f"{total} actions")
    page.select_option("#f-ambition", "usages-numeriques")
    expect(page).to_have_url(re.compile(r"ambition=usages-numeriques"))
    page.check('input[value="audience:citizens"]')
    expected = expected_titles("usages-numeriques", "citizens")
    assert 0 < len(expected) < total
    expect(page.locator("#actions-count")).to_contain_text(f"{len(expected)} action")
    expect(page).to_have_url(re.compile(r"ambition=usages-numeriques.*c=audience%3Acitizens"))
    assert_accessible(page)

    table = [
        [cell.strip() for cell in row.locator("th, td").all_inner_texts()]
        for row in page.locator("#actions-table tr").all()
    ]
    assert {row[0] for row in table[1:]} == expected
    with page.expect_download() as download:
        page.click("#actions-csv")
    content = open(download.value.path(), encoding="utf-8-sig").read()
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0] == table[0]
    assert len(rows) == len(table)
    for got, shown in zip(rows[1:], table[1:], strict=True):
        # The French page groups thousands with a narrow no-break space and uses a decimal
        # comma; the CSV is plain.
        shown_budget = shown[8].replace("\u202f", "").replace(",", ".")
        assert got[:8] + got[9:] == shown[:8] + shown[9:]
        assert got[8] == shown_budget

    # The shared link opens the same list.
    page.goto(page.url)
    expect(page.locator("#actions-count")).to_contain_text(f"{len(expected)} action")
    assert errors == []


def test_an_action_shows_its_chart_beside_its_table(page, reference):
    errors = watch_errors(page)
    action = Action.objects.get(code="reseau-epn")
    page.goto(action.get_absolute_url())
    chart = page.locator('[data-chart="figure-epn-nombre"], [data-chart^="figure-"]').first
    expect(chart.locator("svg.main-svg").first).to_be_visible()
    expect(chart.locator(".scatterlayer .trace")).to_have_count(1)
    rows = page.locator(".chart-with-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("166")
    expect(rows.nth(1)).to_contain_text("226")
    expect(rows.nth(0)).to_contain_text("Mémorandum")
    assert_accessible(page)
    assert errors == []


@pytest.mark.parametrize(
    "path, charts",
    [
        ("/dashboard/indicators/start-ia-laureats/", 1),
        ("/dashboard/dw-2016-2024/programmes/digital-wallonia-4-ai/", 7),
        ("/calls/impact/", 0),
    ],
)
def test_chart_pages_draw_with_no_console_or_policy_error(page, reference, path, charts):
    # Plotly adds <style> elements unless the page declares its stylesheet: the strict
    # policy (style-src 'self') refuses them, one console error each. The action page's
    # chart is checked the same way above.
    errors = watch_errors(page)
    page.goto(path)
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-chart].js-plotly-plot")).to_have_count(charts)
    assert page.locator("style").count() == 0
    assert errors == []


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/dw-2016-2024/ambitions/usages-numeriques/",
        "/dashboard/dw-2016-2024/programmes/digital-wallonia-4-ai/",
        "/dashboard/dw-2016-2024/steering/",
        "/dashboard/dw-2024-2029/",
        "/dashboard/compare/?left=dw-2016-2024&right=dw-2024-2029",
        "/dashboard/versions/",
    ],
)
def test_dashboard_pages_are_accessible(page, reference, path):
    errors = watch_errors(page)
    page.goto(path)
    page.wait_for_load_state("networkidle")
    assert_accessible(page)
    assert errors == []
