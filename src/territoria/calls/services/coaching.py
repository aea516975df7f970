"""Start IA coaching: shortlist, choice, report and action plan, confirmation of delivery.

Staff propose each Start IA laureate a shortlist of experts recognised today (the
least busy first, none linked to the laureate); the laureate chooses one, which puts
the project in progress; the chosen expert files the report and the action plan; the
laureate confirms delivery, which completes the project. Every step is audited.
"""

from collections import Counter
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from territoria.accounts.models import Affiliation
from territoria.calls.models import Application, Coaching, ExpertCompany
from territoria.calls.services.applications import Status, WorkflowError, change_status
from territoria.core.services import record_audit

SHORTLIST = 3


def propose(application: Application, actor: Any, size: int = SHORTLIST) -> Coaching:
    if application.call.instrument.code not in ("start-ia", "start-ia-public"):
        raise WorkflowError(_("Only Start IA laureates are coached by an expert company."))
    if application.status != Status.SELECTED:
        raise WorkflowError(_("A shortlist is proposed to a selected application."))
    today = timezone.localdate()
    linked = set(
        Affiliation.objects.filter(
            user__affiliations__organisation=application.organisation
        ).values_list("organisation", flat=True)
    ) | {application.organisation_id}
    busy = Counter(
        dict(
            Coaching.objects.filter(delivered_at__isnull=True, expert__isnull=False)
            .values_list("expert")
            .annotate(n=Count("pk"))
        )
    )
    experts = sorted(
        (
            e
            for e in ExpertCompany.objects.filter(status=ExpertCompany.Status.RECOGNISED)
            if e.recognised_on(today) and e.organisation_id not in linked
        ),
        key=lambda e: (busy[e.pk], e.pk),
    )[:size]
    if not experts:
        raise WorkflowError(_("No expert company is recognised today."))
    with transaction.atomic():
        coaching, _created = Coaching.objects.get_or_create(application=application)
        if coaching.expert_id:
            raise WorkflowError(_("The laureate has already chosen an expert."))
        coaching.shortlist.set(experts)
        record_audit(
            actor, "coaching.propose", coaching, after={"shortlist": [e.pk for e in experts]}
        )
    return coaching


def choose(coaching: Coaching, user: Any, expert: ExpertCompany) -> Coaching:
    with transaction.atomic():
        locked = (
            Coaching.objects.select_for_update().select_related("application").get(pk=coaching.pk)
        )
        if not Affiliation.objects.filter(
            user=user, organisation=locked.application.organisation_id
        ).exists():
            raise WorkflowError(_("You do not act for this organisation."))
        if locked.expert_id:
            raise WorkflowError(_("The expert was already chosen."))
        if not locked.shortlist.filter(pk=expert.pk).exists():
            raise WorkflowError(_("Choose one of the proposed experts."))
        locked.expert, locked.chosen_at = expert, timezone.now()
        locked.save(update_fields=["expert", "chosen_at"])
        record_audit(user, "coaching.choose", locked, after={"expert": expert.pk})
        change_status(locked.application, Status.IN_PROGRESS, user)
    return locked


def file_report(coaching: Coaching, user: Any, report: str, action_plan: str) -> Coaching:
    if not report.strip() or not action_plan.strip():
        raise WorkflowError(_("Give both the report and the action plan."))
    if "\x00" in report + action_plan:
        raise WorkflowError(_("The text holds a character that cannot be stored."))
    with transaction.atomic():
        locked = Coaching.objects.select_for_update().get(pk=coaching.pk)
        if (
            locked.expert is None
            or not Affiliation.objects.filter(
                user=user, organisation=locked.expert.organisation_id
            ).exists()
        ):
            raise WorkflowError(_("Only the chosen expert files the report."))
        if locked.delivered_at:
            raise WorkflowError(_("The laureate has already confirmed delivery."))
        # Amended until delivery is confirmed; the date is the latest version's, and the
        # audit log keeps every version.
        before = {"report": locked.report, "action_plan": locked.action_plan}
        amended = locked.report_filed_at is not None
        locked.report, locked.action_plan = report.strip(), action_plan.strip()
        locked.report_filed_at = timezone.now()
        locked.save(update_fields=["report", "action_plan", "report_filed_at"])
        record_audit(
            user,
            "coaching.report",
            locked,
            before=before if amended else None,
            after={
                "filed": True,
                "amended": amended,
                "report": locked.report,
                "action_plan": locked.action_plan,
            },
        )
    return locked


def confirm_delivery(coaching: Coaching, user: Any) -> Coaching:
    with transaction.atomic():
        locked = (
            Coaching.objects.select_for_update().select_related("application").get(pk=coaching.pk)
        )
        if not Affiliation.objects.filter(
            user=user, organisation=locked.application.organisation_id
        ).exists():
            raise WorkflowError(_("You do not act for this organisation."))
        if locked.report_filed_at is None:
            raise WorkflowError(_("The expert has not filed the report yet."))
        if locked.delivered_at:
            return locked
        locked.delivered_at = timezone.now()
        locked.save(update_fields=["delivered_at"])
        record_audit(user, "coaching.delivered", locked)
        change_status(locked.application, Status.COMPLETED, user)
    return locked
