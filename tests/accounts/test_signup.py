"""A company or an expert firm signs up itself, confirms its e-mail, and is signed in."""

import datetime
import time
from unittest import mock

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from territoria.core.models import Role, User
from tests.accounts.conftest import deliver, link_in

SIGNUP = {
    "account_type": "applicant",
    "first_name": "Léa",
    "last_name": "Dupont",
    "email": "lea@friterie.example",
    "password1": "un mot de passe solide",
    "password2": "un mot de passe solide",
}

pytestmark = pytest.mark.django_db


def test_a_company_signs_up_and_is_asked_to_confirm_its_email(english_client):
    response = english_client.post("/accounts/signup/", SIGNUP)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get(email="lea@friterie.example")
    assert (user.role, user.first_name, user.last_name) == (Role.APPLICANT, "Léa", "Dupont")
    assert user.language == "en"
    assert not EmailAddress.objects.get(user=user).verified
    # Not signed in before the e-mail is confirmed.
    assert english_client.get("/accounts/").status_code == 302


def test_the_confirmation_goes_through_the_task_queue(english_client, mailoutbox):
    english_client.post("/accounts/signup/", SIGNUP)
    assert mailoutbox == []  # queued, not sent by the request
    sent = deliver()
    assert [m.to for m in sent] == [["lea@friterie.example"]]
    assert "/accounts/confirm-email/" in sent[0].body


def test_confirming_signs_the_person_in(mailoutbox):
    client = Client()
    client.post("/accounts/signup/", {**SIGNUP, "account_type": "expert"})
    path = link_in(deliver()[0])
    assert client.get(path).status_code == 200  # a page with a button: no change on GET
    response = client.post(path)
    assert response.status_code == 302
    assert EmailAddress.objects.get(email="lea@friterie.example").verified
    page = client.get("/accounts/")
    assert page.status_code == 200
    assert User.objects.get(email="lea@friterie.example").role == Role.EXPERT


def test_the_confirmation_link_expires(settings, mailoutbox):
    client = Client()
    client.post("/accounts/signup/", SIGNUP)
    path = link_in(deliver()[0])
    days = settings.ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS
    later = time.time() + datetime.timedelta(days=days, minutes=1).total_seconds()
    with mock.patch("django.core.signing.time.time", return_value=later):
        page = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
        assert client.post(path).status_code == 404
    assert "expired or is invalid" in page.content.decode()
    assert not EmailAddress.objects.get(email="lea@friterie.example").verified
    assert client.get("/accounts/").status_code == 302


def test_a_mistyped_form_keeps_what_was_typed_and_names_the_fields(english_client):
    response = english_client.post(
        "/accounts/signup/", {**SIGNUP, "password2": "autre chose", "account_type": ""}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="Léa"' in page and 'value="lea@friterie.example"' in page
    assert 'aria-invalid="true"' in page
    assert not User.objects.filter(email="lea@friterie.example").exists()


def test_an_email_already_used_gets_no_second_account(english_client, users, mailoutbox):
    response = english_client.post(
        "/accounts/signup/", {**SIGNUP, "email": "applicant@test.example"}
    )
    # Enumeration is prevented: the same answer as a new address, and a message to the owner.
    assert response.status_code == 302
    assert User.objects.filter(email__iexact="applicant@test.example").count() == 1
    assert [m.to for m in deliver()] == [["applicant@test.example"]]


def test_signing_up_as_staff_or_evaluator_is_impossible(english_client):
    for role in ("staff", "evaluator"):
        response = english_client.post("/accounts/signup/", {**SIGNUP, "account_type": role})
        assert response.status_code == 200
    assert not User.objects.filter(email="lea@friterie.example").exists()
