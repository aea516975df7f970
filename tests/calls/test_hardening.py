"""After a hostile review of the calls: limits on a draft's documents, conflicts of interest
checked on every read, and texts or figures that only SQLite would store."""

from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from territoria.accounts.models import Affiliation
from territoria.calls.models import (
    Application,
    ApplicationDocument,
    Assignment,
    Criterion,
    Score,
    SurveyAnswer,
)
from territoria.calls.services import documents
from territoria.calls.services.applications import change_status, start, submit
from territoria.calls.services.evaluation import assign, declare
from territoria.core.models import AuditEntry, Role
from tests.calls.conftest import PDF
from tests.conftest import make_user

ENGLISH = {"Accept-Language": "en"}


def pdf_of(size: int) -> bytes:
    return b"%PDF-" + b"0" * (size - 5)


# --- A draft's documents: a few others, a total a jury can read ----------------------------


@pytest.fixture
def draft(setup):
    application = start(setup["call"], setup["org"], setup["user"])
    application.steps_done = 2
    application.save()
    return application


def upload(client, draft, name, data, requirement="other"):
    return client.post(
        f"/calls/applications/{draft.pk}/documents/",
        {"file": SimpleUploadedFile(name, data), "requirement": requirement},
        headers=ENGLISH,
    )


def test_an_eleventh_other_document_is_refused_beside_the_file_keeping_the_type(
    setup, draft, client_for
):
    for number in range(documents.MAX_OTHER_DOCUMENTS):
        documents.attach(draft, None, ContentFile(PDF), f"annex-{number}.pdf", setup["user"])
    client = client_for("applicant")
    response = upload(client, draft, "annex-11.pdf", PDF)
    assert response.status_code == 400
    assert draft.documents.count() == documents.MAX_OTHER_DOCUMENTS
    page = response.content.decode()
    assert (
        "An application holds at most 10 other documents: remove one to add annex-11.pdf." in page
    )
    assert 'href="#id_file">File — An application holds at most 10' in page
    assert '<option value="other" selected>another document</option>' in page
    # A required document is not one of the others: it is still welcome.
    requirement = setup["call"].required_documents.get()
    assert upload(client, draft, "plan.pdf", PDF, str(requirement.pk)).status_code == 302
    # Remove one, and another fits again.
    documents.remove_from_draft(draft.documents.filter(requirement=None).first(), setup["user"])
    assert upload(client, draft, "annex-11.pdf", PDF).status_code == 302
    assert draft.documents.filter(requirement=None).count() == documents.MAX_OTHER_DOCUMENTS


def test_the_documents_of_an_application_weigh_at_most_the_total_allowed(setup, draft, client_for):
    largest = pdf_of(documents.MAX_DOCUMENT_BYTES)
    requirement = setup["call"].required_documents.get()
    documents.attach(draft, requirement, ContentFile(largest), "plan.pdf", setup["user"])
    for number in range(documents.MAX_APPLICATION_BYTES // documents.MAX_DOCUMENT_BYTES - 1):
        documents.attach(draft, None, ContentFile(largest), f"annex-{number}.pdf", setup["user"])
    client = client_for("applicant")
    response = upload(client, draft, "small.pdf", PDF)
    assert response.status_code == 400
    assert response.context["document_form"].errors["file"] == [
        "With small.pdf, the application's documents would pass 50 MB in all: "
        "remove a document or add a smaller file."
    ]
    assert not draft.documents.filter(original_name="small.pdf").exists()
    # A new version of a required document replaces the old one: it only counts once.
    assert upload(client, draft, "plan-v2.pdf", largest, str(requirement.pk)).status_code == 302
    assert draft.documents.get(requirement=requirement).original_name == "plan-v2.pdf"


def test_a_file_over_the_size_limit_is_refused_beside_the_field_not_an_error(
    setup, draft, client_for
):
    requirement = setup["call"].required_documents.get()
    response = upload(
        client_for("applicant"),
        draft,
        "big.pdf",
        pdf_of(documents.MAX_DOCUMENT_BYTES + 1),
        str(requirement.pk),
    )
    assert response.status_code == 400 and not ApplicationDocument.objects.exists()
    page = response.content.decode()
    assert 'href="#id_file">File — big.pdf is larger than 10 MB.</a>' in page
    assert f'<option value="{requirement.pk}" selected>Project plan</option>' in page


def test_the_documents_step_states_the_limits(draft, client_for):
    url = f"/calls/applications/{draft.pk}/step/documents/"
    page = client_for("applicant").get(url, headers=ENGLISH).content.decode()
    assert "At most 10 other documents and 50 MB in all per application." in page


# --- Conflicts of interest, on every read ---------------------------------------------------


@pytest.fixture
def review(setup, users, client_for):
    """An application under evaluation, with its document, whose evaluator declared no
    conflict of interest and read it."""
    call = setup["call"]
    call.evaluators_per_application = 1
    call.save()
    criterion = Criterion.objects.create(call=call, order=1, title="Need", weight=Decimal(1))
    application = start(call, setup["org"], setup["user"])
    application.title, application.summary = "Frites prédictives", "Un pilote."
    application.requested_amount = Decimal(1000)
    application.save()
    document = documents.attach(
        application, call.required_documents.get(), ContentFile(PDF), "plan.pdf", setup["user"]
    )
    application = submit(application, setup["user"])
    change_status(application, "eligible", users["staff"])
    assign(call, users["staff"], [users["evaluator"]])
    assignment = Assignment.objects.get(evaluator=users["evaluator"])
    client = client_for("evaluator")
    client.post(f"/calls/reviews/{assignment.pk}/declare/", {"conflict": "no"})
    assert "Frites prédictives" in client.get(assignment.get_absolute_url()).content.decode()
    assert client.get(document.get_absolute_url()).status_code == 200
    return {
        "application": application, "assignment": assignment, "document": document,
        "criterion": criterion, "client": client,
    }  # fmt: skip


def test_an_evaluator_linked_to_the_applicant_after_declaring_reads_nothing_more(review, users):
    assignment, client = review["assignment"], review["client"]
    Affiliation.objects.create(
        user=users["evaluator"], organisation=review["application"].organisation
    )

    page = client.get(assignment.get_absolute_url(), headers=ENGLISH)
    assert page.status_code == 403
    text = page.content.decode()
    assert "A conflict of interest was found: your account is linked to the applicant" in text
    assert "This evaluation is withdrawn: the agency will ask another evaluator." in text
    assert "Frites prédictives" not in text and "plan.pdf" not in text
    assert 'id="score-sheet"' not in text

    download = client.get(review["document"].get_absolute_url(), headers=ENGLISH)
    assert download.status_code == 403
    assert "A conflict of interest was found" in download.content.decode()
    assert not hasattr(download, "streaming_content")

    scores = client.post(
        f"/calls/reviews/{assignment.pk}/scores/",
        {f"score-{review['criterion'].pk}": "4", "comment": "Très bien.", "action": "submit"},
        headers=ENGLISH,
    )
    assert scores.status_code == 403 and "Frites prédictives" not in scores.content.decode()
    assert not Score.objects.exists()

    listing = client.get("/calls/reviews/", headers=ENGLISH)
    assert [str(stage) for _a, stage in listing.context["rows"]] == [
        "withdrawn (conflict of interest)"
    ]
    assignment.refresh_from_db()
    assert assignment.conflict is True and assignment.withdrawn and assignment.submitted_at is None
    found = AuditEntry.objects.get(action="assignment.conflict", object_id=str(assignment.pk))
    assert found.after == {"conflict": True, "found": True}


def test_staff_reassign_a_review_closed_by_a_conflict_found(review, users, client_for):
    application = review["application"]
    Affiliation.objects.create(user=users["evaluator"], organisation=application.organisation)
    newcomer = make_user("newcomer", Role.EVALUATOR)
    # Nobody read anything since: assigning again finds the conflict itself.
    client_for("staff").post(f"/calls/{application.call.code}/manage/assign/")
    live = Assignment.objects.filter(application=application, withdrawn=False)
    assert [a.evaluator for a in live] == [newcomer]
    assert Assignment.objects.get(evaluator=users["evaluator"]).conflict is True


def test_a_submitted_review_closes_too_and_stops_counting_before_the_decision(
    review, users, client_for
):
    assignment, client = review["assignment"], review["client"]
    client.post(
        f"/calls/reviews/{assignment.pk}/scores/",
        {f"score-{review['criterion'].pk}": "4", "action": "submit"},
    )
    assignment.refresh_from_db()
    assert assignment.counts
    Affiliation.objects.create(
        user=users["evaluator"], organisation=review["application"].organisation
    )
    consensus = client_for("staff").get(
        f"/calls/{review['application'].call.code}/manage/{review['application'].pk}/consensus/"
    )
    assert consensus.context["rows"][0][1] is None  # no mean: the review no longer counts
    assignment.refresh_from_db()
    assert assignment.withdrawn and not assignment.counts
    assert client.get(assignment.get_absolute_url()).status_code == 403


def test_a_decided_application_stays_as_decided_but_closed_to_a_linked_evaluator(review, users):
    assignment, client = review["assignment"], review["client"]
    client.post(
        f"/calls/reviews/{assignment.pk}/scores/",
        {f"score-{review['criterion'].pk}": "4", "action": "submit"},
    )
    change_status(review["application"], "rejected", users["staff"], reason="Budget.")
    Affiliation.objects.create(
        user=users["evaluator"], organisation=review["application"].organisation
    )
    assert client.get(assignment.get_absolute_url()).status_code == 403
    assert client.get(review["document"].get_absolute_url()).status_code == 403
    listing = client.get("/calls/reviews/", headers=ENGLISH)
    assert [str(stage) for _a, stage in listing.context["rows"]] == [
        "withdrawn (conflict of interest)"
    ]
    assignment.refresh_from_db()
    assert assignment.counts  # the record the decision rests on is unchanged


def test_a_link_made_before_the_declaration_is_found_before_anything_is_shown(
    setup, users, client_for
):
    call = setup["call"]
    call.evaluators_per_application = 1
    call.save()
    application = start(call, setup["org"], setup["user"])
    application.title, application.summary = "Frites prédictives", "Un pilote."
    application.requested_amount = Decimal(1000)
    application.save()
    documents.attach(
        application, call.required_documents.get(), ContentFile(PDF), "p.pdf", setup["user"]
    )
    application = submit(application, setup["user"])
    change_status(application, "eligible", users["staff"])
    assign(call, users["staff"], [users["evaluator"]])
    assignment = Assignment.objects.get()
    Affiliation.objects.create(user=users["evaluator"], organisation=application.organisation)
    client = client_for("evaluator")
    assert client.get(assignment.get_absolute_url()).status_code == 403
    declare_after = client.post(f"/calls/reviews/{assignment.pk}/declare/", {"conflict": "no"})
    assert declare_after.status_code == 302
    assert client.get(assignment.get_absolute_url()).status_code == 403
    assignment.refresh_from_db()
    assert assignment.conflict is True and assignment.withdrawn


def test_a_declared_conflict_still_shows_its_own_page(review, users):
    """Without a link to the applicant, the page is the evaluator's declaration's."""
    other = make_user("second", Role.EVALUATOR)
    extra = Assignment.objects.create(application=review["application"], evaluator=other)
    declare(extra, other, conflict=True)
    client = Client()
    client.force_login(other)
    page = client.get(extra.get_absolute_url(), headers=ENGLISH)
    assert page.status_code == 200
    assert "You declared a conflict of interest" in page.content.decode()


# --- Texts and figures only SQLite would store -----------------------------------------------


def test_a_nul_in_the_overall_comment_is_a_form_error_keeping_what_was_typed(review):
    assignment, criterion = review["assignment"], review["criterion"]
    response = review["client"].post(
        f"/calls/reviews/{assignment.pk}/scores/",
        {f"score-{criterion.pk}": "4.5", f"comment-{criterion.pk}": "Clair.",
         "comment": "Bon\x00projet", "action": "save"},
        headers=ENGLISH,
    )  # fmt: skip
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["comment"] == ["Null characters are not allowed."]
    page = response.content.decode()
    assert 'href="#comment">Overall comment — Null characters are not allowed.</a>' in page
    assert '<option value="4.5" selected>' in page and "Clair.</textarea>" in page
    assignment.refresh_from_db()
    assert assignment.comment == "" and not Score.objects.exists()


def test_a_nul_in_a_criterion_comment_or_the_consensus_comment_is_a_form_error(review, client_for):
    assignment, criterion = review["assignment"], review["criterion"]
    response = review["client"].post(
        f"/calls/reviews/{assignment.pk}/scores/",
        {f"score-{criterion.pk}": "4", f"comment-{criterion.pk}": "a\x00b", "action": "submit"},
    )
    assert (
        response.status_code == 400 and f"comment-{criterion.pk}" in response.context["form"].errors
    )
    review["client"].post(
        f"/calls/reviews/{assignment.pk}/scores/",
        {f"score-{criterion.pk}": "4", "action": "submit"},
    )
    application = review["application"]
    consensus = client_for("staff").post(
        f"/calls/{application.call.code}/manage/{application.pk}/consensus/",
        {f"score-{criterion.pk}": "4", "comment": "a\x00b"},
    )
    assert consensus.status_code == 400 and "comment" in consensus.context["form"].errors
    application.refresh_from_db()
    assert application.consensus_at is None


@pytest.mark.parametrize("jobs", ["40000", "10001", "-1"])
def test_jobs_created_past_the_bound_are_refused_in_the_survey(setup, client_for, jobs):
    application = Application.objects.create(
        call=setup["call"], organisation=setup["org"], created_by=setup["user"], title="P",
        summary="S", status="completed", submitted_at=timezone.now(), reference="TIA-2026-00042",
    )  # fmt: skip
    answer = {
        "improved_competitiveness": "on", "improved_quality": "on", "would_recommend": "on",
        "reached_production": "on", "investment_before": "12.500", "investment_after": "0",
        "jobs_created": jobs,
    }  # fmt: skip
    url = f"/calls/applications/{application.pk}/survey/"
    response = client_for("applicant").post(url, answer, headers=ENGLISH)
    assert response.status_code == 400 and "jobs_created" in response.context["form"].errors
    assert 'value="12.500"' in response.content.decode()  # what was typed comes back
    assert not SurveyAnswer.objects.exists()
    answer["jobs_created"] = "10000"
    assert client_for("applicant").post(url, answer).status_code == 302
    assert SurveyAnswer.objects.get().jobs_created == 10_000
