import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone

from territoria.calls.models import Application, Assignment, Criterion, validate_call_code
from territoria.calls.services import documents
from territoria.calls.services.evaluation import record_scores
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
    page = evaluator.get(f"/calls/reviews/{assignment.pk}/").content.decode()
    assert '<option value="4.5" selected>4,5</option>' in page  # shown the French way
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


ENGLISH = {"Accept-Language": "en"}


@pytest.fixture
def sheet(jury, users):
    """A declared assignment on an application under evaluation, four criteria of weights 2-3-3-2."""
    call, application = jury["call"], jury["application"]
    call.criteria.all().delete()
    for order, (title, weight) in enumerate(
        [("Need", "2"), ("Pilot", "3"), ("Impact", "3"), ("Roadmap", "2")], start=1
    ):
        Criterion.objects.create(call=call, order=order, title=title, weight=Decimal(weight))
    application.status = "evaluation"
    application.save()
    assignment = Assignment.objects.create(
        application=application, evaluator=users["evaluator"], conflict=False,
        declared_at=timezone.now(),
    )  # fmt: skip
    return {"assignment": assignment, "criteria": list(call.criteria.order_by("order"))}


def test_submitting_with_a_criterion_unscored_keeps_everything_typed_and_records_nothing(
    sheet, client_for
):
    assignment, criteria = sheet["assignment"], sheet["criteria"]
    need, pilot, impact, roadmap = (c.pk for c in criteria)
    response = client_for("evaluator").post(
        f"/calls/reviews/{assignment.pk}/scores/",
        {
            f"score-{need}": "4.5", f"comment-{need}": "Besoin clair & mesurable.",
            f"score-{pilot}": "3.0", f"comment-{pilot}": "Données disponibles.",
            f"comment-{impact}": "Impact à préciser.", "comment": "Bon dossier.",
            "action": "submit",
        },
        headers=ENGLISH,
    )  # fmt: skip
    assert response.status_code == 400
    page = response.content.decode()
    assert '<option value="4.5" selected>' in page and '<option value="3.0" selected>' in page
    for typed in ("Besoin clair &amp; mesurable.", "Données disponibles.", "Impact à préciser.",
                  "Bon dossier."):  # fmt: skip
        assert typed in page
    for pk in (impact, roadmap):  # each missing score marked on its field, and in the summary
        assert re.search(
            rf'<select name="score-{pk}"[^>]*aria-invalid="true" aria-describedby="score-{pk}_error"',
            page,
        ) or re.search(
            rf'<select name="score-{pk}"[^>]*aria-describedby="score-{pk}_error"[^>]*aria-invalid="true"',
            page,
        )
        assert f'id="score-{pk}_error"' in page and f'href="#score-{pk}"' in page
    assert 'aria-invalid="true"' not in page.split(f'name="score-{pilot}"')[1].split(">")[0]
    assert 'id="error-summary"' in page and "Impact — Score (0 to 5)" in page
    assignment.refresh_from_db()
    assert assignment.submitted_at is None and not assignment.scores.exists()
    assert assignment.comment == ""


def test_saving_part_of_the_sheet_records_it_and_the_page_shows_it_again(sheet, client_for):
    assignment, criteria = sheet["assignment"], sheet["criteria"]
    client = client_for("evaluator")
    response = client.post(
        f"/calls/reviews/{assignment.pk}/scores/",
        {f"score-{criteria[0].pk}": "2.5", f"comment-{criteria[0].pk}": "Vague.", "action": "save"},
    )
    assert response.status_code == 302
    page = client.get(f"/calls/reviews/{assignment.pk}/").content.decode()
    assert '<option value="2.5" selected>' in page and "Vague." in page
    assert assignment.scores.get().value == Decimal("2.5")


def test_a_score_that_is_no_half_point_is_marked_beside_its_field(sheet, client_for):
    assignment, criteria = sheet["assignment"], sheet["criteria"]
    response = client_for("evaluator").post(
        f"/calls/reviews/{assignment.pk}/scores/",
        {f"score-{criteria[1].pk}": "7", "action": "save"},
        headers=ENGLISH,
    )
    assert response.status_code == 400
    assert response.context["form"].errors[f"score-{criteria[1].pk}"] == [
        "A score is between 0 and 5, in half points."
    ]
    assert not assignment.scores.exists()


def test_the_sheet_shows_the_weighted_score_the_server_computes(sheet, client_for):
    assignment, criteria = sheet["assignment"], sheet["criteria"]
    values = ["4.5", "3.0", "2.5", "3.5"]
    scores = {c.pk: (Decimal(v), "") for c, v in zip(criteria, values, strict=True)}
    record_scores(assignment, assignment.evaluator, scores, "", final=False)
    response = client_for("evaluator").get(f"/calls/reviews/{assignment.pk}/", headers=ENGLISH)
    # (2×4.5 + 3×3 + 3×2.5 + 2×3.5) / 10 = 3.25
    assert response.context["weighted"] == Decimal("3.25")
    page = response.content.decode()
    assert 'data-weight="2.00"' in page and 'data-weight="3.00"' in page
    assert re.search(r'id="weighted-score"[^>]*aria-live="polite"', page)
    assert "<strong data-weighted-value>3.25</strong>" in page
    assert '<script src="/static/calls/calls.' in page


def test_evaluators_filter_their_list_by_call_and_stage_with_counts(sheet, users, client_for):
    other_call = make_call("other")
    stages = {"declare": {}, "withdrawn": {"conflict": True, "withdrawn": True},
              "submitted": {"conflict": False, "submitted_at": timezone.now()}}  # fmt: skip
    for i, fields in enumerate(stages.values()):
        application = Application.objects.create(
            call=other_call, organisation=organisation(f"Other {i}"), created_by=users["applicant"],
            status="evaluation", reference=f"TIA-2026-0010{i}", submitted_at=timezone.now(),
        )  # fmt: skip
        Assignment.objects.create(application=application, evaluator=users["evaluator"], **fields)
    client = client_for("evaluator")
    everything = client.get("/calls/reviews/")
    assert len(everything.context["rows"]) == 4
    assert ("jury", "Call jury", 1) in everything.context["call_options"]
    assert ("other", "Call other", 3) in everything.context["call_options"]
    counts = {key: count for key, _label, count in everything.context["status_options"]}
    assert counts == {"declare": 1, "score": 1, "submitted": 1, "withdrawn": 1}
    in_other = client.get("/calls/reviews/?call=other")
    assert {a.application.reference for a, _stage in in_other.context["rows"]} == {
        "TIA-2026-00100",
        "TIA-2026-00101",
        "TIA-2026-00102",
    }
    counts = {key: count for key, _label, count in in_other.context["status_options"]}
    assert counts == {"declare": 1, "score": 0, "submitted": 1, "withdrawn": 1}
    to_score = client.get("/calls/reviews/?status=score")
    assert [a.pk for a, _stage in to_score.context["rows"]] == [sheet["assignment"].pk]
    assert ("other", "Call other", 0) in to_score.context["call_options"]
    page = to_score.content.decode()
    assert '<option value="score" selected>' in page and "TIA-2026-00001" in page
    assert "TIA-2026-00100" not in page
    nothing = client.get("/calls/reviews/?call=other&status=score", headers=ENGLISH)
    assert nothing.context["rows"] == [] and "No application matches" in nothing.content.decode()
    assert len(client.get("/calls/reviews/?call=nope&status=nope").context["rows"]) == 4


def test_staff_see_every_call_to_manage_with_its_applications_by_status(jury, users, client_for):
    hidden = make_call("hidden-call")
    hidden.is_published = False
    hidden.save()
    for status in ("draft", "submitted", "submitted"):
        Application.objects.create(
            call=hidden, organisation=organisation(f"Org {status}"), created_by=users["applicant"],
            status=status, submitted_at=None if status == "draft" else timezone.now(),
        )  # fmt: skip
    response = client_for("staff").get("/calls/manage/", headers=ENGLISH)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'href="/calls/hidden-call/manage/"' in page and 'href="/calls/jury/manage/"' in page
    assert f'href="/admin/calls/call/{hidden.pk}/change/"' in page
    assert "not published" in page and "Tremplin IA" in page
    rows = {row["call"].code: row for row in response.context["rows"]}
    assert rows["hidden-call"]["statuses"] == [("draft", 1), ("submitted", 2)]
    assert rows["jury"]["statuses"] == [("submitted", 1)]
    assert rows["jury"]["phase"] == "open"
    assert 'href="/calls/manage/"' in client_for("staff").get("/calls/").content.decode()
    assert 'href="/calls/manage/"' not in client_for("applicant").get("/calls/").content.decode()


def test_no_call_can_take_the_code_of_the_staff_list():
    with pytest.raises(ValidationError):
        validate_call_code("manage")
