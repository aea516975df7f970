"""A company takes the Digiscore in Chromium, in French and in Dutch: starts with its
enterprise number, mistypes, stops and resumes through its private link, finishes, reads
its report with the radar drawn; the public barometer with its charts, on a desk and on a
phone; axe-core finds no violation on any of those pages."""

import random

import pytest

from territoria.ecosystem.profile import Profile
from territoria.maturity.demo import answer_near
from territoria.maturity.services.assessments import answer, complete, start
from territoria.maturity.services.questionnaires import definition_of, load_shipped
from territoria.taxonomy.services.reference import load_reference_schemes
from tests.browser.conftest import assert_accessible, watch_errors
from tests.factories import concept, organisation
from tests.maturity.companies import LAST_YEAR, in_year, linked_company

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def answer_everything(page):
    """Tick an answer for every question of the step shown."""
    for fieldset in page.locator("fieldset.question").all():
        grid_rows = fieldset.locator("table.answer-grid tbody tr")
        if grid_rows.count():
            for row in grid_rows.all():
                row.locator("input[type=radio]").nth(1).check()  # "partly"
            continue
        boxes = fieldset.locator("input[type=checkbox]")
        if boxes.count():
            boxes.first.check()
            continue
        fieldset.locator("input[type=radio]").last.check()


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_a_company_takes_the_digiscore_and_reads_its_report(browser, live_server, language):
    load_reference_schemes()  # the live server's database is emptied after each test
    load_shipped()
    org = organisation("Boulangerie Dupont", "nace:C10", size_class=concept("size:small"))
    context = browser.new_context(locale=f"{language}-BE", base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors = watch_errors(page)
    page.goto(f"/digiscore/?language={language}")
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    page.goto("/digiscore/")
    assert page.locator("html").get_attribute("lang") == language
    assert_accessible(page)
    form = page.locator("form[action='/digiscore/start/digiscore/']")
    form.locator("input[name='digiscore-enterprise_number']").fill("0123.456.780")
    form.locator("button[type=submit]").click()
    # A mistyped number: refused, kept as typed, the error first.
    assert page.locator(".error-summary").is_visible()
    form = page.locator("form[action='/digiscore/start/digiscore/']")
    number = form.locator("input[name='digiscore-enterprise_number']")
    assert number.input_value() == "0123.456.780"
    assert_accessible(page)
    number.fill(org.enterprise_number)
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/1/")
    first_step = page.url
    assert page.locator("progress").count() == 1
    assert_accessible(page)
    # "Next" with nothing ticked: every question named, nothing lost.
    page.locator("button[name=next]").click()
    assert page.locator("#error-summary").is_visible()
    assert_accessible(page)
    answer_everything(page)
    page.locator("button[name=stop]").click()
    link = page.locator(".private-link a").get_attribute("href")
    assert link == first_step.removeprefix(live_server.url)
    # Another browser with the link finds the answers ticked and goes on.
    other = browser.new_context(locale=f"{language}-BE", base_url=live_server.url).new_page()
    other.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    other.goto(link)
    assert other.locator("input:checked").count() > 0
    while "/report/" not in other.url:
        answer_everything(other)
        other.locator("button[name=next]").click()
        other.wait_for_load_state()
    other.wait_for_selector("[data-chart=radar] .polarlayer, [data-chart=radar] svg")
    assert other.locator("table caption").count() >= 1
    assert other.locator("table tbody tr").count() == 4  # the Digiscore's four axes
    assert_accessible(other)
    # On a phone, nothing runs off the side.
    other.set_viewport_size({"width": 390, "height": 844})
    overflow = other.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    # The refused forms answer 400, which the console reports; nothing else may appear.
    assert [e for e in errors if "status of 400" not in e] == []
    other.context.close()
    context.close()


def counted_all(questionnaire, level, profile):
    """A counted assessment of last year, every question answered at about `level` (0–5)."""
    company = linked_company()
    questions = definition_of(questionnaire).questions()
    with in_year(LAST_YEAR):
        started = start(questionnaire, company.number, owner=company.user, profile=profile)
        rng = random.Random(level)
        answer(started.assessment, {q.code: answer_near(q, level * 20, rng) for q in questions})
        return complete(started.assessment)


@pytest.mark.parametrize("width", [1280, 390])
def test_the_barometer_draws_its_charts_beside_their_tables(browser, live_server, width):
    load_reference_schemes()
    questionnaire = next(q for q in load_shipped() if q.code == "digiscore")
    for section, size, province in [("C", "small", "BE-WNA"), ("J", "micro", "BE-WHT")]:
        for level in range(6):
            counted_all(questionnaire, level, Profile(section, size, province))
    context = browser.new_context(locale="fr-BE", base_url=live_server.url)
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    errors = watch_errors(page)
    page.goto("/digiscore/barometer/")
    page.wait_for_selector("[data-chart=trend-figure] svg")
    page.wait_for_selector("[data-chart=sections-figure] svg")
    assert page.locator("table caption").count() == 5
    assert page.locator("section[aria-labelledby=sections] tbody tr").count() == 2
    assert_accessible(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    page.select_option("#year", str(LAST_YEAR))
    page.locator("form.inline-form button").click()
    page.wait_for_url(f"**?year={LAST_YEAR}")
    assert errors == []
    context.close()
