from decimal import Decimal
from types import SimpleNamespace

from rest_framework import serializers

from contacts.models import Contact
from interactions.models import CallOutcome, Interaction, InteractionKind, Order
from kam.api.fields import InstantField, ScopedPrimaryKeyRelatedField
from kam.api.serializers import ModelSerializer
from leads.models import Lead


class InteractionSerializer(ModelSerializer):
    lead = ScopedPrimaryKeyRelatedField(Lead)
    contact = ScopedPrimaryKeyRelatedField(
        Contact, required=False, allow_null=True, help_text="Who you spoke to (one of the lead's contacts)."
    )
    kind = serializers.ChoiceField(choices=InteractionKind.choices)
    outcome = serializers.ChoiceField(
        choices=CallOutcome.choices, required=False, allow_blank=True, help_text="Calls only, and required for them."
    )
    occurred_at = InstantField(required=False, help_text="When it happened (default: now).")
    duration_minutes = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=24 * 60)
    callback_at = InstantField(
        required=False,
        allow_null=True,
        write_only=True,
        help_text="With the outcome `callback_requested`: when they asked to be called back.",
    )
    performed_by = serializers.PrimaryKeyRelatedField(read_only=True)
    performed_by_name = serializers.CharField(source="performed_by.get_full_name", read_only=True)

    class Meta:
        model = Interaction
        fields = [
            "id",
            "lead",
            "contact",
            "kind",
            "outcome",
            "occurred_at",
            "duration_minutes",
            "notes",
            "callback_at",
            "performed_by",
            "performed_by_name",
            "created_at",
        ]
        read_only_fields = ["created_at"]


class OrderSerializer(ModelSerializer):
    lead = ScopedPrimaryKeyRelatedField(Lead)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0"), coerce_to_string=True)
    currency = serializers.CharField(max_length=3, required=False, help_text="Three letters, default INR.")
    placed_at = InstantField(required=False, help_text="When it was placed (default: now).")
    items = serializers.IntegerField(
        source="item_count", required=False, min_value=0, max_value=2_000_000_000, help_text="Number of items."
    )
    external_ref = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text="The order system's id. Sending one that exists returns that order (200) instead of a second.",
    )
    credited_to = serializers.PrimaryKeyRelatedField(read_only=True, help_text="The KAM who owned the account then.")
    recorded_by = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "lead",
            "amount",
            "currency",
            "placed_at",
            "items",
            "external_ref",
            "credited_to",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        # order_record decides what a repeated external_ref means (the same order: 200; another: 409), so DRF's
        # unique-together check, which would also make external_ref required, stays out.
        validators = []


class TodayContactSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    role = serializers.CharField()
    phone = serializers.SerializerMethodField()
    whatsapp_url = serializers.CharField()
    prefers_whatsapp = serializers.BooleanField()

    def get_phone(self, contact) -> str:
        return contact.phone_e164


class TodayLeadSerializer(ModelSerializer):
    next_call_due = InstantField(source="next_call_at", read_only=True, allow_null=True)

    class Meta:
        model = Lead
        fields = [
            "id",
            "name",
            "city",
            "status",
            "time_zone",
            "call_frequency_days",
            "last_call_at",
            "last_connected_call_at",
            "next_call_due",
            "next_call_date",
        ]
        read_only_fields = fields


class TodayRowSerializer(serializers.Serializer):
    lead = TodayLeadSerializer()
    days_overdue = serializers.IntegerField(help_text="0 when due on the day shown.")
    restaurant_time = serializers.SerializerMethodField(
        help_text="The restaurant's wall clock now, with its UTC offset (call within its windows)."
    )
    primary_contact = TodayContactSerializer(allow_null=True, help_text="Who to call; null when none is primary.")
    recent_value = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True, help_text="Order value in the last 30 days."
    )

    def get_restaurant_time(self, row) -> str:
        return row.restaurant_now.isoformat(timespec="minutes")

    def to_representation(self, row):
        """The same as the declared fields give (a test compares the two), built directly: a backlog of hundreds of
        rows through some twenty field objects each was most of the endpoint's time."""
        fields = self._fast_fields()
        lead, contact = row.lead, row.primary_contact
        return {
            "lead": {
                "id": lead.pk,
                "name": lead.name,
                "city": lead.city,
                "status": lead.status,
                "time_zone": lead.time_zone,
                "call_frequency_days": lead.call_frequency_days,
                "last_call_at": fields.last_call_at(lead.last_call_at),
                "last_connected_call_at": fields.last_connected_call_at(lead.last_connected_call_at),
                "next_call_due": fields.next_call_due(lead.next_call_at),
                "next_call_date": fields.next_call_date(lead.next_call_date),
            },
            "days_overdue": row.days_overdue,
            "restaurant_time": self.get_restaurant_time(row),
            "primary_contact": None
            if contact is None
            else {
                "id": contact.id,
                "name": contact.name,
                "role": contact.role,
                "phone": contact.phone_e164,
                "whatsapp_url": contact.whatsapp_url,
                "prefers_whatsapp": contact.prefers_whatsapp,
            },
            "recent_value": fields.recent_value(row.recent_value),
        }

    def _fast_fields(self):
        """Each formatted value's own field, so formats stay those of the declaration (None stays None)."""
        if not hasattr(self, "_fast"):
            lead_fields = self.fields["lead"].fields

            def of(field):
                return lambda value: None if value is None else field.to_representation(value)

            self._fast = SimpleNamespace(
                **{
                    name: of(lead_fields[name]) for name in ("last_call_at", "last_connected_call_at", "next_call_date")
                },
                next_call_due=of(lead_fields["next_call_due"]),
                recent_value=of(self.fields["recent_value"]),
            )
        return self._fast


class TodayKamSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    full_name = serializers.CharField(source="get_full_name")
    time_zone = serializers.CharField()


class TodaySerializer(serializers.Serializer):
    kam = TodayKamSerializer()
    day = serializers.DateField(help_text="The day shown, in the KAM's zone.")
    today = serializers.DateField(help_text="Today in the KAM's zone.")
    overdue = TodayRowSerializer(many=True, source="overdue_rows", help_text="Due before today (today only).")
    due = TodayRowSerializer(many=True, source="due_rows", help_text="Due on `day`.")


class TodayQuerySerializer(serializers.Serializer):
    kam = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        help_text="Managers and admins: a KAM of your team (default: you).",
    )
    day = serializers.DateField(required=False, help_text="A later day's plan (default: today in the KAM's zone).")
