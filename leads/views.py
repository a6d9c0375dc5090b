from django.utils import timezone
from django.views.generic import DetailView, ListView

from interactions.selectors import lead_activity
from kam.scoping import ScopedQuerysetMixin
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
