from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from contacts.models import Contact
from leads.admin import LeadScopedAdminMixin


@admin.register(Contact)
class ContactAdmin(LeadScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ("name", "lead", "role", "phone", "email", "is_primary", "prefers_whatsapp")
    list_filter = ("role", "is_primary", "prefers_whatsapp")
    search_fields = ("name", "phone", "email", "lead__name")
    autocomplete_fields = ("lead",)
    list_select_related = ("lead",)
