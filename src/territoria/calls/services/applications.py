"""The application workflow: drafts, eligibility pre-check, submission, status changes.

Submission near a deadline is recorded once or refused, never lost: the application
row is locked, the time is read after the lock, and the status, time, reference and
the acknowledgement e-mail's task are written in one transaction. Submitting twice
returns the first submission.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from territoria.accounts.models import Affiliation
from territoria.accounts.services import acts_for, pending_organisations
from territoria.calls.models import Application, Call
from territoria.calls.tasks import send_acknowledgement
from territoria.calls.times import brussels
from territoria.core import territory
from territoria.core.i18n import translated
from territoria.core.services import record_audit
from territoria.ecosystem.models import Organisation
from territoria.taxonomy.models import Concept, ConceptClosure
from territoria.taxonomy.services import tags_of

Status = Application.Status

# Which status may follow which; staff decisions go through `change_status`.
TRANSITIONS: dict[str, set[str]] = {
    Status.DRAFT: {Status.SUBMITTED, Status.WITHDRAWN},
    Status.SUBMITTED: {Status.ELIGIBLE, Status.INELIGIBLE, Status.WITHDRAWN},
    Status.ELIGIBLE: {Status.UNDER_EVALUATION, Status.WITHDRAWN},
    Status.INELIGIBLE: set(),
    Status.UNDER_EVALUATION: {Status.SELECTED, Status.RESERVE, Status.REJECTED, Status.WITHDRAWN},
    Status.RESERVE: {Status.SELECTED, Status.REJECTED, Status.WITHDRAWN},
    Status.SELECTED: {Status.IN_PROGRESS, Status.WITHDRAWN},
    Status.REJECTED: set(),
    Status.IN_PROGRESS: {Status.COMPLETED, Status.WITHDRAWN},
    Status.COMPLETED: set(),
    Status.WITHDRAWN: set(),
}
# A reason is owed to the applicant for these.
NEEDS_REASON = {Status.INELIGIBLE, Status.REJECTED}


class WorkflowError(Exception):
    """A change the workflow refuses; the message says why, for the user."""


@dataclass(frozen=True)
class Check:
    rule: str
    ok: bool
    detail: str


def years_before(day: datetime.date, years: int) -> datetime.date:
    """The same day `years` earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def organisations_of(user: Any) -> list[Organisation]:
    """The organisations the person acts for (approved)."""
    return [
        a.organisation for a in Affiliation.objects.filter(user=user).select_related("organisation")
    ]


def readable_by(user: Any) -> Q:
    """The applications an applicant may read: their organisations' applications, and the
    drafts they prepare for an organisation while their request to act for it waits."""
    return Q(
        organisation_id__in=Affiliation.objects.filter(user=user).values("organisation_id")
    ) | Q(created_by=user, status=Status.DRAFT, organisation__in=pending_organisations(user))


def start(call: Call, organisation: Organisation, user: Any) -> Application:
    """The organisation's live application to the call, created as a draft if there is none.

    A person whose request to act for the organisation waits may prepare a draft, never
    reach the organisation's own; a representative who finds a draft started by such a
    person takes it over (they alone may submit it, and its starter no longer sees it).
    """
    acting = acts_for(user, organisation.pk)
    if not acting and not pending_organisations(user).filter(pk=organisation.pk).exists():
        raise WorkflowError(_("You do not act for this organisation."))
    live = Application.objects.filter(call=call, organisation=organisation).exclude(
        status=Status.WITHDRAWN
    )
    existing = live.first()
    if existing is None:
        now = timezone.now()
        # New drafts until the closing time; the grace period is for submissions under way.
        if not call.is_published or not (call.opens_at <= now < call.closes_at):
            raise WorkflowError(_("This call does not accept applications now."))
        try:
            with transaction.atomic():
                application = Application.objects.create(
                    call=call, organisation=organisation, created_by=user
                )
                record_audit(
                    user, "application.create", application, after={"status": Status.DRAFT}
                )
            return application
        except IntegrityError:  # a double click (or someone else) created it a moment ago
            existing = live.first()
            if existing is None:
                raise
    return _continue(existing, user, acting)


def _continue(existing: Application, user: Any, acting: bool) -> Application:
    if existing.created_by_id == user.pk:
        return existing
    if not acting:
        raise WorkflowError(
            _("You can start an application for this organisation once your request is approved.")
        )
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=existing.pk)
        starter = locked.created_by_id
        if locked.is_draft and starter != user.pk and not acts_for(starter, locked.organisation_id):
            locked.created_by = user
            locked.save(update_fields=["created_by", "updated_at"])
            record_audit(
                user, "application.take_over", locked,
                before={"created_by": starter}, after={"created_by": user.pk},
            )  # fmt: skip
    return locked


def eligibility(application: Application, today: datetime.date | None = None) -> list[Check]:
    """The call's rules applied to the organisation, each with its reason (a pre-check:
    staff confirm eligibility after submission)."""
    call, organisation = application.call, application.organisation
    today = today or timezone.localdate()
    checks = []
    types = list(call.eligible_types.all())
    if types:
        own = {c.pk for c in tags_of(organisation) if c.scheme.code == "org-type"}
        ok = bool(own & {t.pk for t in types})
        checks.append(
            Check(
                _("Organisation type"),
                ok,
                _("accepted: %s") % ", ".join(t.label for t in types)
                if ok
                else _("this call is for: %s") % ", ".join(t.label for t in types),
            )
        )
    sizes = list(call.eligible_sizes.all())
    if sizes:
        size = organisation.size_class
        ok = size is not None and size.pk in {s.pk for s in sizes}
        checks.append(
            Check(
                _("Size (EU SME definition)"),
                ok,
                (size.label if size else _("size class unknown: complete the organisation"))
                if ok or size is None
                else _("%(size)s; this call is for: %(sizes)s")
                % {"size": size.label, "sizes": ", ".join(s.label for s in sizes)},
            )
        )
    if call.seat_in is not None:
        checks.append(seat_check(call.seat_in, organisation))
    if call.laureate_exclusion_years:
        since = years_before(today, call.laureate_exclusion_years)
        earlier = (
            Application.objects.filter(
                organisation=organisation,
                call__instrument=call.instrument,
                status__in=[Status.SELECTED, Status.IN_PROGRESS, Status.COMPLETED],
                submitted_at__date__gte=since,
            )
            .exclude(pk=application.pk)
            .select_related("call")
            .first()
        )
        checks.append(
            Check(
                _("Not a recent laureate of %s") % translated(call.instrument, "name").text,
                earlier is None,
                _("laureate of %(call)s") % {"call": translated(earlier.call, "title").text}
                if earlier
                else _("no laureate application since %s") % formats.date_format(since),
            )
        )
    return checks


def municipality_of(organisation: Organisation) -> Concept | None:
    """The organisation's municipality in the territory scheme: the one recorded, else the
    one its postcode belongs to in the territory profile's places."""
    if organisation.municipality_id is not None:
        return organisation.municipality
    place = territory.current().place_of_postcode(organisation.postcode)
    if place is None:
        return None
    return Concept.objects.filter(scheme__code="territory", notation=place.notation).first()


def seat_check(place: Concept, organisation: Organisation) -> Check:
    """Whether the organisation's seat lies in `place` (a concept of the territory scheme:
    the region, a province, a municipality), through the scheme's hierarchy."""
    rule = _("Seat in %(territory)s") % {"territory": place.label}
    municipality = municipality_of(organisation)
    postcode = organisation.postcode.strip()
    if municipality is None:
        if postcode:
            detail = _("postcode %s: no municipality of the territory has it") % postcode
        else:
            detail = _("no municipality recorded: complete the organisation's address")
        return Check(rule, False, detail)
    within = ConceptClosure.objects.filter(ancestor=place, descendant=municipality).exists()
    detail = (
        _("%(municipality)s (postcode %(postcode)s)")
        % {"municipality": municipality.label, "postcode": postcode}
        if postcode
        else municipality.label
    )
    return Check(rule, within, detail)


def missing(application: Application) -> list[str]:
    """What the application still lacks before it can be submitted."""
    gaps = []
    if not application.title.strip():
        gaps.append(_("the project title"))
    if not application.summary.strip():
        gaps.append(_("the project summary"))
    if application.requested_amount is None:
        gaps.append(_("the amount requested"))
    elif application.requested_amount > application.call.max_amount:
        gaps.append(
            _("an amount within the call's maximum of %s €")
            % formats.number_format(application.call.max_amount, 0, force_grouping=True)
        )
    given = set(application.documents.values_list("requirement_id", flat=True))
    gaps += [
        _("the document “%s”") % translated(requirement, "label").text
        for requirement in application.call.required_documents.all()
        if requirement.pk not in given
    ]
    return gaps


def submit(
    application: Application, actor: Any, now: datetime.datetime | None = None
) -> Application:
    """Submit a draft: recorded once, or refused with the reason. Submitting again is harmless."""
    with transaction.atomic():
        locked = (
            Application.objects.select_for_update()
            .select_related("call__instrument", "organisation")
            .get(pk=application.pk)
        )
        if locked.status != Status.DRAFT:
            if locked.reference and locked.status != Status.WITHDRAWN:
                return locked  # already submitted: the same reference, nothing new
            raise WorkflowError(_("This application can no longer be submitted."))
        if not locked.call.is_published:
            raise WorkflowError(_("This call does not accept applications now."))
        if not acts_for(actor, locked.organisation_id):
            raise WorkflowError(
                _(
                    "Your request to act for %(organisation)s awaits approval: you can prepare "
                    "the application, and submit it once the request is approved."
                )
                % {"organisation": locked.organisation.display_name}
            )
        moment = now or timezone.now()  # read after the lock: the time of record
        call = locked.call
        if moment < call.opens_at:
            raise WorkflowError(_("The call opens on %s.") % brussels(call.opens_at))
        if moment >= call.submissions_end:
            raise WorkflowError(
                _("The call closed on %s: the application was not submitted.")
                % brussels(call.closes_at)
            )
        gaps = missing(locked)
        if gaps:
            raise WorkflowError(_("Still missing: %s.") % "; ".join(gaps))
        locked.status = Status.SUBMITTED
        locked.submitted_at = moment
        local_year = timezone.localtime(moment).year
        locked.reference = f"{call.instrument.prefix}-{local_year}-{locked.pk:05d}"
        locked.save(update_fields=["status", "submitted_at", "reference", "updated_at"])
        record_audit(
            actor,
            "application.submit",
            locked,
            before={"status": Status.DRAFT},
            after={
                "status": Status.SUBMITTED,
                "reference": locked.reference,
                "at": moment.isoformat(),
            },
        )
        # Written with the submission (same transaction): the e-mail cannot be lost.
        send_acknowledgement.enqueue(locked.pk)
    return locked


def change_status(
    application: Application, status: str, actor: Any, reason: str = ""
) -> Application:
    """A status change by staff (or the applicant withdrawing), checked and audited."""
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if status not in TRANSITIONS.get(locked.status, set()):
            raise WorkflowError(
                _("An application %(old)s cannot become %(new)s.")
                % {"old": locked.get_status_display(), "new": Status(status).label}
            )
        if status in NEEDS_REASON and not reason.strip():
            raise WorkflowError(_("Give the applicant the reason."))
        if "\x00" in reason:
            raise WorkflowError(_("The text holds a character that cannot be stored."))
        before = {"status": locked.status, "status_reason": locked.status_reason}
        locked.status = status
        locked.status_reason = reason.strip()  # a new status, a new reason (or none)
        locked.save(update_fields=["status", "status_reason", "updated_at"])
        record_audit(
            actor,
            "application.status",
            locked,
            before=before,
            after={"status": status, "status_reason": locked.status_reason},
        )
    return locked
