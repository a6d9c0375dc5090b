import csv
import datetime as dt

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.generic import ListView

from kam.models import Role
from kam.pagination import KeysFirstPaginator
from kam.scoping import ScopedQuerysetMixin, get_visible_or_404
from leads.models import Lead
from performance.exports import report_csv_rows
from performance.filters import SLIPPING_QUERY, PerformanceFilter
from performance.models import AccountPerformance, Classification
from performance.selectors import (
    LIST_COLUMNS,
    LIST_ORDER,
    lead_performance_panel,
    list_rows,
    manager_report,
    report_since,
    team_chart,
    team_rows,
    team_summary,
    team_table,
)


class PerformanceIndexView(ScopedQuerysetMixin, ListView):
    """A KAM's accounts, or a manager's team: a row per KAM, the class of every account and why."""

    model = AccountPerformance
    template_name = "performance/index.html"
    context_object_name = "accounts"
    paginate_by = 50
    paginator_class = KeysFirstPaginator

    def get_queryset(self):
        queryset = (
            super().get_queryset().active().select_related("lead__owner").only(*LIST_COLUMNS).order_by(*LIST_ORDER)
        )
        self.filterset = PerformanceFilter(self.request.GET or None, queryset=queryset, request=self.request)
        if self.filterset.is_bound and not self.filterset.is_valid():
            messages.error(self.request, "Some filters were not understood; showing all accounts.")
            return queryset
        return self.filterset.qs

    def narrows(self) -> bool:
        """Whether a filter takes rows away (a sort does not; filters not understood are ignored)."""
        if not self.filterset.is_bound or not self.filterset.is_valid():
            return False
        data = self.filterset.form.cleaned_data
        return any(data.get(name) for name in ("search", "classification", "owner"))

    def get_paginator(self, *args, **kwargs):
        paginator = super().get_paginator(*args, **kwargs)
        if not self.narrows():
            # The team table has counted every live account in the user's view once, under its KAM (team_rows'
            # members are everyone who owns one): the same rows as the list, so no second COUNT over them.
            paginator.count = sum(row.accounts for row in self.team_rows)
        return paginator

    def get_context_data(self, **kwargs):
        user, now = self.request.user, timezone.now()
        # Before the page is cut: the paginator takes its count from these rows.
        self.team_rows = rows = team_rows(
            user=user,
            calls_window=(now - dt.timedelta(days=7), now),
            orders_window=(now - dt.timedelta(days=30), now),
        )
        context = super().get_context_data(**kwargs)
        chosen = set(self.filterset.form.cleaned_data.get("classification") or []) if self.filterset.is_bound else set()
        if self.filterset.is_bound and not self.filterset.is_valid():
            chosen = set()
        context.update(
            filter=self.filterset,
            # The page's accounts ready to print (`accounts` stays the page's performance rows, already read).
            rows=list_rows(context["object_list"]),
            team_rows=rows,
            team_table=team_table(rows) if user.role != Role.KAM else [],
            summary=team_summary(rows),
            chart=team_chart(rows),
            is_team_view=user.role != Role.KAM,
            slipping_query=SLIPPING_QUERY,
            tab=(
                "slipping"
                if chosen == set(Classification.slipping())
                else ("well" if chosen == {Classification.WELL_PERFORMING} else ("all" if not chosen else ""))
            ),
        )
        return context


def report_csv(request):
    """The morning report as CSV, for the signed-in user's own scope (a KAM: their accounts; a manager: the team)."""
    now = timezone.now()
    report = manager_report(user=request.user, now=now, since=report_since(user=request.user, now=now))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kam-team-report-{report.day:%Y-%m-%d}.csv"'
    response.write("\ufeff")  # so spreadsheet programs read the file as UTF-8 (₹, −, names)
    writer = csv.writer(response)
    writer.writerows(report_csv_rows(report))
    return response


def lead_ordering(request, lead_pk):
    """The performance panel's ordering pattern and class history: a fragment for htmx, a page without it."""
    lead = get_visible_or_404(Lead, request.user, pk=lead_pk)
    context = {"lead": lead, **lead_performance_panel(lead=lead, now=timezone.now())}
    template = "performance/_lead_panel.html#ordering" if request.htmx else "performance/lead_ordering.html"
    return render(request, template, context)
