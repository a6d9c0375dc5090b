from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from leads.models import Lead, LeadAssignment, LeadStatusChange


class LeadStatusChangeInline(admin.TabularInline):
    model = LeadStatusChange
    extra = 0
    can_delete = False
    readonly_fields = ("from_status", "to_status", "changed_by", "changed_at", "note")

    def has_add_permission(self, request, obj=None):
        return False


class LeadAssignmentInline(admin.TabularInline):
    model = LeadAssignment
    extra = 0
    can_delete = False
    readonly_fields = ("from_owner", "to_owner", "assigned_by", "assigned_at", "reason", "handover_note")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Lead)
class LeadAdmin(SimpleHistoryAdmin):
    list_display = ("name", "city", "status", "owner", "next_call_date", "last_call_at", "is_archived")
    list_filter = ("status", "is_archived", "city", "owner")
    search_fields = ("name", "legal_name", "city", "contacts__phone", "contacts__name")
    autocomplete_fields = ("owner",)
    list_select_related = ("owner",)
    readonly_fields = (
        "status",
        "lost_reason",
        "last_call_at",
        "last_connected_call_at",
        "follow_up_at",
        "next_call_date",
        "next_call_at",
        "created_at",
        "updated_at",
    )
    inlines = [LeadStatusChangeInline, LeadAssignmentInline]


@admin.register(LeadStatusChange)
class LeadStatusChangeAdmin(admin.ModelAdmin):
    list_display = ("lead", "from_status", "to_status", "changed_by", "changed_at")
    list_filter = ("to_status",)
    search_fields = ("lead__name",)
    autocomplete_fields = ("lead", "changed_by")
    list_select_related = ("lead", "changed_by")


@admin.register(LeadAssignment)
class LeadAssignmentAdmin(admin.ModelAdmin):
    list_display = ("lead", "from_owner", "to_owner", "assigned_by", "assigned_at", "reason")
    search_fields = ("lead__name", "reason")
    autocomplete_fields = ("lead", "from_owner", "to_owner", "assigned_by")
    list_select_related = ("lead", "from_owner", "to_owner", "assigned_by")
