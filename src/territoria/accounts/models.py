"""Who acts for which organisation, how one asks to, and invitations to join.

An affiliation is an approved link between an account and an organisation; an
affiliation request is what leads to one (approved by staff for an organisation's first
representative, by its representatives or staff afterwards); an invitation lets staff
bring in evaluators and experts with their role set.
"""

import datetime
import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from territoria.core.models import Role
from territoria.ecosystem.models import Organisation
from territoria.ecosystem.services import is_public
from territoria.ecosystem.validators import validate_enterprise_number


class Affiliation(models.Model):
    """An account acting for an organisation: an applicant for its company, an expert for its
    firm, an evaluator's employer. Only approved links are affiliations."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="affiliations",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="affiliations",
    )
    role = models.CharField(_("role"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="one_affiliation")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.organisation}"


class AffiliationRequest(models.Model):
    """A person asking to act for an organisation, named by its enterprise number."""

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting approval")
        APPROVED = "approved", _("approved")
        REFUSED = "refused", _("refused")
        CANCELLED = "cancelled", _("cancelled")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="affiliation_requests",
    )
    enterprise_number = models.CharField(
        _("enterprise number"), max_length=12, validators=[validate_enterprise_number]
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="affiliation_requests",
        help_text=_("Empty while the enterprise number is not in the registry."),
    )
    # What the person says of an organisation the registry does not know yet.
    organisation_name = models.CharField(_("organisation name"), max_length=255, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    city = models.CharField(_("locality"), max_length=120, blank=True)
    role = models.CharField(_("role in the organisation"), max_length=120, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("asked"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("organisation request")
        verbose_name_plural = _("organisation requests")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "enterprise_number"],
                condition=Q(status="pending"),
                name="one_pending_request_per_organisation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.enterprise_number} ({self.get_status_display()})"

    @property
    def organisation_label(self) -> str:
        if self.organisation is not None:
            return self.organisation.display_name
        return self.organisation_name

    @property
    def requester_label(self) -> str:
        """The organisation as the person who asked is told of it: the registry's name once
        they act for it or if anyone may see it; else the enterprise number they typed (a
        natural person's name is personal data, and numbers are easy to try)."""
        if self.organisation is None:
            return self.organisation_name
        if self.status == self.Status.APPROVED or is_public(self.organisation):
            return self.organisation.display_name
        return self.enterprise_number


def token_digest(token: str) -> str:
    """What is stored of a secret sent by e-mail: its SHA-256, never the secret."""
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(models.Model):
    """Staff invite an evaluator or an expert by e-mail; the link sets the password."""

    ROLES = (Role.EVALUATOR, Role.EXPERT)

    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The expert's company or the evaluator's employer, if known."),
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_role_display()})"

    def is_open_at(self, moment: datetime.datetime) -> bool:
        return self.accepted_at is None and self.revoked_at is None and moment < self.expires_at

    @property
    def state(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        return "open" if timezone.now() < self.expires_at else "expired"
