import django_filters
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.response import Response

from interactions.api.serializers import InteractionSerializer, OrderSerializer
from interactions.models import Interaction, InteractionKind, Order
from interactions.services import interaction_log, order_record
from kam.api.filters import LocalDayFilter, ScopedModelChoiceFilter
from kam.api.views import ListRetrieveMixin, ScopedViewSet
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
            "that order with 200 and records nothing. The first order of an open lead marks it won."
        ),
        responses={
            201: OrderSerializer,
            200: OpenApiResponse(OrderSerializer, description="This external_ref was already recorded."),
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
