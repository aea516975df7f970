"""An evaluator declares no conflict and scores an application in Chromium."""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from territoria.calls.models import Application, Assignment, Criterion
from territoria.calls.services.evaluation import weighted
from territoria.core.models import Role, User
from territoria.taxonomy.services.reference import load_reference_schemes
from tests.browser.conftest import assert_accessible
from tests.calls.conftest import make_call
from tests.factories import organisation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "an evaluator's passphrase"


@pytest.fixture
def assignment(transactional_db):
    load_reference_schemes()
    call = make_call("tremplin")
    for order, title in enumerate(["Pertinence du besoin", "Impact attendu"], start=1):
        Criterion.objects.create(call=call, order=order, title=title, weight=Decimal(1))
    applicant = User.objects.create(username="candidate", role=Role.APPLICANT)
    application = Application.objects.create(
        call=call, organisation=organisation("Friterie Goffin SRL"), created_by=applicant,
        title="Prévoir les ventes", summary="Un modèle de la demande.", requested_amount=Decimal(40_000),
        status="evaluation", submitted_at=timezone.now(), reference="TIA-2026-00001",
    )  # fmt: skip
    evaluator = User(username="juror", role=Role.EVALUATOR, email="juror@jury.example")
    evaluator.set_password(PASSWORD)
    evaluator.save()
    return Assignment.objects.create(application=application, evaluator=evaluator)


def test_an_evaluator_declares_and_scores(page, assignment):
    page.goto("/accounts/login/?next=/calls/reviews/")
    page.fill("#id_login", "juror")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    expect(page.locator("main table")).to_contain_text("TIA-2026-00001")
    assert_accessible(page)
    page.click("text=TIA-2026-00001")
    expect(page.locator("main")).not_to_contain_text("Prévoir les ventes")  # not before declaring
    assert_accessible(page)
    page.click("button[name=conflict][value=no]")
    expect(page.locator("main")).to_contain_text("Prévoir les ventes")
    assert_accessible(page)
    criteria = list(assignment.application.call.criteria.order_by("order"))
    page.select_option(f"#score-{criteria[0].pk}", "4.5")
    page.select_option(f"#score-{criteria[1].pk}", "3.0")
    page.fill(f"#comment-{criteria[0].pk}", "Besoin clair et mesurable.")
    page.click("#submit-scores")
    expect(page.locator(".messages")).to_be_visible()
    assignment.refresh_from_db()
    assert assignment.counts
    assert sorted(str(s.value) for s in assignment.scores.all()) == ["3.0", "4.5"]
    expect(page.locator(f"#score-{criteria[0].pk}")).to_be_disabled()
    expect(page).to_have_url(re.compile(rf"/calls/reviews/{assignment.pk}/$"))
    assert_accessible(page)


def log_in(page, live_server, user):
    """A session for `user` in the browser, whatever the login page looks like."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def test_a_refused_submission_keeps_every_score_and_comment_typed(page, live_server, assignment):
    call = assignment.application.call
    for order, title in [(3, "Qualité du projet pilote"), (4, "Feuille de route")]:
        Criterion.objects.create(call=call, order=order, title=title, weight=Decimal(2))
    assignment.conflict, assignment.declared_at = False, timezone.now()
    assignment.save()
    criteria = list(call.criteria.order_by("order"))
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server, assignment.evaluator)
    page.goto(f"/calls/reviews/{assignment.pk}/")
    typed = {
        criteria[0].pk: ("4.5", "Besoin clair et mesurable."),
        criteria[1].pk: ("3.0", "Impact chiffré sur les ventes."),
    }
    for pk, (score, comment) in typed.items():
        page.select_option(f"#score-{pk}", score)
        page.fill(f"#comment-{pk}", comment)
    page.fill(f"#comment-{criteria[2].pk}", "Pilote encore flou.")
    page.fill("textarea[name=comment]", "Dossier prometteur.")
    expect(page.locator("#weighted-score [data-weighted-value]")).to_have_text("—")
    page.click("#submit-scores")

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    for pk, (score, comment) in typed.items():
        expect(page.locator(f"#score-{pk}")).to_have_value(score)
        expect(page.locator(f"#comment-{pk}")).to_have_value(comment)
    expect(page.locator(f"#comment-{criteria[2].pk}")).to_have_value("Pilote encore flou.")
    expect(page.locator("textarea[name=comment]")).to_have_value("Dossier prometteur.")
    for criterion in criteria[2:]:
        field = page.locator(f"#score-{criterion.pk}")
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(field).to_have_attribute("aria-describedby", f"score-{criterion.pk}_error")
        expect(page.locator(f"#score-{criterion.pk}_error")).to_be_visible()
        expect(summary.locator(f'a[href="#score-{criterion.pk}"]')).to_contain_text(criterion.title)
    expect(page.locator(f"#score-{criteria[0].pk}")).not_to_have_attribute("aria-invalid", "true")
    assignment.refresh_from_db()
    assert assignment.submitted_at is None and not assignment.scores.exists()
    assert_accessible(page)

    summary.locator(f'a[href="#score-{criteria[2].pk}"]').click()
    expect(page.locator(f"#score-{criteria[2].pk}")).to_be_in_viewport()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.select_option(f"#score-{criteria[2].pk}", "2.5")
    page.select_option(f"#score-{criteria[3].pk}", "3.0")
    # (4.5 + 3.0 + 2 × 2.5 + 2 × 3.0) / 6 = 3.0833…: the server's figure, written the French way
    values = {c.pk: Decimal(v) for c, v in zip(criteria, ["4.5", "3.0", "2.5", "3.0"], strict=True)}
    assert weighted(values, criteria) == Decimal("3.08")
    expect(page.locator("#weighted-score [data-weighted-value]")).to_have_text("3,08")
    expect(page.locator("#weighted-score")).to_have_attribute("aria-live", "polite")
    page.click("#submit-scores")
    expect(page.locator(".messages")).to_be_visible()
    assignment.refresh_from_db()
    assert assignment.counts and assignment.scores.count() == 4
