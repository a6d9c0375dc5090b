"""Lead pages. Each view: a scoped fetch, form validation, one service call, then render or redirect."""

import copy

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView, ListView

from contacts.forms import CONTACT_FIELD_MAP
from contacts.services import contact_create
from interactions.planning import format_windows, parse_windows
from interactions.selectors import lead_activity
from kam.conflicts import StaleEdit
from kam.forms import add_service_errors, show_stale_edit
from kam.models import Role
from kam.scoping import ScopedObjectMixin, ScopedQuerysetMixin
from leads.filters import Archived, LeadFilter
from leads.forms import LeadCreateForm, LeadForm, ReassignForm, TransitionForm, reassign_message
from leads.models import Lead, LeadStatus
from leads.selectors import (
    lead_audit,
    lead_cities,
    lead_duplicates,
    lead_handover,
    lead_list_rows,
    lead_page_contacts,
    lead_status_counts,
    lead_status_history,
)
from leads.services import TransitionNotAllowed, lead_archive, lead_create, lead_restore, lead_transition, lead_update
from performance.selectors import lead_performance_summary


class LeadListView(ScopedQuerysetMixin, ListView):
    """The user's accounts, filtered by LeadFilter (the same FilterSet as the API), in a fixed number of queries."""

    model = Lead
    paginate_by = 25

    def get_queryset(self):
        # Always bound (even to an empty query string), so "archived hidden" applies with no filter at all.
        self.filterset = LeadFilter(self.request.GET, queryset=super().get_queryset(), request=self.request)
        return lead_list_rows(queryset=self.filterset.qs)

    def paginate_queryset(self, queryset, page_size):
        filterset = self.filterset
        # The chips count every status under the other filters, so each says what clicking it would show.
        unfiltered_by_status = filterset.filter_queryset(filterset.queryset, ignore=("status", "ordering"))
        self.status_counts = counts = lead_status_counts(queryset=unfiltered_by_status)
        self.selected_statuses = selected = set(filterset.form.cleaned_data.get("status") or [])
        paginator = self.get_paginator(queryset, page_size)
        # The list's length is the chips' sum for the selected statuses (all of them when none is): the status
        # filter is the only one the chips leave out. Counting the list again would read a team's search twice.
        paginator.count = sum(n for status, n in counts.items() if not selected or status in selected)
        # A bad or out-of-range ?page= shows the nearest real page instead of an error.
        page = paginator.get_page(self.request.GET.get("page"))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filterset = self.filterset
        counts, selected = self.status_counts, self.selected_statuses
        shows_owner = self.request.user.role in (Role.MANAGER, Role.ADMIN)
        context.update(
            filter=filterset,
            filter_errors=filterset.form.errors,
            status_chips=[
                {"status": status, "count": counts[status.value], "active": status.value in selected}
                for status in LeadStatus
            ],
            total_count=sum(counts.values()),
            selected_statuses=sorted(selected),
            shows_owner=shows_owner,
            # Listed from the filter's own (scoped) queryset in one query; the form field's choice iterator
            # would count first and then iterate.
            owner_options=[(str(u.pk), str(u)) for u in filterset.form.fields["owner"].queryset] if shows_owner else [],
            cities=lead_cities(user=self.request.user),
            more_filters_active=any(
                filterset.form.cleaned_data.get(name) for name in ("city", "due", "owner", "classification", "archived")
            ),
            archived_view=filterset.form.cleaned_data.get("archived") or Archived.ACTIVE,
            is_filtered=any(
                v for k, v in self.request.GET.lists() if k not in ("page", "ordering") and any(x for x in v)
            ),
            now=timezone.now(),
        )
        return context


class LeadDetailView(ScopedQuerysetMixin, DetailView):
    model = Lead

    def get_queryset(self):
        return super().get_queryset().select_related("owner")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        lead, user, now = self.object, self.request.user, timezone.now()
        # Each panel of the lead page comes from its own app's selector and template.
        context.update(lead_activity(lead=lead, user=user, now=now))
        context.update(lead_performance_summary(lead=lead))  # the ordering charts come when scrolled to
        # The History below the fold comes with htmx when scrolled to (LeadHistoryView): most visits never need it.
        context.update(lead_handover(lead=lead))
        contacts = lead_page_contacts(lead=lead)
        context.setdefault("transition_form", TransitionForm(lead=lead))
        context.update(
            now=now,
            contacts=contacts,
            primary_contact=next((c for c in contacts if c.is_primary), contacts[0] if contacts else None),
            status_history=lead_status_history(lead=lead),
            calling_windows=_windows_text(lead),
            restaurant_closed_today=now.astimezone(lead.zone).weekday() == lead.closed_weekday,
        )
        return context


def _windows_text(lead: Lead) -> str:
    try:
        return format_windows(parse_windows(lead.calling_windows))
    except ValueError:
        return "—"


class LeadCreateView(View):
    template_name = "leads/lead_form.html"

    def get(self, request):
        return self.render_form(LeadCreateForm(user=request.user))

    def post(self, request):
        form = LeadCreateForm(request.POST, user=request.user)
        if not form.is_valid():
            return self.render_form(form)
        data = form.cleaned_data
        duplicates = lead_duplicates(
            user=request.user, name=data["name"], city=data["city"], phones=[data.get("contact_phone")]
        )
        if duplicates and not request.POST.get("confirm_duplicates"):
            return self.render_form(form, duplicates=duplicates)
        try:
            with transaction.atomic():
                lead = lead_create(by=request.user, owner=data["owner"], **form.lead_fields())
                contact = form.contact_fields()
                if contact:
                    try:
                        contact_create(lead=lead, by=request.user, **contact)
                    except ValidationError as exc:
                        add_service_errors(form, exc, field_map=CONTACT_FIELD_MAP)
                        raise _RollBack from exc
        except ValidationError as exc:
            add_service_errors(form, exc, field_map={"calling_windows": "window_1_start"})
            return self.render_form(form)
        except _RollBack:
            return self.render_form(form)
        messages.success(request, f"{lead.name} was added.")
        # Re-checked after saving, as a manager may have given it to someone outside what they see.
        if Lead.objects.visible_to(request.user).filter(pk=lead.pk).exists():
            return redirect(lead)
        return redirect("leads:list")

    def render_form(self, form, duplicates=None):
        return render(
            self.request,
            self.template_name,
            {"form": form, "duplicates": duplicates or [], "is_new": True, "cancel_url": reverse("leads:list")},
        )


class _RollBack(Exception):
    """Undo the lead when its first contact cannot be saved: nothing half-saved."""


class LeadUpdateView(ScopedObjectMixin, View):
    model = Lead
    template_name = "leads/lead_form.html"

    def get(self, request, pk):
        return self.render_form(LeadForm(instance=copy.copy(self.object), user=request.user))

    def post(self, request, pk):
        lead = self.object
        # The form works on a copy, so the page header keeps the saved name while the form shows the typed one.
        form = LeadForm(request.POST, instance=copy.copy(lead), user=request.user)
        if not form.is_valid():
            return self.render_form(form)
        data = form.cleaned_data
        renamed = (data["name"].casefold(), data["city"].casefold()) != (lead.name.casefold(), lead.city.casefold())
        if renamed and not request.POST.get("confirm_duplicates"):
            duplicates = lead_duplicates(user=request.user, name=data["name"], city=data["city"], exclude_pk=lead.pk)
            if duplicates:
                return self.render_form(form, duplicates=duplicates)
        try:
            lead_update(lead=lead, by=request.user, check=form.edit_check(), **form.lead_fields())
        except ValidationError as exc:
            add_service_errors(form, exc, field_map={"calling_windows": "window_1_start"})
            return self.render_form(form)
        except StaleEdit as exc:
            show_stale_edit(form, exc, model=Lead, field_map={"calling_windows": "window_1_start"})
            return self.render_form(form)
        messages.success(request, f"{lead.name} was saved.")
        return redirect(lead)

    def render_form(self, form, duplicates=None):
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "lead": self.object,
                "duplicates": duplicates or [],
                "is_new": False,
                "cancel_url": self.object.get_absolute_url(),
            },
        )


class LeadHistoryView(ScopedObjectMixin, View):
    """The lead page's History (KAM changes and field changes): a fragment for htmx, a page of its own without it."""

    model = Lead

    def get(self, request, pk):
        context = {"lead": self.object, **lead_audit(lead=self.object)}
        template = "leads/_lead_audit.html#history" if request.htmx else "leads/lead_history.html"
        return render(request, template, context)


class LeadTransitionView(ScopedObjectMixin, LeadDetailView):
    """POST: move the lead along the pipeline. A missing reason re-shows the lead page with the error in place."""

    http_method_names = ["post"]

    def post(self, request, pk):
        lead = self.object
        form = TransitionForm(request.POST, lead=lead)
        if form.is_valid():
            status = LeadStatus(form.cleaned_data["status"])
            try:
                lead_transition(
                    lead=lead,
                    to=status,
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                )
            except TransitionNotAllowed as exc:
                messages.error(request, exc.message)
                return redirect(lead)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"{lead.name} is now {status.label.lower()}.")
                return redirect(lead)
        return self.render_to_response(self.get_context_data(transition_form=form))


class LeadArchiveView(ScopedObjectMixin, View):
    """GET: confirm; POST: archive. Archiving hides the lead from lists and call plans; nothing is deleted."""

    model = Lead
    archive = True

    def get(self, request, pk):
        return render(request, "leads/lead_confirm_archive.html", {"lead": self.object, "archive": self.archive})

    def post(self, request, pk):
        lead = self.object
        if lead.is_archived == self.archive:
            messages.info(request, f"{lead.name} was already {'archived' if self.archive else 'active'}.")
        elif self.archive:
            lead_archive(lead=lead, by=request.user)
            messages.success(request, f"{lead.name} was archived. It no longer appears in your lists or calls.")
        else:
            lead_restore(lead=lead, by=request.user)
            messages.success(request, f"{lead.name} was restored.")
        return redirect(lead)


class LeadRestoreView(LeadArchiveView):
    archive = False


class LeadReassignView(ScopedObjectMixin, DetailView):
    """A manager hands an account to another KAM of their team (an admin: to any KAM), from the lead page."""

    model = Lead
    template_name = "leads/reassign.html"

    def dispatch(self, request, *args, **kwargs):
        # 403 before the scoped fetch, for any id: a KAM may never reassign, not even their own accounts, and the
        # answer must not depend on whether the account exists.
        if request.user.is_authenticated and not request.user.has_perm("leads.reassign_lead"):
            raise PermissionDenied("Only managers can reassign accounts.")
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return super().get_queryset().select_related("owner")

    def get_form(self):
        data = self.request.POST if self.request.method == "POST" else None
        return ReassignForm(data, by=self.request.user, current_owner_ids=[self.object.owner_id])

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self.get_form()))

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_valid() and (result := form.reassign(leads=[self.object])) is not None:
            messages.success(request, reassign_message(result))
            # Re-checked rather than assumed: the account may now be outside the reassigner's scope.
            if Lead.objects.visible_to(request.user).filter(pk=self.object.pk).exists():
                return redirect(self.object)
            return redirect("leads:list")
        return self.render_to_response(self.get_context_data(form=form))
