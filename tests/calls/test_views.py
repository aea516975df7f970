import datetime
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from territoria.accounts.models import Affiliation
from territoria.calls.models import Application, ExpertCompany
from territoria.calls.services.experts import recognise
from tests.calls.conftest import PDF, make_call
from tests.factories import concept, organisation


def test_the_public_sees_published_calls_with_brussels_times(client, setup):
    hidden = make_call("hidden")
    hidden.is_published = False
    hidden.save()
    page = client.get("/calls/").content.decode()
    assert "Call tremplin" in page and "Call hidden" not in page
    assert client.get("/calls/hidden/").status_code == 404
    detail = client.get("/calls/tremplin/").content.decode()
    assert re.search(r"UTC\+0[12]:00", detail)
    assert "Project plan" in detail


def test_an_applicant_applies_step_by_step(setup, client_for, mailoutbox):
    client = client_for("applicant")
    response = client.post("/calls/tremplin/apply/", {"organisation": setup["org"].pk})
    application = Application.objects.get()
    assert response["Location"] == f"/calls/applications/{application.pk}/step/organisation/"
    # Steps cannot be skipped.
    assert client.get(f"/calls/applications/{application.pk}/step/submit/")["Location"].endswith(
        "/step/organisation/"
    )
    client.post(f"/calls/applications/{application.pk}/step/organisation/")
    bad = client.post(
        f"/calls/applications/{application.pk}/step/project/",
        {"title": "", "summary": "", "requested_amount": "999999"},
    )
    assert bad.status_code == 400
    client.post(f"/calls/applications/{application.pk}/step/project/",
                {"title": "Pilote IA", "summary": "Prévoir les ventes.", "needs": "", "requested_amount": "40000"})  # fmt: skip
    application.refresh_from_db()
    assert application.title == "Pilote IA" and application.steps_done == 2  # draft saved
    client.post(f"/calls/applications/{application.pk}/documents/",
                {"file": SimpleUploadedFile("plan.pdf", PDF), "requirement": setup["call"].required_documents.get().pk})  # fmt: skip
    client.post(f"/calls/applications/{application.pk}/step/documents/")
    page = client.get(f"/calls/applications/{application.pk}/step/submit/").content.decode()
    assert 'id="submit-application"' in page
    response = client.post(f"/calls/applications/{application.pk}/submit/")
    application.refresh_from_db()
    assert (
        application.status == "submitted"
        and response["Location"] == f"/calls/applications/{application.pk}/"
    )
    again = client.post(f"/calls/applications/{application.pk}/submit/")
    assert again.status_code == 302  # harmless
    page = client.get(f"/calls/applications/{application.pk}/").content.decode()
    assert application.reference in page
    # A submitted application can no longer be edited.
    assert client.get(f"/calls/applications/{application.pk}/step/project/").status_code == 403


def test_after_the_deadline_the_page_says_so_and_keeps_the_draft(setup, client_for):
    client = client_for("applicant")
    client.post("/calls/tremplin/apply/", {"organisation": setup["org"].pk})
    application = Application.objects.get()
    call = setup["call"]
    call.closes_at = timezone.now() - datetime.timedelta(seconds=1)
    call.save()
    response = client.post(f"/calls/applications/{application.pk}/submit/", follow=True)
    assert response.status_code == 200
    application.refresh_from_db()
    assert application.status == "draft"


def test_applicants_see_only_their_organisations_applications(setup, client_for):
    client_for("applicant").post("/calls/tremplin/apply/", {"organisation": setup["org"].pk})
    application = Application.objects.get()
    other = client_for("other_applicant")
    assert other.get(f"/calls/applications/{application.pk}/").status_code == 404
    assert "Call tremplin" not in other.get("/calls/applications/").content.decode()
    assert other.post(f"/calls/applications/{application.pk}/submit/").status_code == 404
    assert other.post(f"/calls/applications/{application.pk}/withdraw/").status_code == 404
    assert (
        other.post("/calls/tremplin/apply/", {"organisation": setup["org"].pk}).status_code == 302
    )
    assert Application.objects.count() == 1
    assert client_for("evaluator").get(f"/calls/applications/{application.pk}/").status_code == 403
    assert client_for("staff").get(f"/calls/applications/{application.pk}/").status_code == 200
    assert (
        client_for("staff").post(f"/calls/applications/{application.pk}/submit/").status_code == 403
    )


def test_withdrawing(setup, client_for):
    client = client_for("applicant")
    client.post("/calls/tremplin/apply/", {"organisation": setup["org"].pk})
    application = Application.objects.get()
    client.post(f"/calls/applications/{application.pk}/withdraw/")
    application.refresh_from_db()
    assert application.status == "withdrawn"
    # A withdrawn application may be started afresh.
    client.post("/calls/tremplin/apply/", {"organisation": setup["org"].pk})
    assert Application.objects.count() == 2


CODE = re.compile(r"\b(org-type|size|technology|territory):[A-Za-z0-9-]+")


def test_pages_name_concepts_by_their_label_in_the_page_language_never_by_code(
    setup, users, client_for
):
    setup["call"].eligible_sizes.set([concept("size:small")])
    expert_org = organisation("Vision SRL")
    Affiliation.objects.create(user=users["expert"], organisation=expert_org)
    expert = ExpertCompany.objects.create(organisation=expert_org, offer="IA.", languages="fr, en")
    expert.technologies.set([concept("technology:ai")])
    recognise(expert, users["staff"])
    for language, startup, ai, english in [
        ("fr", "PME", "Intelligence artificielle", "Anglais"),
        ("nl", "kmo", "Artificiële intelligentie", "Engels"),
    ]:
        headers = {"Accept-Language": language}
        call_page = client_for("anonymous").get("/calls/tremplin/", headers=headers)
        experts = client_for("anonymous").get("/calls/experts/", headers=headers)
        form = client_for("expert").get("/calls/experts/apply/", headers=headers)
        for page in (call_page, experts, form):
            assert not CODE.search(page.content.decode()), page.request["PATH_INFO"]
        assert startup in call_page.content.decode()
        assert ai in experts.content.decode() and english in experts.content.decode()
        assert ai in form.content.decode() and english in form.content.decode()


def test_an_expert_names_its_languages_by_ticking_them(setup, users, client_for):
    org = organisation("Langues SRL")
    Affiliation.objects.create(user=users["expert"], organisation=org)
    response = client_for("expert").post(
        "/calls/experts/apply/",
        {"organisation": org.pk, "offer": "IA.", "languages": ["fr", "nl"]},
    )
    assert response.status_code == 302
    assert ExpertCompany.objects.get().languages == "fr, nl"
    refused = client_for("expert").post(
        "/calls/experts/apply/", {"organisation": org.pk, "offer": "IA."}
    )
    assert refused.context["form"].errors["languages"]
