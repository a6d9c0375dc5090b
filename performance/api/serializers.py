from rest_framework import serializers

from kam.api.fields import InstantField
from kam.api.serializers import ModelSerializer
from performance.models import AccountPerformance, Classification, ClassificationChange, Trend


def _blank_or(choices, help_text=""):
    # A read-only model field loses allow_blank in DRF; say it, so the schema admits "" (no previous class yet).
    return serializers.ChoiceField(choices=choices, allow_blank=True, read_only=True, help_text=help_text)


class AccountPerformanceSerializer(ModelSerializer):
    lead_name = serializers.CharField(source="lead.name", read_only=True)
    owner = serializers.IntegerField(source="lead.owner_id", read_only=True, help_text="The KAM of the account.")
    owner_name = serializers.CharField(source="lead.owner.get_full_name", read_only=True)
    reasons = serializers.ListField(child=serializers.CharField(), read_only=True, help_text="Why, in plain words.")
    factors = serializers.ListField(
        child=serializers.DictField(), read_only=True, help_text="Each factor of the score: value, points, weight."
    )
    previous_classification = _blank_or(Classification.choices, "The class before the last change; empty at first.")
    trend = _blank_or(Trend.choices, "The score against an earlier day's; empty at first.")

    class Meta:
        model = AccountPerformance
        fields = [
            "lead",
            "lead_name",
            "owner",
            "owner_name",
            "classification",
            "previous_classification",
            "classification_changed_at",
            "score",
            "previous_score",
            "trend",
            "reasons",
            "factors",
            "value_at_risk",
            "orders_total",
            "orders_30d",
            "value_30d",
            "orders_prev_30d",
            "value_prev_30d",
            "orders_90d",
            "value_90d",
            "avg_order_value",
            "median_interval_days",
            "interval_regularity",
            "days_since_last_order",
            "first_order_at",
            "last_order_at",
            "value_trend_pct",
            "order_trend_pct",
            "days_since_connected_call",
            "contact_gap_days",
            "computed_at",
        ]
        read_only_fields = fields


class ClassificationChangeSerializer(ModelSerializer):
    reasons = serializers.ListField(child=serializers.CharField(), read_only=True)
    from_classification = _blank_or(Classification.choices, "Empty for the first class an account gets.")

    class Meta:
        model = ClassificationChange
        fields = ["from_classification", "to_classification", "score", "reasons", "changed_at"]
        read_only_fields = fields


class WeekSerializer(serializers.Serializer):
    label = serializers.CharField(help_text="The Monday that starts the week, e.g. 02 Nov.")
    orders = serializers.IntegerField()
    value = serializers.FloatField()


class WeekdaySerializer(serializers.Serializer):
    label = serializers.CharField()
    orders = serializers.IntegerField()


class OrderingPatternSerializer(serializers.Serializer):
    weeks = WeekSerializer(many=True, help_text="Orders and value per week over 26 weeks (restaurant's calendar).")
    weekdays = WeekdaySerializer(many=True, help_text="Orders by weekday.")
    has_orders = serializers.BooleanField()
    weekly_summary = serializers.CharField()
    weekday_summary = serializers.CharField()
    time_zone = serializers.CharField()


class LeadPerformanceSerializer(serializers.Serializer):
    lead = serializers.IntegerField()
    performance = AccountPerformanceSerializer(allow_null=True, help_text="Null until first computed.")
    history = ClassificationChangeSerializer(many=True, help_text="The latest changes of class, newest first.")
    ordering_pattern = OrderingPatternSerializer(allow_null=True, help_text="Null before the first order.")


class TeamKamSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    full_name = serializers.CharField(source="get_full_name")


class TeamRowSerializer(serializers.Serializer):
    kam = TeamKamSerializer()
    accounts = serializers.IntegerField()
    classes = serializers.SerializerMethodField(help_text="Accounts per class.")
    slipping = serializers.IntegerField(help_text="At-risk and underperforming accounts.")
    calls_planned = serializers.IntegerField(source="calls_planned_rounded", help_text="What the call plans ask for.")
    calls_made = serializers.IntegerField()
    calls_connected = serializers.IntegerField()
    calls_pct = serializers.IntegerField(allow_null=True)
    orders = serializers.IntegerField(help_text="Orders credited to the KAM.")
    order_value = serializers.DecimalField(max_digits=16, decimal_places=2)

    def get_classes(self, row) -> dict[str, int]:
        return {c.value: row.classes.get(c, 0) for c in Classification}


class WindowSerializer(serializers.Serializer):
    start = InstantField()
    end = InstantField()


class TeamSerializer(serializers.Serializer):
    calls_window = WindowSerializer(help_text="Calls are counted over the last 7 days.")
    orders_window = WindowSerializer(help_text="Orders are counted over the last 30 days.")
    rows = TeamRowSerializer(many=True)
