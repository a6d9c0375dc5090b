from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers

from contacts.models import Contact
from kam.api.fields import ScopedPrimaryKeyRelatedField
from kam.api.serializers import ModelSerializer
from leads.models import Lead


class E164PhoneNumberField(PhoneNumberField):
    """Reads any usual way of writing a number; answers E.164, which machines (and wa.me links) understand."""

    def to_representation(self, value):
        return value.as_e164 if value else ""


class ContactSerializer(ModelSerializer):
    lead = ScopedPrimaryKeyRelatedField(Lead, help_text="The restaurant; cannot change after creation.")
    phone = E164PhoneNumberField(
        required=False, allow_blank=True, help_text="Any usual format; stored and answered as E.164 (+9198…)."
    )
    whatsapp_url = serializers.CharField(read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "lead",
            "name",
            "role",
            "title",
            "phone",
            "email",
            "prefers_whatsapp",
            "is_primary",
            "notes",
            "whatsapp_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class ContactUpdateSerializer(ContactSerializer):
    lead = serializers.PrimaryKeyRelatedField(read_only=True)
