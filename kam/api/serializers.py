from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kam.api.fields import CalendarDateField, InstantField
from kam.models import User


class ModelSerializer(serializers.ModelSerializer):
    """Every API model serializer: instants in UTC within sane bounds, dates within sane bounds."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: InstantField,
        models.DateField: CalendarDateField,
    }


class TeamMemberSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(source="get_full_name", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "role", "time_zone"]


class MeSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(source="get_full_name", read_only=True)
    team = serializers.SerializerMethodField(help_text="For a manager: the KAMs they lead (an admin: every KAM).")

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "full_name",
            "email",
            "role",
            "time_zone",
            "manager",
            "team",
        ]
        read_only_fields = fields

    @extend_schema_field(TeamMemberSerializer(many=True))
    def get_team(self, user):
        if user.is_kam:
            return []
        team = User.objects.team_of(user).filter(is_active=True).order_by("username")
        return TeamMemberSerializer(team, many=True).data


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. `invalid`, `not_found`.")
    message = serializers.CharField(help_text="What went wrong, in words to show a person.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Field name → messages, for invalid input; empty otherwise.",
    )


class ErrorSerializer(serializers.Serializer):
    """The one shape of every error answer."""

    error = ErrorDetailSerializer()
