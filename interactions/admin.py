from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from interactions.models import Interaction, MorningDigest, Order
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


@admin.register(MorningDigest)
class MorningDigestAdmin(admin.ModelAdmin):
    """Who got the morning digest on which of their days; written only by the hourly job."""

    list_display = ("kam", "day", "call_count", "sent_at")
    list_filter = ("day",)
    search_fields = ("kam__username", "kam__first_name", "kam__last_name")
    list_select_related = ("kam",)
    date_hierarchy = "day"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
