import datetime
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone, translation

from territoria.calls.models import Application, ApplicationDocument
from territoria.calls.services import documents
from territoria.calls.services.applications import (
    WorkflowError,
    change_status,
    eligibility,
    missing,
    start,
    submit,
)
from territoria.calls.services.applications import (
    brussels as shown,
)
from territoria.core.models import AuditEntry
from tests.calls.conftest import PDF, brussels, make_call
from tests.factories import concept, organisation


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def ready(setup, call=None) -> Application:
    """A complete draft of the setup's organisation."""
    application = start(call or setup["call"], setup["org"], setup["user"])
    application.title, application.summary = "Pilot", "A pilot project."
    application.requested_amount = Decimal(40_000)
    application.save()
    requirement = application.call.required_documents.get()
    documents.attach(application, requirement, ContentFile(PDF), "plan.pdf", setup["user"])
    return application


def test_a_draft_is_created_once_and_only_for_ones_own_organisation(setup, users):
    first = start(setup["call"], setup["org"], setup["user"])
    assert start(setup["call"], setup["org"], setup["user"]) == first
    with pytest.raises(WorkflowError):
        start(setup["call"], organisation("Other SA"), setup["user"])


def test_what_is_missing_before_submission(setup):
    application = start(setup["call"], setup["org"], setup["user"])
    gaps = missing(application)
    assert any("title" in gap for gap in gaps) and any("Project plan" in gap for gap in gaps)
    with pytest.raises(WorkflowError, match="Still missing"):
        submit(application, setup["user"])
    application.requested_amount = Decimal(60_000)  # over the maximum
    assert any("maximum" in gap for gap in missing(application))


def test_submission_records_a_reference_an_audit_entry_and_the_email_task(
    setup, django_capture_on_commit_callbacks
):
    application = ready(setup)
    done = submit(application, setup["user"])
    assert done.status == "submitted" and done.submitted_at is not None
    assert done.reference == f"TIA-{timezone.localtime(done.submitted_at).year}-{done.pk:05d}"
    assert AuditEntry.objects.filter(action="application.submit", object_id=str(done.pk)).exists()
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.filter(args_kwargs__args=[done.pk]).count() == 1


def test_submitting_twice_is_harmless(setup):
    application = ready(setup)
    first = submit(application, setup["user"])
    again = submit(application, setup["user"])
    assert again.reference == first.reference and again.submitted_at == first.submitted_at
    assert AuditEntry.objects.filter(action="application.submit").count() == 1


@pytest.mark.parametrize(
    ("offset", "accepted"),
    [(-1, True), (0, False), (1, False)],
)
def test_one_second_either_side_of_the_deadline(setup, offset, accepted):
    application = ready(setup)
    deadline = setup["call"].closes_at
    moment = deadline + datetime.timedelta(seconds=offset)
    if accepted:
        assert submit(application, setup["user"], now=moment).submitted_at == moment
    else:
        with pytest.raises(WorkflowError, match="closed"):
            submit(application, setup["user"], now=moment)
        application.refresh_from_db()
        assert application.status == "draft"  # refused, and the draft is intact


def test_the_grace_period(setup):
    call = setup["call"]
    call.grace_minutes = 5
    call.save()
    application = ready(setup)
    with pytest.raises(WorkflowError):
        submit(application, setup["user"], now=call.closes_at + datetime.timedelta(minutes=5))
    done = submit(
        application, setup["user"], now=call.closes_at + datetime.timedelta(minutes=4, seconds=59)
    )
    assert done.status == "submitted"


def test_a_deadline_on_the_day_clocks_go_back(setup):
    """27 October 2024: 03:00 CEST becomes 02:00 CET. A call closing at 12:00 that day
    closes at 11:00 UTC, not 10:00."""
    call = setup["call"]
    call.opens_at = brussels(2024, 10, 1, 9, 0)
    call.closes_at = brussels(2024, 10, 27, 12, 0)
    call.save()
    assert call.closes_at.astimezone(datetime.UTC).hour == 11
    assert "UTC+01:00" in shown(call.closes_at)
    assert "UTC+02:00" in shown(call.opens_at)
    application = Application.objects.create(call=call, organisation=setup["org"], created_by=setup["user"],
                                             title="P", summary="S", requested_amount=1)  # fmt: skip
    documents.attach(
        application, call.required_documents.get(), ContentFile(PDF), "p.pdf", setup["user"]
    )
    utc = datetime.UTC
    with pytest.raises(WorkflowError):
        submit(
            application, setup["user"], now=datetime.datetime(2024, 10, 27, 11, 0, 0, tzinfo=utc)
        )
    done = submit(
        application, setup["user"], now=datetime.datetime(2024, 10, 27, 10, 59, 59, tzinfo=utc)
    )
    assert done.status == "submitted"


def test_before_the_call_opens(setup):
    application = ready(setup)
    with pytest.raises(WorkflowError, match="opens"):
        submit(
            application, setup["user"], now=setup["call"].opens_at - datetime.timedelta(seconds=1)
        )


def test_eligibility_pre_check_gives_reasons(setup, applicant_org):
    call = setup["call"]
    call.laureate_exclusion_years = 2
    call.seat_in = concept("territory:BE-WAL")
    call.save()
    application = start(call, applicant_org, setup["user"])
    checks = {c.rule: c for c in eligibility(application)}
    assert all(c.ok for c in checks.values()), checks
    assert checks["Seat in Wallonia"].detail == "Namur (postcode 5000)"  # from the postcode
    applicant_org.postcode = "1000"  # Brussels
    applicant_org.save()
    seat = next(c for c in eligibility(application) if c.rule == "Seat in Wallonia")
    assert not seat.ok and "1000" in seat.detail
    earlier = make_call("earlier", opens=timezone.now() - datetime.timedelta(days=300),
                        closes=timezone.now() - datetime.timedelta(days=200))  # fmt: skip
    Application.objects.create(call=earlier, organisation=applicant_org, created_by=setup["user"],
                               status="completed", submitted_at=timezone.now() - datetime.timedelta(days=250))  # fmt: skip
    laureate = next(c for c in eligibility(application) if "laureate" in c.rule)
    assert not laureate.ok and "Call earlier" in laureate.detail


def test_status_changes_follow_the_workflow_and_are_audited(setup, users):
    done = submit(ready(setup), setup["user"])
    with pytest.raises(WorkflowError):
        change_status(done, "selected", users["staff"])  # not before evaluation
    with pytest.raises(WorkflowError, match="reason"):
        change_status(done, "ineligible", users["staff"])
    change_status(done, "ineligible", users["staff"], reason="Seat in Brussels.")
    done.refresh_from_db()
    assert done.status == "ineligible" and done.status_reason == "Seat in Brussels."
    entry = AuditEntry.objects.get(action="application.status")
    assert entry.before["status"] == "submitted" and entry.after["status"] == "ineligible"


def test_the_acknowledgement_email(setup, mailoutbox):
    from territoria.calls.tasks import send_acknowledgement

    done = submit(ready(setup), setup["user"])
    assert send_acknowledgement.call(done.pk) == setup["user"].email
    assert len(mailoutbox) == 1
    assert done.reference in mailoutbox[0].subject and done.reference in mailoutbox[0].body


def test_documents_are_replaced_per_requirement_and_frozen_after_submission(setup):
    application = start(setup["call"], setup["org"], setup["user"])
    requirement = setup["call"].required_documents.get()
    documents.attach(application, requirement, ContentFile(PDF), "v1.pdf", setup["user"])
    documents.attach(application, requirement, ContentFile(PDF), "v2.pdf", setup["user"])
    assert list(application.documents.values_list("original_name", flat=True)) == ["v2.pdf"]
    application.title, application.summary, application.requested_amount = "P", "S", Decimal(1)
    application.save()
    submit(application, setup["user"])
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        documents.attach(application, requirement, ContentFile(PDF), "v3.pdf", setup["user"])
    assert ApplicationDocument.objects.count() == 1
