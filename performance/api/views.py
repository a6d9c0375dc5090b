import datetime as dt

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.response import Response

from kam.api.pagination import KeysFirstPagination
from kam.api.views import ScopedViewSet
from performance.api.serializers import AccountPerformanceSerializer, TeamSerializer
from performance.filters import PerformanceFilter
from performance.models import AccountPerformance
from performance.selectors import LIST_ORDER, team_rows

PERFORMANCE_EXAMPLE = {
    "lead": 42,
    "lead_name": "Spice Route",
    "owner": 7,
    "owner_name": "Aarav Shah",
    "classification": "at_risk",
    "previous_classification": "steady",
    "classification_changed_at": "2026-11-20T01:00:00Z",
    "score": 48,
    "previous_score": 61,
    "trend": "down",
    "reasons": ["No order for 19 days; it usually orders every 7", "Order value down 42% on the previous 30 days"],
    "factors": [{"name": "recency", "value": 19, "points": 10, "weight": 30, "status": "red"}],
    "value_at_risk": "36200.00",
    "orders_total": 41,
    "orders_30d": 2,
    "value_30d": "21000.00",
    "orders_prev_30d": 4,
    "value_prev_30d": "36200.00",
    "orders_90d": 10,
    "value_90d": "98000.00",
    "avg_order_value": "9800.00",
    "median_interval_days": 7.0,
    "interval_regularity": 0.3,
    "days_since_last_order": 19,
    "first_order_at": "2026-05-10T06:00:00Z",
    "last_order_at": "2026-11-05T06:00:00Z",
    "value_trend_pct": -42.0,
    "order_trend_pct": -50.0,
    "days_since_connected_call": 12,
    "contact_gap_days": 5,
    "computed_at": "2026-11-24T01:00:00Z",
}


@extend_schema_view(
    list=extend_schema(
        summary="Account performance",
        description=(
            "One row per account in your scope, the ones that need attention first (underperforming, at risk, "
            "…, then by value at risk). Filters as on the performance page: `classification` (repeatable), "
            "`owner`, `search`, `ordering`."
        ),
        examples=[OpenApiExample("An account slipping", value=PERFORMANCE_EXAMPLE, response_only=True)],
    ),
)
@extend_schema(tags=["performance"])
class PerformanceViewSet(ScopedViewSet):
    """Ordering health per account, and per KAM for a manager's team."""

    model = AccountPerformance
    serializer_class = AccountPerformanceSerializer
    filterset_class = PerformanceFilter
    # The page's keys sorted first (an index holds the order, see perf_rank_risk_idx); whole rows for the page alone.
    pagination_class = KeysFirstPagination

    def get_queryset(self):
        return super().get_queryset().active().select_related("lead__owner").order_by(*LIST_ORDER)

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Team performance",
        description=(
            "One row per KAM in your view (a KAM: yourself; a manager: the team; an admin: everyone): accounts "
            "per class, calls planned and made in the last 7 days, orders credited in the last 30."
        ),
        filters=False,
        responses={200: TeamSerializer},
        examples=[
            OpenApiExample(
                "A team of one",
                value={
                    "calls_window": {"start": "2026-11-17T12:00:00Z", "end": "2026-11-24T12:00:00Z"},
                    "orders_window": {"start": "2026-10-25T12:00:00Z", "end": "2026-11-24T12:00:00Z"},
                    "rows": [
                        {
                            "kam": {"id": 7, "username": "aarav", "full_name": "Aarav Shah"},
                            "accounts": 48,
                            "classes": {
                                "well_performing": 20,
                                "steady": 15,
                                "at_risk": 6,
                                "underperforming": 3,
                                "no_orders": 4,
                            },
                            "slipping": 9,
                            "calls_planned": 52,
                            "calls_made": 47,
                            "calls_connected": 39,
                            "calls_pct": 90,
                            "orders": 61,
                            "order_value": "612400.00",
                        }
                    ],
                },
                response_only=True,
            )
        ],
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def team(self, request):
        now = timezone.now()
        calls_window = (now - dt.timedelta(days=7), now)
        orders_window = (now - dt.timedelta(days=30), now)
        rows = team_rows(user=request.user, calls_window=calls_window, orders_window=orders_window)
        data = {
            "calls_window": {"start": calls_window[0], "end": calls_window[1]},
            "orders_window": {"start": orders_window[0], "end": orders_window[1]},
            "rows": rows,
        }
        return Response(TeamSerializer(data).data)
