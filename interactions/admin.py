from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from interactions.models import Interaction, Order
from leads.admin import LeadScopedAdminMixin


@admin.register(Interaction)
class InteractionAdmin(LeadScopedAdminMixin, admin.ModelAdmin):
    list_display = ("lead", "kind", "outcome", "performed_by", "occurred_at", "duration_minutes")
    list_filter = ("kind", "outcome")
    search_fields = ("lead__name", "notes")
    autocomplete_fields = ("lead", "contact", "performed_by")
    list_select_related = ("lead", "performed_by")
    date_hierarchy = "occurred_at"


@admin.register(Order)
class OrderAdmin(LeadScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ("lead", "placed_at", "amount", "currency", "item_count", "external_ref", "credited_to")
    list_filter = ("currency",)
    search_fields = ("lead__name", "external_ref")
    autocomplete_fields = ("lead", "recorded_by", "credited_to")
    list_select_related = ("lead", "credited_to")
    date_hierarchy = "placed_at"
