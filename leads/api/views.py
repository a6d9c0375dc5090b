from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from interactions.services import call_reschedule
from kam.api.permissions import IsManagerOrAdmin
from kam.api.schema import ERRORS, IF_MATCH
from kam.api.views import ListRetrieveMixin, ScopedViewSet
from kam.concurrency import EditCheck, edit_version
from leads.api.serializers import (
    LeadCreateSerializer,
    LeadHistorySerializer,
    LeadSerializer,
    ReassignSerializer,
    RescheduleSerializer,
    TransitionSerializer,
)
from leads.filters import LeadFilter
from leads.models import Lead
from leads.selectors import lead_audit, lead_status_history
from leads.services import (
    EDITABLE_FIELDS,
    lead_archive,
    lead_create,
    lead_restore,
    lead_transition,
    lead_update,
    leads_reassign,
)
from performance.api.serializers import LeadPerformanceSerializer
from performance.selectors import lead_performance_panel

LEAD_EXAMPLE = {
    "id": 42,
    "name": "Spice Route",
    "legal_name": "Spice Route Hospitality Pvt Ltd",
    "segment": "North Indian",
    "address": "12 MG Road",
    "city": "Bengaluru",
    "state": "Karnataka",
    "country": "IN",
    "time_zone": "Asia/Kolkata",
    "source": "referral",
    "status": "contacted",
    "lost_reason": "",
    "allowed_transitions": ["qualified", "lost"],
    "owner": 7,
    "owner_name": "Aarav Shah",
    "call_frequency_days": 7,
    "calling_windows": [["10:00", "12:00"], ["15:00", "18:00"]],
    "closed_weekday": 0,
    "last_call_at": "2026-11-20T05:12:00Z",
    "last_connected_call_at": "2026-11-20T05:12:00Z",
    "follow_up_at": None,
    "next_call_due": "2026-11-27T04:30:00Z",
    "next_call_date": "2026-11-27",
    "classification": "steady",
    "is_archived": False,
    "archived_at": None,
    "created_at": "2026-06-01T09:00:00Z",
    "updated_at": "2026-11-20T05:12:01Z",
}
LEAD_CREATE_EXAMPLE = {
    "name": "Spice Route",
    "city": "Bengaluru",
    "state": "Karnataka",
    "time_zone": "Asia/Kolkata",
    "source": "referral",
    "call_frequency_days": 7,
    "calling_windows": [["10:00", "12:00"], ["15:00", "18:00"]],
    "closed_weekday": 0,
}


@extend_schema_view(
    list=extend_schema(
        summary="List leads",
        description=(
            "The leads in your scope (a KAM: their own; a manager: their team's; an admin: all), filtered with "
            "the same FilterSet as the lead list page. Archived leads are left out unless `archived` says so."
        ),
        examples=[
            OpenApiExample(
                "A page",
                value=LEAD_EXAMPLE,
                response_only=True,
            )
        ],
    ),
    retrieve=extend_schema(
        summary="Read a lead", examples=[OpenApiExample("A lead", value=LEAD_EXAMPLE, response_only=True)]
    ),
)
@extend_schema(tags=["leads"])
class LeadViewSet(ListRetrieveMixin, ScopedViewSet):
    """Restaurants: create, read, edit, archive, and move along the pipeline."""

    model = Lead
    serializer_class = LeadSerializer
    filterset_class = LeadFilter

    service_field_names = {"to": "kam"}

    def get_queryset(self):
        return super().get_queryset().select_related("owner", "performance")

    def _read(self, lead):
        # Re-read through the scope: what the answer shows is what the requester may see now.
        return LeadSerializer(self.get_queryset().get(pk=lead.pk), context=self.get_serializer_context()).data

    @extend_schema(
        summary="Create a lead",
        request=LeadCreateSerializer,
        responses={201: LeadSerializer},
        examples=[
            OpenApiExample("New restaurant", value=LEAD_CREATE_EXAMPLE, request_only=True),
            OpenApiExample("Created", value=LEAD_EXAMPLE | {"status": "new"}, response_only=True, status_codes=["201"]),
        ],
    )
    def create(self, request):
        serializer = LeadCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        lead = lead_create(by=request.user, **serializer.validated_data)
        return self.created(lead, self._read(lead))

    @extend_schema(
        summary="Edit a lead",
        description=(
            "Change any editable detail; only the fields sent are written. `status` and `owner` have their own "
            "operations. To be sure nobody changed the lead since you read it, send the `ETag` of your GET as "
            "`If-Match`: a lead changed meanwhile is refused with 412 (code `stale`; the current ETag comes back)."
        ),
        parameters=[IF_MATCH],
        responses={200: LeadSerializer, 412: ERRORS["412"]},
        request=LeadSerializer,
        examples=[
            OpenApiExample("New call frequency", value={"call_frequency_days": 14}, request_only=True),
            OpenApiExample("Updated", value=LEAD_EXAMPLE | {"call_frequency_days": 14}, response_only=True),
        ],
    )
    def partial_update(self, request, pk=None):
        lead = self.get_object()
        serializer = LeadSerializer(lead, data=request.data, partial=True, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        check = EditCheck.from_if_match(request.headers.get("If-Match"))
        lead_update(lead=lead, by=request.user, check=check, **serializer.validated_data)
        return Response(self._read(lead), headers={"ETag": edit_version(lead, EDITABLE_FIELDS)})

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = edit_version(self.get_object(), EDITABLE_FIELDS)
        return response

    @extend_schema(
        summary="Archive a lead",
        description="Archives (never deletes): the lead leaves lists and call plans; history stays. Restore with "
        "POST /api/v1/leads/{id}/restore/.",
        responses={204: OpenApiResponse(description="Archived.")},
    )
    def destroy(self, request, pk=None):
        lead_archive(lead=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Restore an archived lead",
        request=None,
        responses={200: LeadSerializer},
        examples=[OpenApiExample("Restored", value=LEAD_EXAMPLE, response_only=True)],
    )
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        lead = lead_restore(lead=self.get_object(), by=request.user)
        return Response(self._read(lead))

    @extend_schema(
        summary="Move a lead along the pipeline",
        description=(
            "new → contacted → qualified → negotiation → won, or lost (with a `reason`) from any open status; "
            "a lost lead can be reopened as contacted. A move the pipeline does not allow is 409; "
            "`allowed_transitions` on the lead lists the allowed ones."
        ),
        request=TransitionSerializer,
        responses={200: LeadSerializer, 409: ERRORS["409"]},
        examples=[
            OpenApiExample(
                "Qualify", value={"status": "qualified", "note": "Owner keen; wants samples"}, request_only=True
            ),
            OpenApiExample(
                "Lose", value={"status": "lost", "reason": "Chose a competitor on price"}, request_only=True
            ),
            OpenApiExample(
                "Moved", value=LEAD_EXAMPLE | {"status": "qualified"}, response_only=True, status_codes=["200"]
            ),
        ],
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        lead = self.get_object()
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        lead_transition(
            lead=lead, to=data["status"], by=request.user, note=data.get("note", ""), reason=data.get("reason", "")
        )
        return Response(self._read(lead))

    @extend_schema(
        summary="Move the next call to another day",
        description="The restaurant's local date; the call lands in its first calling window that day (or the "
        "next open day).",
        request=RescheduleSerializer,
        responses={200: LeadSerializer},
        examples=[
            OpenApiExample("Next Monday", value={"day": "2026-11-30"}, request_only=True),
            OpenApiExample("Rescheduled", value=LEAD_EXAMPLE, response_only=True),
        ],
    )
    @action(detail=True, methods=["post"])
    def reschedule(self, request, pk=None):
        lead = self.get_object()
        serializer = RescheduleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        call_reschedule(lead=lead, by=request.user, day=serializer.validated_data["day"], now=timezone.now())
        return Response(self._read(lead))

    @extend_schema(
        summary="Give the account to another KAM",
        description=(
            "Managers (for their team) and admins only: a KAM gets 403. The old KAM loses access at once; "
            "history, interactions and orders stay with the account, and both KAMs are e-mailed. A new owner who "
            "is inactive or already owns the account is 409; one outside your team does not exist (400)."
        ),
        request=ReassignSerializer,
        responses={200: LeadSerializer, 403: ERRORS["403"], 409: ERRORS["409"]},
        examples=[
            OpenApiExample(
                "Hand over",
                value={"kam": 9, "reason": "Territory change", "handover_note": "Owner prefers WhatsApp"},
                request_only=True,
            ),
            OpenApiExample(
                "Reassigned", value=LEAD_EXAMPLE | {"owner": 9, "owner_name": "Priya Nair"}, response_only=True
            ),
        ],
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated, IsManagerOrAdmin])
    def reassign(self, request, pk=None):
        lead = self.get_object()
        serializer = ReassignSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        leads_reassign(
            leads=[lead],
            to=data["kam"],
            by=request.user,
            reason=data["reason"],
            handover_note=data.get("handover_note", ""),
        )
        return Response(self._read(lead))

    @extend_schema(
        summary="The account's performance",
        description=(
            "Its class, health score and the reasons for them, its ordering metrics, the latest changes of class "
            "and its ordering pattern (orders per week over 26 weeks and per weekday, on the restaurant's calendar)."
        ),
        responses={200: LeadPerformanceSerializer},
        examples=[
            OpenApiExample(
                "Slipping",
                value={
                    "lead": 42,
                    "performance": {"lead": 42, "classification": "at_risk", "score": 48, "reasons": ["…"]},
                    "history": [
                        {
                            "from_classification": "steady",
                            "to_classification": "at_risk",
                            "score": 48,
                            "reasons": ["No order for 19 days; it usually orders every 7"],
                            "changed_at": "2026-11-20T01:00:00Z",
                        }
                    ],
                    "ordering_pattern": {
                        "weeks": [{"label": "01 Jun", "orders": 2, "value": 19800.0}],
                        "weekdays": [{"label": "Mon", "orders": 12}],
                        "has_orders": True,
                        "weekly_summary": "41 orders in 26 weeks …",
                        "weekday_summary": "Orders mostly on Monday …",
                        "time_zone": "Asia/Kolkata",
                    },
                },
                response_only=True,
            )
        ],
    )
    @action(detail=True, methods=["get"], url_path="performance")
    def performance(self, request, pk=None):
        lead = self.get_object()
        # The lead page's own selector: the API shows what the performance panel shows.
        panel = lead_performance_panel(lead=lead, now=timezone.now())["performance_panel"]
        data = {
            "lead": lead.pk,
            "performance": panel["performance"],
            "history": panel["history"],
            "ordering_pattern": panel["pattern"],
        }
        return Response(LeadPerformanceSerializer(data).data)

    @extend_schema(
        summary="The account's history",
        description=(
            "What the lead page's audit panel shows: the status changes, every change of KAM with its reason and "
            "handover note, and who changed which field of the account, its contacts and its orders."
        ),
        responses={200: LeadHistorySerializer},
        examples=[
            OpenApiExample(
                "Handed over",
                value={
                    "status_changes": [
                        {
                            "from_status": "new",
                            "to_status": "contacted",
                            "changed_by": {"id": 7, "name": "Aarav Shah"},
                            "changed_at": "2026-11-20T05:12:00Z",
                            "note": "First connected call",
                        }
                    ],
                    "assignments": [
                        {
                            "from_owner": {"id": 7, "name": "Aarav Shah"},
                            "to_owner": {"id": 9, "name": "Priya Nair"},
                            "assigned_by": {"id": 2, "name": "Meera Iyer"},
                            "assigned_at": "2026-11-22T09:00:00Z",
                            "reason": "Territory change",
                            "handover_note": "Owner prefers WhatsApp",
                        }
                    ],
                    "handover": None,
                    "changes": [
                        {
                            "at": "2026-11-21T10:00:00Z",
                            "by": {"id": 7, "name": "Aarav Shah"},
                            "subject": "Account",
                            "action": "changed",
                            "reason": "",
                            "changes": [{"label": "Call frequency days", "old": "7", "new": "14"}],
                        }
                    ],
                    "more_changes": 0,
                },
                response_only=True,
            )
        ],
    )
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        lead = self.get_object()
        audit = lead_audit(lead=lead)
        data = {
            "status_changes": lead_status_history(lead=lead),
            "assignments": audit["audit_assignments"],
            "handover": audit["audit_handover"],
            "changes": audit["audit_history"],
            "more_changes": audit["audit_history_more"],
        }
        return Response(LeadHistorySerializer(data).data)
