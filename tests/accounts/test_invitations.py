"""Staff invite evaluators and experts by e-mail; the link sets the password and the role."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from territoria.accounts import services
from territoria.accounts.models import Affiliation, Invitation
from territoria.core.models import AuditEntry, User
from tests.accounts.conftest import deliver, link_in
from tests.factories import organisation

pytestmark = pytest.mark.django_db
ACCEPT = {
    "first_name": "Jean",
    "last_name": "Jury",
    "password1": "un mot de passe solide",
    "password2": "un mot de passe solide",
}


def staff_client(users) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(users["staff"])
    return client


def test_staff_invite_an_evaluator_who_sets_a_password_and_is_signed_in(users, mailoutbox):
    response = staff_client(users).post(
        "/accounts/people/invitations/", {"email": "jean@jury.example", "role": "evaluator"}
    )
    assert response.status_code == 302
    message = deliver()[0]
    assert message.to == ["jean@jury.example"]
    path = link_in(message)
    visitor = Client()
    assert visitor.get(path).status_code == 200
    response = visitor.post(path, ACCEPT)
    assert response.status_code == 302
    person = User.objects.get(email="jean@jury.example")
    assert (person.role, person.get_full_name()) == ("evaluator", "Jean Jury")
    assert person.check_password(ACCEPT["password1"])
    assert visitor.get("/calls/reviews/").status_code == 200
    # The link is spent.
    assert Client().get(path).status_code == 404
    actions = list(AuditEntry.objects.values_list("action", flat=True).order_by("pk"))
    assert actions[-2:] == ["invitation.create", "invitation.accept"]


def test_an_expert_invited_for_a_company_acts_for_it(users):
    company = organisation("Expertise IA SA")
    invitation, token = services.invite(
        "ines@expertise.example", "expert", users["staff"], organisation=company
    )
    person = services.accept(
        invitation, first_name="Inès", last_name="Expert", password="x" * 12, language="nl"
    )
    assert Affiliation.objects.filter(user=person, organisation=company).exists()
    assert person.language == "nl"


def test_a_weak_password_is_refused_and_the_names_kept(users):
    _invitation, token = services.invite("jean@jury.example", "evaluator", users["staff"])
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        f"/accounts/invitation/{token}/", {**ACCEPT, "password1": "12345", "password2": "12345"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="Jean"' in page and "too short" in page
    assert not User.objects.filter(email="jean@jury.example").exists()


def test_an_expired_revoked_or_replaced_invitation_opens_nothing(users):
    old, old_token = services.invite("a@jury.example", "evaluator", users["staff"])
    _new, new_token = services.invite("a@jury.example", "evaluator", users["staff"])
    assert Client().get(f"/accounts/invitation/{old_token}/").status_code == 404
    assert Client().get(f"/accounts/invitation/{new_token}/").status_code == 200
    revoked, revoked_token = services.invite("b@jury.example", "expert", users["staff"])
    services.revoke(revoked, users["staff"])
    assert Client().get(f"/accounts/invitation/{revoked_token}/").status_code == 404
    expired, expired_token = services.invite("c@jury.example", "expert", users["staff"])
    Invitation.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert Client().get(f"/accounts/invitation/{expired_token}/").status_code == 404
    assert Client().post(f"/accounts/invitation/{expired_token}/", ACCEPT).status_code == 404
    assert not User.objects.filter(email__endswith="@jury.example").exists()


def test_an_address_already_used_is_not_invited(users):
    response = staff_client(users).post(
        "/accounts/people/invitations/", {"email": "EXPERT@test.example", "role": "evaluator"}
    )
    assert response.status_code == 400
    assert "already uses this e-mail" in response.content.decode()
    assert not Invitation.objects.exists()


def test_invitations_are_for_evaluators_and_experts_only(users):
    response = staff_client(users).post(
        "/accounts/people/invitations/", {"email": "x@jury.example", "role": "staff"}
    )
    assert response.status_code == 400
    with pytest.raises(services.AccountError):
        services.invite("x@jury.example", "staff", users["staff"])


def test_only_a_digest_of_the_secret_is_stored(users):
    invitation, token = services.invite("d@jury.example", "evaluator", users["staff"])
    invitation.refresh_from_db()
    assert token not in invitation.token_hash and len(invitation.token_hash) == 64


def test_a_sign_up_that_never_confirmed_the_address_gives_way_to_the_invitation(users):
    squatter = User.objects.create(username="squatter", email="jean@jury.example")
    squatter.emailaddress_set.update(verified=False)
    invitation, _token = services.invite("jean@jury.example", "evaluator", users["staff"])
    person = services.accept(
        invitation, first_name="Jean", last_name="Jury", password="x" * 12, language="fr"
    )
    assert person.role == "evaluator"
    assert not User.objects.filter(pk=squatter.pk).exists()
    assert AuditEntry.objects.filter(action="user.delete_unproven").count() == 1


def test_a_confirmed_or_used_account_keeps_its_address(users):
    with pytest.raises(services.AccountError):
        services.invite("applicant@test.example", "evaluator", users["staff"])
    signed_in_once = User.objects.create(username="once", email="once@jury.example")
    signed_in_once.emailaddress_set.update(verified=False)
    User.objects.filter(pk=signed_in_once.pk).update(last_login=timezone.now())
    with pytest.raises(services.AccountError):
        services.invite("once@jury.example", "evaluator", users["staff"])


def test_links_in_emails_use_the_configured_site_address(users, settings, mailoutbox):
    settings.SITE_URL = "https://territoria.wallonie.example/"
    staff_client(users).post(
        "/accounts/people/invitations/",
        {"email": "jean@jury.example", "role": "evaluator"},
        HTTP_HOST="localhost:6666",
    )
    Client(HTTP_HOST="localhost:6666").post(
        "/accounts/password/reset/", {"email": "applicant@test.example"}
    )
    bodies = [m.body for m in deliver()]
    assert len(bodies) == 2
    for body in bodies:
        assert "https://territoria.wallonie.example/accounts/" in body and "6666" not in body
