from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import DetailView, ListView

from interactions.selectors import lead_activity
from kam.scoping import ScopedQuerysetMixin
from leads.forms import ReassignForm, reassign_message
from leads.models import Lead
from leads.selectors import lead_audit
from performance.selectors import lead_performance_panel


class LeadListView(ScopedQuerysetMixin, ListView):
    model = Lead
    paginate_by = 50

    def get_queryset(self):
        return super().get_queryset().active().select_related("owner")


class LeadDetailView(ScopedQuerysetMixin, DetailView):
    model = Lead

    def get_queryset(self):
        return super().get_queryset().select_related("owner")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        lead, user, now = self.object, self.request.user, timezone.now()
        # Each panel of the lead page comes from its own app's selector and template.
        context.update(lead_activity(lead=lead, user=user, now=now))
        context.update(lead_performance_panel(lead=lead))
        context.update(lead_audit(lead=lead))
        return context


class LeadReassignView(ScopedQuerysetMixin, DetailView):
    """A manager hands an account to another KAM of their team (an admin: to any KAM), from the lead page."""

    model = Lead
    template_name = "leads/reassign.html"

    def dispatch(self, request, *args, **kwargs):
        # 403 rather than 404: the page exists, but a KAM may never reassign, not even their own accounts.
        if request.user.is_authenticated and not request.user.has_perm("leads.reassign_lead"):
            raise PermissionDenied("Only managers can reassign accounts.")
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return super().get_queryset().select_related("owner")

    def get_form(self):
        data = self.request.POST if self.request.method == "POST" else None
        return ReassignForm(data, by=self.request.user, current_owner_ids=[self.object.owner_id])

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return self.render_to_response(self.get_context_data(form=self.get_form()))

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = self.get_form()
        if form.is_valid() and (result := form.reassign(leads=[self.object])) is not None:
            messages.success(request, reassign_message(result))
            # Re-checked rather than assumed: the account may now be outside the reassigner's scope.
            if Lead.objects.visible_to(request.user).filter(pk=self.object.pk).exists():
                return redirect(self.object)
            return redirect("leads:list")
        return self.render_to_response(self.get_context_data(form=form))
