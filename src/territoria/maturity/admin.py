"""The questionnaires in the back office: staff edit a draft version (its levels, dimensions,
questions and options), publish it once it reads as a whole, start the next version from a
published one, and download any version as its JSON document.

A published version, or one that assessments use, is read-only: past answers keep the
questions and scoring they were given. Assessments and the barometer's figures are read
here, never changed.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from territoria.core.admin import AuditedAdmin, ReadOnlyAdmin
from territoria.core.services import record_audit
from territoria.maturity import definition as spec
from territoria.maturity.models import (
    Assessment,
    BarometerYear,
    Dimension,
    Level,
    Option,
    Question,
    Questionnaire,
    Recommendation,
)
from territoria.maturity.services.questionnaires import definition_of, store


def is_frozen(questionnaire: Questionnaire | None) -> bool:
    """Published, or answered: no longer edited."""
    return questionnaire is not None and (
        questionnaire.is_published or questionnaire.assessments.exists()
    )


class DraftOnly(AuditedAdmin):
    """Changes only while the questionnaire is an unanswered draft."""

    def questionnaire_of(self, obj: Any) -> Questionnaire | None:
        raise NotImplementedError

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and not is_frozen(self.questionnaire_of(obj) if obj else None)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and not is_frozen(self.questionnaire_of(obj) if obj else None)


class FrozenInline:
    """An inline that follows its page: read-only once the questionnaire is frozen."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not is_frozen(_questionnaire(obj)) and super().has_add_permission(request, obj)  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not is_frozen(_questionnaire(obj)) and super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not is_frozen(_questionnaire(obj)) and super().has_delete_permission(request, obj)  # type: ignore[misc]


def _questionnaire(obj: Any) -> Questionnaire | None:
    if obj is None or isinstance(obj, Questionnaire):
        return obj
    if isinstance(obj, Dimension):
        return obj.questionnaire
    if isinstance(obj, Question):
        return obj.dimension.questionnaire
    return None


class LevelInline(FrozenInline, admin.TabularInline):
    model = Level
    extra = 0
    fields = ("code", "label", "label_nl", "label_de", "label_en", "low", "high")


class DimensionInline(FrozenInline, admin.TabularInline):
    model = Dimension
    extra = 0
    fields = ("position", "code", "label", "label_nl", "label_de", "label_en")
    show_change_link = True


@admin.register(Questionnaire)
class QuestionnaireAdmin(DraftOnly):
    list_display = ("code", "version", "audience", "published_at", "answered")
    list_filter = ("code", "audience")
    inlines = (LevelInline, DimensionInline)
    actions = ("publish", "next_version", "download")
    fields = (
        "code",
        "version",
        "audience",
        "title",
        "title_nl",
        "title_de",
        "title_en",
        "description",
        "description_nl",
        "description_de",
        "description_en",
        "published_at",
    )
    readonly_fields = ("published_at",)

    def questionnaire_of(self, obj: Any) -> Questionnaire | None:
        return obj if isinstance(obj, Questionnaire) else None

    def get_queryset(self, request: HttpRequest) -> QuerySet[Questionnaire]:
        queryset: QuerySet[Questionnaire] = super().get_queryset(request)
        return queryset.annotate(answered_count=Count("assessments"))

    @admin.display(description=_("assessments"), ordering="answered_count")
    def answered(self, obj: Questionnaire) -> int:
        return int(getattr(obj, "answered_count", 0))

    @admin.action(description=_("Publish the selected drafts"))
    def publish(self, request: HttpRequest, queryset: QuerySet[Questionnaire]) -> None:
        for questionnaire in queryset.order_by("code", "version"):
            if questionnaire.is_published:
                continue
            try:
                # Read back as a document and checked whole, as an import would be.
                spec.parse(spec.dump(definition_of(questionnaire)))
            except spec.DefinitionError as error:
                self.message_user(
                    request,
                    _("%(questionnaire)s is not published: %(error)s")
                    % {"questionnaire": questionnaire, "error": error},
                    messages.ERROR,
                )
                continue
            with transaction.atomic():
                questionnaire.published_at = timezone.now()
                questionnaire.save(update_fields=["published_at"])
                record_audit(request.user, "questionnaire.publish", questionnaire)
            self.message_user(
                request, _("%(questionnaire)s is published.") % {"questionnaire": questionnaire}
            )

    @admin.action(description=_("Start the next version of each, as a draft"))
    def next_version(self, request: HttpRequest, queryset: QuerySet[Questionnaire]) -> None:
        for questionnaire in queryset.order_by("code", "version"):
            latest = (
                Questionnaire.objects.filter(code=questionnaire.code)
                .order_by("-version")
                .values_list("version", flat=True)
                .first()
            ) or 0
            definition = dataclasses.replace(definition_of(questionnaire), version=latest + 1)
            draft = store(definition, publish=False)
            record_audit(request.user, "questionnaire.create", draft)
            self.message_user(
                request,
                _("%(questionnaire)s is a draft to edit, then publish.") % {"questionnaire": draft},
            )

    @admin.action(description=_("Download as JSON (one questionnaire)"))
    def download(
        self, request: HttpRequest, queryset: QuerySet[Questionnaire]
    ) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, _("Choose one questionnaire to download."), messages.ERROR)
            return None
        questionnaire = queryset.get()
        document = spec.dump(definition_of(questionnaire))
        response = HttpResponse(
            json.dumps(document, ensure_ascii=False, indent=2) + "\n",
            content_type="application/json; charset=utf-8",
        )
        name = f"{questionnaire.code}-v{questionnaire.version}.json"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class QuestionInline(FrozenInline, admin.StackedInline):
    model = Question
    extra = 0
    fields = ("position", "code", "kind", "weight", "text", "text_nl", "text_de", "text_en")
    show_change_link = True


@admin.register(Dimension)
class DimensionAdmin(DraftOnly):
    list_display = ("code", "questionnaire", "position", "label")
    list_filter = ("questionnaire__code",)
    inlines = (QuestionInline,)
    exclude = ("questionnaire",)

    def questionnaire_of(self, obj: Any) -> Questionnaire | None:
        return obj.questionnaire if isinstance(obj, Dimension) else None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a dimension is added on its questionnaire's page


class OptionInline(FrozenInline, admin.TabularInline):
    model = Option
    extra = 0
    fields = (
        "position",
        "code",
        "label",
        "label_nl",
        "label_de",
        "label_en",
        "score",
        "points",
        "exclusive",
    )


@admin.register(Question)
class QuestionAdmin(DraftOnly):
    list_display = ("code", "dimension", "kind", "weight")
    list_filter = ("dimension__questionnaire__code", "kind")
    inlines = (OptionInline,)
    exclude = ("dimension",)

    def questionnaire_of(self, obj: Any) -> Questionnaire | None:
        return obj.dimension.questionnaire if isinstance(obj, Question) else None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a question is added on its dimension's page


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ("pk", "questionnaire", "enterprise_number", "year", "overall", "completed_at")
    list_filter = ("questionnaire__code", "year", "nace_section", "size_class")
    search_fields = ("enterprise_number",)
    exclude = ("answers", "key_hash")


@admin.register(BarometerYear)
class BarometerYearAdmin(ReadOnlyAdmin):
    list_display = ("questionnaire_code", "year", "respondents", "published_at")


@admin.register(Recommendation)
class RecommendationAdmin(AuditedAdmin):
    """The report's advice: when a dimension scores under the threshold, the report gives
    this text and points to the programmes, the instruments' calls and the recognised
    experts offering the technologies chosen here."""

    list_display = ("title", "questionnaire_code", "dimension", "below", "position", "is_active")
    list_filter = ("questionnaire_code", "is_active")
    list_editable = ("below", "position", "is_active")
    search_fields = ("code", "title", "advice")
    filter_horizontal = ("instruments", "programmes")
    autocomplete_fields = ("technologies",)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "code",
                    "questionnaire_code",
                    "dimension",
                    "below",
                    "position",
                    "is_active",
                )
            },
        ),
        (
            _("Advice"),
            {
                "fields": (
                    "title",
                    "title_nl",
                    "title_de",
                    "title_en",
                    "advice",
                    "advice_nl",
                    "advice_de",
                    "advice_en",
                )
            },
        ),
        (_("Points to"), {"fields": ("instruments", "programmes", "technologies")}),
    )
