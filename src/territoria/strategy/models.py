"""A strategy as data: versions, ambitions, levers, programmes, actions, indicators, measurements.

Nothing here knows a particular region's strategy: its ambitions, its priorities and every
programme are rows that staff edit (a published strategy ships as reference data in
`strategy/reference/`, named by the territory profile).
"""

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from territoria.core.i18n import translations
from territoria.ecosystem.models import Organisation, Publication
from territoria.taxonomy.models import Tag, TaggedModel, concept_field

# Words the dashboard's addresses use, which a version's code cannot be.
RESERVED_CODES = {"versions", "compare", "actions", "indicators", "measurements"}


def validate_strategy_code(code: str) -> None:
    if code in RESERVED_CODES:
        raise ValidationError(
            _("“%(code)s” is a word of the dashboard's addresses; choose another code."),
            params={"code": code},
        )


class Strategy(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft (staff only)")
        PROPOSED = "proposed", _("proposed")
        ACTIVE = "active", _("in force")
        CLOSED = "closed", _("closed")

    class Level(models.TextChoices):
        AMBITION = "ambition", _("ambitions")
        PRIORITY = "priority", _("priorities")

    code = models.SlugField(
        _("code"), max_length=60, unique=True, validators=[validate_strategy_code]
    )
    name = models.CharField(_("name"), max_length=200)
    version = models.CharField(_("version"), max_length=100, blank=True)
    start_year = models.PositiveSmallIntegerField(_("first year"))
    end_year = models.PositiveSmallIntegerField(_("last year"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    level = models.CharField(
        _("top level called"),
        max_length=10,
        choices=Level.choices,
        default=Level.AMBITION,
        help_text=_("What this version calls its top level: ambitions or priorities."),
    )
    is_default = models.BooleanField(
        _("shown first"),
        default=False,
        help_text=_("The version the dashboard opens on. Only one version can be shown first."),
    )
    description = models.TextField(_("description"), blank=True)
    source = models.ForeignKey(
        Publication,
        verbose_name=_("source document"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("strategy version")
        verbose_name_plural = _("strategy versions")
        ordering = ["start_year", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_strategy"
            ),
            models.CheckConstraint(
                condition=Q(end_year__gte=models.F("start_year")), name="strategy_period_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.start_year}-{self.end_year})"

    def get_absolute_url(self) -> str:
        return reverse("strategy:home", args=[self.code])

    @property
    def period(self) -> str:
        return f"{self.start_year}-{self.end_year}"

    @property
    def is_public(self) -> bool:
        return self.status != self.Status.DRAFT

    def clean(self) -> None:
        super().clean()
        if self.start_year and self.end_year and self.end_year < self.start_year:
            raise ValidationError({"end_year": _("The last year comes before the first.")})


class Ambition(models.Model):
    strategy = models.ForeignKey(
        Strategy, verbose_name=_("strategy"), on_delete=models.CASCADE, related_name="ambitions"
    )
    code = models.SlugField(
        _("code"),
        max_length=60,
        help_text=_("The same code in two versions marks the same ambition, for comparisons."),
    )
    order = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("title"), max_length=200)
    title_nl, title_de, title_en = translations(title)
    summary = models.CharField(_("motto"), max_length=255, blank=True)
    summary_nl, summary_de, summary_en = translations(summary)
    description = models.TextField(_("description"), blank=True)
    description_nl, description_de, description_en = translations(description)
    values = models.CharField(
        _("values"),
        max_length=255,
        blank=True,
        help_text=_("The ambition's values, separated by commas (e.g. resilience, trust)."),
    )
    url = models.URLField(_("web page"), blank=True)

    class Meta:
        verbose_name = _("ambition")
        verbose_name_plural = _("ambitions")
        ordering = ["strategy", "order"]
        constraints = [
            models.UniqueConstraint(fields=["strategy", "code"], name="ambition_code_per_strategy"),
            models.UniqueConstraint(
                fields=["strategy", "order"], name="ambition_order_per_strategy"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("strategy:ambition", args=[self.strategy.code, self.code])

    @property
    def value_list(self) -> list[str]:
        return [value.strip() for value in self.values.split(",") if value.strip()]


class PolicyLever(models.Model):
    ambition = models.ForeignKey(
        Ambition, verbose_name=_("ambition"), on_delete=models.CASCADE, related_name="levers"
    )
    code = models.SlugField(_("code"), max_length=60)
    order = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("policy lever")
        verbose_name_plural = _("policy levers")
        ordering = ["ambition", "order"]
        constraints = [
            models.UniqueConstraint(fields=["ambition", "code"], name="lever_code_per_ambition")
        ]

    def __str__(self) -> str:
        return self.title


class Programme(models.Model):
    strategy = models.ForeignKey(
        Strategy, verbose_name=_("strategy"), on_delete=models.CASCADE, related_name="programmes"
    )
    ambition = models.ForeignKey(
        Ambition, verbose_name=_("ambition"), on_delete=models.PROTECT, related_name="programmes"
    )
    code = models.SlugField(
        _("code"),
        max_length=60,
        help_text=_("The same code in two versions marks a programme carried over."),
    )
    name = models.CharField(_("name"), max_length=200)
    name_nl, name_de, name_en = translations(name)
    description = models.TextField(_("description"), blank=True)
    description_nl, description_de, description_en = translations(description)
    url = models.URLField(_("web page"), blank=True)
    partners = models.ManyToManyField(
        Organisation, verbose_name=_("partner organisations"), blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["strategy", "ambition__order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["strategy", "code"], name="programme_code_per_strategy")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("strategy:programme", args=[self.strategy.code, self.code])

    def clean(self) -> None:
        super().clean()
        if self.ambition_id and self.strategy_id and self.ambition.strategy_id != self.strategy_id:
            raise ValidationError(
                {"ambition": _("Choose an ambition of the programme's own strategy version.")}
            )


class Action(TaggedModel):
    """An operational action. Target audiences are its tags in the `audience` scheme."""

    concept_fields = {"action_type": "action-type"}

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        ONGOING = "ongoing", _("ongoing")
        DONE = "done", _("done")

    class Precision(models.TextChoices):
        DAY = "day", _("day")
        MONTH = "month", _("month")
        YEAR = "year", _("year")

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="actions"
    )
    code = models.SlugField(_("code"), max_length=80)
    title = models.CharField(_("title"), max_length=255)
    title_nl, title_de, title_en = translations(title)
    description = models.TextField(_("description"), blank=True)
    action_type = concept_field("action-type", _("type"))
    start_on = models.DateField(_("start"), null=True, blank=True)
    end_on = models.DateField(_("end"), null=True, blank=True)
    date_precision = models.CharField(
        _("dates known to the"),
        max_length=5,
        choices=Precision.choices,
        default=Precision.DAY,
        help_text=_("When the sources give only a year, the dates are its first and last day."),
    )
    status = models.CharField(_("status"), max_length=8, choices=Status.choices)
    budget = models.DecimalField(
        _("budget (€)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    recovery_plan = models.BooleanField(_("funded by the recovery plan"), default=False)
    partners = models.ManyToManyField(
        Organisation, verbose_name=_("partners"), blank=True, related_name="+"
    )
    levers = models.ManyToManyField(
        PolicyLever, verbose_name=_("policy levers"), blank=True, related_name="actions"
    )
    tags = GenericRelation(Tag, related_query_name="action")

    class Meta:
        verbose_name = pgettext_lazy("strategy", "action")
        verbose_name_plural = pgettext_lazy("strategy", "actions")
        ordering = ["programme", "title", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="action_code_per_programme"),
            models.CheckConstraint(
                condition=Q(start_on__isnull=True)
                | Q(end_on__isnull=True)
                | Q(end_on__gte=models.F("start_on")),
                name="action_dates_order",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("strategy:action", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        if self.start_on and self.end_on and self.end_on < self.start_on:
            raise ValidationError({"end_on": _("The end comes before the start.")})

    def shown_date(self, day: datetime.date | None) -> str:
        """A date as precisely as it is known: 2022, 03/2022 or 15/03/2022."""
        if day is None:
            return ""
        if self.date_precision == self.Precision.YEAR:
            return str(day.year)
        if self.date_precision == self.Precision.MONTH:
            return f"{day.month:02d}/{day.year}"
        return day.strftime("%d/%m/%Y")

    @property
    def shown_start(self) -> str:
        return self.shown_date(self.start_on)

    @property
    def shown_end(self) -> str:
        return self.shown_date(self.end_on)


class Indicator(models.Model):
    class Unit(models.TextChoices):
        COUNT = "count", _("count")
        EUR = "eur", _("euros")
        PERCENT = "percent", _("percentage")
        RATIO = "ratio", _("ratio")

    class Direction(models.TextChoices):
        INCREASE = "increase", _("from below: at or above the target")
        DECREASE = "decrease", _("from above: at or below the target")

    class Aggregation(models.TextChoices):
        SUM = "sum", _("sum of the measurements")
        LAST = "last", _("last value")
        MAX = "max", _("highest value")

    code = models.SlugField(_("code"), max_length=80, unique=True)
    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="indicators"
    )
    action = models.ForeignKey(
        Action,
        verbose_name=pgettext_lazy("strategy", "action"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="indicators",
        help_text=_("Leave empty for an indicator of the whole programme."),
    )
    name = models.CharField(_("name"), max_length=255)
    name_nl, name_de, name_en = translations(name)
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices)
    unit_label = models.CharField(
        _("unit as shown"), max_length=40, blank=True, help_text=_("e.g. households, schools, €")
    )
    definition = models.TextField(_("definition"), blank=True)
    aggregation = models.CharField(
        _("aggregation"),
        max_length=5,
        choices=Aggregation.choices,
        default=Aggregation.LAST,
        help_text=_(
            "Sum: each measurement is an amount for its period. Last value: each is a running "
            "total or a level. Highest value: the peak counts."
        ),
    )
    is_key = models.BooleanField(_("key indicator"), default=False)
    target_value = models.DecimalField(
        _("target"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    target_date = models.DateField(_("target date"), null=True, blank=True)
    target_direction = models.CharField(
        _("the target is reached"),
        max_length=8,
        choices=Direction.choices,
        default=Direction.INCREASE,
    )

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["programme", "-is_key", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("strategy:indicator", args=[self.code])

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        action = self.action if self.action_id else None
        if action is not None and self.programme_id and action.programme_id != self.programme_id:
            errors["action"] = _("Choose an action of the indicator's programme.")
        if (self.target_value is None) != (self.target_date is None):
            errors["target_date"] = _("A target needs both a value and a date.")
        if self.target_value is not None and self.unit:
            problem = unit_problem(self.unit, self.target_value)
            if problem:
                errors["target_value"] = problem
        if self.pk and self.unit:
            wrong = [
                m.measured_on.isoformat()
                for m in Measurement.objects.filter(indicator=self)
                if unit_problem(self.unit, Decimal(m.value))
            ]
            if wrong:
                errors["unit"] = _(
                    "Measurements recorded on %s do not fit this unit; correct them first."
                ) % ", ".join(wrong[:10])
        if errors:
            raise ValidationError(errors)


# What the value columns hold everywhere (SQLite keeps decimals as floating point).
MAX_MAGNITUDE = Decimal(10) ** 12
MAX_DECIMALS = 4


def unit_problem(unit: str, value: Decimal) -> str:
    """Why `value` cannot be a measurement in `unit` (empty: any unit), or an empty string."""
    if not value.is_finite():
        return str(_("The value must be a finite number."))
    if abs(value) >= MAX_MAGNITUDE:
        return str(_("The value is too large (at most 12 digits before the decimal point)."))
    if value != value.quantize(Decimal(1).scaleb(-MAX_DECIMALS)):
        return str(_("At most 4 decimals."))
    if unit in (Indicator.Unit.COUNT, Indicator.Unit.EUR, Indicator.Unit.RATIO) and value < 0:
        return str(_("The value cannot be negative for this unit."))
    if unit == Indicator.Unit.COUNT and value != value.to_integral_value():
        return str(_("A count is a whole number."))
    if unit == Indicator.Unit.PERCENT and not Decimal(-100) <= value <= Decimal(100):
        return str(_("A percentage lies between -100 and 100."))
    if unit == Indicator.Unit.EUR and value != value.quantize(Decimal("0.01")):
        return str(_("An amount in euros has at most two decimals."))
    return ""


class Measurement(models.Model):
    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("indicator"),
        on_delete=models.CASCADE,
        related_name="measurements",
    )
    measured_on = models.DateField(_("date"))
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=4)
    source_publication = models.ForeignKey(
        Publication,
        verbose_name=_("source publication"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source_url = models.URLField(_("source address"), blank=True)
    note = models.TextField(
        _("note"), blank=True, help_text=_("The passage of the source that states the figure.")
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")
        ordering = ["indicator", "measured_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "measured_on"], name="one_measurement_per_indicator_and_date"
            ),
            models.CheckConstraint(
                condition=Q(source_publication__isnull=False) | ~Q(source_url=""),
                name="measurement_has_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.value} ({self.measured_on})"

    @property
    def source_link(self) -> str:
        if self.source_url:
            return self.source_url
        if self.source_publication_id and self.source_publication:
            return self.source_publication.url
        return ""

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        if not self.source_publication_id and not self.source_url:
            errors["source_url"] = _("Give the source: a publication or an address.")
        if self.measured_on and self.measured_on > timezone.localdate():
            errors["measured_on"] = _("A measurement cannot be dated in the future.")
        if self.indicator_id and self.value is not None:
            problem = unit_problem(self.indicator.unit, Decimal(self.value))
            if problem:
                errors["value"] = problem
        if errors:
            raise ValidationError(errors)


class MeasurementImport(models.Model):
    """A CSV of measurements uploaded by staff: checked first, imported on confirmation."""

    class Status(models.TextChoices):
        CHECKED = "checked", _("checked, waiting for confirmation")
        IMPORTED = "imported", _("imported")
        CANCELLED = "cancelled", _("cancelled")

    file_name = models.CharField(_("file"), max_length=255)
    content = models.TextField()
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.CHECKED
    )
    lines = models.PositiveIntegerField(_("data lines"), default=0)
    valid_lines = models.PositiveIntegerField(_("valid lines"), default=0)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    imported = models.PositiveIntegerField(_("measurements imported"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("measurement import")
        verbose_name_plural = _("measurement imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("strategy:import_detail", args=[self.pk])
