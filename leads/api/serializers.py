from django.core.exceptions import ObjectDoesNotExist
from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from interactions.planning import parse_windows
from kam.api.fields import CalendarDateField, InstantField
from kam.api.serializers import ModelSerializer
from kam.models import User
from leads.filters import new_owner_choices
from leads.models import Lead, LeadStatus
from leads.services import allowed_next_statuses
from performance.models import Classification

CALLING_WINDOWS_SCHEMA = {
    "type": "array",
    "items": {
        "type": "array",
        "items": {"type": "string", "pattern": r"^\d{2}:\d{2}$", "example": "10:00"},
        "minItems": 2,
        "maxItems": 2,
    },
    "maxItems": 12,
    "example": [["10:00", "12:00"], ["15:00", "18:00"]],
}


@extend_schema_field(CALLING_WINDOWS_SCHEMA)
class CallingWindowsField(serializers.JSONField):
    """[["10:00", "12:00"], …] in the restaurant's zone, checked with the same parser the call planner uses."""

    def to_internal_value(self, data):
        data = super().to_internal_value(data)
        if not isinstance(data, list) or len(data) > 12:
            raise serializers.ValidationError('A list of at most 12 windows, e.g. [["10:00", "12:00"]].')
        try:
            windows = parse_windows(data)
        except (ValueError, TypeError) as exc:
            message = str(exc) if isinstance(exc, ValueError) and "window" in str(exc) else None
            raise serializers.ValidationError(
                message or 'Each window is a pair of times, e.g. ["10:00", "12:00"].'
            ) from exc
        return [[f"{start:%H:%M}", f"{end:%H:%M}"] for start, end in windows]


class OwnerField(serializers.PrimaryKeyRelatedField):
    """The people a requester may give a new account to: themselves, and the active KAMs of their team."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", User.objects.none())
        super().__init__(**kwargs)

    def get_queryset(self):
        return new_owner_choices(self.context["request"].user)


class LeadSerializer(ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(read_only=True, help_text="The KAM; change with /reassign/.")
    owner_name = serializers.CharField(source="owner.get_full_name", read_only=True)
    status = serializers.ChoiceField(
        choices=LeadStatus.choices, read_only=True, help_text="Change with POST /api/v1/leads/{id}/transition/."
    )
    country = serializers.CharField(
        required=False,
        max_length=2,
        validators=[RegexValidator(r"^[A-Za-z]{2}$", "Use a two-letter ISO 3166 code such as IN.")],
        help_text="ISO 3166 two-letter code; decides the public holidays.",
    )
    call_frequency_days = serializers.IntegerField(
        min_value=1, max_value=365, allow_null=True, required=False, help_text="Call every 1–365 days; null: no plan."
    )
    calling_windows = CallingWindowsField(required=False)
    next_call_due = InstantField(
        source="next_call_at",
        read_only=True,
        allow_null=True,
        help_text="When the next call is due (UTC); null without a plan.",
    )
    next_call_date = CalendarDateField(
        read_only=True, allow_null=True, help_text="The due day in the restaurant's own zone."
    )
    allowed_transitions = serializers.SerializerMethodField(help_text="Statuses this lead may move to by hand.")
    classification = serializers.SerializerMethodField(help_text="Latest performance class; null before any.")

    class Meta:
        model = Lead
        fields = [
            "id",
            "name",
            "legal_name",
            "segment",
            "address",
            "city",
            "state",
            "country",
            "time_zone",
            "source",
            "status",
            "lost_reason",
            "allowed_transitions",
            "owner",
            "owner_name",
            "call_frequency_days",
            "calling_windows",
            "closed_weekday",
            "last_call_at",
            "last_connected_call_at",
            "follow_up_at",
            "next_call_due",
            "next_call_date",
            "classification",
            "is_archived",
            "archived_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "lost_reason",
            "last_call_at",
            "last_connected_call_at",
            "follow_up_at",
            "is_archived",
            "archived_at",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=LeadStatus.choices)))
    def get_allowed_transitions(self, lead) -> list[str]:
        return [str(status) for status in allowed_next_statuses(lead.status)]

    @extend_schema_field(serializers.ChoiceField(choices=Classification.choices, allow_null=True))
    def get_classification(self, lead):
        try:
            return lead.performance.classification
        except ObjectDoesNotExist:
            return None

    def validate_country(self, value):
        return value.upper()

    def validate(self, attrs):
        if self.instance is not None:
            # Status and owner have their own operations; say so instead of silently ignoring them.
            errors = {}
            sent = self.initial_data if isinstance(self.initial_data, dict) else {}
            if "status" in sent and sent["status"] != self.instance.status:
                errors["status"] = ["Change the status with POST /api/v1/leads/{id}/transition/."]
            if "owner" in sent and sent["owner"] != self.instance.owner_id:
                errors["owner"] = ["A manager changes the KAM with POST /api/v1/leads/{id}/reassign/."]
            if errors:
                raise serializers.ValidationError(errors)
        return attrs


class LeadCreateSerializer(LeadSerializer):
    owner = OwnerField(
        required=False, help_text="The KAM who will own the account (default: you; a manager may pick a team member)."
    )

    class Meta(LeadSerializer.Meta):
        pass

    def validate(self, attrs):
        return attrs


class TransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=LeadStatus.choices, help_text="The status to move to.")
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text="Required when the status is `lost`."
    )


class RescheduleSerializer(serializers.Serializer):
    day = CalendarDateField(help_text="The restaurant's local date for the next call (today or later).")


class TeamKamField(serializers.PrimaryKeyRelatedField):
    """A KAM of the requester's team (an admin: any KAM); anyone else "does not exist"."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", User.objects.none())
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return User.objects.team_of(request.user)


class ReassignSerializer(serializers.Serializer):
    kam = TeamKamField(help_text="The KAM who takes the account over (one of your team).")
    reason = serializers.CharField(max_length=2000, help_text="Why the account changes hands; kept in its history.")
    handover_note = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, help_text="For the incoming KAM: what they need to know."
    )


PERSON_SCHEMA = {
    "type": "object",
    "nullable": True,
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    "required": ["id", "name"],
}


@extend_schema_field(PERSON_SCHEMA)
class PersonField(serializers.Field):
    """A user as {id, name}, or null (a change made outside a request, by a task or the shell)."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, user):
        return {"id": user.pk, "name": str(user)}


class StatusChangeSerializer(serializers.Serializer):
    from_status = serializers.CharField(help_text="Empty for the creation.")
    to_status = serializers.ChoiceField(choices=LeadStatus.choices)
    changed_by = PersonField()
    changed_at = InstantField()
    note = serializers.CharField()


class AssignmentSerializer(serializers.Serializer):
    from_owner = PersonField()
    to_owner = PersonField()
    assigned_by = PersonField()
    assigned_at = InstantField()
    reason = serializers.CharField()
    handover_note = serializers.CharField()


class FieldChangeSerializer(serializers.Serializer):
    label = serializers.CharField()
    old = serializers.CharField()
    new = serializers.CharField()


class HistoryEntrySerializer(serializers.Serializer):
    at = InstantField()
    by = PersonField()
    subject = serializers.CharField(help_text='"Account", "Contact Ramesh Kumar", "Order MKT-12"')
    action = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    reason = serializers.CharField()
    changes = FieldChangeSerializer(many=True)


class LeadHistorySerializer(serializers.Serializer):
    status_changes = StatusChangeSerializer(many=True, help_text="The pipeline, newest first.")
    assignments = AssignmentSerializer(many=True, help_text="Changes of KAM, newest first.")
    handover = AssignmentSerializer(allow_null=True, help_text="The note left for the KAM who has it now.")
    changes = HistoryEntrySerializer(
        many=True, help_text="Who changed which field of the account, its contacts, orders."
    )
    more_changes = serializers.IntegerField(help_text="Older changes not listed.")
