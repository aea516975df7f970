"""Every public page at a phone's width (390 px) and a laptop's (1,280 px): a full-page
screenshot for people to look at, no sideways scrolling, no axe violation, and on the
phone a menu button that opens the menu."""

import os
from pathlib import Path

import pytest
from django.db import connection
from playwright.sync_api import expect

from territoria.calls.demo import load_demo_calls
from territoria.calls.models import Call
from territoria.ecosystem.demo import load_demo_ecosystem
from territoria.ecosystem.services import public_organisations
from territoria.strategy.models import Action, Ambition, Indicator
from territoria.strategy.services.reference import load_strategy_reference
from territoria.taxonomy.models import Magnet
from territoria.taxonomy.services.reference import load_reference_schemes
from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"phone": (390, 844), "laptop": (1280, 800)}
ARTEFACTS = Path(
    os.environ.get("TERRITORIA_ARTEFACTS")
    or Path(__file__).resolve().parents[2] / "test-artefacts" / "screenshots"
)


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    """The demo's own data, smaller: reference schemes and strategy, a fictitious
    ecosystem, the instruments and a call open now."""
    settings.DATA_DIR = tmp_path
    load_reference_schemes()
    load_strategy_reference()
    load_demo_ecosystem(organisations=60)
    load_demo_calls()
    action = Action.objects.order_by("pk").first()
    assert action is not None
    programme = action.programme
    strategy = programme.strategy.code
    indicator = Indicator.objects.filter(measurements__isnull=False).order_by("pk").first()
    ambition = Ambition.objects.filter(strategy__code=strategy).order_by("pk").first()
    assert indicator is not None and ambition is not None
    return {
        "home": "/",
        "dashboard": f"/dashboard/{strategy}/",
        "actions": f"/dashboard/{strategy}/actions/",
        "ambition": f"/dashboard/{strategy}/ambitions/{ambition.code}/",
        "programme": f"/dashboard/{strategy}/programmes/{programme.code}/",
        "action": f"/dashboard/actions/{action.pk}/",
        "indicator": f"/dashboard/indicators/{indicator.code}/",
        "calls": "/calls/",
        "call": f"/calls/{Call.objects.filter(is_published=True).first().code}/",
        "impact": "/calls/impact/",
        "directory": "/ecosystem/",
        "organisation": public_organisations().order_by("pk").first().get_absolute_url(),
        "events": "/ecosystem/events/",
        "publications": "/ecosystem/publications/",
        "magnets": "/magnets/",
        "magnet": f"/magnets/{Magnet.objects.filter(is_public=True).first().slug}/",
        "taxonomies": "/taxonomies/",
        "scheme": "/taxonomies/territory/",
        "opendata": "/data/",
        "dataset": "/data/organisations/",
        "sign-in": "/accounts/login/",
        "sign-up": "/accounts/signup/",
        "legal-notice": "/legal-notice/",
        "accessibility": "/accessibility/",
        "not-found": "/nowhere/",
    }


def check_layout(page, name: str, width: str) -> None:
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready")
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTEFACTS / f"{name}-{WIDTHS[width][0]}.png", full_page=True)
    sizes = page.evaluate(
        "({scroll: document.documentElement.scrollWidth, window: window.innerWidth})"
    )
    assert sizes["scroll"] <= sizes["window"], f"{name} at {width} width scrolls sideways: {sizes}"
    assert_accessible(page)


@pytest.mark.skipif(
    connection.vendor == "postgresql",
    reason="the layout does not depend on the database; the pages' data is tested on both "
    "by their own tests, and this sweep of 25 pages at two widths takes minutes",
)
@pytest.mark.parametrize("width", WIDTHS)
def test_every_public_page_fits_the_window_and_is_accessible(browser, live_server, demo, width):
    w, h = WIDTHS[width]
    context = browser.new_context(
        locale="fr-BE", base_url=live_server.url, viewport={"width": w, "height": h}
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    failures = []
    try:
        for name, url in demo.items():
            response = page.goto(url)
            assert response is not None
            assert response.status == (404 if name == "not-found" else 200), url
            try:
                check_layout(page, name, width)
            except AssertionError as failure:
                failures.append(f"{name} ({url}): {failure}")
    finally:
        context.close()
    assert not failures, "\n\n".join(failures)


def test_the_menu_folds_behind_a_button_on_a_phone_only(browser, live_server, demo):
    """On a phone the button opens and closes the menu (Escape too); without JavaScript the
    menu is simply shown; on a laptop there is no button and the menu is always shown."""
    phone = {"width": 390, "height": 844}
    context = browser.new_context(locale="fr-BE", base_url=live_server.url, viewport=phone)
    page = context.new_page()
    try:
        page.goto("/")
        button, menu = page.locator(".menu-toggle"), page.locator("#site-menu")
        expect(button).to_be_visible()
        expect(button).to_have_attribute("aria-expanded", "false")
        expect(menu).to_be_hidden()
        assert button.bounding_box()["height"] >= 44
        button.click()
        expect(button).to_have_attribute("aria-expanded", "true")
        expect(menu).to_be_visible()
        for link in menu.get_by_role("link").all():
            assert link.bounding_box()["height"] >= 44, link.inner_text()
        assert_accessible(page)
        page.screenshot(path=ARTEFACTS / "menu-open-390.png", full_page=True)
        page.keyboard.press("Escape")
        expect(button).to_have_attribute("aria-expanded", "false")
        expect(menu).to_be_hidden()
        expect(button).to_be_focused()
        menu_item = menu.get_by_role("link", name="Écosystème")
        button.click()
        menu_item.click()
        expect(page).to_have_url(f"{live_server.url}/ecosystem/")
    finally:
        context.close()

    context = browser.new_context(
        locale="fr-BE", base_url=live_server.url, viewport=phone, java_script_enabled=False
    )
    page = context.new_page()
    try:
        page.goto("/")
        expect(page.locator("#site-menu")).to_be_visible()
        expect(page.locator(".menu-toggle")).to_be_hidden()
    finally:
        context.close()

    laptop = {"width": 1280, "height": 800}
    context = browser.new_context(locale="fr-BE", base_url=live_server.url, viewport=laptop)
    page = context.new_page()
    try:
        page.goto("/")
        expect(page.locator(".menu-toggle")).to_be_hidden()
        expect(page.locator("#site-menu")).to_be_visible()
        expect(page.get_by_role("link", name="Se connecter")).to_have_count(1)
    finally:
        context.close()
