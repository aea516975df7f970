"""A company takes the Digiscore in Chromium, in French and in Dutch: starts with its
enterprise number, mistypes, stops and resumes through its private link, finishes, reads
its report with the radar drawn; the public barometer with its charts, on a desk and on a
phone; axe-core finds no violation on any of those pages."""

import random

import pytest
from playwright.sync_api import expect

from territoria.core.disclosure import MINIMUM_GROUP
from territoria.ecosystem.profile import Profile
from territoria.maturity.definition import parse
from territoria.maturity.demo import answer_near
from territoria.maturity.models import Recommendation
from territoria.maturity.services.assessments import answer, complete, start
from territoria.maturity.services.questionnaires import definition_of, load_shipped, store
from territoria.taxonomy.services.reference import load_reference_schemes
from tests.browser.conftest import assert_accessible, watch_errors
from tests.browser.test_review import log_in
from tests.conftest import make_user
from tests.factories import concept, organisation, strategy_tree
from tests.maturity.companies import LAST_YEAR, in_year, linked_company
from tests.maturity.test_attacks_maturity import document
from tests.maturity.test_progress import SUPPORT, followed

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
    advice = Recommendation.objects.create(
        code="strategy", questionnaire_code="digiscore", dimension="strategy", below=101,
        title="Écrire votre stratégie numérique", title_nl="Uw digitale strategie uitschrijven",
        advice="Fixez deux objectifs.", advice_nl="Leg twee doelen vast.",
    )  # fmt: skip
    advice.programmes.set([strategy_tree()["programme"]])
    context = browser.new_context(
        locale=f"{language}-BE", base_url=live_server.url, accept_downloads=True
    )
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
    other = browser.new_context(
        locale=f"{language}-BE", base_url=live_server.url, accept_downloads=True
    ).new_page()
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
    # The advice, in the page's language, with why it is given and where to go.
    title = {"fr": advice.title, "nl": advice.title_nl}[language]
    expect(other.locator("section.advice h3")).to_have_text(title)
    expect(other.locator("section.advice .pointers a")).to_contain_text("Programme dw")
    assert_accessible(other)
    # The same report as a PDF, downloaded as a reader would.
    with other.expect_download() as download:
        other.locator("a[download]").click()
    saved = download.value.path()
    with open(saved, "rb") as document:
        assert document.read(5) == b"%PDF-"
    assert download.value.suggested_filename.startswith("digiscore-")
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


def test_the_laureates_progress_on_the_impact_page_and_for_staff(browser, live_server):
    load_reference_schemes()
    questionnaire = store(parse(document(code="digiscore")))  # two dimensions
    for _ in range(MINIMUM_GROUP):
        followed(questionnaire, before=(1, 1), after=(3, 4), t0=SUPPORT, t1=SUPPORT + 2)
    context = browser.new_context(locale="fr-BE", base_url=live_server.url)
    page = context.new_page()
    errors = watch_errors(page)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/calls/impact/")
        page.wait_for_selector("[data-chart=figure-maturity-progress] svg")
        means = page.locator("table:has(#maturity-progress-caption) tbody tr")
        assert means.count() == 3  # overall and the two dimensions
        assert page.locator("#maturity-cohorts tbody tr").count() == 1  # one closed cohort
        assert_accessible(page)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
    log_in(page, live_server, make_user("analyst", "staff"))
    page.goto("/digiscore/progress/")
    assert page.locator("section h2").first.inner_text() == "start-ia"
    assert page.locator("table").count() == 2  # the means, then each company
    assert_accessible(page)
    assert errors == []
    context.close()
