"""The Open Data pages in Chromium: from the menu to a filtered preview, its API address and
its CSV download, with and without JavaScript."""

import csv
import re

import pytest
from playwright.sync_api import expect

from territoria.taxonomy import index
from territoria.taxonomy.services.reference import load_reference_schemes
from tests.browser.conftest import assert_accessible
from tests.factories import organisation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DATASET = "Organisations de l'écosystème numérique"
MACHINE_LEARNING = 'input[value="technology:Intelligence artificielle/Apprentissage automatique"]'
NAMUR_TOWN = 'input[value="territory:Wallonie/Namur/Namur"]'


@pytest.fixture
def organisations(transactional_db):
    load_reference_schemes()
    organisation(
        "Nexalis SRL",
        "technology:machine-learning",
        "size:small",
        city="Namur",
        legal_form="SRL",
        latitude=50.46,
        longitude=4.87,
    )
    organisation("Datavia SRL", "technology:cloud", city="Namur", legal_form="SRL")
    organisation(
        "Robotix SA",
        "technology:robotics",
        "technology:machine-learning",
        city="Liège",
        legal_form="SA",
    )
    organisation('Mosa "Conseil" SA', "technology:cloud", city="Liège", legal_form="SA")
    organisation("Boulangerie Dupont SRL", city="Namur", is_active=False)
    index.bump()


def watch_errors(page):
    """Script errors and console errors, CSP refusals included."""
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: errors.append(message.text) if message.type == "error" else None,
    )
    return errors


def preview(page):
    """The preview as {field name: text} per row."""
    names = page.locator("#records-table thead th").evaluate_all(
        "cells => cells.map(cell => cell.dataset.field)"
    )
    return [
        dict(zip(names, [c.strip() for c in row.locator("td").all_inner_texts()], strict=True))
        for row in page.locator("#records-table tbody tr").all()
    ]


def test_a_visitor_filters_a_dataset_and_gets_the_same_records_from_the_api_and_the_csv(
    page, organisations
):
    errors = watch_errors(page)
    page.goto("/")
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Données ouvertes"
    ).click()
    expect(page.locator("h1")).to_have_text("Données ouvertes")
    expect(page.locator('a[href="/api/explore/v2.1/catalog/exports/dcat"]')).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name=DATASET).click()
    expect(page.locator("h1")).to_have_text(DATASET)
    expect(page.locator("#records-count")).to_have_text("5 fiches")
    assert_accessible(page)

    # The facet refines in place: no new page is loaded.
    page.evaluate("window.stillHere = true")
    facet = page.locator(f"label:has({MACHINE_LEARNING}) .count")
    expect(facet).to_have_text("2")
    page.check(MACHINE_LEARNING)
    expect(page.locator("#records-count")).to_have_text("2 fiches")
    expect(page.locator("#dataset-live")).to_have_text("2 fiches")
    expect(page).to_have_url(re.compile(r"refine=technology%3AIntelligence"))
    assert page.evaluate("window.stillHere") is True
    expect(page.locator(MACHINE_LEARNING)).to_be_checked()
    # The focus stays on the box just ticked, though the facet was drawn again.
    expect(page.locator(MACHINE_LEARNING)).to_be_focused()
    rows = preview(page)
    assert {row["name"] for row in rows} == {"Nexalis SRL", "Robotix SA"}
    assert_accessible(page)

    # The API address of this view answers the same records.
    address = page.input_value("#api-url")
    assert address.startswith(page.url.split("/data/")[0] + "/api/explore/v2.1/")
    answer = page.request.get(address).json()
    assert answer["total_count"] == 2
    assert {r["name"] for r in answer["results"]} == {row["name"] for row in rows}

    # Copying it tells so.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copier l'adresse").click()
    expect(page.locator("#copy-status")).to_have_text("Adresse copiée")

    # The CSV holds the rows of the preview.
    with page.expect_download() as download:
        page.click("#download-csv")
    assert download.value.suggested_filename == "organisations.csv"
    # With a byte-order mark, as Opendatasoft's exports begin by default.
    with open(download.value.path(), encoding="utf-8-sig") as file:
        exported = list(csv.DictReader(file, delimiter=";"))
    assert len(exported) == len(rows)
    by_id = {row["id"]: row for row in rows}
    for record in exported:
        shown = by_id[record["id"]]
        for name in ("name", "enterprise_number", "legal_form", "city"):
            assert record[name] == shown[name], name
        assert set(record["technology"].split(",")) == set(shown["technology"].split(", "))

    # A search with quotes narrows the same view.
    page.fill("#dataset-q", '"Conseil"')
    expect(page.locator("#records-count")).to_have_text("0 fiche")
    page.uncheck(MACHINE_LEARNING)
    expect(page.locator("#records-count")).to_have_text("1 fiche")
    assert [row["name"] for row in preview(page)] == ['Mosa "Conseil" SA']
    assert_accessible(page)
    assert errors == []


def test_a_refused_condition_is_announced_and_stays_in_the_form(page, organisations):
    errors = watch_errors(page)
    page.goto("/data/organisations/")
    page.get_by_text("Condition avancée (ODSQL)").click()
    page.fill("#dataset-where", "city = = 'Namur'")
    page.get_by_role("button", name="Appliquer la condition").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("position")
    expect(page.locator("#dataset-where")).to_have_value("city = = 'Namur'")
    assert_accessible(page)

    page.fill("#dataset-where", "city = 'Namur'")
    page.get_by_role("button", name="Appliquer la condition").click()
    expect(page.locator("#records-count")).to_have_text("3 fiches")
    expect(page.get_by_role("alert")).to_have_count(0)
    assert errors == []


def test_the_page_works_without_javascript(browser, live_server, organisations):
    context = browser.new_context(
        locale="fr-BE", java_script_enabled=False, base_url=live_server.url
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto("/data/organisations/")
        expect(page.get_by_role("button", name="Copier l'adresse")).to_be_hidden()
        page.check(MACHINE_LEARNING)
        page.locator("#dataset-form .search-bar").get_by_role("button", name="Filtrer").click()
        expect(page.locator("#records-count")).to_have_text("2 fiches")
        expect(page).to_have_url(re.compile(r"/data/organisations/\?.*refine="))
        page.get_by_role("link", name=re.compile("Retirer le filtre")).click()
        expect(page.locator("#records-count")).to_have_text("5 fiches")
    finally:
        context.close()


def test_the_dataset_page_fits_a_phone_and_its_preview_scrolls_inside(
    browser, live_server, organisations
):
    organisation(
        "Nexalis Conseil SRL",
        "territory:namur",
        city="Namur",
        source="demo",
        website="https://nexalis-conseil.example/une/adresse/assez/longue/pour/un/telephone",
        description_fr="Accompagnement des PME wallonnes dans leurs projets d'intelligence "
        "artificielle, de l'audit des données jusqu'à la mise en production des modèles, avec "
        "une attention particulière à la sobriété énergétique et à l'explicabilité.",
    )
    index.bump()
    context = browser.new_context(
        locale="fr-BE", viewport={"width": 390, "height": 844}, base_url=live_server.url
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors = watch_errors(page)
    try:
        page.goto("/data/organisations/")
        expect(page.locator("#records-count")).to_have_text("6 fiches")
        # The page is never wider than the window: the preview scrolls in its own region.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        region = page.locator(".table-scroll:has(#records-table)")
        assert region.evaluate("r => r.scrollWidth > r.clientWidth")
        # A long text opens in place, and the page still fits.
        long_text = page.locator("#records-table details.long-text")
        expect(long_text.locator(".long-full")).to_be_hidden()
        long_text.locator("summary").click()
        expect(long_text.locator(".long-full")).to_contain_text("l'explicabilité.")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        # The territory facet is a tree: Namur (the town) sits under Namur (the province).
        town = page.locator(NAMUR_TOWN)
        expect(page.locator(f"#facet-territory ul ul ul li:has({NAMUR_TOWN})")).to_have_count(1)
        expect(town).to_be_visible()
        town.check()
        expect(page.locator("#records-count")).to_have_text("1 fiche")
        expect(town).to_be_checked()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert_accessible(page)
        assert errors == []
    finally:
        context.close()
