"""What is published, computed once: the barometer's closed years and the laureates'
closed cohorts."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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
