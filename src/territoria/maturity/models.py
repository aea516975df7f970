"""Digital-maturity questionnaires and the assessments taken with them.

A questionnaire (the Digiscore, the EU DMA for SMEs or for public bodies) is versioned:
staff edit a draft; once published, a version is frozen, since assessments were scored
with it. Its maturity levels are bands of the 0–100 score that staff may edit at any
time (a level is read from the score when shown). Import and export as JSON go through
`definition.py` and `services`.

An assessment keeps its answers as JSON (see `scoring.py`), and once completed its
scores, with what the peer comparison and the barometer group by: the year, the NACE
section, the size class and the province.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from territoria.core.i18n import translations
from territoria.ecosystem.models import Organisation
from territoria.ecosystem.validators import validate_enterprise_number
from territoria.taxonomy.models import concept_set


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


class BarometerYear(models.Model):
    """A closed year of a questionnaire's barometer: its figures, computed once when the year
    is over and never again, so two readings never differ by one company's answers."""

    questionnaire_code = models.SlugField(_("questionnaire"), max_length=60)
    year = models.PositiveSmallIntegerField(_("year"))
    respondents = models.PositiveIntegerField(_("respondents"))
    published_at = models.DateTimeField(_("published on"), auto_now_add=True)

    class Meta:
        verbose_name = _("barometer year")
        verbose_name_plural = _("barometer years")
        ordering = ["questionnaire_code", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire_code", "year"], name="barometer_year"),
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire_code} {self.year}"


class Benchmark(models.Model):
    """One published figure of a barometer year: a group's mean score on one dimension (or
    `overall`). A grouping field left empty (NULL) means every value: the row of section C
    with no size is the whole section."""

    publication = models.ForeignKey(BarometerYear, on_delete=models.CASCADE, related_name="figures")
    nace_section = models.CharField(_("NACE section"), max_length=1, null=True, blank=True)
    size_class = models.CharField(_("size class"), max_length=20, null=True, blank=True)
    province = models.CharField(_("province"), max_length=10, null=True, blank=True)
    dimension = models.CharField(_("dimension"), max_length=60)
    mean_score = models.DecimalField(_("mean score"), max_digits=4, decimal_places=1)
    respondents = models.PositiveIntegerField(_("respondents"))

    class Meta:
        verbose_name = _("benchmark")
        verbose_name_plural = _("benchmarks")
        ordering = ["publication", "nace_section", "size_class", "province", "dimension"]
        indexes = [
            models.Index(fields=["publication", "dimension"], name="benchmark_dimension"),
        ]

    def __str__(self) -> str:
        return f"{self.publication} {self.dimension}: {self.mean_score}"


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


class ProgressCohort(models.Model):
    """The laureates whose support began in `year`, once their T1 window is over: how many
    have a T0 and a T1, and (from five) the totals of their scores. Computed once, when the
    window closes, never again: two readings never differ by one company
    (`services.progress`)."""

    year = models.PositiveSmallIntegerField(_("support began in"), unique=True)
    companies = models.PositiveIntegerField(_("companies"))
    published_at = models.DateTimeField(_("published on"), auto_now_add=True)

    class Meta:
        verbose_name = _("cohort of laureates")
        verbose_name_plural = _("cohorts of laureates")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class ProgressTotal(models.Model):
    """A published cohort's sum of T0 and of T1 scores on one dimension (or `overall`)."""

    cohort = models.ForeignKey(ProgressCohort, on_delete=models.CASCADE, related_name="totals")
    dimension = models.CharField(_("dimension"), max_length=60)
    before = models.DecimalField(_("total before"), max_digits=12, decimal_places=1)
    after = models.DecimalField(_("total after"), max_digits=12, decimal_places=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cohort", "dimension"], name="progress_total"),
        ]

    def __str__(self) -> str:
        return f"{self.cohort} {self.dimension}"
