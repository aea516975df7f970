from django.contrib import admin

from territoria.accounts.models import Affiliation
from territoria.core.admin import AuditedAdmin


@admin.register(Affiliation)
class AffiliationAdmin(AuditedAdmin):
    list_display = ("user", "organisation", "role")
    search_fields = ("user__username", "organisation__name")
    autocomplete_fields = ("user", "organisation")
