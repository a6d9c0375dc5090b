from django.views.generic import DetailView, ListView

from kam.scoping import ScopedQuerysetMixin
from leads.models import Lead


class LeadListView(ScopedQuerysetMixin, ListView):
    model = Lead
    paginate_by = 50

    def get_queryset(self):
        return super().get_queryset().active().select_related("owner")


class LeadDetailView(ScopedQuerysetMixin, DetailView):
    model = Lead
