from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.contenttypes.admin import GenericTabularInline
from django.db.models import QuerySet
from django.http import HttpRequest

from territoria.core.admin import AuditedAdmin, TranslatedFields
from territoria.core.services import record_audit
from territoria.taxonomy.models import Concept, ConceptScheme, Magnet, Tag
from territoria.taxonomy.services import rebuild_closure, save_magnet, tags_of
from territoria.taxonomy.services.magnets import TRANSLATION_FIELDS, selection_problems


@admin.register(ConceptScheme)
class ConceptSchemeAdmin(AuditedAdmin):
    list_display = ("code", "title_fr", "kind", "position")
    list_filter = ("kind",)
    search_fields = ("code", "title_fr", "title_nl", "title_de", "title_en")


@admin.register(Concept)
class ConceptAdmin(AuditedAdmin):
    list_display = ("notation", "label_fr", "scheme", "parent")
    list_filter = ("scheme",)
    search_fields = ("notation", "label_fr", "label_nl", "label_de", "label_en")
    autocomplete_fields = ("parent",)
    list_select_related = ("scheme", "parent")

    def save_model(self, request: HttpRequest, obj: Concept, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        rebuild_closure(obj.scheme)


class TagInline(GenericTabularInline):
    """Tags on any container's admin page (the schemes kept by concept fields are left out)."""

    model = Tag
    fields = ("concept", "provenance", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("concept",)
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tag]:
        schemes = getattr(self.parent_model, "concept_fields", {}).values()
        return (
            super()
            .get_queryset(request)
            .exclude(concept__scheme__code__in=schemes)
            .select_related("concept__scheme")
        )


class ContainerAdmin(AuditedAdmin):
    """Admin of a tagged record: audited, with its tags inline and kept in step with its concept fields."""

    unaudited_inlines = (Tag,)  # audited below, as one "tags.set" entry

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        record = form.instance
        before = sorted(c.code for c in tags_of(record))
        super().save_related(request, form, formsets, change)
        record.sync_concept_field_tags()  # an inline tag may not contradict a concept field
        after = sorted(c.code for c in tags_of(record))
        if before != after:
            record_audit(
                request.user,
                "tags.set",
                record,
                before={"concepts": before},
                after={"concepts": after},
            )


class MagnetForm(forms.ModelForm):
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for field, problem in selection_problems(
            data.get("container", ""), data.get("expression")
        ).items():
            self.add_error(field, problem)
        return data


@admin.register(Magnet)
class MagnetAdmin(TranslatedFields, admin.ModelAdmin):
    form = MagnetForm
    translated_fields = ("name", "description")
    list_display = ("name", "slug", "container", "is_public", "updated_at")
    list_filter = ("container", "is_public")
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}

    def save_model(self, request: HttpRequest, obj: Magnet, form: object, change: bool) -> None:
        # The form has validated every field (MagnetForm); go through the audited service.
        original = Magnet.objects.get(pk=obj.pk) if change else None
        obj.pk = save_magnet(
            original,
            actor=request.user,
            name=obj.name,
            slug=obj.slug,
            description=obj.description,
            container=obj.container,
            expression=obj.expression,
            is_public=obj.is_public,
            translations={field: getattr(obj, field) for field in TRANSLATION_FIELDS},
        ).pk
