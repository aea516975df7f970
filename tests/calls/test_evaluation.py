from decimal import Decimal

import pytest
from django.utils import timezone, translation

from territoria.accounts.models import Affiliation
from territoria.calls.models import Application, Assignment, Criterion
from territoria.calls.services.applications import WorkflowError
from territoria.calls.services.evaluation import (
    assign,
    decide,
    declare,
    granted_total,
    parse_score,
    ranking,
    record_consensus,
    record_scores,
    too_few_evaluators,
    weighted,
)
from territoria.core.models import AuditEntry, Role, User
from tests.calls.conftest import make_call
from tests.factories import organisation


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def jury(db, users):
    evaluators = [users["evaluator"]] + [
        User.objects.create(username=f"eval{i}", role=Role.EVALUATOR) for i in range(1, 5)
    ]
    call = make_call("jury", evaluators_per_application=3)
    call.budget, call.max_amount = Decimal(100_000), Decimal(60_000)
    call.save()
    Criterion.objects.create(
        call=call, order=1, title="Need", weight=Decimal(2), threshold=Decimal("2.5")
    )
    Criterion.objects.create(
        call=call, order=2, title="Impact", weight=Decimal(1), threshold=Decimal(2)
    )
    applications = []
    for i in range(4):
        org = organisation(f"Candidate {i}", "org-type:sme", postcode="5000")
        application = Application.objects.create(
            call=call, organisation=org, created_by=users["applicant"], title=f"P{i}", summary="S",
            requested_amount=Decimal(50_000), status="eligible", submitted_at=timezone.now(),
            reference=f"TIA-2026-{i:05d}",
        )  # fmt: skip
        applications.append(application)
    return {
        "call": call,
        "evaluators": evaluators,
        "applications": applications,
        "staff": users["staff"],
    }


def test_scores_are_half_points_between_0_and_5():
    assert parse_score("3,5") == Decimal("3.5")
    for wrong in ("5.5", "-1", "3.3", "abc", "NaN", "1e1"):
        with pytest.raises(WorkflowError):
            parse_score(wrong)


def test_weighted_mean():
    need, impact = Criterion(pk=1, weight=Decimal(2)), Criterion(pk=2, weight=Decimal(1))
    assert weighted({1: Decimal(4), 2: Decimal(1)}, [need, impact]) == Decimal("3.00")
    assert weighted({1: Decimal(4)}, [need, impact]) is None


def test_assignment_is_balanced_and_avoids_conflicts(jury):
    evaluators, applications = jury["evaluators"], jury["applications"]
    # The first evaluator works for the first candidate.
    Affiliation.objects.create(user=evaluators[0], organisation=applications[0].organisation)
    made = assign(jury["call"], jury["staff"], evaluators)
    assert made == 4 * 3
    loads = [Assignment.objects.filter(evaluator=e).count() for e in evaluators]
    assert max(loads) - min(loads) <= 1  # 12 places over 5 evaluators: 2 or 3 each
    assert not Assignment.objects.filter(
        application=applications[0], evaluator=evaluators[0]
    ).exists()
    for application in applications:
        application.refresh_from_db()
        assert application.status == "evaluation"
        assert application.assignments.count() == 3
    assert assign(jury["call"], jury["staff"], evaluators) == 0  # nothing more to do
    assert AuditEntry.objects.filter(action="assignment.create").count() == 12


def test_assignment_refuses_when_too_few_evaluators_are_free(jury):
    with pytest.raises(WorkflowError, match="needs 3 evaluators"):
        assign(jury["call"], jury["staff"], jury["evaluators"][:2])
    assert not Assignment.objects.exists()  # all or nothing


def score_all(application, value_need, value_impact, evaluators=None, final=True):
    criteria = list(application.call.criteria.order_by("order"))
    for assignment in application.assignments.select_related("evaluator"):
        if evaluators is not None and assignment.evaluator not in evaluators:
            continue
        declare(assignment, assignment.evaluator, conflict=False)
        record_scores(
            assignment, assignment.evaluator,
            {criteria[0].pk: (Decimal(value_need), ""), criteria[1].pk: (Decimal(value_impact), "")},
            "Clear project.", final,
        )  # fmt: skip


def test_a_declared_conflict_withdraws_the_review_and_it_never_counts(jury):
    assign(jury["call"], jury["staff"], jury["evaluators"])
    application = jury["applications"][0]
    first, *others = list(application.assignments.select_related("evaluator"))
    declare(first, first.evaluator, conflict=True)
    first.refresh_from_db()
    assert first.withdrawn and not first.counts
    with pytest.raises(WorkflowError):
        record_scores(first, first.evaluator, {}, "", False)
    with pytest.raises(WorkflowError, match="someone else"):
        declare(others[0], first.evaluator, conflict=False)
    score_all(application, "4", "4", evaluators=[a.evaluator for a in others])
    row = next(r for r in ranking(jury["call"]) if r.application == application)
    assert row.reviews == 2 and row.score == Decimal("4.00")


def test_scores_need_a_declaration_first_and_are_frozen_once_submitted(jury):
    assign(jury["call"], jury["staff"], jury["evaluators"])
    assignment = Assignment.objects.select_related("evaluator").first()
    with pytest.raises(WorkflowError, match="declaration"):
        record_scores(assignment, assignment.evaluator, {}, "", False)
    declare(assignment, assignment.evaluator, conflict=False)
    criteria = list(assignment.application.call.criteria.all())
    with pytest.raises(WorkflowError, match="every criterion"):
        record_scores(
            assignment, assignment.evaluator, {criteria[0].pk: (Decimal(3), "")}, "", True
        )
    record_scores(
        assignment, assignment.evaluator, {criteria[0].pk: (Decimal(3), "")}, "", False
    )  # a draft
    record_scores(
        assignment, assignment.evaluator, {c.pk: (Decimal(3), "") for c in criteria}, "", True
    )
    with pytest.raises(WorkflowError, match="already submitted"):
        record_scores(
            assignment, assignment.evaluator, {c.pk: (Decimal(5), "") for c in criteria}, "", True
        )


def test_ranking_consensus_thresholds_and_decisions_within_budget(jury, mailoutbox):
    call, staff = jury["call"], jury["staff"]
    assign(call, staff, jury["evaluators"])
    a, b, c, d = jury["applications"]
    score_all(a, "4.5", "4")  # 4.33
    score_all(b, "4", "3")  # 3.67
    score_all(c, "3", "3")  # 3.00
    score_all(d, "2", "5")  # 3.00 overall, but "Need" below its threshold
    ranked = ranking(call)
    assert [r.application for r in ranked] == [a, b, c, d]
    assert [r.passes for r in ranked] == [True, True, True, False]
    assert "Need" in ranked[3].reasons[0]
    criteria = list(call.criteria.order_by("order"))
    record_consensus(
        c, staff, {criteria[0].pk: Decimal(5), criteria[1].pk: Decimal(5)}, "Revised up."
    )
    assert [r.application for r in ranking(call)][0] == c  # the consensus decides
    decide(c, "selected", staff, amount=Decimal(50_000))
    with pytest.raises(WorkflowError, match="consensus"):
        decide(a, "selected", staff, amount=Decimal(45_000))
    record_consensus(a, staff, {criteria[0].pk: Decimal("4.5"), criteria[1].pk: Decimal(4)}, "")
    decide(a, "selected", staff, amount=Decimal(45_000))
    record_consensus(b, staff, {criteria[0].pk: Decimal(4), criteria[1].pk: Decimal(3)}, "")
    with pytest.raises(WorkflowError, match="budget"):
        decide(b, "selected", staff, amount=Decimal(10_000))  # 95,000 granted of 100,000
    decide(b, "reserve", staff)
    with pytest.raises(WorkflowError, match="thresholds"):
        decide(d, "selected", staff, amount=Decimal(1_000))
    with pytest.raises(WorkflowError, match="reason"):
        decide(d, "rejected", staff)
    decide(d, "rejected", staff, feedback="The need is not established.")
    assert granted_total(call) == Decimal(95_000) <= call.budget
    assert AuditEntry.objects.filter(action="application.decision").count() == 4
    from territoria.calls.tasks import send_decision

    send_decision.call(d.pk)
    assert "The need is not established." in mailoutbox[-1].body
    for evaluator in jury["evaluators"]:
        assert evaluator.username not in mailoutbox[-1].body


def test_the_refusal_agrees_in_number_with_each_count(jury):
    with pytest.raises(WorkflowError) as refusal:
        assign(jury["call"], jury["staff"], jury["evaluators"][:1])
    assert str(refusal.value).endswith("needs 3 evaluators free of conflict of interest. "
                                       "Only 1 is available.")  # fmt: skip
    with pytest.raises(WorkflowError, match="Only 2 are available."):
        assign(jury["call"], jury["staff"], jury["evaluators"][:2])
    assert too_few_evaluators("TIA-1", 1, 0) == (
        "TIA-1 needs 1 evaluator free of conflict of interest. None is available."
    )
