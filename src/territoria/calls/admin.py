from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from territoria.calls.models import (
    Application,
    ApplicationDocument,
    Call,
    Criterion,
    DocumentRequirement,
    ExpertCompany,
    Instrument,
    SurveyAnswer,
)
from territoria.calls.services.experts import recognise, refuse_recognition
from territoria.core import territory
from territoria.core.admin import AuditedAdmin, TranslatedFields
from territoria.taxonomy.models import Concept


@admin.register(Instrument)
class InstrumentAdmin(TranslatedFields, AuditedAdmin):
    translated_fields = ("name", "summary", "description")
    list_display = ("name", "code", "prefix", "position")
    search_fields = ("name", "code")


# Stacked: each line's translations fold under it.
class CriterionInline(TranslatedFields, admin.StackedInline):
    model = Criterion
    translated_fields = ("title", "description")
    fields = (("order", "title", "weight", "threshold"), "description")
    extra = 0


class DocumentRequirementInline(TranslatedFields, admin.StackedInline):
    model = DocumentRequirement
    translated_fields = ("label", "help_text")
    fields = (("code", "label"), "help_text")
    extra = 0


@admin.register(Call)
class CallAdmin(TranslatedFields, AuditedAdmin):
    translated_fields = ("title", "summary", "description")
    list_display = ("title", "instrument", "opens_at", "closes_at", "is_published", "budget")
    list_filter = ("instrument", "is_published")
    search_fields = ("title", "code", "summary")
    autocomplete_fields = ("eligible_types", "eligible_sizes", "seat_in")
    inlines = [CriterionInline, DocumentRequirementInline]
    fieldsets = (
        (None, {"fields": ("instrument", "code", "title", "summary", "description", "is_published")}),
        ("Calendrier", {"fields": (("opens_at", "closes_at"), "grace_minutes")}),
        ("Budget", {"fields": (("budget", "max_amount"), "evaluators_per_application", "overall_threshold")}),
        (
            "Éligibilité",
            {"fields": ("eligible_types", "eligible_sizes", "seat_in", "laureate_exclusion_years")},
        ),
    )  # fmt: skip

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        """A new call asks for a seat in the region, as the programme's calls do; staff may
        widen it (empty) or narrow it (a province, a municipality)."""
        initial = super().get_changeform_initial_data(request)
        region = Concept.objects.filter(
            scheme__code="territory", notation=territory.current().region_concept
        ).first()
        if region is not None:
            initial.setdefault("seat_in", str(region.pk))
        return initial


class DocumentInline(admin.TabularInline):
    model = ApplicationDocument
    fields = ("original_name", "kind", "size", "sha256", "uploaded_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    """Read here; status changes go through the workflow (audited), never a raw edit."""

    list_display = ("reference", "call", "organisation", "status", "submitted_at")
    list_filter = ("call__instrument", "call", "status")
    search_fields = ("reference", "title", "organisation__name")
    date_hierarchy = "submitted_at"
    inlines = [DocumentInline]
    readonly_fields = [f.name for f in Application._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.method in ("GET", "HEAD") and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ExpertCompany)
class ExpertCompanyAdmin(AuditedAdmin):
    list_display = ("organisation", "status", "recognised_from", "recognised_until", "languages")
    list_filter = ("status",)
    search_fields = ("organisation__name", "offer")
    autocomplete_fields = ("organisation", "technologies", "regions")
    actions = ["recognise_for_three_years", "refuse"]

    @admin.action(description=_("Recognise for three years from today"))
    def recognise_for_three_years(self, request: HttpRequest, queryset: Any) -> None:
        for expert in queryset:
            recognise(expert, request.user, years=3)

    @admin.action(description=_("Refuse the recognition"))
    def refuse(self, request: HttpRequest, queryset: Any) -> None:
        for expert in queryset:
            refuse_recognition(expert, request.user)


@admin.register(SurveyAnswer)
class SurveyAnswerAdmin(admin.ModelAdmin):
    list_display = ("application", "would_recommend", "improved_competitiveness", "answered_at")
    readonly_fields = [f.name for f in SurveyAnswer._meta.fields]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # the impact figures rest on them

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.method in ("GET", "HEAD") and super().has_change_permission(request, obj)
