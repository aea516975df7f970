"""An applicant applies to a call in Chromium: steps, a document, submission."""

import re

import pytest
from playwright.sync_api import expect

from territoria.accounts.models import Affiliation
from territoria.calls.models import Application
from territoria.core.models import Role, User
from territoria.taxonomy.services.reference import load_reference_schemes
from tests.browser.conftest import assert_accessible
from tests.calls.conftest import PDF, make_call
from tests.factories import concept, organisation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "an applicant's passphrase"


@pytest.fixture
def applicant(transactional_db, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    load_reference_schemes()
    make_call("tremplin")
    org = organisation("Friterie Goffin SRL", "org-type:sme", postcode="5000", city="Namur",
                       size_class=concept("size:small"))  # fmt: skip
    user = User(username="candidate", role=Role.APPLICANT, email="candidate@example.org")
    user.set_password(PASSWORD)
    user.save()
    Affiliation.objects.create(user=user, organisation=org)
    return user


def test_an_applicant_applies_and_follows_the_status(page, applicant, tmp_path):
    page.goto("/calls/")
    assert_accessible(page)
    page.click("text=Call tremplin")
    expect(page.locator("h1")).to_have_text("Call tremplin")
    expect(page.locator("main")).to_contain_text(re.compile(r"UTC\+0[12]:00"))
    assert_accessible(page)

    page.goto("/accounts/login/?next=/calls/tremplin/")
    page.fill("#id_login", "candidate")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.click("form[action$='/apply/'] button[type=submit]")
    expect(page).to_have_url(re.compile(r"/step/organisation/$"))
    assert_accessible(page)
    page.click("main form button[type=submit]")

    expect(page).to_have_url(re.compile(r"/step/project/$"))
    page.fill("#id_title", "Prévoir les ventes de frites")
    page.fill("#id_summary", "Un modèle qui prévoit la demande du week-end.")
    page.fill("#id_requested_amount", "40000")
    assert_accessible(page)
    page.click("main form button[type=submit]")

    expect(page).to_have_url(re.compile(r"/step/documents/$"))
    plan = tmp_path / "plan.pdf"
    plan.write_bytes(PDF)
    page.select_option("#id_requirement", label="Project plan")
    page.set_input_files("#id_file", str(plan))
    page.click("form[enctype] button[type=submit]")
    expect(page.locator("main table")).to_contain_text("plan.pdf")
    assert_accessible(page)
    page.locator("main form:not([enctype]):not([action])").last.locator("button").click()

    expect(page).to_have_url(re.compile(r"/step/submit/$"))
    assert_accessible(page)
    page.click("#submit-application")
    application = Application.objects.get()
    expect(page.locator("h1")).to_have_text(application.reference)
    assert application.status == "submitted"
    expect(page.locator("#application-status")).to_contain_text(application.get_status_display())
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/calls/impact/", "/calls/experts/"])
def test_programme_pages_are_accessible(page, applicant, path):
    page.goto(path)
    expect(page.locator("h1")).to_be_visible()
    assert_accessible(page)
