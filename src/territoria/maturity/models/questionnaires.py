"""Questionnaires, versioned: their levels, dimensions, questions and options."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from territoria.core.i18n import translations


class Questionnaire(models.Model):
    class Audience(models.TextChoices):
        COMPANY = "company", _("companies")
        PUBLIC_BODY = "public-body", _("public bodies")

    code = models.SlugField(_("code"), max_length=60)
    version = models.PositiveIntegerField(_("version"))
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices)
    title = models.CharField(_("title"), max_length=200)
    title_nl, title_de, title_en = translations(title)
    description = models.TextField(_("description"), blank=True)
    description_nl, description_de, description_en = translations(description)
    published_at = models.DateTimeField(_("published on"), null=True, blank=True)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="questionnaire_version")
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Level(models.Model):
    """A maturity level: the whole scores from `low` to `high` (bands cover 0–100)."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="levels"
    )
    code = models.SlugField(_("code"), max_length=60)
    label = models.CharField(_("label"), max_length=80)
    label_nl, label_de, label_en = translations(label)
    low = models.PositiveSmallIntegerField(_("from"), validators=[MaxValueValidator(100)])
    high = models.PositiveSmallIntegerField(_("to"), validators=[MaxValueValidator(100)])

    class Meta:
        verbose_name = _("maturity level")
        verbose_name_plural = _("maturity levels")
        ordering = ["questionnaire", "low"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "code"], name="level_code"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.low}–{self.high})"


class Dimension(models.Model):
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="dimensions"
    )
    code = models.SlugField(_("code"), max_length=60)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    label = models.CharField(_("label"), max_length=120)
    label_nl, label_de, label_en = translations(label)
    description = models.TextField(_("description"), blank=True)
    description_nl, description_de, description_en = translations(description)

    class Meta:
        verbose_name = _("dimension")
        verbose_name_plural = _("dimensions")
        ordering = ["questionnaire", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "code"], name="dimension_code"),
        ]

    def __str__(self) -> str:
        return self.label


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("single choice")
        CHECKLIST = "checklist", _("checklist")
        SCALE = "scale", _("adoption scale 0–5")
        GRID = "grid", _("yes / partly / no grid")

    dimension = models.ForeignKey(Dimension, on_delete=models.CASCADE, related_name="questions")
    code = models.SlugField(_("code"), max_length=60)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    text = models.TextField(_("question"))
    text_nl, text_de, text_en = translations(text)
    help = models.TextField(_("help"), blank=True)
    help_nl, help_de, help_en = translations(help)
    weight = models.FloatField(
        _("weight"), default=1.0, validators=[MinValueValidator(0.01), MaxValueValidator(100)]
    )
    # A scale's words for 0 and 5.
    low = models.CharField(_("words of 0"), max_length=120, blank=True)
    low_nl, low_de, low_en = translations(low)
    high = models.CharField(_("words of 5"), max_length=120, blank=True)
    high_nl, high_de, high_en = translations(high)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["dimension", "position", "pk"]

    def __str__(self) -> str:
        return self.code


class Option(models.Model):
    """A choice, a checklist item, or a grid's row."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    code = models.SlugField(_("code"), max_length=60)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    label = models.CharField(_("label"), max_length=200)
    label_nl, label_de, label_en = translations(label)
    score = models.FloatField(
        _("score"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    points = models.FloatField(
        _("points"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    exclusive = models.BooleanField(_("ticked alone"), default=False)

    class Meta:
        verbose_name = _("option")
        verbose_name_plural = _("options")
        ordering = ["question", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["question", "code"], name="option_code"),
        ]

    def __str__(self) -> str:
        return self.code
