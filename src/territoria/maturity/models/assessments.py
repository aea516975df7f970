"""Assessments: one company's answers and, once completed, its scores."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from territoria.ecosystem.models import Organisation
from territoria.ecosystem.validators import validate_enterprise_number
from territoria.maturity.models.questionnaires import Questionnaire


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class Assessment(models.Model):
    """One company's (or body's) answers to a questionnaire, and its scores once completed.

    Reached by its owner when logged in, or by whoever holds its private link: the link's
    key is shown once and only its hash is kept, so the database alone opens no report.
    """

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="assessments"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assessments",
    )
    enterprise_number = models.CharField(
        _("enterprise number"),
        max_length=12,
        blank=True,
        db_index=True,
        validators=[validate_enterprise_number],
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assessments",
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    language = models.CharField(_("language"), max_length=2, default="fr")
    # What peers and the barometer group by: a NACE section letter, a size concept's
    # notation, a province's code (BE-WNA…). Empty when unknown.
    nace_section = models.CharField(_("NACE section"), max_length=1, blank=True, db_index=True)
    size_class = models.CharField(_("size class"), max_length=20, blank=True, db_index=True)
    province = models.CharField(_("province"), max_length=10, blank=True, db_index=True)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    scores = models.JSONField(_("dimension scores"), default=dict, blank=True)
    overall = models.DecimalField(
        _("overall score"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    # The assessment this one follows (T0 before support, this one T1 after).
    follows = models.ForeignKey(
        "self",
        verbose_name=_("follows"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="followed_by",
    )
    started_at = models.DateTimeField(_("started on"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated on"), auto_now=True)
    completed_at = models.DateTimeField(_("completed on"), null=True, blank=True, db_index=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True, db_index=True)
    # Who answered, for counting each once: "enterprise:<number>" when the account that
    # made it is linked to that company, else "" (counted by no one), see
    # `services.assessments.respondent_of`.
    respondent = models.CharField(max_length=40, blank=True, editable=False, db_index=True)
    # Set on completion for a counted respondent: their latest completed assessment of
    # this questionnaire, and their latest of the year (what the barometer counts).
    is_latest = models.BooleanField(default=False, editable=False)
    is_latest_of_year = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-started_at", "-pk"]
        indexes = [
            models.Index(
                fields=["questionnaire", "year"],
                condition=models.Q(is_latest_of_year=True),
                name="assessment_barometer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire.code} #{self.pk}"

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None

    def new_key(self) -> str:
        """A fresh private link key; only its hash is kept (call before saving)."""
        key = secrets.token_urlsafe(24)
        self.key_hash = hash_key(key)
        return key


class DimensionScore(models.Model):
    """A completed assessment's score on one dimension, a row each, for averages in SQL."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="dimension_scores"
    )
    dimension = models.CharField(_("dimension"), max_length=60)
    score = models.DecimalField(_("score"), max_digits=4, decimal_places=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "dimension"], name="dimension_score"),
        ]

    def __str__(self) -> str:
        return f"{self.dimension}: {self.score}"
