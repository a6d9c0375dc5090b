"""The User admin: admins only (a manager who could edit users could make themselves an administrator).

Saving keeps the Managers group in step with the role; deactivating someone who still owns accounts is refused
until a successor is chosen, which the "Deactivate and hand accounts to…" action does in one step.
"""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from kam.clients import parse_id
from kam.forms import DeactivateForm, KamUserChangeForm
from kam.models import User
from kam.services import user_deactivate, user_sync_role_groups
from leads.services import ReassignmentNotAllowed


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = KamUserChangeForm
    list_display = ("username", "get_full_name", "email", "role", "manager", "time_zone", "is_active", "last_login")
    list_filter = ("role", "is_active", "manager", "time_zone")
    search_fields = ("username", "first_name", "last_name", "email")
    autocomplete_fields = ("manager",)
    ordering = ("username",)
    actions = ["deactivate_with_successor"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Person", {"fields": ("first_name", "last_name", "email", "time_zone")}),
        ("Role", {"fields": ("role", "manager", "is_active", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "password1", "password2")}),
        ("Role", {"fields": ("role", "manager", "time_zone", "email", "first_name", "last_name")}),
    )
    filter_horizontal = ("groups",)

    def save_model(self, request, obj, form, change):
        deactivating = change and "is_active" in form.changed_data and not obj.is_active
        if deactivating:
            obj.is_active = True  # the service does it, after checking again under a lock
        super().save_model(request, obj, form, change)
        if deactivating:
            try:
                user_deactivate(user=obj, by=request.user)
            except ValidationError as exc:
                self.message_user(request, f"{obj} was not deactivated: {' '.join(exc.messages)}", messages.ERROR)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # After the form has saved its groups field, so the role always decides the Managers group.
        user_sync_role_groups(user=form.instance)

    # --- A KAM leaving -------------------------------------------------------------------------------------------

    def get_urls(self):
        deactivate = path("deactivate/", self.admin_site.admin_view(self.deactivate_view), name="kam_user_deactivate")
        return [deactivate, *super().get_urls()]

    @admin.action(description="Deactivate and hand accounts to…", permissions=["change"])
    def deactivate_with_successor(self, request, queryset):
        return self.deactivate_view(request, users=queryset)

    def deactivate_view(self, request, users=None):
        if not self.has_change_permission(request):
            raise PermissionDenied
        from_action = users is not None
        if users is None:
            raw = request.POST.get("ids") if request.method == "POST" else request.GET.get("ids")
            ids = [pk for pk in map(parse_id, (raw or "").split(",")) if pk is not None]
            users = self.get_queryset(request).filter(pk__in=ids)
        leaving = list(
            users.filter(is_active=True)
            .exclude(pk=request.user.pk)
            .annotate(
                accounts=Count("leads", distinct=True),
                planned=Count("leads", filter=Q(leads__next_call_at__isnull=False), distinct=True),
            )
            .order_by("username")
        )
        changelist = reverse("admin:kam_user_changelist")
        if not leaving:
            self.message_user(request, "Choose active people other than yourself to deactivate.", messages.WARNING)
            return HttpResponseRedirect(changelist)
        leaving_ids = [user.pk for user in leaving]
        if request.method == "POST" and not from_action:
            form = DeactivateForm(request.POST, by=request.user, leaving_ids=leaving_ids)
            if form.is_valid() and self._deactivate(request, form, leaving):
                return HttpResponseRedirect(changelist)
        else:
            form = DeactivateForm(by=request.user, leaving_ids=leaving_ids)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Deactivate and hand accounts to…",
            "form": form,
            "leaving": leaving,
            "accounts": sum(user.accounts for user in leaving),
            "planned": sum(user.planned for user in leaving),
            "ids": ",".join(str(pk) for pk in leaving_ids),
            "cancel_url": changelist,
        }
        return TemplateResponse(request, "admin/kam/user/deactivate.html", context)

    def _deactivate(self, request, form, leaving) -> bool:
        moved = 0
        try:
            with transaction.atomic():
                for user in leaving:
                    result = user_deactivate(
                        user=user,
                        by=request.user,
                        successor=form.cleaned_data["successor"],
                        reason=form.cleaned_data["reason"],
                        handover_note=form.cleaned_data["handover_note"],
                    )
                    moved += result.count if result else 0
        except ReassignmentNotAllowed as exc:
            form.add_error("successor", exc.message)
            return False
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return False
        names = ", ".join(str(user) for user in leaving)
        successor = form.cleaned_data["successor"]
        handed = f"; {moved} account{'s' if moved != 1 else ''} handed to {successor}" if moved else ""
        self.message_user(request, f"Deactivated {names}{handed}.", messages.SUCCESS)
        return True
