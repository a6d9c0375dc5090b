from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse

from kam.models import Role
from kam.outbox import enqueue_on_commit
from leads.admin import LeadScopedAdminMixin
from performance.models import AccountPerformance, ClassificationChange, ManagerReport, PerformancePolicy
from performance.tasks import recompute_performance


@admin.register(AccountPerformance)
class AccountPerformanceAdmin(LeadScopedAdminMixin, admin.ModelAdmin):
    list_display = ("lead", "classification", "score", "trend", "value_30d", "value_at_risk", "last_order_at")
    list_filter = ("classification", "trend")
    search_fields = ("lead__name", "lead__city")
    autocomplete_fields = ("lead",)
    list_select_related = ("lead",)
    readonly_fields = [f.name for f in AccountPerformance._meta.fields]

    def has_add_permission(self, request):
        return False  # rows are computed, never typed in


@admin.register(ClassificationChange)
class ClassificationChangeAdmin(LeadScopedAdminMixin, admin.ModelAdmin):
    list_display = ("lead", "from_classification", "to_classification", "score", "changed_at")
    list_filter = ("to_classification", "from_classification")
    search_fields = ("lead__name",)
    list_select_related = ("lead",)
    date_hierarchy = "changed_at"
    readonly_fields = [f.name for f in ClassificationChange._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ManagerReport)
class ManagerReportAdmin(admin.ModelAdmin):
    list_display = ("manager", "report_date", "recipient", "sent_at")
    list_filter = ("report_date",)
    list_select_related = ("manager",)
    readonly_fields = [f.name for f in ManagerReport._meta.fields]

    def get_queryset(self, request):
        # A manager sees the reports sent to them; an admin every report.
        reports = super().get_queryset(request)
        return reports if request.user.role == Role.ADMIN else reports.filter(manager=request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PerformancePolicy)
class PerformancePolicyAdmin(admin.ModelAdmin):
    """The single policy row: the list page opens it directly; saving queues a recompute of every account."""

    fieldsets = (
        (
            "Weights (must add up to 100)",
            {"fields": ("weight_gap", "weight_value_trend", "weight_order_trend", "weight_peers", "weight_contact")},
        ),
        ("Gap since the last order", {"fields": ("gap_amber_ratio", "gap_red_ratio")}),
        ("Trends (last 4 weeks against the 4 before)", {"fields": ("trend_flag_pct", "trend_full_pct")}),
        ("Peers", {"fields": ("peer_group", "peer_low_ratio", "peer_high_ratio")}),
        ("Contact", {"fields": ("contact_grace_days", "contact_default_frequency_days")}),
        ("Account age", {"fields": ("new_account_days", "repeat_order_days", "lapsed_days")}),
        (
            "Classes by score",
            {"fields": ("well_performing_min_score", "steady_min_score", "at_risk_min_score", "trend_arrow_points")},
        ),
        ("Last change", {"fields": ("updated_at", "updated_by")}),
    )
    readonly_fields = ("updated_at", "updated_by")

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not PerformancePolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        policy = PerformancePolicy.objects.first()
        if policy is None:
            return HttpResponseRedirect(reverse("admin:performance_performancepolicy_add"))
        return HttpResponseRedirect(reverse("admin:performance_performancepolicy_change", args=[policy.pk]))

    def get_changeform_initial_data(self, request):
        return {}  # the model's defaults are the policy in code

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
        enqueue_on_commit(recompute_performance)
        messages.info(request, "Every account will be recomputed with the new policy in a moment.")
