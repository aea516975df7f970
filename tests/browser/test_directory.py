import csv
import io
import re
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect

from territoria.taxonomy.services.reference import load_reference_schemes
from tests.browser.conftest import assert_accessible
from tests.factories import concept, organisation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ecosystem(transactional_db):
    load_reference_schemes()
    namur, liege = concept("territory:namur"), concept("territory:liege")
    organisation(
        "Nexalis SRL",
        "org-type:startup",
        "technology:machine-learning",
        municipality=namur,
        legal_form="SRL",
    )
    organisation(
        "Datavia SRL", "org-type:startup", "technology:cloud", municipality=namur, legal_form="SRL"
    )
    organisation(
        "Robotix SRL",
        "org-type:startup",
        "technology:robotics",
        municipality=liege,
        legal_form="SRL",
    )
    organisation(
        "Boulangerie Dupont SRL", "org-type:sme", "nace:C10", municipality=namur, legal_form="SRL"
    )
    organisation("Mosa Conseil SA", "org-type:sme", "nace:N70", municipality=liege, legal_form="SA")


def test_a_visitor_searches_refines_by_two_facets_and_opens_an_organisation(page, ecosystem):
    page.goto("/ecosystem/")
    expect(page.locator("#results-heading")).to_contain_text("5 organisations")
    assert_accessible(page)

    page.fill("#directory-q", "srl")
    expect(page.locator("#results-heading")).to_contain_text("4 organisations")
    page.check('input[value="org-type:startup"]')
    expect(page.locator("#results-heading")).to_contain_text("3 organisations")
    page.check('input[value="territory:BE-WNA"]')
    expect(page.locator("#results-heading")).to_contain_text("2 organisations")
    # Counts in the refined scheme stay disjunctive: Liège would add Robotix.
    expect(page.locator('label:has(input[value="territory:BE-WLG"]) .count')).to_have_text("1")
    expect(page).to_have_url(re.compile(r"q=srl.*c=org-type%3Astartup.*c=territory%3ABE-WNA"))
    assert_accessible(page)

    # The URL is shareable: opening it afresh gives the same refinement.
    shared = page.url
    page.goto(shared)
    expect(page.locator("#results-heading")).to_contain_text("2 organisations")
    expect(page.locator('input[value="territory:BE-WNA"]')).to_be_checked()

    page.get_by_role("link", name="Nexalis SRL").click()
    expect(page.locator("h1")).to_have_text("Nexalis SRL")
    expect(page.locator("main")).to_contain_text("Apprentissage automatique")
    assert_accessible(page)


API = "/api/explore/v2.1/catalog/datasets/organisations"


def test_a_visitor_downloads_the_refined_directory_as_the_api_gives_it(page, ecosystem):
    # A natural person is never listed, nor downloaded.
    organisation("Jean Dupont", "org-type:startup", "org-type:self-employed")
    page.goto("/ecosystem/")
    page.check('input[value="org-type:startup"]')
    expect(page.locator("#results-heading")).to_contain_text("3 organisations")
    # The links follow the refinement, in their address.
    for link in ("#download-csv", "#download-xlsx"):
        expect(page.locator(link)).to_have_attribute("href", re.compile("c=org-type%3Astartup"))
    assert_accessible(page)

    with page.expect_download() as download:
        page.click("#download-csv")
    assert download.value.suggested_filename == "organisations.csv"
    data = Path(download.value.path()).read_bytes()
    assert data.startswith("\ufeff".encode())  # so that Excel reads the accents
    # The same columns and rows as the API's export and records for the same refinement.
    refine = {"refine": "org_type:startup"}
    api_csv = page.request.get(f"{API}/exports/csv", params=refine).body()
    assert data == api_csv  # both with the byte-order mark a spreadsheet needs
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    records = page.request.get(f"{API}/records", params={**refine, "limit": 100}).json()
    assert [int(row["id"]) for row in rows] == [record["id"] for record in records["results"]]
    assert {row["name"] for row in rows} == {"Nexalis SRL", "Datavia SRL", "Robotix SRL"}
    assert {row["org_type"] for row in rows} == {"Start-up"}

    with page.expect_download() as download:
        page.click("#download-xlsx")
    assert download.value.suggested_filename == "organisations.xlsx"
    workbook = Path(download.value.path()).read_bytes()
    sheet = openpyxl.load_workbook(io.BytesIO(workbook), read_only=True).active
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert cells[0] == list(rows[0])
    assert [row[0] for row in cells[1:]] == [int(row["id"]) for row in rows]  # integers, no ".0"


@pytest.mark.parametrize("width", [390, 1280])
def test_the_map_and_composition_fit_the_screen_and_follow_the_facets(page, ecosystem, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/ecosystem/")
    expect(page.locator("#results-heading")).to_contain_text("5 organisations")
    svg = page.locator("svg.map")
    expect(svg).to_be_visible()
    box = svg.bounding_box()
    assert box is not None and box["width"] > 0.6 * min(width, 560) and box["height"] > 100
    circles = page.locator("svg.map a")
    expect(circles).to_have_count(2)
    expect(page.locator('svg.map a[aria-label^="Namur"]')).to_have_attribute(
        "aria-label", re.compile(r"^Namur\W+3 organisations$")
    )
    expect(page.locator("#composition-org-type")).to_contain_text("Start-up")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    if width >= 1280:
        # The map and its table side by side; type and size side by side, sectors below.
        table = page.locator(".directory-map .table-scroll").first.bounding_box()
        assert table is not None and table["x"] > box["x"] + box["width"] - 1
        kind, size, sector = (
            page.locator(f"#composition-{s}").bounding_box() for s in ("org-type", "size", "nace")
        )
        assert kind and size and sector
        assert round(kind["y"]) == round(size["y"]) and size["x"] > kind["x"] + kind["width"]
        assert sector["y"] >= kind["y"] + kind["height"]
    assert_accessible(page)

    # Ticking a facet swaps the pictures with the results.
    if width < 800:
        page.locator("#facet-org-type").scroll_into_view_if_needed()
    page.check('input[value="nace:C"]')
    expect(page.locator("#results-heading")).to_contain_text("1 organisation")
    expect(circles).to_have_count(1)
    expect(page.locator('svg.map a[aria-label^="Namur"]')).to_have_attribute(
        "aria-label", re.compile(r"^Namur\W+1 organisation$")
    )
    expect(page.locator("#composition-org-type")).not_to_contain_text("Start-up")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)

    # A circle narrows the directory to its municipality.
    page.uncheck('input[value="nace:C"]')
    expect(circles).to_have_count(2)
    page.locator('svg.map a[aria-label^="Liège"]').click()
    expect(page.locator("#results-heading")).to_contain_text("2 organisations")
    expect(page.locator('input[value="territory:liege"]')).to_be_checked()
