"""Accounts made by the agency (the admin, createsuperuser, scripts) sign in without a
confirmation; accounts that sign up themselves confirm their e-mail first."""

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.test import Client

from territoria.accounts import services
from territoria.core.models import User
from tests.accounts.conftest import deliver
from tests.factories import organisation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()


def test_a_superuser_made_on_the_command_line_signs_in_at_once():
    User.objects.create_superuser("root", "root@agence.example", "a long admin passphrase")
    response = Client().post(
        "/accounts/login/", {"login": "root@agence.example", "password": "a long admin passphrase"}
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/"


def test_the_admin_makes_an_account_with_its_email(users):
    boss = User.objects.create_superuser("boss", "boss@agence.example", "a long admin passphrase")
    client = Client()
    client.force_login(boss)
    response = client.post(
        "/admin/core/user/add/",
        {"username": "nouveau", "email": "", "role": "evaluator", "usable_password": "true",
         "password1": "une phrase solide", "password2": "une phrase solide"},
    )  # fmt: skip
    assert response.status_code == 200 and not User.objects.filter(username="nouveau").exists()
    client.post(
        "/admin/core/user/add/",
        {"username": "nouveau", "email": "nouveau@jury.example", "role": "evaluator",
         "usable_password": "true", "password1": "une phrase solide",
         "password2": "une phrase solide"},
    )  # fmt: skip
    assert EmailAddress.objects.get(email="nouveau@jury.example").verified


def test_an_address_confirmed_by_another_account_is_not_vouched_for_twice(users):
    twin = User.objects.create(username="twin", email="applicant@test.example")
    assert not EmailAddress.objects.filter(user=twin).exists()


def test_emails_are_written_in_the_recipients_language(users, mailoutbox):
    company = organisation("Bakkerij Test BV")
    services.request_affiliation(users["applicant"], company.enterprise_number)
    users["applicant"].language = "nl"
    users["applicant"].save()
    request = users["applicant"].affiliation_requests.get()
    services.refuse(request, users["staff"], "Onbekend")
    message = deliver()[-1]
    assert "geweigerd" in message.subject and "Onbekend" in message.body
