"""Staff manage people without the Django admin: find, deactivate, activate again; audited."""

import pytest
from django.test import Client

from territoria.accounts import services
from territoria.core.models import AuditEntry, Role, User
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_staff_find_people_by_name_role_and_state(users):
    users["expert"].first_name = "Zoé"
    users["expert"].save()
    client = client_of(users["staff"])
    page = client.get("/accounts/people/", {"q": "zoé"}).content.decode()
    assert "expert@test.example" in page and "applicant@test.example" not in page
    page = client.get("/accounts/people/", {"role": "evaluator"}).content.decode()
    assert "evaluator@test.example" in page and "expert@test.example" not in page
    assert "1 account" in page


def test_a_deactivated_account_is_signed_out_and_cannot_sign_in(users):
    applicant = client_of(users["applicant"])
    assert applicant.get("/accounts/").status_code == 200
    response = client_of(users["staff"]).post(
        f"/accounts/people/{users['applicant'].pk}/activation/", {"active": "0"}
    )
    assert response.status_code == 302
    assert applicant.get("/accounts/").status_code == 302  # the open session ends
    login = Client().post("/accounts/login/", {"login": "applicant", "password": PASSWORD})
    assert login["Location"] == "/accounts/inactive/"
    entry = AuditEntry.objects.get(action="user.deactivate")
    assert (entry.actor, entry.object_id) == (users["staff"], str(users["applicant"].pk))
    client_of(users["staff"]).post(
        f"/accounts/people/{users['applicant'].pk}/activation/", {"active": "1"}
    )
    assert User.objects.get(pk=users["applicant"].pk).is_active
    assert AuditEntry.objects.filter(action="user.reactivate").count() == 1


def test_staff_cannot_deactivate_themselves_or_other_staff(users):
    colleague = make_user("colleague", Role.STAFF)
    client = client_of(users["staff"])
    for person in (users["staff"], colleague):
        client.post(f"/accounts/people/{person.pk}/activation/", {"active": "0"})
        person.refresh_from_db()
        assert person.is_active
    boss = make_user("boss", Role.STAFF)
    boss.is_superuser = True
    boss.save()
    services.set_active(colleague, boss, False)
    colleague.refresh_from_db()
    assert not colleague.is_active


def test_a_person_page_shows_organisations_requests_and_history(users):
    services.set_active(users["expert"], users["staff"], False)
    page = client_of(users["staff"]).get(f"/accounts/people/{users['expert'].pk}/").content.decode()
    assert "user.deactivate" in page and "deactivated" in page
