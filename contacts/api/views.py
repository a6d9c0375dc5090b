import django_filters
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.response import Response

from contacts.api.serializers import ContactSerializer, ContactUpdateSerializer
from contacts.models import Contact, ContactRole
from contacts.services import EDITABLE_FIELDS, contact_create, contact_remove, contact_update
from kam.api.filters import ScopedModelChoiceFilter
from kam.api.schema import ERRORS, IF_MATCH
from kam.api.views import ListRetrieveMixin, ScopedViewSet
from kam.concurrency import EditCheck, edit_version
from leads.models import Lead

CONTACT_EXAMPLE = {
    "id": 310,
    "lead": 42,
    "name": "Ravi Kumar",
    "role": "owner",
    "title": "Founder",
    "phone": "+919812345678",
    "email": "ravi@spiceroute.example",
    "prefers_whatsapp": True,
    "is_primary": True,
    "notes": "Prefers calls after 3 pm",
    "whatsapp_url": "https://wa.me/919812345678",
    "created_at": "2026-06-01T09:05:00Z",
    "updated_at": "2026-06-01T09:05:00Z",
}


class ContactFilter(django_filters.FilterSet):
    lead = ScopedModelChoiceFilter(model=Lead, help_text="Only this restaurant's contacts.")
    role = django_filters.ChoiceFilter(choices=ContactRole.choices)

    class Meta:
        model = Contact
        fields = ["lead", "role"]


@extend_schema_view(
    list=extend_schema(
        summary="List points of contact",
        examples=[
            OpenApiExample(
                "A page",
                value=CONTACT_EXAMPLE,
                response_only=True,
            )
        ],
    ),
    retrieve=extend_schema(
        summary="Read a point of contact",
        examples=[OpenApiExample("A contact", value=CONTACT_EXAMPLE, response_only=True)],
    ),
)
@extend_schema(tags=["contacts"])
class ContactViewSet(ListRetrieveMixin, mixins.DestroyModelMixin, ScopedViewSet):
    """Points of contact at the restaurants in your scope."""

    model = Contact
    serializer_class = ContactSerializer
    filterset_class = ContactFilter

    @extend_schema(
        summary="Add a point of contact",
        responses={201: ContactSerializer},
        examples=[
            OpenApiExample(
                "New contact",
                value={"lead": 42, "name": "Ravi Kumar", "role": "owner", "phone": "98123 45678", "is_primary": True},
                request_only=True,
            ),
            OpenApiExample("Created", value=CONTACT_EXAMPLE, response_only=True, status_codes=["201"]),
        ],
    )
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contact = contact_create(by=request.user, **serializer.validated_data)
        return self.created(contact, self.get_serializer(contact).data)

    @extend_schema(
        summary="Edit a point of contact",
        description=(
            "Only the fields sent are written. Setting `is_primary` makes this the restaurant's primary contact and "
            "unsets the previous one. Send the `ETag` of your GET as `If-Match` to refuse (412, code `stale`) a write "
            "over a change made since you read it."
        ),
        parameters=[IF_MATCH],
        request=ContactUpdateSerializer,
        responses={200: ContactSerializer, 412: ERRORS["412"]},
        examples=[
            OpenApiExample("Make primary", value={"is_primary": True}, request_only=True),
            OpenApiExample("Updated", value=CONTACT_EXAMPLE, response_only=True),
        ],
    )
    def partial_update(self, request, pk=None):
        contact = self.get_object()
        serializer = ContactUpdateSerializer(
            contact, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        check = EditCheck.from_if_match(request.headers.get("If-Match"))
        contact_update(contact=contact, by=request.user, check=check, **serializer.validated_data)
        return Response(self.get_serializer(contact).data, headers={"ETag": edit_version(contact, EDITABLE_FIELDS)})

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = edit_version(self.get_object(), EDITABLE_FIELDS)
        return response

    @extend_schema(summary="Remove a point of contact", responses={204: OpenApiResponse(description="Removed.")})
    def destroy(self, request, pk=None):
        contact_remove(contact=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
