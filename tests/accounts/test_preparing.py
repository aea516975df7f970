"""Until approved, a person prepares an application for the organisation but cannot submit it,
and sees nothing else of the organisation's."""

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from territoria.accounts import services
from territoria.accounts.models import Affiliation
from territoria.calls.models import Application
from territoria.calls.services import documents
from territoria.calls.services.applications import WorkflowError, start, submit
from tests.calls.conftest import PDF, make_call
from tests.conftest import make_user
from tests.factories import organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(users, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    company = organisation("Friterie Test SRL", "org-type:sme", postcode="5000")
    asked = services.request_affiliation(users["applicant"], company.enterprise_number)
    return {"call": make_call(), "org": company, "request": asked, "user": users["applicant"]}


def ready(application: Application, user) -> Application:
    application.title, application.summary, application.requested_amount = "IA", "Pilote", 10_000
    application.save()
    requirement = application.call.required_documents.get()
    documents.attach(application, requirement, ContentFile(PDF), "plan.pdf", user)
    return application


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_the_call_page_offers_to_prepare_for_the_organisation_awaiting_approval(waiting):
    page = signed_in(waiting["user"]).get(f"/calls/{waiting['call'].code}/").content.decode()
    assert "Friterie Test SRL" in page and "awaits approval" in page


def test_a_draft_is_prepared_but_not_submitted_until_approval(waiting):
    draft = ready(start(waiting["call"], waiting["org"], waiting["user"]), waiting["user"])
    client = signed_in(waiting["user"])
    assert client.get(f"/calls/applications/{draft.pk}/").status_code == 200
    assert client.get(f"/calls/applications/{draft.pk}/step/organisation/").status_code == 200
    response = client.post(f"/calls/applications/{draft.pk}/submit/", follow=True)
    assert "awaits approval" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.reference is None
    services.approve(waiting["request"], make_user("boss", "staff"))
    assert submit(draft, waiting["user"]).status == "submitted"


def test_a_waiting_person_does_not_see_the_organisations_other_applications(waiting, users):
    representative = make_user("representative", "applicant")
    Affiliation.objects.create(user=representative, organisation=waiting["org"])
    theirs = start(waiting["call"], waiting["org"], representative)
    client = signed_in(waiting["user"])
    assert client.get(f"/calls/applications/{theirs.pk}/").status_code == 404
    assert (
        f"/calls/applications/{theirs.pk}/"
        not in client.get("/calls/applications/").content.decode()
    )
    # Nor can starting one hand over the existing application.
    with pytest.raises(WorkflowError):
        start(waiting["call"], waiting["org"], waiting["user"])
    response = client.post(
        f"/calls/{waiting['call'].code}/apply/", {"organisation": waiting["org"].pk}
    )
    assert response.status_code == 302 and f"/applications/{theirs.pk}/" not in response["Location"]


def test_a_refused_person_loses_the_draft_they_prepared(waiting, users):
    draft = start(waiting["call"], waiting["org"], waiting["user"])
    services.refuse(waiting["request"], users["staff"], "Inconnu")
    assert signed_in(waiting["user"]).get(f"/calls/applications/{draft.pk}/").status_code == 404


def test_a_person_without_any_request_cannot_start(users):
    stranger = organisation("Ailleurs SA")
    with pytest.raises(WorkflowError):
        start(make_call(), stranger, users["other_applicant"])
