"""An evaluator declares no conflict and scores an application in Chromium."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from territoria.calls.models import Application, Assignment, Criterion
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
