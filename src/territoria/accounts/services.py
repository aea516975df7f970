"""Accounts and the organisations people act for: requests, decisions, invitations, and
deactivation. Each function is one transaction and writes the audit log."""

import datetime
import secrets
from typing import Any

from allauth.account.models import EmailAddress
from allauth.utils import generate_unique_username
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from territoria.accounts.models import Affiliation, AffiliationRequest, Invitation, token_digest
from territoria.core.models import Role, User
from territoria.core.services import record_audit, snapshot
from territoria.core.tasks import send_email
from territoria.ecosystem.models import Organisation, Source

RequestStatus = AffiliationRequest.Status
# The roles that act for organisations and may ask to.
REQUESTING_ROLES = (Role.APPLICANT, Role.EXPERT)
# A person waits for at most this many decisions, and asks at most this often a day:
# nobody claims the whole registry, nor floods representatives with e-mails.
MAX_PENDING_REQUESTS = 5
MAX_REQUESTS_A_DAY = 10


class AccountError(Exception):
    """A change refused; the message says why, for the user."""


def mail(to: User | str, template: str, context: dict[str, Any], language: str = "") -> None:
    """Render `accounts/email/<template>_{subject,message}.txt` in the person's language and
    queue it (with the current transaction)."""
    address = to if isinstance(to, str) else to.email
    if not address:
        return
    language = language or (getattr(to, "language", "") or settings.LANGUAGE_CODE)
    with translation.override(language):
        context = {"site_name": settings.SITE_NAME, **context}
        subject = render_to_string(f"accounts/email/{template}_subject.txt", context)
        body = render_to_string(f"accounts/email/{template}_message.txt", context)
    send_email.enqueue(" ".join(subject.split()), body, None, [address])


def verified_email(user: User) -> None:
    """Record the account's e-mail as confirmed (an address staff or the demo vouch for),
    unless another account confirmed it first."""
    if not user.email:
        return
    if (
        EmailAddress.objects.filter(email__iexact=user.email, verified=True)
        .exclude(user=user)
        .exists()
    ):
        return
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )


def unproven(email: str) -> QuerySet[User]:
    """Accounts that signed up with this address, never confirmed it and never signed in:
    they proved nothing and hold nothing, so they do not keep the address from its owner."""
    return User.objects.filter(email__iexact=email, last_login__isnull=True).exclude(
        emailaddress__verified=True
    )


def address_taken(email: str) -> bool:
    """An account holds this address (an unproven one does not)."""
    return User.objects.filter(email__iexact=email).exclude(pk__in=unproven(email)).exists()


def vouch_for_new_account(sender: Any, instance: User, created: bool, **kwargs: Any) -> None:
    """An account made by staff, the admin, a script or `createsuperuser` has its e-mail
    vouched for; one that signs up itself confirms it through the link (see the adapter)."""
    if created and not kwargs.get("raw") and not getattr(instance, "signs_up", False):
        verified_email(instance)


# Organisation requests ------------------------------------------------------------


def acts_for(user: Any, organisation_id: int) -> bool:
    """The person's request to act for the organisation was approved."""
    return Affiliation.objects.filter(user=user, organisation_id=organisation_id).exists()


def pending_organisations(user: Any) -> QuerySet[Organisation]:
    """Organisations of the registry the person asked to act for, still awaiting approval:
    they may prepare applications for them, not submit them."""
    return Organisation.objects.filter(
        affiliation_requests__user=user, affiliation_requests__status=RequestStatus.PENDING
    ).exclude(affiliations__user=user)


def representatives(organisation: Organisation) -> QuerySet[User]:
    """Who acts for the organisation and decides who else may: its applicants and experts
    (an evaluator's link to an employer is for conflicts of interest, not a mandate)."""
    return User.objects.filter(
        affiliations__organisation=organisation, is_active=True, role__in=REQUESTING_ROLES
    )


def may_decide(actor: User, request: AffiliationRequest) -> bool:
    """Staff decide every request; an organisation's representatives decide later ones."""
    return decidable_by(actor).filter(pk=request.pk).exists()


def decidable_by(actor: User) -> QuerySet[AffiliationRequest]:
    """The pending requests this person may decide."""
    pending = AffiliationRequest.objects.filter(status=RequestStatus.PENDING).select_related(
        "user", "organisation"
    )
    if not actor.is_active:
        return pending.none()
    if actor.role == Role.STAFF:
        return pending.exclude(user=actor)
    if actor.role not in REQUESTING_ROLES:
        return pending.none()
    return pending.filter(organisation__affiliations__user=actor).exclude(user=actor)


def request_affiliation(
    user: User,
    enterprise_number: str,
    *,
    role: str = "",
    organisation_name: str = "",
    postcode: str = "",
    city: str = "",
    site_url: str = "",
) -> AffiliationRequest:
    """Ask to act for the organisation with this (normalised) enterprise number; asking
    again while a request waits returns it."""
    if user.role not in REQUESTING_ROLES:
        raise AccountError(_("Only applicants and experts act for organisations."))
    organisation = Organisation.objects.filter(enterprise_number=enterprise_number).first()
    if organisation is not None and acts_for(user, organisation.pk):
        raise AccountError(_("You already act for %s.") % organisation.display_name)
    with transaction.atomic():
        mine = AffiliationRequest.objects.filter(user=user)
        existing = mine.filter(
            enterprise_number=enterprise_number, status=RequestStatus.PENDING
        ).first()
        if existing is not None:
            return existing
        since = timezone.now() - datetime.timedelta(days=1)
        if (
            mine.filter(status=RequestStatus.PENDING).count() >= MAX_PENDING_REQUESTS
            or mine.filter(created_at__gte=since).count() >= MAX_REQUESTS_A_DAY
        ):
            raise AccountError(
                _("You have asked for many organisations: wait for the decisions, or a day.")
            )
        # Representatives hear of a person's request once a day at most.
        told = mine.filter(enterprise_number=enterprise_number, created_at__gte=since).exists()
        request = AffiliationRequest.objects.create(
            user=user,
            enterprise_number=enterprise_number,
            organisation=organisation,
            organisation_name="" if organisation else organisation_name.strip()[:255],
            postcode="" if organisation else postcode.strip()[:10],
            city="" if organisation else city.strip()[:120],
            role=role.strip()[:120],
        )
        record_audit(user, "affiliation_request.create", request, after=snapshot(request))
        for person in representatives(organisation) if organisation and not told else []:
            mail(person, "request_received", {"request": request, "site_url": site_url})
    return request


def _decide(request: AffiliationRequest, actor: User) -> AffiliationRequest:
    # Locked alone: PostgreSQL locks no row on the nullable side of a join.
    locked = AffiliationRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status != RequestStatus.PENDING:
        raise AccountError(_("This request was already decided."))
    if not may_decide(actor, locked):
        raise AccountError(_("You may not decide this request."))
    return locked


def approve(request: AffiliationRequest, actor: User, site_url: str = "") -> Affiliation:
    """Approve a request: the person acts for the organisation (created from what the
    person said if the registry does not know it)."""
    with transaction.atomic():
        locked = _decide(request, actor)
        organisation = (
            locked.organisation
            or Organisation.objects.filter(enterprise_number=locked.enterprise_number).first()
        )
        if organisation is None:
            organisation = Organisation.objects.create(
                enterprise_number=locked.enterprise_number,
                name=locked.organisation_name,
                postcode=locked.postcode,
                city=locked.city,
                source=Source.MANUAL,
            )
            record_audit(actor, "organisation.create", organisation, after=snapshot(organisation))
        affiliation, created = Affiliation.objects.get_or_create(
            user=locked.user, organisation=organisation, defaults={"role": locked.role}
        )
        if created:
            record_audit(actor, "affiliation.create", affiliation, after=snapshot(affiliation))
        before = snapshot(locked, ["status"])
        locked.organisation = organisation
        locked.status = RequestStatus.APPROVED
        locked.decided_at = timezone.now()
        locked.decided_by = actor
        locked.save(update_fields=["organisation", "status", "decided_at", "decided_by"])
        record_audit(
            actor,
            "affiliation_request.approve",
            locked,
            before=before,
            after={"status": "approved"},
        )
        mail(locked.user, "request_decided", {"request": locked, "site_url": site_url})
    return affiliation


def refuse(
    request: AffiliationRequest, actor: User, reason: str, site_url: str = ""
) -> AffiliationRequest:
    """Refuse a request, with the reason the person receives."""
    reason = reason.strip()
    if not reason:
        raise AccountError(_("Say why: the person receives the reason."))
    if "\x00" in reason:
        raise AccountError(_("The text holds a character that cannot be stored."))
    with transaction.atomic():
        locked = _decide(request, actor)
        locked.status = RequestStatus.REFUSED
        locked.decided_at = timezone.now()
        locked.decided_by = actor
        locked.reason = reason[:2000]
        locked.save(update_fields=["status", "decided_at", "decided_by", "reason"])
        record_audit(
            actor,
            "affiliation_request.refuse",
            locked,
            before={"status": "pending"},
            after={"status": "refused", "reason": locked.reason},
        )
        mail(locked.user, "request_decided", {"request": locked, "site_url": site_url})
    return locked


def cancel(request: AffiliationRequest, user: User) -> AffiliationRequest:
    """The person withdraws a request still pending."""
    with transaction.atomic():
        locked = AffiliationRequest.objects.select_for_update().get(pk=request.pk)
        if locked.user_id != user.pk or locked.status != RequestStatus.PENDING:
            raise AccountError(_("This request can no longer be cancelled."))
        locked.status = RequestStatus.CANCELLED
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_at"])
        record_audit(
            user, "affiliation_request.cancel", locked, before={"status": "pending"},
            after={"status": "cancelled"},
        )  # fmt: skip
    return locked


# Invitations ------------------------------------------------------------------------


def invite(
    email: str,
    role: str,
    actor: User,
    *,
    organisation: Organisation | None = None,
    language: str = "",
    site_url: str = "",
) -> tuple[Invitation, str]:
    """Invite someone by e-mail with their role set; returns the invitation and the secret
    of its link. An open invitation to the same address is replaced (its link stops working)."""
    if role not in Invitation.ROLES:
        raise AccountError(_("Invitations are for evaluators and experts."))
    if address_taken(email):
        raise AccountError(_("An account already uses this e-mail."))
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        for old in Invitation.objects.select_for_update().filter(
            email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
        ):
            _revoke(old, actor, now)
        invitation = Invitation.objects.create(
            email=email,
            role=role,
            organisation=organisation,
            token_hash=token_digest(token),
            invited_by=actor,
            expires_at=now + datetime.timedelta(days=settings.INVITATION_DAYS),
        )
        record_audit(
            actor,
            "invitation.create",
            invitation,
            after={"email": email, "role": role, "organisation": organisation and organisation.pk},
        )
        mail(
            email,
            "invitation",
            {
                "invitation": invitation,
                "link": f"{site_url.rstrip('/')}/accounts/invitation/{token}/",
            },
            language=language,
        )
    return invitation, token


def _revoke(invitation: Invitation, actor: User, now: datetime.datetime) -> None:
    invitation.revoked_at = now
    invitation.save(update_fields=["revoked_at"])
    record_audit(actor, "invitation.revoke", invitation, after={"email": invitation.email})


def revoke(invitation: Invitation, actor: User) -> None:
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.accepted_at or locked.revoked_at:
            raise AccountError(_("This invitation is no longer open."))
        _revoke(locked, actor, timezone.now())


def open_invitation(token: str) -> Invitation | None:
    """The open invitation this link's secret belongs to, if any."""
    found = Invitation.objects.filter(token_hash=token_digest(token)).first()
    return found if found is not None and found.is_open_at(timezone.now()) else None


def accept(
    invitation: Invitation, *, first_name: str, last_name: str, password: str, language: str
) -> User:
    """Create the invited account with its role and password; the e-mail is confirmed by
    the link itself."""
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not locked.is_open_at(timezone.now()):
            raise AccountError(_("This invitation is no longer valid: ask the agency again."))
        if address_taken(locked.email):
            raise AccountError(_("An account already uses this e-mail: sign in instead."))
        # The link proves the address: a sign-up that never confirmed it gives way.
        for stale in unproven(locked.email):
            record_audit(None, "user.delete_unproven", stale, before=snapshot(stale, ["email"]))
            stale.delete()
        user = User(
            username=generate_unique_username([first_name, last_name, locked.email]),
            email=locked.email,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            role=locked.role,
            language=language,
        )
        user.set_password(password)
        user.save()  # its e-mail is vouched for: the link proved it
        if locked.organisation is not None:
            Affiliation.objects.create(user=user, organisation=locked.organisation)
        locked.accepted_at = timezone.now()
        locked.user = user
        locked.save(update_fields=["accepted_at", "user"])
        record_audit(user, "invitation.accept", locked, after={"user": user.pk})
    return user


# Accounts ---------------------------------------------------------------------------


def may_manage(actor: User, person: User) -> bool:
    """Staff manage applicants, experts and evaluators; staff accounts are superusers'."""
    if actor.pk == person.pk or not actor.is_active:
        return False
    if person.is_superuser or person.role == Role.STAFF:
        return actor.is_superuser
    return actor.role == Role.STAFF or actor.is_superuser


def set_active(person: User, actor: User, active: bool) -> User:
    """Deactivate an account (it can no longer sign in; its sessions end at their next
    request) or activate it again."""
    if not may_manage(actor, person):
        raise AccountError(_("You may not change this account."))
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=person.pk)
        if locked.is_active == active:
            return locked
        locked.is_active = active
        locked.save(update_fields=["is_active"])
        record_audit(
            actor,
            "user.reactivate" if active else "user.deactivate",
            locked,
            before={"is_active": not active},
            after={"is_active": active},
        )
    return locked
