"""Who acts for which organisation: approved affiliations, and the requests that lead to them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from territoria.ecosystem.models import Organisation


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
