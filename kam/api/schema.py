"""OpenAPI generation: every operation documents the error answers it can give, in the one error shape,
and every POST documents the Idempotency-Key header."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse

from kam.api.serializers import ErrorSerializer


def _error(description: str, code: str, message: str, fields: dict | None = None) -> OpenApiResponse:
    return OpenApiResponse(
        ErrorSerializer,
        description=description,
        examples=[OpenApiExample(code, value={"error": {"code": code, "message": message, "fields": fields or {}}})],
    )


ERRORS = {
    "400": _error(
        "Invalid input: see `fields`.",
        "invalid",
        "Some fields are invalid; see `fields`.",
        {"name": ["This field is required."]},
    ),
    "401": _error("No valid credentials.", "not_authenticated", "Authentication credentials were not provided."),
    "403": _error("Your role may never do this.", "permission_denied", "Only managers and admins can do this."),
    "404": _error("No such object in your scope.", "not_found", "No Lead matches the given query."),
    "409": _error(
        "Conflicts with the current state.",
        "transition_not_allowed",
        "A new lead cannot move to won; it can move to: contacted, lost.",
    ),
    "412": _error(
        "The object changed since the ETag sent in If-Match; the current ETag is in the ETag header.",
        "stale",
        "Meera Iyer changed this at 10:42 on 3 Dec since you read it; read it again (GET) and send your change "
        "with the new ETag.",
    ),
    "413": _error("Body too large.", "payload_too_large", "The request body is too large."),
    "415": _error("Send JSON.", "unsupported_media_type", 'Unsupported media type "text/plain" in request.'),
    "422": _error(
        "Idempotency-Key reused with another request.",
        "idempotency_key_reused",
        "This Idempotency-Key was already used for a different request; use a new key.",
    ),
    "429": _error(
        "Too many requests; see the Retry-After header.", "throttled", "Too many requests; retry in 12 seconds."
    ),
}

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "A unique value per operation (e.g. a UUID). Retrying with the same key and body returns the first "
        "response and changes nothing; the same key with another body is refused (422). Kept at least 24 h."
    ),
)


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "The ETag of the object as you read it (GET). The write is refused with 412 if the object's editable fields "
        "changed since. Without it, only the fields sent are written."
    ),
)


RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    OpenApiParameter.HEADER,
    description="Seconds to wait before trying again.",
    response=["429"],
)
LOCATION = OpenApiParameter(
    "Location", OpenApiTypes.URI, OpenApiParameter.HEADER, description="The new object's URL.", response=["201"]
)


class KamAutoSchema(AutoSchema):
    def get_override_parameters(self):
        params = [*super().get_override_parameters(), RETRY_AFTER]
        if self.method == "POST" and getattr(self.view, "idempotent_post", False):
            params.append(IDEMPOTENCY_KEY)
        if self._is_create_operation():
            params.append(LOCATION)
        return params

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            responses.setdefault(code, self._get_response_for_code(ERRORS[code], code, direction=direction))
        return responses

    def _error_codes(self) -> list[str]:
        codes = ["400"] if self.method in ("POST", "PATCH", "PUT") or self._is_list_view() else []
        codes.append("401")
        if "{" in self.path or self._is_list_view():
            codes.append("404")  # outside your scope; for a list, a page past the end
        if self.method in ("POST", "PATCH", "PUT"):
            codes += ["413", "415"]
            if self.method == "POST" and getattr(self.view, "idempotent_post", False):
                codes.append("422")
        codes.append("429")
        return codes


def allow_empty_query_values(result, generator, request, public):
    """An empty query parameter (`?city=`) is ignored, as in the list pages' filter forms; say so."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query":
                    parameter["allowEmptyValue"] = True
    return result
