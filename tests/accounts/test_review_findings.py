"""Faults found by a hostile review of accounts and onboarding: each test fails while the
fault is there.

Throttling that an attacker steers, a stranger's draft that becomes the organisation's
application, a superuser without a second factor, look-alike enterprise numbers and
addresses, timing that tells who has an account, an evaluator who decides who acts for
their employer, and inputs that crash or are silently changed."""

import json
from unittest import mock

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.test import Client
from django_tasks_db.models import DBTaskResult

from territoria.accounts import services
from territoria.accounts.models import Affiliation, AffiliationRequest, Invitation
from territoria.calls.models import Application, ApplicationDocument
from territoria.calls.services import documents
from territoria.calls.services.applications import submit
from territoria.core.models import User
from tests.calls.conftest import PDF, make_call
from tests.conftest import PASSWORD, make_user
from tests.factories import organisation

pytestmark = pytest.mark.django_db
TOO_MANY = "Too many failed login attempts"
SIGNUP = {
    "account_type": "applicant",
    "first_name": "Léa",
    "last_name": "Dupont",
    "password1": "un mot de passe solide",
    "password2": "un mot de passe solide",
}


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()
    yield
    cache.clear()


def sign_in(client: Client, login: str, password: str):
    return client.post("/accounts/login/", {"login": login, "password": password})


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


# Throttling ----------------------------------------------------------------------------


def test_the_account_limit_holds_whatever_port_the_host_header_names(users):
    # The per-account key is "<request host>:<login>", and the host keeps the port the
    # client wrote: every port is a fresh allowance of five guesses.
    for port in range(1, 4):
        for attempt in range(5):
            client = Client(REMOTE_ADDR=f"198.51.100.{port * 10 + attempt}",
                            HTTP_HOST=f"testserver:{port}")  # fmt: skip
            sign_in(client, "applicant", "wrong password")
    later = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="198.51.100.99",
                   HTTP_HOST="testserver:4")  # fmt: skip
    response = sign_in(later, "applicant", PASSWORD)
    assert TOO_MANY in response.content.decode()  # 15 failures: the account is locked


def test_the_account_limit_counts_failures_by_user_name_and_by_email_together(users):
    for attempt in range(5):
        sign_in(Client(REMOTE_ADDR=f"198.51.100.{attempt}"), "applicant", "wrong password")
    # The same account, named by its e-mail: five more guesses are allowed today.
    client = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="198.51.100.50")
    response = sign_in(client, "applicant@test.example", PASSWORD)
    assert TOO_MANY in response.content.decode()


# Enumeration by timing ---------------------------------------------------------------


def password_hashings(action) -> int:
    """How many times a password is hashed while `action` runs (what the time depends on)."""
    with mock.patch.object(
        MD5PasswordHasher, "encode", autospec=True, side_effect=MD5PasswordHasher.encode
    ) as encode:
        action()
    return encode.call_count


def test_signing_up_with_a_used_address_costs_the_same_hashing_as_a_new_one(users):
    # With Argon2, an address already used answers in ~12 ms, a new one in ~230 ms.
    def sign_up(email: str):
        return lambda: Client().post("/accounts/signup/", {**SIGNUP, "email": email})

    used = password_hashings(sign_up("applicant@test.example"))
    new = password_hashings(sign_up("nobody@test.example"))
    assert used == new


def test_a_wrong_password_costs_the_same_for_a_known_and_an_unknown_email(users):
    # Logging in by e-mail checks the password of a known address twice (the allauth
    # backend tries the e-mail, then the same text as a user name, then the e-mail again)
    # and hashes once for an unknown one: ~0.67 s against ~0.44 s with Argon2.
    def attempt(login: str):
        return lambda: sign_in(Client(REMOTE_ADDR="198.51.100.7"), login, "wrong password")

    known = password_hashings(attempt("applicant@test.example"))
    unknown = password_hashings(attempt("nobody@test.example"))
    assert known == unknown


# Two-factor authentication -----------------------------------------------------------


def test_a_superuser_must_set_up_two_factor_authentication_like_staff(settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = ["staff", "evaluator"]
    # `createsuperuser` leaves the default role, "applicant": the most powerful account
    # reaches the back office with a password alone.
    root = User.objects.create_superuser("root", "root@agence.example", "a long admin passphrase")
    client = Client()
    client.force_login(root)
    for path in ("/admin/", "/admin/core/user/", "/accounts/people/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == "/accounts/2fa/totp/activate/"


# A person awaiting approval -----------------------------------------------------------


@pytest.fixture
def squatted(users, settings, tmp_path):
    """A stranger asks to act for a company (nothing proves it) and starts its application
    first; the company's representative then applies and lands in the stranger's draft."""
    settings.DATA_DIR = tmp_path
    company = organisation("Friterie Test SRL", "org-type:sme", postcode="5000")
    representative = make_user("representative", "applicant")
    Affiliation.objects.create(user=representative, organisation=company)
    call = make_call()
    stranger = users["other_applicant"]
    services.request_affiliation(stranger, company.enterprise_number)
    signed_in(stranger).post(f"/calls/{call.code}/apply/", {"organisation": company.pk})
    draft = Application.objects.get()
    response = signed_in(representative).post(
        f"/calls/{call.code}/apply/", {"organisation": company.pk}
    )
    assert f"/applications/{draft.pk}/" in response["Location"]
    draft.refresh_from_db()  # taken over by the representative: theirs now
    assert draft.created_by == representative
    draft.title, draft.summary, draft.requested_amount = "Plan confidentiel", "Secret", 10_000
    draft.save()
    documents.attach(
        draft, call.required_documents.get(), ContentFile(PDF), "business-plan.pdf", representative
    )
    return {"draft": draft, "stranger": stranger, "representative": representative}


def test_a_waiting_person_cannot_download_or_remove_what_the_representatives_attach(squatted):
    attached = ApplicationDocument.objects.get(application=squatted["draft"])
    stranger = signed_in(squatted["stranger"])
    assert stranger.get(f"/calls/documents/{attached.pk}/").status_code == 404
    stranger.post(f"/calls/documents/{attached.pk}/delete/")
    assert ApplicationDocument.objects.filter(pk=attached.pk).exists()


def test_a_waiting_person_cannot_read_or_withdraw_the_submitted_application(squatted):
    draft = squatted["draft"]
    Application.objects.filter(pk=draft.pk).update(steps_done=len(Application.STEPS))
    draft.refresh_from_db()
    submitted = submit(draft, squatted["representative"])
    assert submitted.status == "submitted"
    stranger = signed_in(squatted["stranger"])
    assert stranger.get(f"/calls/applications/{draft.pk}/").status_code == 404
    stranger.post(f"/calls/applications/{draft.pk}/withdraw/")
    draft.refresh_from_db()
    assert draft.status == "submitted"


def test_a_decision_answers_a_redirect_not_a_server_error(users, client_for):
    # `_decide` locks the request with select_related("organisation"), a nullable foreign
    # key: PostgreSQL refuses FOR UPDATE on the outer join, so every approval and refusal
    # is a 500 there (SQLite ignores FOR UPDATE and hides it).
    company = organisation("Friterie Test SRL")
    asked = services.request_affiliation(users["applicant"], company.enterprise_number)
    response = client_for("staff").post(
        f"/accounts/organisations/requests/{asked.pk}/decide/", {"decision": "approve"}
    )
    assert response.status_code == 302
    asked.refresh_from_db()
    assert asked.status == "approved"


# Who decides --------------------------------------------------------------------------


def test_an_evaluator_does_not_decide_who_acts_for_their_employer(users):
    employer = organisation("Université Test")
    invitation, _token = services.invite(
        "juree@universite.example", "evaluator", users["staff"], organisation=employer
    )
    evaluator = services.accept(
        invitation, first_name="Jurée", last_name="Test", password="x" * 12, language="en"
    )
    asked = services.request_affiliation(users["applicant"], employer.enterprise_number)
    assert not services.may_decide(evaluator, asked)
    signed_in(evaluator).post(
        f"/accounts/organisations/requests/{asked.pk}/decide/", {"decision": "approve"}
    )
    asked.refresh_from_db()
    assert asked.status == "pending"
    assert not Affiliation.objects.filter(user=users["applicant"], organisation=employer).exists()


# Look-alikes ---------------------------------------------------------------------------


def test_an_enterprise_number_with_look_alike_digits_is_not_a_new_organisation(users):
    company = organisation("Friterie Test SRL", postcode="5000", city="Namur")
    number = company.enterprise_number
    # Fullwidth digits after an ASCII 0: "0４００.０００.０８６" passes the check digits.
    look_alike = number[0] + "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in number[1:])
    response = signed_in(users["applicant"]).post(
        "/accounts/organisations/request/",
        {"enterprise_number": look_alike, "organisation_name": company.name,
         "postcode": "5000", "city": "Namur"},
    )  # fmt: skip
    asked = AffiliationRequest.objects.first()
    assert response.status_code == 400 or (asked is not None and asked.organisation == company)


def test_a_look_alike_address_is_shown_to_representatives_as_it_is_spelled(users):
    company = organisation("Friterie Goffin SRL")
    Affiliation.objects.create(user=users["applicant"], organisation=company)
    # "goffіn" with a Cyrillic і: a domain anyone may register, read as the company's.
    Client().post("/accounts/signup/", {**SIGNUP, "email": "jean@friterie-goff\u0456n.example"})
    impostor = User.objects.filter(email__startswith="jean@").first()
    if impostor is None:
        return  # refused at sign-up: fine
    services.request_affiliation(impostor, company.enterprise_number)
    page = signed_in(users["applicant"]).get("/accounts/").content.decode()
    assert "xn--" in page


# Inputs -------------------------------------------------------------------------------


def test_the_people_search_survives_a_nul_character(client_for):
    # PostgreSQL refuses NUL in a query parameter: a 500 there.
    assert client_for("staff").get("/accounts/people/", {"q": "a\x00b"}).status_code == 200


def test_an_invitation_to_an_address_longer_than_the_field_is_refused(users, client_for):
    # The form accepts up to 320 characters, the column holds 254: a 500 on PostgreSQL,
    # an account with an over-long address on SQLite.
    response = client_for("staff").post(
        "/accounts/people/invitations/", {"email": "x" * 290 + "@jury.example", "role": "expert"}
    )
    assert response.status_code == 400
    assert not Invitation.objects.exists()


def test_an_email_longer_than_the_field_is_refused_not_cut(db):
    typed = "x" * 250 + "@x.example"
    Client().post("/accounts/signup/", {**SIGNUP, "email": typed})
    # Cut to 254 characters, the account's address became "xxx…@x.e": another domain.
    assert not User.objects.exclude(email=typed).filter(email__startswith="xxx").exists()


def test_asking_again_and_again_does_not_flood_the_representatives(users):
    company = organisation("Friterie Test SRL")
    representative = make_user("representative", "applicant")
    Affiliation.objects.create(user=representative, organisation=company)
    client = signed_in(users["other_applicant"])
    for _ in range(10):
        client.post(
            "/accounts/organisations/request/", {"enterprise_number": company.enterprise_number}
        )
        asked = AffiliationRequest.objects.get(status="pending")
        client.post(f"/accounts/organisations/requests/{asked.pk}/cancel/")
    queued = [json.dumps(task.args_kwargs) for task in DBTaskResult.objects.all()]
    to_representative = [task for task in queued if "representative@test.example" in task]
    assert len(to_representative) <= 3  # ten e-mails today, and no limit
