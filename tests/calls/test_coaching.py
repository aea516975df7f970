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


ENGLISH = {"Accept-Language": "en"}


@pytest.fixture
def chosen(laureate, users):
    coaching = propose(laureate["application"], users["staff"])
    choose(coaching, users["applicant"], laureate["experts"][0])
    return coaching


def test_the_expert_files_with_a_button_of_its_own_then_sees_the_report_as_filed(
    chosen, client_for
):
    url = f"/calls/coachings/{chosen.pk}/"
    expert = client_for("expert")
    before = expert.get(url, headers=ENGLISH).content.decode()
    assert ">File the report and the action plan</button>" in before
    assert "Amend" not in before
    expert.post(f"{url}report/", {"report": "Cinq ateliers.", "action_plan": "1. Données."})
    after = expert.get(url, headers=ENGLISH).content.decode()
    # Filed: shown as filed, once; amending is a folded, labelled form prefilled with it.
    assert ">File the report and the action plan</button>" not in after
    assert after.count("<h2>Coaching report</h2>") == 1
    assert "<summary>Amend the filed report and action plan</summary>" in after
    amend = after.split('<details class="amend"')[1]
    assert "Cinq ateliers.</textarea>" in amend and "1. Données.</textarea>" in amend
    expert.post(
        f"{url}report/", {"report": "Cinq ateliers, corrigé.", "action_plan": "1. Données."}
    )
    chosen.refresh_from_db()
    assert chosen.report == "Cinq ateliers, corrigé."
    entry = AuditEntry.objects.filter(action="coaching.report").latest("pk")
    assert entry.after["amended"] and entry.before["report"] == "Cinq ateliers."


def test_once_delivery_is_confirmed_the_report_can_no_longer_be_amended(chosen, users, client_for):
    file_report(chosen, users["expert"], "Rapport.", "Plan.")
    confirm_delivery(chosen, users["applicant"])
    url = f"/calls/coachings/{chosen.pk}/"
    page = client_for("expert").get(url).content.decode()
    assert "Rapport." in page and f'action="{url}report/"' not in page
    client_for("expert").post(f"{url}report/", {"report": "Autre.", "action_plan": "Autre."})
    chosen.refresh_from_db()
    assert chosen.report == "Rapport."


def test_a_report_refused_for_a_missing_part_comes_back_as_typed(chosen, client_for):
    url = f"/calls/coachings/{chosen.pk}/"
    response = client_for("expert").post(
        f"{url}report/", {"report": "Un long rapport.", "action_plan": "  "}, headers=ENGLISH
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "\nUn long rapport.</textarea>" in page
    assert 'aria-describedby="id_action_plan_error"' in page and 'href="#id_action_plan"' in page
    chosen.refresh_from_db()
    assert chosen.report_filed_at is None


def test_the_breadcrumb_links_the_application_only_for_those_who_may_open_it(chosen, client_for):
    url = f"/calls/coachings/{chosen.pk}/"
    application_url = chosen.application.get_absolute_url()
    assert f'href="{application_url}"' not in client_for("expert").get(url).content.decode()
    assert client_for("expert").get(application_url).status_code == 403
    for role in ("applicant", "staff"):
        assert f'href="{application_url}"' in client_for(role).get(url).content.decode()
        assert client_for(role).get(application_url).status_code == 200
