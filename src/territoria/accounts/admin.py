from django.contrib import admin

from territoria.accounts.models import Affiliation, AffiliationRequest, Invitation
from territoria.core.admin import AuditedAdmin, ReadOnlyAdmin


@admin.register(Affiliation)
class AffiliationAdmin(AuditedAdmin):
    list_display = ("user", "organisation", "role")
    search_fields = ("user__username", "user__email", "organisation__name")
    autocomplete_fields = ("user", "organisation")


@admin.register(AffiliationRequest)
class AffiliationRequestAdmin(ReadOnlyAdmin):
    list_display = ("user", "enterprise_number", "organisation", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("user__username", "user__email", "enterprise_number", "organisation_name")


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ("email", "role", "created_at", "expires_at", "accepted_at", "revoked_at")
    list_filter = ("role",)
    search_fields = ("email",)
    exclude = ("token_hash",)
