from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from territoria.ecosystem.models import Event, Membership, Organisation, Person, Publication
from territoria.taxonomy.admin import ContainerAdmin, TagInline

# Web addresses typed without a scheme are taken as https (Django 6's default).
URL_FIELDS: dict[type[models.Field[Any, Any]], dict[str, Any]] = {
    models.URLField: {"assume_scheme": "https"}
}


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("person", "organisation")


@admin.register(Organisation)
class OrganisationAdmin(ContainerAdmin):
    formfield_overrides = URL_FIELDS
    list_display = (
        "name",
        "enterprise_number",
        "legal_form",
        "municipality",
        "size_class",
        "is_active",
        "source",
    )
    list_filter = ("is_active", "source", "size_class")
    search_fields = ("name", "enterprise_number", "search_text")
    autocomplete_fields = ("municipality", "size_class")
    list_select_related = ("municipality", "size_class")
    inlines = [TagInline, MembershipInline]
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "enterprise_number",
                    "legal_form",
                    "size_class",
                    "is_active",
                    "source",
                )
            },
        ),
        (
            _("Names"),
            {"fields": ("name_fr", "name_nl", "name_de", "name_en"), "classes": ("collapse",)},
        ),
        (
            _("Address"),
            {
                "fields": (
                    "street",
                    "postcode",
                    "city",
                    "country",
                    "municipality",
                    "latitude",
                    "longitude",
                )
            },
        ),
        (
            _("Presentation"),
            {
                "fields": (
                    "website",
                    "founded_on",
                    "description_fr",
                    "description_nl",
                    "description_de",
                    "description_en",
                )
            },
        ),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )


@admin.register(Person)
class PersonAdmin(ContainerAdmin):
    list_display = ("last_name", "first_name", "email", "public_consent")
    list_filter = ("public_consent",)
    search_fields = ("last_name", "first_name", "email")
    inlines = [MembershipInline, TagInline]


@admin.register(Event)
class EventAdmin(ContainerAdmin):
    formfield_overrides = URL_FIELDS
    list_display = ("title", "starts_on", "event_type", "place", "organiser")
    list_filter = ("event_type", "source")
    search_fields = ("title", "place")
    date_hierarchy = "starts_on"
    autocomplete_fields = ("event_type", "organiser", "participants")
    inlines = [TagInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Event]:
        return super().get_queryset(request).select_related("event_type", "organiser")


@admin.register(Publication)
class PublicationAdmin(ContainerAdmin):
    formfield_overrides = URL_FIELDS
    list_display = ("title", "published_on", "publication_type")
    list_filter = ("publication_type", "source")
    search_fields = ("title", "summary")
    date_hierarchy = "published_on"
    autocomplete_fields = ("publication_type", "organisations")
    inlines = [TagInline]
