import datetime as dt

import django_filters
from django.contrib.auth import get_user_model
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, generics
from rest_framework.response import Response

from interactions import selectors
from interactions.api.serializers import (
    InteractionSerializer,
    OrderSerializer,
    TodayQuerySerializer,
    TodaySerializer,
)
from interactions.models import Interaction, InteractionKind, Order
from interactions.services import interaction_log, order_record
from kam.api.filters import LocalDayFilter, ScopedModelChoiceFilter
from kam.api.pagination import KeysFirstPagination
from kam.api.schema import ERRORS
from kam.api.views import ApiViewMixin, ListRetrieveMixin, ScopedViewSet
from kam.models import Role
from kam.timezones import local_today
from leads.models import Lead

INTERACTION_EXAMPLE = {
    "id": 9001,
    "lead": 42,
    "contact": 310,
    "kind": "call",
    "outcome": "connected",
    "occurred_at": "2026-11-24T05:40:00Z",
    "duration_minutes": 6,
    "notes": "Wants a sample of the new basmati",
    "performed_by": 7,
    "performed_by_name": "Aarav Shah",
    "created_at": "2026-11-24T05:41:10Z",
}
ORDER_EXAMPLE = {
    "id": 5120,
    "lead": 42,
    "amount": "12500.50",
    "currency": "INR",
    "placed_at": "2026-11-24T06:00:00Z",
    "items": 14,
    "external_ref": "MKT-2026-000123",
    "credited_to": 7,
    "recorded_by": 7,
    "created_at": "2026-11-24T06:00:02Z",
}


def _page(example):
    # drf-spectacular wraps a list example in the paginated envelope itself.
    return OpenApiExample("A page", value=example, response_only=True)


class InteractionFilter(django_filters.FilterSet):
    lead = ScopedModelChoiceFilter(model=Lead, help_text="Only this restaurant's interactions.")
    kind = django_filters.MultipleChoiceFilter(choices=InteractionKind.choices)
    date_from = LocalDayFilter(field_name="occurred_at", bound="from", help_text="From this day (your zone).")
    date_to = LocalDayFilter(field_name="occurred_at", bound="to", help_text="Up to the end of this day (your zone).")

    class Meta:
        model = Interaction
        fields = ["lead", "kind", "date_from", "date_to"]


class OrderFilter(django_filters.FilterSet):
    lead = ScopedModelChoiceFilter(model=Lead, help_text="Only this restaurant's orders.")
    date_from = LocalDayFilter(field_name="placed_at", bound="from", help_text="Placed from this day (your zone).")
    date_to = LocalDayFilter(field_name="placed_at", bound="to", help_text="Placed up to the end of this day.")

    class Meta:
        model = Order
        fields = ["lead", "date_from", "date_to"]


@extend_schema_view(
    list=extend_schema(summary="List interactions", examples=[_page(INTERACTION_EXAMPLE)]),
    retrieve=extend_schema(
        summary="Read an interaction",
        examples=[OpenApiExample("A call", value=INTERACTION_EXAMPLE, response_only=True)],
    ),
)
@extend_schema(tags=["interactions"])
class InteractionViewSet(ListRetrieveMixin, ScopedViewSet):
    """Calls (with their outcome), visits, meetings, e-mails, WhatsApp messages and notes."""

    model = Interaction
    serializer_class = InteractionSerializer
    filterset_class = InteractionFilter
    # A KAM's history runs to tens of thousands of rows: the newest 50 are found from interaction_lead_at_idx
    # (lead, occurred_at, id) alone, and only those 50 rows are read.
    pagination_class = KeysFirstPagination

    def get_queryset(self):
        return super().get_queryset().select_related("performed_by")

    @extend_schema(
        summary="Log an interaction",
        description=(
            "A call needs an `outcome`; it updates the lead's last call and next due call, and the first connected "
            "call moves a new lead to contacted. `callback_requested` needs `callback_at`."
        ),
        responses={201: InteractionSerializer},
        examples=[
            OpenApiExample(
                "Connected call",
                value={"lead": 42, "contact": 310, "kind": "call", "outcome": "connected", "duration_minutes": 6},
                request_only=True,
            ),
            OpenApiExample(
                "Callback asked for",
                value={
                    "lead": 42,
                    "kind": "call",
                    "outcome": "callback_requested",
                    "callback_at": "2026-11-25T10:30:00Z",
                },
                request_only=True,
            ),
            OpenApiExample("Logged", value=INTERACTION_EXAMPLE, response_only=True, status_codes=["201"]),
        ],
    )
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        interaction = interaction_log(by=request.user, now=timezone.now(), **serializer.validated_data)
        interaction = self.get_queryset().get(pk=interaction.pk)
        return self.created(interaction, self.get_serializer(interaction).data)


@extend_schema_view(
    list=extend_schema(summary="List orders", examples=[_page(ORDER_EXAMPLE)]),
    retrieve=extend_schema(
        summary="Read an order", examples=[OpenApiExample("An order", value=ORDER_EXAMPLE, response_only=True)]
    ),
)
@extend_schema(tags=["orders"])
class OrderViewSet(ListRetrieveMixin, ScopedViewSet):
    """Orders the restaurants placed, each credited to the KAM who owned the account at the time."""

    model = Order
    serializer_class = OrderSerializer
    filterset_class = OrderFilter
    service_field_names = {"item_count": "items"}

    @extend_schema(
        summary="Record an order",
        description=(
            "Safe for the order system to retry: an `external_ref` that is already recorded for this lead returns "
            "that order with 200 and records nothing. The same `external_ref` with another amount, currency or day "
            "is 409 (code `order_differs`, the differences in `fields`) and changes nothing. References are per "
            "account. The first order of an open lead marks it won."
        ),
        responses={
            201: OrderSerializer,
            200: OpenApiResponse(OrderSerializer, description="This external_ref was already recorded."),
            409: ERRORS["409"],
        },
        examples=[
            OpenApiExample(
                "From the order system",
                value={
                    "lead": 42,
                    "amount": "12500.50",
                    "currency": "INR",
                    "placed_at": "2026-11-24T06:00:00Z",
                    "items": 14,
                    "external_ref": "MKT-2026-000123",
                },
                request_only=True,
            ),
            OpenApiExample("Recorded", value=ORDER_EXAMPLE, response_only=True, status_codes=["201"]),
            OpenApiExample("Already recorded", value=ORDER_EXAMPLE, response_only=True, status_codes=["200"]),
        ],
    )
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order, created = order_record(by=request.user, now=timezone.now(), **serializer.validated_data)
        data = self.get_serializer(order).data
        return self.created(order, data) if created else Response(data)


TODAY_EXAMPLE = {
    "kam": {"id": 7, "username": "aarav", "full_name": "Aarav Shah", "time_zone": "Asia/Kolkata"},
    "day": "2026-11-24",
    "today": "2026-11-24",
    "overdue": [
        {
            "lead": {
                "id": 42,
                "name": "Spice Route",
                "city": "Bengaluru",
                "status": "contacted",
                "time_zone": "Asia/Kolkata",
                "call_frequency_days": 7,
                "last_call_at": "2026-11-13T05:12:00Z",
                "last_connected_call_at": "2026-11-13T05:12:00Z",
                "next_call_due": "2026-11-20T04:30:00Z",
                "next_call_date": "2026-11-20",
            },
            "days_overdue": 4,
            "restaurant_time": "2026-11-24T15:05+05:30",
            "primary_contact": {
                "id": 310,
                "name": "Ravi Kumar",
                "role": "owner",
                "phone": "+919812345678",
                "whatsapp_url": "https://wa.me/919812345678",
                "prefers_whatsapp": True,
            },
            "recent_value": "48250.00",
        }
    ],
    "due": [],
}


class TodayView(ApiViewMixin, generics.GenericAPIView):
    """The Today list: overdue calls and the calls due on the day, in the KAM's own zone."""

    serializer_class = TodaySerializer
    pagination_class = None
    filter_backends = []

    @extend_schema(
        operation_id="calls_today",
        tags=["calls"],
        summary="Today's calls",
        description=(
            "Your calls for today in your own time zone: `overdue` (due before today began) and `due` (due today), "
            "the most valuable accounts first; with `day`, the plan of a later day (up to a year ahead). Managers "
            "and admins may pass `kam` to see a KAM of their team; a KAM passing anyone else's id gets 403."
        ),
        parameters=[TodayQuerySerializer],
        responses={200: TodaySerializer, 403: ERRORS["403"], 400: ERRORS["400"]},
        examples=[OpenApiExample("A KAM's morning", value=TODAY_EXAMPLE, response_only=True)],
    )
    def get(self, request):
        query = TodayQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        kam = self._kam(query.validated_data.get("kam"))
        now = timezone.now()
        today = local_today(now, kam.zone)
        day = query.validated_data.get("day") or today
        if not today <= day <= today + dt.timedelta(days=selectors.TODAY_MAX_DAYS_AHEAD):
            raise exceptions.ValidationError(
                {"day": ["Pick today or a later day within a year; past calls are in each lead's timeline."]}
            )
        calls = selectors.today_calls(kam=kam, now=now, day=day)
        return Response(self.get_serializer(calls).data)

    def _kam(self, kam_id):
        user = self.request.user
        if kam_id is None or kam_id == user.pk:
            return user
        if user.role not in (Role.MANAGER, Role.ADMIN):
            raise exceptions.PermissionDenied("A key account manager sees only their own Today list.")
        kam = get_user_model().objects.team_of(user).filter(pk=kam_id).first()
        if kam is None:
            raise exceptions.ValidationError({"kam": ["Not a key account manager of your team."]})
        return kam
