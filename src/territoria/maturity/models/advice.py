"""The report's advice: rules staff edit."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from territoria.core.i18n import translations
from territoria.maturity.models.questionnaires import Dimension, Questionnaire
from territoria.taxonomy.models import concept_set


class Recommendation(models.Model):
    """A rule of the report's advice, data that staff edit: when an assessment made with
    questionnaire `questionnaire_code` scores under `below` on `dimension`, its report gives
    this advice and points to the programmes, the calls of the instruments (open ones first)
    and the recognised expert companies offering the technologies named here."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    questionnaire_code = models.SlugField(_("questionnaire"), max_length=60)
    dimension = models.SlugField(_("dimension"), max_length=60)
    below = models.PositiveSmallIntegerField(
        _("given under the score"),
        default=51,
        validators=[MinValueValidator(1), MaxValueValidator(101)],
        help_text=_("Given when the dimension's score (0–100) is under this; 101: always."),
    )
    title = models.CharField(_("title"), max_length=200)
    title_nl, title_de, title_en = translations(title)
    advice = models.TextField(_("advice"))
    advice_nl, advice_de, advice_en = translations(advice)
    instruments = models.ManyToManyField(
        "calls.Instrument",
        verbose_name=_("instruments"),
        blank=True,
        related_name="+",
        help_text=_("Their calls open now, or to come, are recommended first."),
    )
    programmes = models.ManyToManyField(
        "strategy.Programme", verbose_name=_("programmes"), blank=True, related_name="+"
    )
    technologies = concept_set(
        "technology", _("technologies of the recognised experts to recommend")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        ordering = ["questionnaire_code", "dimension", "position", "code"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        if not self.questionnaire_code:
            return
        versions = Questionnaire.objects.filter(code=self.questionnaire_code)
        if not versions.exists():
            raise ValidationError({"questionnaire_code": _("No questionnaire has this code.")})
        known = set(
            Dimension.objects.filter(questionnaire__in=versions).values_list("code", flat=True)
        )
        if self.dimension and self.dimension not in known:
            raise ValidationError(
                {
                    "dimension": _("This questionnaire has no such dimension; it has: %(known)s.")
                    % {"known": ", ".join(sorted(known))}
                }
            )
