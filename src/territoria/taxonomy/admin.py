from django.contrib import admin
from django.contrib.contenttypes.admin import GenericTabularInline
from django.db import transaction
from django.http import HttpRequest

from territoria.taxonomy.models import Concept, ConceptScheme, Magnet, Tag
from territoria.taxonomy.services import rebuild_closure, save_magnet
from territoria.taxonomy.signals import concepts_changed


class ConceptInline(admin.TabularInline):
    model = Concept
    fields = ("notation", "label_fr", "label_nl", "label_de", "label_en", "parent", "position")
    extra = 0
    show_change_link = True
    autocomplete_fields = ("parent",)


@admin.register(ConceptScheme)
class ConceptSchemeAdmin(admin.ModelAdmin):
    list_display = ("code", "title_fr", "kind", "position")
    list_filter = ("kind",)
    search_fields = ("code", "title_fr", "title_nl", "title_de", "title_en")


@admin.register(Concept)
class ConceptAdmin(admin.ModelAdmin):
    list_display = ("notation", "label_fr", "scheme", "parent")
    list_filter = ("scheme",)
    search_fields = ("notation", "label_fr", "label_nl", "label_de", "label_en")
    autocomplete_fields = ("parent",)
    list_select_related = ("scheme", "parent")

    @transaction.atomic
    def save_model(self, request: HttpRequest, obj: Concept, form: object, change: bool) -> None:
        super().save_model(request, obj, form, change)
        rebuild_closure(obj.scheme)
        concepts_changed.send(sender=Concept, scheme=obj.scheme)


class TagInline(GenericTabularInline):
    """Tags on any container's admin page."""

    model = Tag
    fields = ("concept", "provenance", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("concept",)
    extra = 0


@admin.register(Magnet)
class MagnetAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "container", "is_public", "updated_at")
    list_filter = ("container", "is_public")
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}

    def save_model(self, request: HttpRequest, obj: Magnet, form: object, change: bool) -> None:
        # The form has validated every field (Magnet.clean); go through the audited service.
        original = Magnet.objects.get(pk=obj.pk) if change else None
        save_magnet(
            original,
            actor=request.user,
            name=obj.name,
            slug=obj.slug,
            description=obj.description,
            container=obj.container,
            expression=obj.expression,
            is_public=obj.is_public,
        )
