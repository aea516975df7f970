"""Jury evaluation: assignment, conflicts of interest, scores, consensus, ranking, decisions.

- Staff assign each eligible application to the call's number of evaluators, the
  least loaded first, never one affiliated with the applicant organisation.
- An evaluator declares no conflict of interest before seeing the application;
  a declared conflict withdraws the assignment. Withdrawn or conflicted reviews
  never count.
- A moderator records the consensus scores; the ranking uses them (or, before
  consensus, the mean of the reviews that count), weighted by the grid.
- Decisions keep the sum of granted amounts within the call's budget.
Every step writes the audit log.
"""

from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from territoria.accounts.models import Affiliation
from territoria.calls.models import (
    HALF_POINTS,
    Application,
    Assignment,
    Call,
    Criterion,
    FinalScore,
    Score,
)
from territoria.calls.services.applications import WorkflowError, change_status
from territoria.calls.tasks import send_decision
from territoria.core.i18n import translated
from territoria.core.models import Role, User
from territoria.core.services import record_audit
from territoria.core.sqlite.base import writes

Status = Application.Status

CONFLICT_FOUND = gettext_lazy(
    "A conflict of interest was found: your account is linked to the applicant organisation. "
    "The application, its documents and your score sheet are no longer shown to you."
)


class ConflictFound(WorkflowError):
    """The evaluator is now linked to the applicant: the application is closed to them."""


def conflicted(evaluator: Any, application: Application) -> bool:
    """The evaluator acts for the applicant organisation (an accounts.Affiliation): a conflict
    of interest, whatever was declared. The one rule; `linked` says it of many at once."""
    return Affiliation.objects.filter(
        user=evaluator, organisation_id=application.organisation_id
    ).exists()


def linked(assignments: QuerySet[Assignment]) -> QuerySet[Assignment]:
    """Those of the assignments whose evaluator acts for the applicant (`conflicted`'s rule)."""
    return assignments.filter(
        evaluator__affiliations__organisation_id=F("application__organisation_id")
    )


def conflicts_found(assignments: QuerySet[Assignment]) -> set[int]:
    """The assignments (of those given) whose evaluator is now linked to the applicant.

    Checked on every read of an application by its evaluators (a link made after the
    declaration must close the application to them) and on staff's pages. Those still live
    on an application under evaluation are withdrawn, audited as found by the platform, so
    that their scores stop counting and staff can assign another evaluator; a decided
    application's reviews stay as they were when the decision was taken.
    """
    found = set(linked(assignments).values_list("pk", flat=True))
    if not found:
        return found
    # A write, even in a read-only request: it waits for SQLite's lock like one.
    with writes(), transaction.atomic():
        live = Assignment.objects.select_for_update(of=("self",)).filter(
            pk__in=found, withdrawn=False, application__status=Status.UNDER_EVALUATION
        )
        for assignment in live:
            assignment.conflict, assignment.withdrawn = True, True
            assignment.save(update_fields=["conflict", "withdrawn"])
            record_audit(
                None, "assignment.conflict", assignment, after={"conflict": True, "found": True}
            )
    return found


def conflict_found(assignment: Assignment) -> bool:
    """Whether this evaluator may no longer read the application (see conflicts_found);
    `assignment` is refreshed when the check withdrew it."""
    if not conflicts_found(Assignment.objects.filter(pk=assignment.pk)):
        return False
    assignment.refresh_from_db(fields=["conflict", "withdrawn"])
    return True


def assign(call: Call, actor: Any, evaluators: list[User] | None = None) -> int:
    """Give every eligible application of the call its evaluators; returns assignments made.

    Balanced: each place goes to the free evaluator with the fewest assignments so far
    (all calls), never one with a conflict. An evaluator linked to the applicant since
    the assignment is withdrawn first, and replaced. Raises WorkflowError, assigning
    nothing, if an application cannot get enough evaluators.
    """
    pool = list(
        User.objects.filter(role=Role.EVALUATOR, is_active=True)
        if evaluators is None
        else evaluators
    )
    if not pool:
        raise WorkflowError(_("No evaluator account is active."))
    needed = call.evaluators_per_application
    made = 0
    # Committed on its own before the applications are locked: one lock at a time.
    conflicts_found(Assignment.objects.filter(application__call=call))
    with transaction.atomic():
        # Workload: the reviews still to do (finished ones from past calls do not weigh).
        load = Counter(
            dict(
                Assignment.objects.filter(
                    evaluator__in=pool, withdrawn=False, submitted_at__isnull=True
                )
                .values_list("evaluator")
                .annotate(n=Count("pk"))
            )
        )
        applications = (
            Application.objects.select_for_update()
            .filter(call=call, status__in=[Status.ELIGIBLE, Status.UNDER_EVALUATION])
            .order_by("pk")
        )
        affiliated: dict[int, set[int]] = {}
        for user_id, organisation_id in Affiliation.objects.filter(user__in=pool).values_list(
            "user_id", "organisation_id"
        ):
            affiliated.setdefault(organisation_id, set()).add(user_id)
        for application in applications:
            current = set(
                application.assignments.filter(withdrawn=False).values_list(
                    "evaluator_id", flat=True
                )
            )
            excluded = (
                current
                | affiliated.get(application.organisation_id, set())
                | set(application.assignments.values_list("evaluator_id", flat=True))
            )
            candidates = sorted(
                (e for e in pool if e.pk not in excluded), key=lambda e: (load[e.pk], e.pk)
            )
            missing = needed - len(current)
            if missing > len(candidates):
                raise WorkflowError(
                    too_few_evaluators(
                        application.reference or "", needed, len(current) + len(candidates)
                    )
                )
            for evaluator in candidates[: max(missing, 0)]:
                assignment = Assignment.objects.create(application=application, evaluator=evaluator)
                load[evaluator.pk] += 1
                made += 1
                record_audit(
                    actor, "assignment.create", assignment, after={"evaluator": evaluator.pk}
                )
            if application.status == Status.ELIGIBLE:
                change_status(application, Status.UNDER_EVALUATION, actor)
    return made


def too_few_evaluators(reference: str, needed: int, free: int) -> str:
    """Why an application cannot get its evaluators, each number with its own plural."""
    need = ngettext(
        "%(reference)s needs %(needed)d evaluator free of conflict of interest.",
        "%(reference)s needs %(needed)d evaluators free of conflict of interest.",
        needed,
    ) % {"reference": reference, "needed": needed}
    if not free:
        return f"{need} {_('None is available.')}"
    available = ngettext("Only %(free)d is available.", "Only %(free)d are available.", free) % {
        "free": free
    }
    return f"{need} {available}"


def review_stage(assignment: Assignment) -> str:
    """Where an evaluator's review stands: `declare`, `score`, `submitted` or `withdrawn`."""
    if assignment.withdrawn:
        return "withdrawn"
    if assignment.submitted_at is not None:
        return "submitted"
    return "score" if assignment.conflict is False else "declare"


def declare(assignment: Assignment, evaluator: Any, conflict: bool) -> Assignment:
    """The evaluator's declaration, made before the application is shown."""
    with transaction.atomic():
        locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if locked.evaluator_id != evaluator.pk:
            raise WorkflowError(_("This assignment is someone else's."))
        if locked.conflict is not None:
            raise WorkflowError(_("The declaration was already made."))
        # A link to the applicant made since the assignment is a conflict, declared or not.
        conflict = conflict or conflicted(evaluator, locked.application)
        locked.conflict = conflict
        locked.declared_at = timezone.now()
        locked.withdrawn = conflict
        locked.save(update_fields=["conflict", "declared_at", "withdrawn"])
        record_audit(evaluator, "assignment.declare", locked, after={"conflict": conflict})
    return locked


def parse_score(text: str) -> Decimal:
    """`3`, `3.5` or `3,5`; raises WorkflowError unless a half point between 0 and 5."""
    try:
        value = Decimal(text.strip().replace(",", "."))
    except ArithmeticError:
        raise WorkflowError(_("“%s” is not a score.") % text[:20]) from None
    if not value.is_finite() or value not in HALF_POINTS:
        raise WorkflowError(_("A score is between 0 and 5, in half points."))
    return value.quantize(Decimal("0.1"))


def record_scores(
    assignment: Assignment,
    evaluator: Any,
    scores: dict[int, tuple[Decimal, str]],
    comment: str,
    final: bool,
) -> Assignment:
    """Save an evaluator's scores (criterion id → value and comment); `final` submits them.

    Raises ConflictFound, recording nothing, if the evaluator is now linked to the applicant.
    """
    if conflict_found(assignment):
        raise ConflictFound(CONFLICT_FOUND)
    with transaction.atomic():
        locked = (
            Assignment.objects.select_for_update()
            .select_related("application__call")
            .get(pk=assignment.pk)
        )
        if locked.evaluator_id != evaluator.pk:
            raise WorkflowError(_("This assignment is someone else's."))
        if locked.conflict is not False or locked.withdrawn:
            raise WorkflowError(_("Scores follow a declaration of no conflict of interest."))
        if conflicted(evaluator, locked.application):
            # Linked a moment ago: nothing recorded, and the next read withdraws the review.
            raise ConflictFound(CONFLICT_FOUND)
        if locked.submitted_at is not None:
            raise WorkflowError(_("These scores were already submitted."))
        if locked.application.status != Status.UNDER_EVALUATION:
            raise WorkflowError(_("This application is no longer under evaluation."))
        criteria = {c.pk: c for c in locked.application.call.criteria.all()}
        unknown = set(scores) - set(criteria)
        if unknown:
            raise WorkflowError(_("Unknown criterion."))
        if final and set(scores) != set(criteria):
            raise WorkflowError(_("Score every criterion before submitting."))
        for criterion_id, (value, note) in scores.items():
            Score.objects.update_or_create(
                assignment=locked,
                criterion_id=criterion_id,
                defaults={"value": value, "comment": note},
            )
        locked.comment = comment
        if final:
            locked.submitted_at = timezone.now()
        locked.save(update_fields=["comment", "submitted_at"])
        record_audit(
            evaluator,
            "assignment.submit" if final else "assignment.score",
            locked,
            after={
                "scores": {str(criteria[k].order): str(v) for k, (v, _n) in scores.items()},
                "submitted": final,
            },
        )
    return locked


def weighted(
    values: dict[int, Decimal], criteria: list[Criterion], exact: bool = False
) -> Decimal | None:
    """The grid's weighted mean, to two decimals (or `exact`, for comparing with thresholds);
    None unless every criterion has a value."""
    if not criteria or any(c.pk not in values for c in criteria):
        return None
    total = sum((c.weight for c in criteria), Decimal(0))
    score = sum((c.weight * values[c.pk] for c in criteria), Decimal(0)) / total
    return score if exact else score.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def review_means(applications: Any) -> dict[int, dict[int, Decimal]]:
    """Per application and criterion, the mean of the scores that count (one query)."""
    means: dict[int, dict[int, Decimal]] = {}
    for application_id, criterion_id, total, n in (
        Score.objects.filter(
            assignment__application__in=applications,
            assignment__conflict=False,
            assignment__withdrawn=False,
            assignment__submitted_at__isnull=False,
        )
        .values_list("assignment__application", "criterion")
        .annotate(total=Sum("value"), n=Count("pk"))
    ):
        means.setdefault(application_id, {})[criterion_id] = total / n
    return means


def record_consensus(
    application: Application, moderator: Any, values: dict[int, Decimal], comment: str
) -> Application:
    """The moderator's final scores, one per criterion, after at least one review counts."""
    with transaction.atomic():
        locked = (
            Application.objects.select_for_update().select_related("call").get(pk=application.pk)
        )
        if locked.status != Status.UNDER_EVALUATION:
            raise WorkflowError(_("This application is not under evaluation."))
        criteria = {c.pk for c in locked.call.criteria.all()}
        if set(values) != criteria:
            raise WorkflowError(_("Give a consensus score for every criterion."))
        if not locked.assignments.filter(
            conflict=False, withdrawn=False, submitted_at__isnull=False
        ).exists():
            raise WorkflowError(_("No submitted review counts yet."))
        before = {str(f.criterion_id): str(f.value) for f in locked.final_scores.all()}
        for criterion_id, value in values.items():
            FinalScore.objects.update_or_create(
                application=locked, criterion_id=criterion_id, defaults={"value": value}
            )
        locked.consensus_comment = comment.strip()
        locked.consensus_at = timezone.now()
        locked.save(update_fields=["consensus_comment", "consensus_at", "updated_at"])
        record_audit(
            moderator,
            "application.consensus",
            locked,
            before={"scores": before},
            after={"scores": {str(k): str(v) for k, v in values.items()}, "comment": comment},
        )
    return locked


@dataclass
class Ranked:
    application: Application
    score: Decimal | None
    passes: bool
    reasons: list[str]
    consensus: bool
    reviews: int


def ranking(call: Call, only: Application | None = None) -> list[Ranked]:
    """Applications under evaluation or decided, best weighted score first, with thresholds."""
    criteria = list(call.criteria.all())
    applications = Application.objects.filter(
        call=call,
        status__in=[Status.UNDER_EVALUATION, Status.SELECTED, Status.RESERVE, Status.REJECTED],
    )
    if only is not None:
        applications = applications.filter(pk=only.pk)
    means = review_means(applications)
    applications = (
        applications.select_related("organisation")
        .prefetch_related("final_scores")
        .annotate(
            reviews=Count(
                "assignments",
                filter=Q(
                    assignments__conflict=False,
                    assignments__withdrawn=False,
                    assignments__submitted_at__isnull=False,
                ),
            )
        )
    )
    rows = []
    for application in applications:
        finals = {f.criterion_id: f.value for f in application.final_scores.all()}
        values = finals or means.get(application.pk, {})
        score = weighted(values, criteria)
        reasons = [
            _("%(criterion)s below %(threshold)s")
            % {"criterion": translated(c, "title").text, "threshold": c.threshold}
            for c in criteria
            if c.pk in values and values[c.pk] < c.threshold
        ]
        exact = weighted(values, criteria, exact=True)
        if exact is not None and exact < call.overall_threshold:
            reasons.append(_("overall below %s") % call.overall_threshold)
        rows.append(
            Ranked(
                application=application,
                score=score,
                passes=score is not None and not reasons,
                reasons=reasons,
                consensus=bool(finals),
                reviews=application.reviews,
            )
        )
    rows.sort(key=lambda r: (r.score is None, -(r.score or 0), r.application.pk))
    return rows


def granted_total(call: Call, exclude: Application | None = None) -> Decimal:
    rows = Application.objects.filter(
        call=call, status__in=[Status.SELECTED, Status.IN_PROGRESS, Status.COMPLETED]
    )
    if exclude is not None:
        rows = rows.exclude(pk=exclude.pk)
    return rows.aggregate(total=Sum("granted_amount"))["total"] or Decimal(0)


def decide(
    application: Application,
    status: str,
    actor: Any,
    amount: Decimal | None = None,
    feedback: str = "",
) -> Application:
    """Select (with an amount), put on the reserve list, or reject (with feedback).

    The call's row is locked while the budget is checked, so two decisions made at the
    same moment cannot together exceed it.
    """
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=application.call_id)
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if amount is not None:
            amount = amount.quantize(Decimal("0.01"))  # the column's cents
        if status == Status.SELECTED:
            if amount is None or amount <= 0:
                raise WorkflowError(_("Give the amount granted."))
            if amount > call.max_amount:
                raise WorkflowError(_("The amount exceeds the call's maximum per project."))
            if locked.requested_amount is not None and amount > locked.requested_amount:
                raise WorkflowError(_("The amount exceeds what was requested."))
            left = call.budget - granted_total(call, exclude=locked)
            if amount > left:
                raise WorkflowError(
                    _("Only %(left)s € of the budget is left.")
                    % {"left": left.quantize(Decimal("0.01"))}
                )
            if not any(r.passes for r in ranking(call, only=locked)):
                raise WorkflowError(_("The application does not reach the thresholds."))
            if locked.consensus_at is None:
                raise WorkflowError(_("Record the consensus before selecting."))
            locked.granted_amount = amount
            locked.save(update_fields=["granted_amount", "updated_at"])
        locked = change_status(locked, status, actor, reason=feedback)
        record_audit(
            actor,
            "application.decision",
            locked,
            after={"status": status, "granted_amount": str(locked.granted_amount or "")},
        )
        send_decision.enqueue(locked.pk)
    return locked
