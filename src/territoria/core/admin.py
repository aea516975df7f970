from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from territoria.core.i18n import TRANSLATED_LANGUAGES
from territoria.core.models import AuditEntry, TerritoryProfile, User
from territoria.core.services import record_audit, snapshot

admin.site.site_header = _("Territoria back office")
admin.site.site_title = _("Territoria")


class UserCreationForm(AdminUserCreationForm):
    """Every account has an e-mail: sign-in, resets and notifications go through it."""

    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = UserCreationForm
    list_display = ("username", "email", "role", "is_active", "last_login")
    list_filter = ("role", "is_active")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,  # type: ignore[misc]
        (_("Role"), {"fields": ("role",)}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("E-mail and role"), {"fields": ("email", "role")}),
    )


class ReadOnlyAdmin(admin.ModelAdmin):
    """Read in the back office; changes go through the platform's own pages, which audit them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor", "action", "object_type", "object_repr")
    list_filter = ("action", "object_type")
    search_fields = ("object_repr", "object_id", "actor__username")
    date_hierarchy = "created_at"


class AuditedAdmin(admin.ModelAdmin):
    """A back-office page whose every save and delete writes the audit log, inlines included."""

    # Inline models whose changes the page audits in its own way.
    unaudited_inlines: tuple[type[Any], ...] = ()

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model in self.unaudited_inlines:
            super().save_formset(request, form, formset, change)
            return
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            record_audit(request.user, f"{obj._meta.model_name}.delete", obj, before=snapshot(obj))
            obj.delete()
        for obj in instances:
            manager = type(obj)._default_manager
            before = None if obj._state.adding else snapshot(manager.get(pk=obj.pk))
            obj.save()
            action = f"{obj._meta.model_name}.{'change' if before else 'create'}"
            record_audit(request.user, action, obj, before=before, after=snapshot(obj))
        formset.save_m2m()

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = snapshot(type(obj)._default_manager.get(pk=obj.pk)) if change and obj.pk else None
        super().save_model(request, obj, form, change)
        action = f"{obj._meta.model_name}.{'change' if change else 'create'}"
        record_audit(request.user, action, obj, before=before, after=snapshot(obj))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        record_audit(request.user, f"{obj._meta.model_name}.delete", obj, before=snapshot(obj))
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            record_audit(request.user, f"{obj._meta.model_name}.delete", obj, before=snapshot(obj))
        super().delete_queryset(request, queryset)


class TranslatedFields(admin.options.BaseModelAdmin):
    """Puts the Dutch, German and English of `translated_fields` (see `core.i18n.translations`)
    in a collapsed "Translations" fieldset right after the French, grouped by language."""

    translated_fields: tuple[str, ...] = ()

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        siblings = [
            f"{field}_{code}" for code in TRANSLATED_LANGUAGES for field in self.translated_fields
        ]
        fieldsets: list[tuple[Any, dict[str, Any]]] = [
            (name, {**options, "fields": [f for f in options["fields"] if f not in siblings]})
            for name, options in super().get_fieldsets(request, obj)
        ]
        french = [
            i for i, (_n, o) in enumerate(fieldsets) if self.translated_fields[0] in o["fields"]
        ]
        after = french[0] + 1 if french else len(fieldsets)
        translations = (_("Translations"), {"classes": ["collapse"], "fields": siblings})
        return [*fieldsets[:after], translations, *fieldsets[after:]]


@admin.register(TerritoryProfile)
class TerritoryProfileAdmin(AuditedAdmin):
    """The region's profile, one row: loaded from its file (`load_territory`), edited here."""

    list_display = ("name", "code", "nuts", "updated_at")
    readonly_fields = ("code", "source", "updated_at")
    fieldsets = (
        (None, {"fields": ("code", "source", "updated_at")}),
        (
            _("Region"),
            {"fields": ("name", "name_nl", "name_de", "name_en", "nuts", "region_concept")},
        ),
        (
            _("Map"),
            {
                "fields": (
                    ("west", "south", "east", "north"),
                    ("centroid_longitude", "centroid_latitude"),
                    "tiles_url",
                    "tiles_attribution",
                    "credits",
                )
            },
        ),
        (
            _("Publisher"),
            {
                "fields": (
                    "publisher",
                    "publisher_nl",
                    "publisher_de",
                    "publisher_en",
                    "publisher_url",
                    "publisher_email",
                    "publisher_address",
                )
            },
        ),
        (
            _("Programme and strategy"),
            {
                "fields": (
                    "programme",
                    "programme_nl",
                    "programme_de",
                    "programme_en",
                    "strategy",
                    "strategy_nl",
                    "strategy_de",
                    "strategy_en",
                )
            },
        ),
        (_("Look"), {"fields": ("colour_primary", "colour_accent", "logo_svg")}),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # loaded from its file: `territoria manage load_territory PATH`

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
