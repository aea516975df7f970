import csv
import io
import json

import pytest
from playwright.sync_api import expect

from territoria.core.models import Role, User
from territoria.taxonomy.models import Magnet
from territoria.taxonomy.services.reference import load_reference_schemes
from tests.browser.conftest import assert_accessible
from tests.factories import concept, organisation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIRST_EXAMPLE = [
    "org-type:startup",
    "technology:ai",
    "label:international-mission",
    "label:wing-fund",
    "label:dw4ai-laureate",
]
PASSWORD = "a long staff passphrase"


@pytest.fixture
def staff(transactional_db):
    load_reference_schemes()
    organisation("Cogito SRL", *FIRST_EXAMPLE[:1], "technology:nlp", *FIRST_EXAMPLE[2:])
    organisation(
        "Vision Wing SRL", "org-type:startup", "technology:computer-vision", *FIRST_EXAMPLE[2:]
    )
    organisation(
        "Sans Mission SRL",
        "org-type:startup",
        "technology:ai",
        "label:wing-fund",
        "label:dw4ai-laureate",
    )
    organisation("Grande IA SA", "org-type:large-company", *FIRST_EXAMPLE[1:])
    user = User(username="analyste", role=Role.STAFF, email="analyste@agence.example")
    user.set_password(PASSWORD)
    user.save()
    return user


def test_staff_build_the_first_example_magnet_and_export_it(page, staff):
    page.goto("/accounts/login/?next=/magnets/new/")
    page.fill("#id_login", "analyste")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    expect(page.locator("h1")).to_contain_text("aimant")
    assert_accessible(page)

    page.fill("#id_name", "Start-ups IA en mission, W.IN.G et DW4AI")
    for count, code in zip([3, 3, 2, 2, 2], FIRST_EXAMPLE, strict=True):
        page.select_option("#concept-root", code)
        page.click("#builder button.add-concept >> nth=-1")
        # Shown by its French label, never by its code.
        label = concept(code).label_fr
        expect(page.locator("#builder .concept-label", has_text=label)).to_be_visible()
        expect(page.locator("#live-count")).to_contain_text(str(count))
    expect(page.locator("#builder .builder-group")).not_to_contain_text("technology:ai")
    assert_accessible(page)
    page.click("button[name=save]")

    expect(page).to_have_url(
        f"{page.url.split('/magnets/')[0]}/magnets/start-ups-ia-en-mission-wing-et-dw4ai/"
    )
    magnet = Magnet.objects.get()
    assert magnet.expression == {"all": [{"concept": code} for code in FIRST_EXAMPLE]}
    table = page.locator("main section table")
    expect(table).to_contain_text("Cogito SRL")
    expect(table).to_contain_text("Vision Wing SRL")
    expect(table).not_to_contain_text("Sans Mission SRL")
    assert_accessible(page)

    with page.expect_download() as download:
        page.click("a[download]")
    rows = list(
        csv.DictReader(io.StringIO(open(download.value.path(), encoding="utf-8-sig").read()))
    )
    assert sorted(row["name"] for row in rows) == ["Cogito SRL", "Vision Wing SRL"]
    assert all("label:wing-fund" in row["concepts"] for row in rows)
    api = page.request.get("/api/v1/magnets/start-ups-ia-en-mission-wing-et-dw4ai/results").json()
    assert api["count"] == 2 and json.dumps(api).count("Cogito SRL") == 1
