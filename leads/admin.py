"""Django admin for accounts, as managers use it: their team's accounts only, and reassignment to another KAM.

Every admin of a lead or of a row that belongs to one takes its rows from `visible_to(request.user)` through
`LeadScopedAdminMixin`, so a manager sees and changes their team's accounts and nothing else, as in the UI.
"""

import re

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from contacts.models import Contact
from kam.clients import parse_id
from kam.forms import EditCheckedModelForm, SafeJSONField
from kam.models import Role, User
from leads.forms import ReassignForm, reassign_message
from leads.models import Lead, LeadAssignment, LeadStatus, LeadStatusChange
from leads.services import EDITABLE_FIELDS, lead_archive, lead_create, lead_restore, lead_update
from performance.models import Classification

# Bootstrap's palette, so a status or class has the same colour in admin as on the pages.
PALETTE = {
    "primary": ("#0d6efd", "#fff"),
    "secondary": ("#6c757d", "#fff"),
    "success": ("#198754", "#fff"),
    "danger": ("#dc3545", "#fff"),
    "warning": ("#ffc107", "#000"),
    "info": ("#0dcaf0", "#000"),
}


def admin_badge(choice):
    if choice in (None, ""):
        return "—"
    background, text = PALETTE.get(getattr(choice, "colour", "secondary"), PALETTE["secondary"])
    return format_html(
        '<span style="background:{};color:{};padding:1px 6px;border-radius:4px;white-space:nowrap">{}</span>',
        background,
        text,
        choice.label,
    )


def people_in_scope(user):
    """The people whose names a user may pick in admin: an admin everyone, a manager themselves and their team."""
    if user.role == Role.ADMIN:
        return User.objects.all()
    return User.objects.filter(Q(pk=user.pk) | Q(pk__in=User.objects.team_of(user).values("pk")))


class LeadScopedAdminMixin:
    """Rows come from the model's `visible_to(user)` (a lead's own scope, or its lead's), choices likewise.

    simple-history's views look objects up through their history rows, which would show an account outside
    the scope; they are checked against the scope first. Reverting is off: it would write around the services.
    """

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Lead:
            kwargs.setdefault("queryset", Lead.objects.visible_to(request.user))
        elif db_field.related_model is User:
            kwargs.setdefault("queryset", people_in_scope(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def history_view(self, request, object_id, extra_context=None):
        self._in_scope_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context=extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._in_scope_or_404(request, object_id)
        if request.method == "POST":
            raise PermissionDenied("Past versions are read-only; change the current record instead.")
        return super().history_form_view(request, object_id, version_id, extra_context=extra_context)

    def revert_disabled(self, request, obj=None):
        return True

    def _in_scope_or_404(self, request, object_id):
        try:
            found = self.get_queryset(request).filter(pk=unquote(object_id)).exists()
        except (ValueError, TypeError):
            found = False
        if not found:
            raise Http404("No such record in your scope.")


class OwnerFilter(admin.SimpleListFilter):
    """KAMs to filter by: a manager's own team (and themselves), never another team's names."""

    title = "KAM"
    parameter_name = "owner"

    def lookups(self, request, model_admin):
        people = people_in_scope(request.user).filter(leads__isnull=False).distinct()
        return [(str(p.pk), str(p)) for p in people.order_by("first_name", "last_name", "username")]

    def queryset(self, request, queryset):
        return queryset.filter(owner_id=self.value()) if self.value() else queryset


class CityFilter(admin.SimpleListFilter):
    """Cities of the accounts in scope only (the plain field filter would list every team's cities)."""

    title = "city"
    parameter_name = "city"

    def lookups(self, request, model_admin):
        cities = model_admin.get_queryset(request).order_by("city").values_list("city", flat=True).distinct()
        return [(city, city) for city in cities if city]

    def queryset(self, request, queryset):
        return queryset.filter(city=self.value()) if self.value() else queryset


class ClassificationFilter(admin.SimpleListFilter):
    title = "performance class"
    parameter_name = "class"

    def lookups(self, request, model_admin):
        return [*Classification.choices, ("none", "Not computed yet")]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(performance__isnull=True)
        if self.value() in Classification.values:
            return queryset.filter(performance__classification=self.value())
        return queryset


class LeadStatusChangeInline(admin.TabularInline):
    model = LeadStatusChange
    extra = 0
    can_delete = False
    readonly_fields = ("from_status", "to_status", "changed_by", "changed_at", "note")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")

    def has_add_permission(self, request, obj=None):
        return False


class LeadAssignmentInline(admin.TabularInline):
    model = LeadAssignment
    extra = 0
    can_delete = False
    readonly_fields = ("from_owner", "to_owner", "assigned_by", "assigned_at", "reason", "handover_note")
    verbose_name_plural = "KAM changes"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("from_owner", "to_owner", "assigned_by")

    def has_add_permission(self, request, obj=None):
        return False


class LeadAdminForm(EditCheckedModelForm):
    edit_fields = EDITABLE_FIELDS

    class Meta:
        model = Lead
        fields = "__all__"


@admin.register(Lead)
class LeadAdmin(LeadScopedAdminMixin, SimpleHistoryAdmin):
    form = LeadAdminForm
    list_display = ("name", "owner", "status_badge", "city", "classification_badge", "next_due")
    list_filter = (OwnerFilter, "status", CityFilter, ClassificationFilter, "is_archived")
    list_select_related = ("owner", "performance")
    search_fields = ("name", "city")
    search_help_text = "Restaurant name, city, or a contact's phone number (any format)."
    list_per_page = 100
    actions = ["reassign_selected"]
    readonly_fields = (
        "status",
        "lost_reason",
        "last_call_at",
        "last_connected_call_at",
        "follow_up_at",
        "next_call_date",
        "next_call_at",
        "archived_at",
        "created_at",
        "updated_at",
    )
    inlines = [LeadAssignmentInline, LeadStatusChangeInline]
    formfield_overrides = {models.JSONField: {"form_class": SafeJSONField}}

    @admin.display(description="Status", ordering="status")
    def status_badge(self, lead):
        return admin_badge(LeadStatus(lead.status))

    @admin.display(description="Class", ordering="performance__classification")
    def classification_badge(self, lead):
        performance = getattr(lead, "performance", None)  # select_related caches a missing row as None
        return admin_badge(Classification(performance.classification)) if performance else "—"

    @admin.display(description="Next due", ordering="next_call_at")
    def next_due(self, lead):
        return lead.next_call_date or "—"

    def get_readonly_fields(self, request, obj=None):
        # The owner changes only through reassignment (with its history, e-mails and checks); a new account
        # starts active.
        return (*self.readonly_fields, "owner") if obj is not None else (*self.readonly_fields, "is_archived")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "owner":
            kwargs["queryset"] = User.objects.team_of(request.user).filter(is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        digits = re.sub(r"\D", "", search_term)
        # Phones are stored as E.164; match the digits whatever spaces, dashes or +91 the manager typed.
        if len(digits) >= 4 and re.fullmatch(r"[\d\s+().\-]+", search_term.strip()):
            by_phone = Exists(Contact.objects.filter(lead=OuterRef("pk"), phone__contains=digits))
            found = found | queryset.filter(by_phone)
        return found, may_have_duplicates

    def save_model(self, request, obj, form, change):
        # Through the services, so admin edits get the same checks, history and call-plan refresh as the pages.
        if change:
            # Only what this admin changed since opening the form (checked under the row lock in the form's clean).
            lead_update(lead=obj, by=request.user, **form.fields_to_write)
            if "is_archived" in form.changed_data:
                archive = lead_archive if form.cleaned_data["is_archived"] else lead_restore
                archive(lead=obj, by=request.user)
        else:
            fields = {name: form.cleaned_data[name] for name in EDITABLE_FIELDS if name in form.cleaned_data}
            created = lead_create(by=request.user, owner=form.cleaned_data["owner"], **fields)
            obj.pk = created.pk
            obj._state.adding = False

    # --- Reassignment -------------------------------------------------------------------------------------------

    def get_urls(self):
        reassign = path("reassign/", self.admin_site.admin_view(self.reassign_view), name="leads_lead_reassign")
        return [reassign, *super().get_urls()]

    def has_reassign_permission(self, request, obj=None):
        return request.user.has_perm("leads.reassign_lead")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "has_reassign_permission": self.has_reassign_permission(request)}
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description="Reassign to another KAM", permissions=["reassign"])
    def reassign_selected(self, request, queryset):
        return self.reassign_view(request, leads=queryset)

    def reassign_view(self, request, leads=None):
        """The confirmation page of the action and of the change page's "Reassign" button.

        From the action it shows the unbound form for the selected accounts; its form posts here, with the ids,
        and the accounts are looked up again in the user's scope.
        """
        if not self.has_reassign_permission(request):
            raise PermissionDenied
        from_action = leads is not None
        if leads is None:
            raw = request.POST.get("ids") if request.method == "POST" else request.GET.get("ids")
            ids = [pk for pk in map(parse_id, (raw or "").split(",")) if pk is not None]
            leads = self.get_queryset(request).filter(pk__in=ids)
        leads = leads.order_by("name", "pk")
        changelist = reverse("admin:leads_lead_changelist")
        summary = reassign_summary(leads)
        if not summary["count"]:
            self.message_user(request, "Choose the accounts to reassign first.", messages.WARNING)
            return HttpResponseRedirect(changelist)
        owner_ids = [row["owner_id"] for row in summary["owners"]]
        if request.method == "POST" and not from_action:
            form = ReassignForm(request.POST, by=request.user, current_owner_ids=owner_ids)
            if form.is_valid() and (result := form.reassign(leads=leads)) is not None:
                self.message_user(request, reassign_message(result), messages.SUCCESS)
                if result.count == 1:
                    return HttpResponseRedirect(reverse("admin:leads_lead_change", args=[result.leads[0].pk]))
                return HttpResponseRedirect(changelist)
        else:
            form = ReassignForm(by=request.user, current_owner_ids=owner_ids)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Reassign to another KAM",
            "form": form,
            "summary": summary,
            "ids": ",".join(str(pk) for pk in leads.values_list("pk", flat=True)),
            "cancel_url": changelist,
        }
        return TemplateResponse(request, "admin/leads/lead/reassign.html", context)


def reassign_summary(leads, *, sample: int = 20) -> dict:
    """What a reassignment would move, for the confirmation pages: three queries whatever the selection."""
    totals = leads.aggregate(count=Count("pk"), planned=Count("pk", filter=Q(next_call_at__isnull=False)))
    owners = list(
        leads.order_by()
        .values("owner_id", "owner__first_name", "owner__last_name", "owner__username")
        .annotate(accounts=Count("pk"))
        .order_by("-accounts", "owner__first_name")
    )
    for row in owners:
        full = f"{row['owner__first_name']} {row['owner__last_name']}".strip()
        row["name"] = full or row["owner__username"]
    return {**totals, "owners": owners, "sample": list(leads[:sample]), "more": max(totals["count"] - sample, 0)}


class ReadOnlyAdminMixin:
    """The audit trail is written by the services only; nobody edits it by hand, not even an admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LeadStatusChange)
class LeadStatusChangeAdmin(LeadScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("lead", "from_status", "to_status", "changed_by", "changed_at")
    list_filter = ("to_status",)
    search_fields = ("lead__name",)
    autocomplete_fields = ("lead",)
    list_select_related = ("lead", "changed_by")


@admin.register(LeadAssignment)
class LeadAssignmentAdmin(LeadScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("lead", "from_owner", "to_owner", "assigned_by", "assigned_at", "reason")
    search_fields = ("lead__name", "reason")
    autocomplete_fields = ("lead",)
    list_select_related = ("lead", "from_owner", "to_owner", "assigned_by")
    date_hierarchy = "assigned_at"
