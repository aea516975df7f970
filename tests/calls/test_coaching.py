from decimal import Decimal

import pytest
from django.utils import timezone

from territoria.accounts.models import Affiliation
from territoria.calls.models import Application, Coaching, ExpertCompany, Instrument
from territoria.calls.services.applications import WorkflowError
from territoria.calls.services.coaching import choose, confirm_delivery, file_report, propose
from territoria.calls.services.experts import recognise
from territoria.core.models import AuditEntry, Role, User
from tests.calls.conftest import make_call
from tests.factories import organisation


@pytest.fixture
def laureate(setup, users):
    start_ia, _ = Instrument.objects.get_or_create(
        code="start-ia", defaults={"prefix": "SIA", "name": "Start IA", "summary": "."}
    )
    call = make_call("start")
    call.instrument = start_ia
    call.save()
    application = Application.objects.create(
        call=call, organisation=setup["org"], created_by=users["applicant"], status="selected",
        submitted_at=timezone.now(), reference="SIA-2026-00001", granted_amount=Decimal(5000),
    )  # fmt: skip
    experts = []
    for i in range(4):
        org = organisation(f"Expert {i}")
        expert = ExpertCompany.objects.create(organisation=org, offer="IA.")
        recognise(expert, users["staff"])
        experts.append(expert)
    Affiliation.objects.create(user=users["expert"], organisation=experts[0].organisation)
    return {"application": application, "experts": experts}


def test_the_coaching_from_shortlist_to_delivery(laureate, users):
    application = laureate["application"]
    coaching = propose(application, users["staff"])
    assert coaching.shortlist.count() == 3
    chosen = coaching.shortlist.order_by("pk").first()
    with pytest.raises(WorkflowError):
        choose(coaching, users["other_applicant"], chosen)  # not the laureate
    outsider = laureate["experts"][3]  # four recognised, three proposed: the last is left out
    assert not coaching.shortlist.filter(pk=outsider.pk).exists()
    with pytest.raises(WorkflowError, match="proposed"):
        choose(coaching, users["applicant"], outsider)
    choose(coaching, users["applicant"], laureate["experts"][0])
    application.refresh_from_db()
    assert application.status == "progress"
    with pytest.raises(WorkflowError, match="not filed"):
        confirm_delivery(coaching, users["applicant"])
    someone = User.objects.create(username="other-expert", role=Role.EXPERT)
    with pytest.raises(WorkflowError, match="chosen expert"):
        file_report(coaching, someone, "Report", "Plan")
    with pytest.raises(WorkflowError, match="both"):
        file_report(coaching, users["expert"], "Report", "")
    file_report(coaching, users["expert"], "Five days of workshops.", "1. Data. 2. Pilot.")
    confirm_delivery(coaching, users["applicant"])
    application.refresh_from_db()
    assert application.status == "completed"
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "coaching.propose",
        "coaching.choose",
        "coaching.report",
        "coaching.delivered",
    } <= actions


def test_only_start_ia_laureates_and_no_expert_linked_to_them(laureate, users, setup):
    application = laureate["application"]
    linked = laureate["experts"][1]
    Affiliation.objects.create(user=users["applicant"], organisation=linked.organisation)
    coaching = propose(application, users["staff"])
    assert not coaching.shortlist.filter(pk=linked.pk).exists()
    other = Application.objects.create(call=setup["call"], organisation=organisation("T"), created_by=users["applicant"],
                                       status="selected", submitted_at=timezone.now())  # fmt: skip
    with pytest.raises(WorkflowError, match="Start IA"):
        propose(other, users["staff"])


def test_pages_by_role(laureate, users, client_for):
    coaching = propose(laureate["application"], users["staff"])
    url = f"/calls/coachings/{coaching.pk}/"
    assert client_for("applicant").get(url).status_code == 200
    assert client_for("staff").get(url).status_code == 200
    assert client_for("other_applicant").get(url).status_code == 404
    assert client_for("evaluator").get(url).status_code == 403
    response = client_for("applicant").post(
        f"{url}choose/", {"expert": str(laureate["experts"][0].pk)}
    )
    assert response.status_code == 302
    assert Coaching.objects.get().expert == laureate["experts"][0]
    expert = client_for("expert")
    assert "SIA-2026-00001" in expert.get("/calls/coachings/").content.decode()
    expert.post(f"{url}report/", {"report": "R", "action_plan": "P"})
    client_for("applicant").post(f"{url}confirm/")
    laureate["application"].refresh_from_db()
    assert laureate["application"].status == "completed"
    assert client_for("staff").post(f"{url}confirm/").status_code == 403
