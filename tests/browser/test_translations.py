"""An English visitor reads a call staff translated, with the one criterion they have not
translated yet shown in French, marked, and in its own language for assistive technology."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from territoria.calls.models import Criterion
from territoria.taxonomy.services.reference import load_reference_schemes
from tests.browser.conftest import assert_accessible
from tests.calls.conftest import make_call

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def call(transactional_db):
    load_reference_schemes()
    call = make_call("ia-2026")
    call.title, call.title_en = "Appel IA 2026", "AI call 2026"
    call.summary, call.summary_en = "Un appel pour l'IA.", "A call for AI."
    call.save()
    Criterion.objects.create(
        call=call, order=1, title="Pertinence", title_en="Relevance", weight=Decimal(1)
    )
    Criterion.objects.create(call=call, order=2, title="Faisabilité", weight=Decimal(1))
    return call


def test_an_english_visitor_sees_the_translation_and_a_marked_untranslated_criterion(page, call):
    page.goto("/calls/ia-2026/")
    expect(page.locator("h1")).to_have_text("Appel IA 2026")
    page.select_option("#language-select", "en")
    page.get_by_role("button", name="Changer").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("AI call 2026")
    expect(page).to_have_title("AI call 2026 · Territoria · Wallonia")
    grid = page.get_by_role("table", name="Criteria grid")
    expect(grid.get_by_role("cell", name="Relevance")).to_be_visible()

    untranslated = grid.locator(".untranslated")
    expect(untranslated).to_have_count(1)
    expect(untranslated.locator('[lang="fr"]')).to_have_text("Faisabilité")
    marker = untranslated.locator(".fallback-marker")
    expect(marker).to_be_visible()
    expect(marker).to_have_text("FR(not yet translated, in French)")
    # Read aloud: the marker's name, then the French text in a French voice.
    expect(
        grid.get_by_role("cell", name="(not yet translated, in French) Faisabilité")
    ).to_be_visible()
    assert_accessible(page)
