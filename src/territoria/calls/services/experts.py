"""Expert companies: applying for recognition, recognition for a period, refusal."""

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from territoria.accounts.models import Affiliation
from territoria.calls.models import ExpertCompany
from territoria.calls.services.applications import WorkflowError
from territoria.core.services import record_audit, snapshot
from territoria.ecosystem.models import Organisation
from territoria.taxonomy.models import Concept


def apply_for_recognition(
    organisation: Organisation,
    user: Any,
    offer: str,
    references: str,
    languages: str,
    technologies: Iterable[Concept] = (),
    regions: Iterable[Concept] = (),
) -> ExpertCompany:
    if not Affiliation.objects.filter(user=user, organisation=organisation).exists():
        raise WorkflowError(_("You do not act for this organisation."))
    with transaction.atomic():
        expert, created = ExpertCompany.objects.get_or_create(
            organisation=organisation,
            defaults={
                "offer": offer,
                "references": references,
                "languages": languages,
                "applied_by": user,
            },
        )
        if not created:
            today = timezone.localdate()
            if expert.status == ExpertCompany.Status.RECOGNISED and (
                expert.recognised_until is None or expert.recognised_until >= today
            ):  # recognised now, or from a date to come
                raise WorkflowError(_("This company is already recognised."))
            before = snapshot(expert)
            expert.offer, expert.references, expert.languages = offer, references, languages
            expert.status, expert.applied_by = ExpertCompany.Status.APPLIED, user
            expert.save()
            record_audit(user, "expert.apply", expert, before=before, after=snapshot(expert))
        else:
            record_audit(user, "expert.apply", expert, after=snapshot(expert))
        expert.technologies.set(list(technologies))
        expert.regions.set(list(regions))
    return expert


def recognise(
    expert: ExpertCompany, actor: Any, years: int = 3, start: datetime.date | None = None
) -> ExpertCompany:
    start = start or timezone.localdate()
    with transaction.atomic():
        before = snapshot(expert)
        expert.status = ExpertCompany.Status.RECOGNISED
        expert.recognised_from = start
        try:
            anniversary = start.replace(year=start.year + years)
        except ValueError:  # 29 February
            anniversary = datetime.date(start.year + years, 3, 1)
        expert.recognised_until = anniversary - datetime.timedelta(days=1)
        expert.save()
        record_audit(actor, "expert.recognise", expert, before=before, after=snapshot(expert))
    return expert


def refuse_recognition(expert: ExpertCompany, actor: Any) -> ExpertCompany:
    with transaction.atomic():
        before = snapshot(expert)
        expert.status = ExpertCompany.Status.REFUSED
        expert.save()
        record_audit(actor, "expert.refuse", expert, before=before, after=snapshot(expert))
    return expert
