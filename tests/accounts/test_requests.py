"""Asking to act for an organisation: staff approve the first person, its representatives
(or staff) the next ones; every decision is audited and told by e-mail."""

import pytest
from django.test import Client

from territoria.accounts import services
from territoria.accounts.models import Affiliation, AffiliationRequest
from territoria.core.models import AuditEntry
from territoria.ecosystem.models import Organisation
from territoria.ecosystem.validators import enterprise_number_from_digits
from tests.accounts.conftest import deliver
from tests.conftest import make_user
from tests.factories import organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def company(db):
    return organisation("Friterie Test SRL", postcode="5000", city="Namur")


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_a_person_asks_by_enterprise_number_written_any_way(users, company):
    digits = company.enterprise_number.replace(".", "")
    response = signed_in(users["applicant"]).post(
        "/accounts/organisations/request/", {"enterprise_number": f"BE {digits}", "role": "gérante"}
    )
    assert response.status_code == 302
    asked = AffiliationRequest.objects.get()
    assert (asked.organisation, asked.status, asked.role) == (company, "pending", "gérante")
    assert AuditEntry.objects.filter(action="affiliation_request.create").count() == 1


def test_a_wrong_check_digit_is_named_and_the_input_kept(users):
    response = signed_in(users["applicant"]).post(
        "/accounts/organisations/request/", {"enterprise_number": "0123.456.780", "role": "CEO"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "check digits do not match" in page
    assert 'value="0123.456.780"' in page and 'value="CEO"' in page
    assert not AffiliationRequest.objects.exists()


def test_an_unknown_organisation_needs_its_name_and_address(users):
    number = enterprise_number_from_digits(4_242_424)
    client = signed_in(users["applicant"])
    response = client.post("/accounts/organisations/request/", {"enterprise_number": number})
    assert response.status_code == 400
    assert (
        response.content.decode().count("not in the registry yet") == 6
    )  # by each field, and in the summary
    response = client.post(
        "/accounts/organisations/request/",
        {"enterprise_number": number, "organisation_name": "Nouvelle SRL", "postcode": "4000",
         "city": "Liège"},
    )  # fmt: skip
    assert response.status_code == 302
    asked = AffiliationRequest.objects.get()
    assert asked.organisation is None and asked.organisation_label == "Nouvelle SRL"


def test_staff_approve_the_first_person_and_an_unknown_organisation_is_created(users, mailoutbox):
    number = enterprise_number_from_digits(4_242_425)
    asked = services.request_affiliation(
        users["applicant"], number, organisation_name="Nouvelle SRL", postcode="4000", city="Liège"
    )
    assert not services.may_decide(users["other_applicant"], asked)
    services.approve(asked, users["staff"])
    created = Organisation.objects.get(enterprise_number=number)
    assert (created.name, created.postcode, created.source) == ("Nouvelle SRL", "4000", "manual")
    assert Affiliation.objects.filter(user=users["applicant"], organisation=created).exists()
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"organisation.create", "affiliation.create", "affiliation_request.approve"} <= actions
    assert [m.to for m in deliver()] == [["applicant@test.example"]]


def test_representatives_decide_later_requests(users, company, mailoutbox):
    Affiliation.objects.create(user=users["applicant"], organisation=company)
    colleague = make_user("colleague", "applicant")
    asked = services.request_affiliation(colleague, company.enterprise_number, role="comptable")
    # The representative is told of the request.
    assert [m.to for m in deliver()] == [["applicant@test.example"]]
    assert services.may_decide(users["applicant"], asked)
    assert not services.may_decide(users["other_applicant"], asked)
    assert not services.may_decide(colleague, asked)  # nobody approves themself
    page = signed_in(users["applicant"]).get("/accounts/")
    assert "colleague@test.example" in page.content.decode()
    response = signed_in(users["applicant"]).post(
        f"/accounts/organisations/requests/{asked.pk}/decide/", {"decision": "approve"}
    )
    assert response.status_code == 302
    assert Affiliation.objects.filter(user=colleague, organisation=company).exists()


def test_someone_else_cannot_decide_or_even_see_a_request(users, company):
    Affiliation.objects.create(user=users["applicant"], organisation=company)
    asked = services.request_affiliation(users["expert"], company.enterprise_number)
    for intruder in ("other_applicant", "evaluator", "expert"):
        response = signed_in(users[intruder]).post(
            f"/accounts/organisations/requests/{asked.pk}/decide/", {"decision": "approve"}
        )
        assert response.status_code == 404
    asked.refresh_from_db()
    assert asked.status == "pending"


def test_a_refusal_needs_a_reason_and_sends_it(users, company, mailoutbox):
    asked = services.request_affiliation(users["applicant"], company.enterprise_number)
    client = signed_in(users["staff"])
    client.post(f"/accounts/organisations/requests/{asked.pk}/decide/", {"decision": "refuse"})
    asked.refresh_from_db()
    assert asked.status == "pending"
    client.post(
        f"/accounts/organisations/requests/{asked.pk}/decide/",
        {"decision": "refuse", "reason": "Personne inconnue de la société."},
    )
    asked.refresh_from_db()
    assert (asked.status, asked.decided_by) == ("refused", users["staff"])
    assert "Personne inconnue de la société." in deliver()[-1].body
    assert not Affiliation.objects.exists()


def test_a_decided_request_is_not_decided_twice(users, company):
    asked = services.request_affiliation(users["applicant"], company.enterprise_number)
    services.approve(asked, users["staff"])
    with pytest.raises(services.AccountError):
        services.refuse(asked, users["staff"], "trop tard")
    assert AuditEntry.objects.filter(action__startswith="affiliation_request.").count() == 2


def test_asking_twice_is_harmless_and_asking_again_after_approval_is_refused(users, company):
    first = services.request_affiliation(users["applicant"], company.enterprise_number)
    assert services.request_affiliation(users["applicant"], company.enterprise_number) == first
    services.approve(first, users["staff"])
    with pytest.raises(services.AccountError):
        services.request_affiliation(users["applicant"], company.enterprise_number)


def test_the_person_cancels_a_pending_request(users, company):
    asked = services.request_affiliation(users["applicant"], company.enterprise_number)
    assert (
        signed_in(users["other_applicant"])
        .post(f"/accounts/organisations/requests/{asked.pk}/cancel/")
        .status_code
        == 404
    )
    signed_in(users["applicant"]).post(f"/accounts/organisations/requests/{asked.pk}/cancel/")
    asked.refresh_from_db()
    assert asked.status == "cancelled"


def test_evaluators_and_staff_do_not_ask(users, company):
    for role in ("staff", "evaluator"):
        with pytest.raises(services.AccountError):
            services.request_affiliation(users[role], company.enterprise_number)
