from django.contrib import admin

from leads.admin import LeadScopedAdminMixin
from performance.models import AccountPerformance


@admin.register(AccountPerformance)
class AccountPerformanceAdmin(LeadScopedAdminMixin, admin.ModelAdmin):
    list_display = ("lead", "classification", "score", "value_30d", "value_at_risk", "last_order_at", "computed_at")
    list_filter = ("classification",)
    search_fields = ("lead__name", "lead__city")
    autocomplete_fields = ("lead",)
    list_select_related = ("lead",)
    readonly_fields = [f.name for f in AccountPerformance._meta.fields]
