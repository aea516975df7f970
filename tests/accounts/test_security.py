"""Signing in: throttled per account and per address with a clear message, a new session
each time, the back office through the same door, and two-factor authentication."""

import pytest
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core.cache import cache
from django.test import Client

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
TOO_MANY = "Too many failed login attempts"


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()
    yield
    cache.clear()


def sign_in(client: Client, login: str, password: str, **extra):
    return client.post("/accounts/login/", {"login": login, "password": password}, **extra)


def test_an_account_is_throttled_after_five_failures_with_a_clear_message(users):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(5):
        response = sign_in(client, "applicant", "wrong password")
        assert TOO_MANY not in response.content.decode()
    response = sign_in(client, "applicant", PASSWORD)  # even the right password, for a while
    assert response.status_code == 200 and TOO_MANY in response.content.decode()
    # Another account from the same address is not locked by that.
    assert sign_in(client, "expert", PASSWORD).status_code == 302


def test_an_address_is_throttled_across_accounts(users):
    client = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="203.0.113.9")
    for n in range(10):
        sign_in(client, f"nobody{n}", "wrong password")
    response = sign_in(client, "expert", PASSWORD)
    assert TOO_MANY in response.content.decode()
    other_address = Client(REMOTE_ADDR="203.0.113.10")
    assert sign_in(other_address, "expert", PASSWORD).status_code == 302


def test_signing_in_gives_a_new_session(users):
    client = Client()
    client.get("/accounts/login/")
    client.session.save()
    before = client.session.session_key
    assert sign_in(client, "applicant@test.example", PASSWORD).status_code == 302
    assert client.session.session_key != before


def test_the_back_office_signs_in_through_the_site(users):
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/"


def test_staff_and_evaluators_must_set_up_two_factor_authentication(users, settings, client_for):
    settings.TWO_FACTOR_REQUIRED_ROLES = ["staff", "evaluator"]
    for role in ("staff", "evaluator"):
        response = client_for(role).get("/calls/")
        assert (
            response.status_code == 302 and response["Location"] == "/accounts/2fa/totp/activate/"
        )
    assert client_for("applicant").get("/calls/").status_code == 200
    with_totp = client_for("staff")
    TOTP.activate(users["staff"], generate_totp_secret())
    assert with_totp.get("/calls/").status_code == 200


def test_with_totp_signing_in_asks_for_the_code(users):
    secret = generate_totp_secret()
    TOTP.activate(users["evaluator"], secret)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = sign_in(client, "evaluator", PASSWORD)
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/calls/reviews/").status_code == 302  # not signed in yet
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200 and "Incorrect code" in wrong.content.decode()
    assert (
        client.post("/accounts/2fa/authenticate/", {"code": current_code(secret)}).status_code
        == 302
    )
    assert client.get("/calls/reviews/").status_code == 200


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
