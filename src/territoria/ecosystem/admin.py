from typing import Any

from django import forms
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


class OrganisationForm(forms.ModelForm):
    """The organisation, and whether the natural person behind it consents to publication."""

    publication_consent = forms.BooleanField(
        label=_("consents to publication"),
        required=False,
        help_text=_(
            "A natural person (self-employed) appears on public pages, magnets and Open Data "
            "only once their consent is recorded here. Their street address is never published."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        consent = self.instance.publication_consent_at is not None
        self.fields["publication_consent"].initial = consent


@admin.register(Organisation)
class OrganisationAdmin(ContainerAdmin):
    form = OrganisationForm
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
    readonly_fields = (
        "publication_consent_at",
        "publication_consent_by",
        "created_at",
        "updated_at",
    )
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
        (
            _("Publication"),
            {
                "fields": (
                    "publication_consent",
                    "publication_consent_at",
                    "publication_consent_by",
                )
            },
        ),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )

    def save_model(self, request: HttpRequest, obj: Organisation, form: Any, change: bool) -> None:
        # Set before the audited save, so that its entry shows the consent and who recorded it.
        obj.record_publication_consent(form.cleaned_data["publication_consent"], request.user)
        super().save_model(request, obj, form, change)


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
