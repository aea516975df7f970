"""Calls for projects and the applications to them.

Instruments (Start IA, Tremplin IA, Cap IA…), their calls with a window in
Europe/Brussels time, eligibility rules and a criteria grid that staff edit as data,
and applications that go from draft to decision. Every change of an application's
status goes through `calls.services` and writes the audit log.
"""

import datetime
import secrets
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from territoria.core.i18n import translations
from territoria.core.storage import ConfiguredStorage
from territoria.ecosystem.models import Organisation
from territoria.taxonomy.models import Concept, concept_set


class PrivateStorage(ConfiguredStorage):
    """Uploaded documents, with no URL: read only through the access check of
    `views.applications.document`.

    They live in settings.STORAGES["private"], looked up at each use (not frozen when the
    models load): the data folder's private/documents, outside any web root, or the private
    prefix of the object store (STORAGE_URL).
    """

    alias = "private"

    def url(self, name: str | None) -> str:
        raise ValueError("private documents have no public address")


def private_storage() -> Storage:
    return PrivateStorage()


def euros(verbose_name: Any, optional: bool = False) -> "models.DecimalField[Any, Any]":
    """An amount in euros, to the cent, never negative."""
    return models.DecimalField(
        verbose_name,
        max_digits=12,
        decimal_places=2,
        null=optional,
        blank=optional,
        validators=[MinValueValidator(Decimal(0))],
    )


# Words of the calls' addresses, which a call's code cannot be.
RESERVED_CODES = {
    "applications", "documents", "reviews", "experts", "impact", "coachings", "manage",
}  # fmt: skip


def validate_call_code(code: str) -> None:
    if code in RESERVED_CODES:
        raise ValidationError(
            _("“%(code)s” is a word of the calls' addresses; choose another code."),
            params={"code": code},
        )


class Instrument(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    prefix = models.CharField(
        _("reference prefix"), max_length=6, help_text=_("Starts each application's reference.")
    )
    name = models.CharField(_("name"), max_length=120)
    name_nl, name_de, name_en = translations(name)
    summary = models.CharField(_("in one sentence"), max_length=255)
    summary_nl, summary_de, summary_en = translations(summary)
    description = models.TextField(_("description"), blank=True)
    description_nl, description_de, description_en = translations(description)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class CallQuerySet(models.QuerySet["Call"]):
    def published(self) -> "CallQuerySet":
        return self.filter(is_published=True)

    def open_at(self, moment: datetime.datetime) -> "CallQuerySet":
        return self.filter(opens_at__lte=moment, closes_at__gt=moment)


class Call(models.Model):
    instrument = models.ForeignKey(
        Instrument, verbose_name=_("instrument"), on_delete=models.PROTECT, related_name="calls"
    )
    code = models.SlugField(_("code"), max_length=60, unique=True, validators=[validate_call_code])
    title = models.CharField(_("title"), max_length=200)
    title_nl, title_de, title_en = translations(title)
    summary = models.TextField(_("summary"))
    summary_nl, summary_de, summary_en = translations(summary)
    description = models.TextField(_("full text"), blank=True)
    description_nl, description_de, description_en = translations(description)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    grace_minutes = models.PositiveSmallIntegerField(
        _("grace period (minutes)"),
        default=0,
        validators=[MaxValueValidator(24 * 60)],
        help_text=_(
            "Submissions are still recorded this long after the closing time, "
            "which the pages keep showing as the deadline."
        ),
    )
    is_published = models.BooleanField(_("published"), default=False)
    budget = euros(_("budget (€)"))
    max_amount = euros(_("maximum per project (€)"))
    evaluators_per_application = models.PositiveSmallIntegerField(
        _("evaluators per application"), default=3, validators=[MinValueValidator(1)]
    )
    overall_threshold = models.DecimalField(
        _("overall threshold (0-5)"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("2.5"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(5))],
    )
    # Eligibility rules: data that staff edit. Empty choices mean "any".
    eligible_types = concept_set("org-type", _("eligible organisation types"))
    eligible_sizes = concept_set("size", _("eligible size classes"))
    # A place of the territory scheme (the region, a province, a municipality): the
    # organisation's municipality must be it or lie within it. Empty: any seat.
    seat_in = models.ForeignKey(
        Concept,
        verbose_name=_("seat required in"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"scheme__code": "territory"},
        help_text=_(
            "Checked on the organisation's municipality (or the municipality of its postcode). "
            "Empty: an organisation may apply wherever its seat is."
        ),
    )
    laureate_exclusion_years = models.PositiveSmallIntegerField(
        _("not a laureate of this instrument within (years)"),
        null=True,
        blank=True,
        help_text=_("Empty: former laureates may apply again."),
    )

    objects = CallQuerySet.as_manager()

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-opens_at", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="call_window_order"
            ),
            models.CheckConstraint(
                condition=Q(max_amount__lte=models.F("budget")), name="call_max_within_budget"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("calls:call", args=[self.code])

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            errors["closes_at"] = _("The call must close after it opens.")
        if (
            self.budget is not None
            and self.max_amount is not None
            and self.max_amount > self.budget
        ):
            errors["max_amount"] = _("The maximum per project cannot exceed the budget.")
        if self.pk and self.budget is not None:
            granted = self.applications.filter(
                status__in=["selected", "progress", "completed"]
            ).aggregate(total=models.Sum("granted_amount"))["total"] or Decimal(0)
            if self.budget < granted:
                errors["budget"] = _(
                    "%(granted)s € are already granted: the budget cannot be less."
                ) % {"granted": granted}
        if errors:
            raise ValidationError(errors)

    @property
    def submissions_end(self) -> datetime.datetime:
        """The last instant a submission is recorded: the closing time plus the grace period."""
        return self.closes_at + datetime.timedelta(minutes=self.grace_minutes)

    def accepts_submissions_at(self, moment: datetime.datetime) -> bool:
        return self.opens_at <= moment < self.submissions_end

    def phase_at(self, moment: datetime.datetime) -> str:
        if moment < self.opens_at:
            return "upcoming"
        if moment < self.closes_at:
            return "open"
        if moment < self.submissions_end:
            return "grace"
        return "closed"

    @property
    def phase(self) -> str:
        return self.phase_at(timezone.now())


class Criterion(models.Model):
    """One line of a call's grid: scored 0 to 5 in half points."""

    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.CASCADE, related_name="criteria"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("criterion"), max_length=200)
    title_nl, title_de, title_en = translations(title)
    description = models.TextField(_("what evaluators look at"), blank=True)
    description_nl, description_de, description_en = translations(description)
    weight = models.DecimalField(
        _("weight"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    threshold = models.DecimalField(
        _("threshold (0-5)"),
        max_digits=2,
        decimal_places=1,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(5))],
    )

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["call", "order"]
        constraints = [
            models.UniqueConstraint(fields=["call", "order"], name="criterion_order_per_call")
        ]

    def __str__(self) -> str:
        return self.title


class DocumentRequirement(models.Model):
    """A document applicants must join to a call's application."""

    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.CASCADE, related_name="required_documents"
    )
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("document"), max_length=200)
    label_nl, label_de, label_en = translations(label)
    help_text = models.CharField(_("help"), max_length=255, blank=True)
    help_text_nl, help_text_de, help_text_en = translations(help_text)

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        ordering = ["call", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["call", "code"], name="document_code_per_call")
        ]

    def __str__(self) -> str:
        return self.label


class Application(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        ELIGIBLE = "eligible", _("eligible")
        INELIGIBLE = "ineligible", _("ineligible")
        UNDER_EVALUATION = "evaluation", _("under evaluation")
        SELECTED = "selected", _("selected")
        RESERVE = "reserve", _("on the reserve list")
        REJECTED = "rejected", _("not selected")
        IN_PROGRESS = "progress", _("in progress")
        COMPLETED = "completed", _("completed")
        WITHDRAWN = "withdrawn", _("withdrawn")

    # The steps of the form, in order.
    STEPS = ("organisation", "project", "documents", "submit")

    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.PROTECT, related_name="applications"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    reference = models.CharField(
        _("reference"), max_length=30, unique=True, null=True, blank=True, editable=False
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    status_reason = models.TextField(
        _("reason or feedback"),
        blank=True,
        help_text=_("Shown to the applicant: why ineligible, or the jury's feedback."),
    )
    title = models.CharField(_("project title"), max_length=200, blank=True)
    summary = models.TextField(_("project summary"), blank=True)
    needs = models.TextField(_("needs and expected results"), blank=True)
    requested_amount = euros(_("amount requested (€)"), optional=True)
    granted_amount = euros(_("amount granted (€)"), optional=True)
    consensus_comment = models.TextField(_("consensus comment"), blank=True)
    consensus_at = models.DateTimeField(_("consensus recorded"), null=True, blank=True)
    steps_done = models.PositiveSmallIntegerField(_("form steps completed"), default=0)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-submitted_at", "-created_at"]
        constraints = [
            # One live application per organisation and call; a withdrawn one may be redone.
            models.UniqueConstraint(
                fields=["call", "organisation"],
                condition=~Q(status="withdrawn"),
                name="one_application_per_call_and_organisation",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(status="withdrawn") | Q(submitted_at__isnull=False),
                name="submitted_applications_have_a_time",
            ),
        ]

    def __str__(self) -> str:
        return self.reference or f"{self.call} — {self.organisation} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("calls:application", args=[self.pk])

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def survey_answered(self) -> bool:
        return SurveyAnswer.objects.filter(application=self).exists()

    @cached_property
    def current_step(self) -> str:
        return self.STEPS[min(self.steps_done, len(self.STEPS) - 1)]


def document_path(document: "ApplicationDocument", filename: str) -> str:
    """A random name: the original one is kept in the record, never on disk."""
    return f"{document.application_id}/{secrets.token_hex(16)}"


class ApplicationDocument(models.Model):
    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", "Word (DOCX)"
        XLSX = "xlsx", "Excel (XLSX)"

    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="documents",
    )
    requirement = models.ForeignKey(
        DocumentRequirement,
        verbose_name=_("for"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    file = models.FileField(_("file"), storage=private_storage, upload_to=document_path)
    original_name = models.CharField(_("file name"), max_length=255)
    kind = models.CharField(_("type"), max_length=4, choices=Kind.choices)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["application", "uploaded_at"]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("calls:document", args=[self.pk])


HALF_POINTS = [Decimal(n) / 2 for n in range(11)]  # 0, 0.5, … 5


def validate_half_point(value: Decimal) -> None:
    if value not in HALF_POINTS:
        raise ValidationError(_("A score is between 0 and 5, in half points."))


class Assignment(models.Model):
    """An evaluator asked to score an application. It counts only once the evaluator has
    declared no conflict of interest and submitted the scores."""

    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("evaluator"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    assigned_at = models.DateTimeField(_("assigned"), auto_now_add=True)
    conflict = models.BooleanField(
        _("conflict of interest"), null=True, help_text=_("Empty until the evaluator declares.")
    )
    declared_at = models.DateTimeField(_("declared"), null=True, blank=True)
    comment = models.TextField(_("overall comment"), blank=True)
    submitted_at = models.DateTimeField(_("scores submitted"), null=True, blank=True)
    withdrawn = models.BooleanField(_("withdrawn"), default=False)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["application", "assigned_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "evaluator"], name="one_assignment_per_evaluator"
            )
        ]

    def __str__(self) -> str:
        return f"{self.application} ← {self.evaluator}"

    def get_absolute_url(self) -> str:
        return reverse("calls:review", args=[self.pk])

    @property
    def counts(self) -> bool:
        """Whether its scores count: declared free of conflict, submitted, not withdrawn."""
        return self.conflict is False and self.submitted_at is not None and not self.withdrawn


class Score(models.Model):
    """An evaluator's score on one criterion."""

    assignment = models.ForeignKey(
        Assignment, verbose_name=_("assignment"), on_delete=models.CASCADE, related_name="scores"
    )
    criterion = models.ForeignKey(
        Criterion, verbose_name=_("criterion"), on_delete=models.PROTECT, related_name="+"
    )
    value = models.DecimalField(
        _("score"), max_digits=2, decimal_places=1, validators=[validate_half_point]
    )
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "criterion"], name="one_score_per_criterion"
            ),
            models.CheckConstraint(condition=Q(value__in=HALF_POINTS), name="score_half_points"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.value}"


class FinalScore(models.Model):
    """The moderator's consensus score on one criterion of an application."""

    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="final_scores",
    )
    criterion = models.ForeignKey(
        Criterion, verbose_name=_("criterion"), on_delete=models.PROTECT, related_name="+"
    )
    value = models.DecimalField(
        _("score"), max_digits=2, decimal_places=1, validators=[validate_half_point]
    )

    class Meta:
        verbose_name = _("consensus score")
        verbose_name_plural = _("consensus scores")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "criterion"], name="one_final_score_per_criterion"
            ),
            models.CheckConstraint(
                condition=Q(value__in=HALF_POINTS), name="final_score_half_points"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.value}"


class ExpertCompany(models.Model):
    """A company applying for, or holding, recognition as an AI expert of the programme."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("applied")
        RECOGNISED = "recognised", _("recognised")
        REFUSED = "refused", _("refused")

    organisation = models.OneToOneField(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="expert_company",
    )
    offer = models.TextField(_("offer"))
    references = models.TextField(_("references"), blank=True)
    technologies = concept_set("technology", _("technologies"))
    regions = concept_set("territory", _("regions served"))
    languages = models.CharField(
        _("languages"), max_length=40, default="fr", help_text=_("e.g. fr, nl, de, en")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.APPLIED
    )
    recognised_from = models.DateField(_("recognised from"), null=True, blank=True)
    recognised_until = models.DateField(_("recognised until"), null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    applied_at = models.DateTimeField(_("applied"), auto_now_add=True)

    class Meta:
        verbose_name = _("expert company")
        verbose_name_plural = _("expert companies")
        ordering = ["organisation__name"]

    def __str__(self) -> str:
        return str(self.organisation)

    def recognised_on(self, day: datetime.date) -> bool:
        return (
            self.status == self.Status.RECOGNISED
            and self.recognised_from is not None
            and self.recognised_from <= day
            and (self.recognised_until is None or day <= self.recognised_until)
        )


class SurveyAnswer(models.Model):
    """A laureate's answers to the follow-up survey, after the project is completed."""

    application = models.OneToOneField(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="survey",
    )
    improved_competitiveness = models.BooleanField(_("the project improved competitiveness"))
    improved_quality = models.BooleanField(_("it improved the quality of products or services"))
    would_recommend = models.BooleanField(_("would recommend the programme"))
    reached_production = models.BooleanField(_("the AI solution reached production"))
    investment_before = euros(_("yearly AI investment before (€)"))
    investment_after = euros(_("yearly AI investment after (€)"))
    # SQLite would store any integer (and overflow the impact page's sum): a realistic bound.
    jobs_created = models.PositiveSmallIntegerField(
        _("jobs created"), default=0, validators=[MaxValueValidator(10_000)]
    )
    answered_at = models.DateTimeField(_("answered"), auto_now_add=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")

    def __str__(self) -> str:
        return f"{self.application}"


class Coaching(models.Model):
    """A Start IA laureate's coaching: a shortlist of recognised experts, the one chosen,
    the expert's report and action plan, and the laureate's confirmation of delivery."""

    application = models.OneToOneField(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="coaching",
    )
    shortlist = models.ManyToManyField(
        ExpertCompany, verbose_name=_("proposed experts"), related_name="+"
    )
    expert = models.ForeignKey(
        ExpertCompany,
        verbose_name=_("chosen expert"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="coachings",
    )
    chosen_at = models.DateTimeField(_("expert chosen"), null=True, blank=True)
    report = models.TextField(_("coaching report"), blank=True)
    action_plan = models.TextField(_("action plan"), blank=True)
    report_filed_at = models.DateTimeField(_("report filed"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivery confirmed"), null=True, blank=True)
    created_at = models.DateTimeField(_("proposed"), auto_now_add=True)

    class Meta:
        verbose_name = _("coaching")
        verbose_name_plural = _("coachings")

    def __str__(self) -> str:
        return f"{self.application} — {self.expert or '?'}"

    def get_absolute_url(self) -> str:
        return reverse("calls:coaching", args=[self.pk])
