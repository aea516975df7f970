from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from territoria.core.admin import AuditedAdmin, TranslatedFields
from territoria.ecosystem.admin import URL_FIELDS
from territoria.strategy.models import (
    Action,
    Ambition,
    Indicator,
    Measurement,
    MeasurementImport,
    PolicyLever,
    Programme,
    Strategy,
)
from territoria.taxonomy.admin import ContainerAdmin, TagInline


class AmbitionInline(admin.TabularInline):
    model = Ambition
    fields = ("order", "code", "title", "summary", "values")
    extra = 0
    show_change_link = True


@admin.register(Strategy)
class StrategyAdmin(AuditedAdmin):
    list_display = ("name", "code", "start_year", "end_year", "version", "status", "is_default")
    list_filter = ("status",)
    search_fields = ("name", "code", "version")
    autocomplete_fields = ("source",)
    inlines = [AmbitionInline]


class PolicyLeverInline(admin.StackedInline):
    model = PolicyLever
    fields = (("order", "code", "title"), "description")
    extra = 0


@admin.register(Ambition)
class AmbitionAdmin(TranslatedFields, AuditedAdmin):
    translated_fields = ("title", "summary", "description")
    formfield_overrides = URL_FIELDS
    list_display = ("title", "strategy", "order", "values")
    list_filter = ("strategy",)
    search_fields = ("title", "code", "description")
    list_select_related = ("strategy",)
    inlines = [PolicyLeverInline]


@admin.register(Programme)
class ProgrammeAdmin(TranslatedFields, AuditedAdmin):
    translated_fields = ("name", "description")
    formfield_overrides = URL_FIELDS
    list_display = ("name", "code", "ambition", "strategy")
    list_filter = ("strategy", "ambition")
    search_fields = ("name", "code", "description")
    list_select_related = ("strategy", "ambition")
    autocomplete_fields = ("partners",)


class IndicatorInline(admin.TabularInline):
    """An action's indicators; they belong to the action's programme."""

    model = Indicator
    fields = (
        "code", "name", "unit", "aggregation", "is_key", "target_value", "target_date",
        "target_direction",
    )  # fmt: skip
    extra = 0
    show_change_link = True


class ActionForm(forms.ModelForm):
    class Meta:
        model = Action
        fields = (
            "programme", "code", "title", "description", "action_type", "start_on", "end_on",
            "date_precision", "status", "budget", "recovery_plan", "partners", "levers",
        )  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        programme, levers = data.get("programme"), data.get("levers")
        if programme and levers:
            foreign = [
                lever for lever in levers if lever.ambition.strategy_id != programme.strategy_id
            ]
            if foreign:
                self.add_error(
                    "levers",
                    _("Choose levers of the programme's own strategy version (not: %s).")
                    % ", ".join(str(lever) for lever in foreign),
                )
        return data


@admin.register(Action)
class ActionAdmin(TranslatedFields, ContainerAdmin):
    form = ActionForm
    translated_fields = ("title",)
    list_display = (
        "title",
        "programme",
        "action_type",
        "status",
        "start_on",
        "end_on",
        "recovery_plan",
    )
    list_filter = ("programme__strategy", "status", "recovery_plan", "action_type", "programme")
    search_fields = ("title", "code", "description")
    list_select_related = ("programme", "action_type")
    autocomplete_fields = ("programme", "action_type", "partners", "levers")
    inlines = [TagInline, IndicatorInline]
    fieldsets = (
        (None, {"fields": ("programme", "code", "title", "description", "action_type")}),
        (_("Dates and status"), {"fields": (("start_on", "end_on", "date_precision"), "status")}),
        (_("Funding and partners"), {"fields": ("budget", "recovery_plan", "partners", "levers")}),
    )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is Indicator:
            for indicator_form in formset.forms:
                indicator_form.instance.programme_id = form.instance.programme_id
        super().save_formset(request, form, formset, change)


@admin.register(PolicyLever)
class PolicyLeverAdmin(AuditedAdmin):
    list_display = ("title", "ambition", "order")
    list_filter = ("ambition__strategy",)
    search_fields = ("title", "code", "description")


class MeasurementInline(admin.TabularInline):
    model = Measurement
    formfield_overrides = URL_FIELDS
    fields = ("measured_on", "value", "source_publication", "source_url", "note")
    autocomplete_fields = ("source_publication",)
    extra = 1


@admin.register(Indicator)
class IndicatorAdmin(TranslatedFields, AuditedAdmin):
    translated_fields = ("name",)
    list_display = ("name", "code", "programme", "unit", "aggregation", "is_key", "target_value")
    list_filter = ("programme__strategy", "unit", "is_key", "programme")
    search_fields = ("name", "code", "definition")
    list_select_related = ("programme",)
    autocomplete_fields = ("programme", "action")
    inlines = [MeasurementInline]


@admin.register(Measurement)
class MeasurementAdmin(AuditedAdmin):
    formfield_overrides = URL_FIELDS
    list_display = ("indicator", "measured_on", "value", "source_publication", "recorded_at")
    list_filter = ("indicator__programme__strategy", "indicator__programme")
    search_fields = ("indicator__name", "indicator__code", "note")
    date_hierarchy = "measured_on"
    list_select_related = ("indicator", "source_publication")
    autocomplete_fields = ("indicator", "source_publication")


@admin.register(MeasurementImport)
class MeasurementImportAdmin(admin.ModelAdmin):
    list_display = (
        "file_name",
        "status",
        "lines",
        "valid_lines",
        "imported",
        "created_by",
        "created_at",
        "review",
    )
    list_filter = ("status",)
    # The file's text stays out of the page (up to 5 MB); the review page shows its report.
    fields = (
        "file_name", "status", "lines", "valid_lines", "imported", "problems", "created_by",
        "created_at", "finished_at",
    )  # fmt: skip
    readonly_fields = fields

    @admin.display(description=_("review"))
    def review(self, obj: MeasurementImport) -> str:
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), _("open"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # the record of what was imported, by whom, stays
