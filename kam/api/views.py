"""The base every API view stands on, and the project-wide endpoints (/me/, tokens, schema, docs).

`ApiViewMixin` is mixed into every API view, ours and the libraries': it opts out of the page-level
LoginRequiredMiddleware (DRF authenticates and answers 401 in JSON, never a redirect to the sign-in
page), counts throttles before permissions (so anonymous hammering is limited too), renders times in
UTC, and runs POSTs through the Idempotency-Key machinery.

`ScopedViewSet` takes its queryset from `model.objects.visible_to(request.user)` and nowhere else, so
an object outside the requester's scope is 404 on every endpoint without any view having to remember.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.contrib.auth.signals import user_logged_in
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import generics, mixins, status, viewsets
from rest_framework.response import Response
from rest_framework_simplejwt import views as jwt_views

from kam.api import idempotency
from kam.api.errors import LockedOut
from kam.api.serializers import MeSerializer
from kam.api.throttles import TokenThrottle


class ApiViewMixin:
    # Only POSTs that create or change something go through Idempotency-Key handling.
    idempotent_post = True
    # Service ValidationError keys that the API names differently (model field → API field).
    service_field_names: dict[str, str] = {}

    @classmethod
    def as_view(cls, *args, **kwargs):
        view = super().as_view(*args, **kwargs)
        view.login_required = False  # DRF authenticates: anonymous calls get 401 JSON, not a redirect
        return view

    def dispatch(self, request, *args, **kwargs):
        handler = getattr(self, "post", None)
        if request.method == "POST" and self.idempotent_post and handler is not None:
            self.post = partial(idempotency.run, handler)
        return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        # The API speaks UTC whatever the user's display zone; clients convert (see /me/ for the zone).
        timezone.activate(dt.UTC)
        super().initial(request, *args, **kwargs)

    def check_permissions(self, request):
        self.check_throttles(request)
        super().check_permissions(request)

    def check_throttles(self, request):
        if getattr(self, "_throttles_checked", False):
            return
        self._throttles_checked = True
        super().check_throttles(request)


class ScopedViewSet(ApiViewMixin, viewsets.GenericViewSet):
    """Base of every resource viewset: the requester's scope of `model`, nothing else."""

    model = None
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return self.model.objects.visible_to(self.request.user)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # An object URL is looked up in the scope before the method is: an outsider gets the same 404 for any
        # method (never a 405 that would confirm the id), as on the pages (kam.scoping.ScopedObjectMixin).
        if (self.lookup_url_kwarg or self.lookup_field) in self.kwargs:
            self.get_object()

    def get_object(self):
        if getattr(self, "_object", None) is None:
            self._object = super().get_object()
        return self._object

    def filter_queryset(self, queryset):
        # List filters (e.g. "active leads only" by default) narrow lists; an object's own URL ignores them.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def created(self, instance, data) -> Response:
        """201 with the new object's body and its URL in Location."""
        return Response(data, status=status.HTTP_201_CREATED, headers={"Location": self.detail_url(instance)})

    def detail_url(self, instance) -> str:
        return self.request.build_absolute_uri(reverse(f"api:{self.basename}-detail", args=[instance.pk]))


class ListRetrieveMixin(mixins.ListModelMixin, mixins.RetrieveModelMixin):
    pass


# --- /me/ -------------------------------------------------------------------------------------------------


class MeView(ApiViewMixin, generics.RetrieveAPIView):
    """The signed-in user."""

    serializer_class = MeSerializer

    def get_object(self):
        return self.request.user

    @extend_schema(
        operation_id="me",
        tags=["me"],
        summary="Who am I",
        description="The signed-in user: role, time zone (in which to show times) and, for a manager, the team.",
        examples=[
            OpenApiExample(
                "A KAM",
                value={
                    "id": 7,
                    "username": "aarav",
                    "first_name": "Aarav",
                    "last_name": "Shah",
                    "full_name": "Aarav Shah",
                    "email": "aarav@kam.example",
                    "role": "kam",
                    "time_zone": "Asia/Kolkata",
                    "manager": 2,
                    "team": [],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- tokens -----------------------------------------------------------------------------------------------


_TOKEN_PAIR_EXAMPLE = {"refresh": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9…", "access": "eyJhbGciOiJIUzI1NiIs…"}


class _TokenEndpoint(ApiViewMixin):
    """Sign-in, refresh and sign-out: limited per client address, and never replayed from an Idempotency-Key."""

    throttle_classes = [TokenThrottle]
    idempotent_post = False


class TokenObtainView(_TokenEndpoint, jwt_views.TokenObtainPairView):
    @extend_schema(
        operation_id="auth_token_obtain",
        tags=["auth"],
        summary="Get a token pair",
        description=(
            "Exchange a username and password for an `access` token (send it as `Authorization: Bearer …`) "
            "and a `refresh` token. Repeated failures lock the account for a while (429, code `locked_out`)."
        ),
        examples=[
            OpenApiExample("Credentials", value={"username": "aarav", "password": "kam-demo-2026"}, request_only=True),
            OpenApiExample("Tokens", value=_TOKEN_PAIR_EXAMPLE, response_only=True, status_codes=["200"]),
        ],
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except Exception:
            # django-axes flags the request when this failure locked the account (or it was locked already).
            if getattr(request, "axes_locked_out", False):
                raise LockedOut(wait=_axes_cool_off_seconds(request)) from None
            raise
        # A token sign-in is a sign-in: last_login is recorded and axes forgets earlier failures, as on the UI.
        user_logged_in.send(sender=serializer.user.__class__, request=request, user=serializer.user)
        return Response(serializer.validated_data, status=status.HTTP_200_OK)


def _axes_cool_off_seconds(request) -> int | None:
    from axes.helpers import get_cool_off

    cool_off = get_cool_off(request)
    return int(cool_off.total_seconds()) if cool_off else None


class TokenRefreshView(_TokenEndpoint, jwt_views.TokenRefreshView):
    @extend_schema(
        operation_id="auth_token_refresh",
        tags=["auth"],
        summary="Refresh the access token",
        description=(
            "Returns a new access token and a new refresh token; the refresh token sent is revoked (rotation), so "
            "keep the new one. A refresh token issued before the last password change is refused (401)."
        ),
        examples=[
            OpenApiExample("Refresh token", value={"refresh": "eyJhbGciOiJIUzI1NiIs…"}, request_only=True),
            OpenApiExample("New tokens", value=_TOKEN_PAIR_EXAMPLE, response_only=True),
        ],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class LogoutView(_TokenEndpoint, jwt_views.TokenBlacklistView):
    @extend_schema(
        operation_id="auth_logout",
        tags=["auth"],
        summary="Sign out: revoke a refresh token",
        description=(
            "Revokes the refresh token (it can no longer be refreshed, now or after a retry). The access token "
            "issued with it expires on its own within its lifetime (15 minutes by default); to end every token "
            "at once, change the password."
        ),
        examples=[OpenApiExample("Refresh token", value={"refresh": "eyJhbGciOiJIUzI1NiIs…"}, request_only=True)],
        responses={204: None},
    )
    def post(self, request, *args, **kwargs):
        super().post(request, *args, **kwargs)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- schema and docs --------------------------------------------------------------------------------------


class SchemaView(ApiViewMixin, SpectacularAPIView):
    pass


class DocsView(ApiViewMixin, SpectacularSwaggerSplitView):
    """Swagger UI from drf-spectacular-sidecar's static files; its script is served separately (CSP-safe)."""
