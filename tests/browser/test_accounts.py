"""Accounts in Chromium, as a stranger meets them: sign up, confirm the e-mail, ask to act
for an organisation, approval by staff, apply and submit; an invited evaluator; a forgotten
password; and every accounts page through axe-core in French and English."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from territoria.accounts import services
from territoria.calls.models import Application, Assignment, Criterion
from territoria.core.models import Role, User
from territoria.taxonomy.services.reference import load_reference_schemes
from tests.accounts.conftest import deliver, link_in
from tests.browser.conftest import assert_accessible
from tests.calls.conftest import PDF, make_call
from tests.factories import concept, organisation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "une phrase de passe solide"
STAFF_PASSWORD = "a long staff passphrase"


@pytest.fixture
def site(transactional_db, settings, tmp_path, mailoutbox):
    settings.DATA_DIR = tmp_path
    load_reference_schemes()
    call = make_call("tremplin")
    company = organisation(
        "Friterie Goffin SRL", "org-type:sme", postcode="5000", city="Namur",
        size_class=concept("size:small"),
    )  # fmt: skip
    staff = User(username="gestionnaire", role=Role.STAFF, email="staff@agence.example")
    staff.set_password(STAFF_PASSWORD)
    staff.save()
    return {"call": call, "company": company, "staff": staff}


def sign_in(page: Page, login: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_login", login)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")


def no_sideways_scroll(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_company_signs_up_is_approved_and_submits(page, browser, live_server, site, tmp_path):
    page.goto("/")
    page.click("header >> text=Créer un compte")
    assert_accessible(page)
    page.check("input[name=account_type][value=applicant]")
    page.fill("#id_first_name", "Léa")
    page.fill("#id_last_name", "Goffin")
    page.fill("#id_email", "lea@friterie-goffin.example")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", "une autre phrase")  # a slip of the fingers
    page.click("main button[type=submit]")
    expect(page.locator("#id_password2")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_email")).to_have_value("lea@friterie-goffin.example")
    assert_accessible(page)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("main button[type=submit]")
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    assert_accessible(page)

    page.goto(link_in(deliver()[-1]))
    assert_accessible(page)
    page.click("main button[type=submit]")
    expect(page).to_have_url(re.compile(r"/accounts/$"))
    expect(page.locator("main")).to_contain_text("lea@friterie-goffin.example")
    assert_accessible(page)

    page.click("main >> text=Demander à agir pour une organisation")
    assert_accessible(page)
    number = site["company"].enterprise_number
    page.fill("#id_enterprise_number", number[:-1] + str((int(number[-1]) + 1) % 10))
    page.fill("#id_role", "gérante")
    page.click("main button[type=submit]")
    expect(page.locator("#form-errors")).to_contain_text("chiffres de contrôle")
    expect(page.locator("#id_role")).to_have_value("gérante")
    assert_accessible(page)
    page.fill("#id_enterprise_number", number.replace(".", ""))
    page.click("main button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("Friterie Goffin SRL")

    # Prepared while the request waits: the draft is kept, the submission refused.
    page.goto(f"/calls/{site['call'].code}/")
    expect(page.locator("main")).to_contain_text("en attente")
    page.click("form[action$='/apply/'] button[type=submit]")
    page.click("main form button[type=submit]")
    page.fill("#id_title", "Prévoir les ventes de frites")
    page.fill("#id_summary", "Un modèle qui prévoit la demande du week-end.")
    page.fill("#id_requested_amount", "40000")
    page.click("main form button[type=submit]")
    plan = tmp_path / "plan.pdf"
    plan.write_bytes(PDF)
    page.select_option("#id_requirement", label="Project plan")
    page.set_input_files("#id_file", str(plan))
    page.click("form[enctype] button[type=submit]")
    expect(page.locator("main table")).to_contain_text("plan.pdf")
    page.locator("main form:not([enctype]):not([action])").last.locator("button").click()
    expect(page).to_have_url(re.compile(r"/step/submit/$"))
    draft = Application.objects.get()
    page.click("#submit-application")
    expect(page.locator(".messages")).to_contain_text("attend")
    draft.refresh_from_db()
    assert draft.status == "draft"

    staff = browser.new_context(locale="fr-BE", base_url=live_server.url).new_page()
    sign_in(staff, "staff@agence.example", STAFF_PASSWORD)
    staff.click("header >> text=Personnes")
    staff.click("main >> text=demande d'organisation")
    expect(staff.locator("main")).to_contain_text("lea@friterie-goffin.example")
    assert_accessible(staff)
    staff.click("main button[value=approve]")
    expect(staff.locator(".messages")).to_contain_text("Friterie Goffin SRL")
    staff.context.close()
    assert [m.to for m in deliver()][-1] == ["lea@friterie-goffin.example"]

    page.goto(f"/calls/applications/{draft.pk}/step/submit/")
    page.click("#submit-application")
    draft.refresh_from_db()
    assert draft.status == "submitted"
    expect(page.locator("h1")).to_have_text(draft.reference)


def test_an_invited_evaluator_sets_a_password_and_scores(page, browser, live_server, site):
    criterion = Criterion.objects.create(
        call=site["call"], order=1, title="Pertinence du besoin", weight=Decimal(1)
    )
    applicant = User.objects.create(username="candidate", role=Role.APPLICANT)
    application = Application.objects.create(
        call=site["call"], organisation=site["company"], created_by=applicant, title="Prévoir",
        summary="Un modèle.", requested_amount=Decimal(40_000), status="evaluation",
        submitted_at=timezone.now(), reference="TIA-2026-00001",
    )  # fmt: skip
    staff = browser.new_context(locale="fr-BE", base_url=live_server.url).new_page()
    sign_in(staff, "gestionnaire", STAFF_PASSWORD)
    staff.goto("/accounts/people/invitations/")
    assert_accessible(staff)
    staff.fill("#id_email", "jean@jury.example")
    staff.select_option("#id_role", "evaluator")
    staff.click("main button[type=submit]")
    expect(staff.locator("main table")).to_contain_text("jean@jury.example")
    staff.context.close()

    page.goto(link_in(deliver()[-1]))
    assert_accessible(page)
    page.fill("#id_first_name", "Jean")
    page.fill("#id_last_name", "Jury")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("main button[type=submit]")
    expect(page).to_have_url(re.compile(r"/accounts/$"))
    evaluator = User.objects.get(email="jean@jury.example")
    assert evaluator.role == Role.EVALUATOR
    assignment = Assignment.objects.create(application=application, evaluator=evaluator)
    page.click("header >> text=Mes évaluations")
    page.click("text=TIA-2026-00001")
    page.click("button[name=conflict][value=no]")
    page.select_option(f"#score-{criterion.pk}", "4.0")
    page.click("#submit-scores")
    expect(page.locator(".messages")).to_be_visible()
    assignment.refresh_from_db()
    assert assignment.counts


def test_a_person_resets_a_forgotten_password(page, site):
    page.goto("/accounts/login/")
    page.click("main >> text=Mot de passe oublié")
    assert_accessible(page)
    page.fill("#id_email", "staff@agence.example")
    page.click("main button[type=submit]")
    expect(page).to_have_url(re.compile(r"/accounts/password/reset/done/$"))
    assert_accessible(page)
    message = deliver()[-1]
    assert message.to == ["staff@agence.example"]
    page.goto(link_in(message))
    expect(page).to_have_url(re.compile(r"/accounts/password/reset/key/.+-set-password/$"))
    assert_accessible(page)
    page.fill("#id_password1", "une toute nouvelle phrase")
    page.fill("#id_password2", "une toute nouvelle phrase")
    page.click("main button[type=submit]")
    assert_accessible(page)
    sign_in(page, "gestionnaire", STAFF_PASSWORD)
    expect(page.locator("main [role=alert]")).to_be_visible()
    sign_in(page, "gestionnaire", "une toute nouvelle phrase")
    expect(page).to_have_url(re.compile(r"/accounts/$"))


ACCOUNT_PAGES = ["/accounts/", "/accounts/email/", "/accounts/password/change/",
                 "/accounts/2fa/", "/accounts/organisations/request/"]  # fmt: skip
STAFF_PAGES = ["/accounts/people/", "/accounts/people/invitations/", "/accounts/people/requests/"]
PUBLIC_PAGES = ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_accounts_pages_are_accessible_on_a_desk_and_a_phone(
    page, browser, live_server, site, language
):
    applicant = User(username="lea", role=Role.APPLICANT, email="lea@example.org")
    applicant.set_password(PASSWORD)
    applicant.save()
    asked = services.request_affiliation(applicant, site["company"].enterprise_number)
    _invitation, token = services.invite("new@jury.example", "expert", site["staff"])
    page.goto("/")
    page.select_option("#language-select", language)
    page.click(".language-switcher button")
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 800})
        for url in [*PUBLIC_PAGES, f"/accounts/invitation/{token}/"]:
            page.goto(url)
            assert page.locator("html").get_attribute("lang") == language
            assert_accessible(page)
            assert no_sideways_scroll(page), f"{url} scrolls sideways at {width} px"
    sign_in(page, "lea", PASSWORD)
    for url in ACCOUNT_PAGES:
        page.goto(url)
        assert_accessible(page)
        assert no_sideways_scroll(page), f"{url} scrolls sideways at 390 px"
    page.goto("/accounts/2fa/totp/activate/")
    page.fill("#id_password", PASSWORD)  # asked again before a second factor is set up
    page.click("main button[type=submit]")
    expect(page.locator("main img")).to_be_visible()  # the QR code
    assert_accessible(page)
    page.context.clear_cookies()
    sign_in(page, "gestionnaire", STAFF_PASSWORD)
    for url in [*STAFF_PAGES, f"/accounts/people/{asked.user_id}/"]:
        page.goto(url)
        assert_accessible(page)
