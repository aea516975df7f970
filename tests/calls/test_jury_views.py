from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from territoria.calls.models import Application, Assignment, Criterion
from territoria.calls.services import documents
from territoria.core.models import Role, User
from tests.calls.conftest import PDF, make_call
from tests.factories import organisation


@pytest.fixture
def jury(users, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    call = make_call("jury", evaluators_per_application=1)
    Criterion.objects.create(
        call=call, order=1, title="Need", weight=Decimal(1), threshold=Decimal(2)
    )
    org = organisation("Candidate SRL", "org-type:sme", postcode="5000")
    application = Application.objects.create(
        call=call, organisation=org, created_by=users["applicant"], title="Pilot", summary="S",
        requested_amount=Decimal(40_000), status="submitted", submitted_at=timezone.now(),
        reference="TIA-2026-00001",
    )  # fmt: skip
    return {"call": call, "application": application}


def test_staff_check_assign_and_an_evaluator_scores_then_staff_decide(jury, client_for, users):
    staff, evaluator = client_for("staff"), client_for("evaluator")
    application = jury["application"]
    base = f"/calls/jury/manage/{application.pk}"
    assert client_for("staff").get("/calls/jury/manage/").status_code == 200
    staff.post(f"{base}/eligibility/", {"status": "ineligible"})  # no reason: refused
    application.refresh_from_db()
    assert application.status == "submitted"
    staff.post(f"{base}/eligibility/", {"status": "eligible"})
    staff.post("/calls/jury/manage/assign/")
    assignment = Assignment.objects.get()
    assert assignment.evaluator == users["evaluator"]
    page = evaluator.get(f"/calls/reviews/{assignment.pk}/").content.decode()
    assert "Pilot" not in page  # nothing shown before the declaration
    evaluator.post(f"/calls/reviews/{assignment.pk}/declare/", {"conflict": "no"})
    page = evaluator.get(f"/calls/reviews/{assignment.pk}/").content.decode()
    assert "Pilot" in page
    criterion = jury["call"].criteria.get()
    evaluator.post(
        f"/calls/reviews/{assignment.pk}/scores/",
        {f"score-{criterion.pk}": "7", "action": "submit"},
    )
    assignment.refresh_from_db()
    assert assignment.submitted_at is None  # 7 is not a score
    evaluator.post(
        f"/calls/reviews/{assignment.pk}/scores/",
        {f"score-{criterion.pk}": "4.5", "action": "submit"},
    )
    assignment.refresh_from_db()
    assert assignment.counts
    assert "selected>4.5<" in evaluator.get(f"/calls/reviews/{assignment.pk}/").content.decode()
    consensus = staff.get(f"{base}/consensus/").content.decode()
    assert users["evaluator"].username in consensus  # staff see who scored
    staff.post(f"{base}/consensus/", {f"score-{criterion.pk}": "4.5", "comment": "Agreed."})
    staff.post(f"{base}/decision/", {"status": "selected", "amount": "1e400"})
    staff.post(f"{base}/decision/", {"status": "selected", "amount": "30000"})
    application.refresh_from_db()
    assert application.status == "selected" and application.granted_amount == Decimal(30_000)
    page = client_for("applicant").get(f"/calls/applications/{application.pk}/").content.decode()
    assert users["evaluator"].username not in page  # applicants never see evaluators


def test_evaluators_see_only_their_assignments_and_documents_after_declaring(
    jury, client_for, users
):
    other = User.objects.create(username="other-eval", role=Role.EVALUATOR)
    application = jury["application"]
    application.status = "evaluation"
    application.save()
    document = documents.attach(
        Application.objects.create(
            call=jury["call"], organisation=organisation("Draft SRL"), created_by=users["applicant"]
        ),
        None, ContentFile(PDF), "draft.pdf", users["applicant"],
    )  # fmt: skip
    document.application = application  # the document of the assigned application
    document.save()
    mine = Assignment.objects.create(application=application, evaluator=users["evaluator"])
    theirs = Assignment.objects.create(application=application, evaluator=other)
    client = client_for("evaluator")
    assert client.get(f"/calls/reviews/{theirs.pk}/").status_code == 404
    assert (
        client.post(f"/calls/reviews/{theirs.pk}/declare/", {"conflict": "no"}).status_code == 404
    )
    listing = client.get("/calls/reviews/").content.decode()
    assert f"/calls/reviews/{mine.pk}/" in listing and f"/calls/reviews/{theirs.pk}/" not in listing
    url = document.get_absolute_url()
    assert client.get(url).status_code == 403  # not before the declaration
    client.post(f"/calls/reviews/{mine.pk}/declare/", {"conflict": "no"})
    assert client.get(url).status_code == 200
    theirs.refresh_from_db()
    assert theirs.conflict is None  # the other evaluator's declaration is untouched
    conflicted = client_for("evaluator")
    mine.withdrawn = True
    mine.save()
    assert conflicted.get(url).status_code == 403
