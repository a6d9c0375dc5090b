"""The one FilterSet of the performance lists, shared by `/performance/` and `/api/v1/performance/`."""

import django_filters
from django import forms
from django.db.models import F

from leads.filters import owner_choices, search_condition
from leads.models import Lead
from performance.models import Classification

# The query of the "Slipping" view of the performance page (also linked from Today).
SLIPPING_QUERY = "?" + "&".join(f"classification={c.value}" for c in Classification.slipping())


class PerformanceFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="Search", max_length=100)
    # One `classification IN (…)`, not django-filter's OR of equalities (which PostgreSQL does not use as the second
    # column of the (owner, classification) index), and no DISTINCT: the class is a column of the row itself.
    classification = django_filters.MultipleChoiceFilter(
        choices=Classification.choices,
        widget=forms.CheckboxSelectMultiple,
        label="Class",
        distinct=False,
        method="filter_classification",
    )
    # The owner copied onto the row (always the lead's), so the filter reads one index range.
    owner = django_filters.ModelChoiceFilter(field_name="owner", queryset=owner_choices, label="KAM")
    # With no sort chosen the view's order stands: the accounts that need attention first.
    ordering = django_filters.OrderingFilter(
        fields=(
            ("value_at_risk", "value_at_risk"),
            ("score", "score"),
            ("value_30d", "value_30d"),
            ("days_since_last_order", "days_since_last_order"),
            ("lead__name", "name"),
        ),
        field_labels={
            "value_at_risk": "Value at risk",
            "score": "Score",
            "value_30d": "Value (30 days)",
            "days_since_last_order": "Days since last order",
            "name": "Restaurant",
        },
        label="Sort by",
    )

    class Meta:
        fields = ["search", "classification", "owner"]

    def filter_classification(self, queryset, name, value):
        return queryset.filter(classification__in=value)

    def filter_search(self, queryset, name, value):
        # The lead list's own search (name, legal name, city, contact names and phones), not a second definition.
        return queryset.filter(lead__in=Lead.objects.filter(search_condition(value)).values("pk"))

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        # Nulls last whichever way the score or the gap is sorted, so accounts with no orders do not lead.
        ordering = self.form.cleaned_data.get("ordering") or []
        if ordering:
            keys = []
            for term in ordering:
                field = self.filters["ordering"].get_ordering_value(term)
                descending = field.startswith("-")
                expression = F(field.lstrip("-"))
                keys.append(expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True))
            queryset = queryset.order_by(*keys, "lead__name", "lead_id")
        return queryset
