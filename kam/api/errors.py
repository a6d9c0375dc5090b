"""One JSON shape for every API error: {"error": {"code": "...", "message": "...", "fields": {...}}}.

DRF's own exceptions, the services' `ValidationError` and `TransitionNotAllowed`, Django's 404 for an
unknown URL under /api/ and the last-resort 500 all come out in this shape, so a client needs one parser.
"""

from __future__ import annotations

import sys

from django import db
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from kam.conflicts import Conflict as DomainConflict
from kam.conflicts import StaleEdit
from leads.services import ReassignmentNotAllowed, TransitionNotAllowed


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was already used for a different request; use a new key."
    default_code = "idempotency_key_reused"


class IdempotencyKeyInFlight(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "A request with this Idempotency-Key is still being processed; retry in a moment."
    default_code = "idempotency_key_in_flight"


class LockedOut(exceptions.Throttled):
    default_detail = "Too many failed sign-in attempts: this account is locked for a while."
    default_code = "locked_out"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


# Codes for DRF exceptions whose own code is too generic to act on.
_DEFAULT_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "throttled",
    500: "server_error",
}


def error_body(*, status_code: int, code: str | None = None, message: str = "", fields: dict | None = None) -> dict:
    return {
        "error": {
            "code": code or _DEFAULT_CODES.get(status_code, "error"),
            "message": message,
            "fields": fields or {},
        }
    }


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail → {"field": [...], "calling_windows.0": [...]}."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.update(_flatten(value, name))
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            out[prefix] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                out.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        out[prefix] = [str(detail)]
    return out


def _first_code(detail) -> str | None:
    if isinstance(detail, dict):
        detail = next(iter(detail.values()), None)
    if isinstance(detail, list):
        detail = detail[0] if detail else None
    return getattr(detail, "code", None)


def _service_errors_to_drf(exc: DjangoValidationError, field_names: dict[str, str]) -> exceptions.ValidationError:
    """A service's ValidationError (field → message) as a DRF one, with the API's field names."""
    if hasattr(exc, "error_dict"):
        detail = {}
        for field, messages in exc.message_dict.items():
            name = "non_field_errors" if field == NON_FIELD_ERRORS else field_names.get(field, field)
            detail.setdefault(name, []).extend(messages)
    else:
        detail = {"non_field_errors": list(exc.messages)}
    return exceptions.ValidationError(detail)


def exception_handler(exc, context):
    view = context.get("view")
    if isinstance(exc, DjangoValidationError):
        exc = _service_errors_to_drf(exc, getattr(view, "service_field_names", {}))
    elif isinstance(exc, TransitionNotAllowed | ReassignmentNotAllowed):
        exc = Conflict(exc.message, code=exc.code)
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, DomainConflict):
        return _conflict_response(exc)

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's 500 handler answers, in the same shape under /api/

    detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(detail)
        general = fields.pop("non_field_errors", None)
        message = " ".join(general) if general else "Some fields are invalid; see `fields`."
        code = "invalid"
        if general and not fields:
            code = _first_code(detail.get("non_field_errors") if isinstance(detail, dict) else detail) or code
    else:
        fields = {}
        if isinstance(detail, dict):
            # simplejwt puts {"detail", "code", "messages"} here.
            message = str(detail.get("detail", "")) or "; ".join(str(v) for v in detail.values())
            code = str(detail.get("code", "")) or None
        elif isinstance(detail, list):
            message = " ".join(str(item) for item in detail)
            code = _first_code(detail)
        else:
            message = str(detail)
            code = getattr(detail, "code", None)
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None and not isinstance(exc, LockedOut):
            message = f"Too many requests; retry in {int(exc.wait)} seconds."
    response.data = error_body(status_code=response.status_code, code=code, message=message, fields=fields)
    return response


def _conflict_response(exc: DomainConflict) -> Response:
    body = error_body(status_code=exc.status_code, code=exc.code, message=exc.message, fields=exc.fields)
    if isinstance(exc, StaleEdit):
        body["error"]["changed_by"] = str(exc.changed_by) if exc.changed_by is not None else None
        body["error"]["changed_at"] = exc.changed_at.isoformat() if exc.changed_at else None
    response = Response(body, status=exc.status_code)
    if isinstance(exc, StaleEdit) and exc.version:
        response["ETag"] = exc.version
    return response


# --- Django-level handlers: URLs that match no view, and errors outside DRF ------------------------------


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _json(status_code: int, message: str, code: str | None = None) -> JsonResponse:
    return JsonResponse(error_body(status_code=status_code, code=code, message=message), status=status_code)


def bad_request(request, exception=None):
    if _is_api(request):
        return _json(400, "Bad request.", "bad_request")
    return defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    if _is_api(request):
        return _json(403, "You do not have permission to perform this action.")
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception=None):
    if _is_api(request):
        return _json(404, "No API endpoint or object here.")
    return defaults.page_not_found(request, exception)


def _resolves(path: str) -> bool:
    from django.urls import Resolver404, resolve

    try:
        return resolve(path).func is not no_such_endpoint
    except Resolver404:
        return False


@csrf_exempt
@login_not_required
def no_such_endpoint(request, rest=""):
    """The last pattern under /api/: a JSON 404 even with DEBUG on, and a hint instead of a slash redirect
    (a redirected POST would lose its body)."""
    if not request.path.endswith("/") and _resolves(request.path + "/"):
        return _json(404, f"No API endpoint here; did you mean {request.path}/ (with the trailing slash)?")
    return _json(404, "No API endpoint here; the endpoints are listed at /api/schema/.")


def server_error(request):
    # Django calls this while handling the exception, so it can still be looked at.
    if isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
        return service_unavailable(request)
    if _is_api(request):
        return _json(500, "Something went wrong on our side; it has been logged.")
    return defaults.server_error(request)


# The database refused, dropped or did not answer in time (connect and statement timeouts, kam.database).
DATABASE_UNAVAILABLE = (db.OperationalError, db.InterfaceError)


def service_unavailable(request):
    """503 with Retry-After, rendered without touching the database (no session, no user, no context processors)."""
    retry_after = str(settings.UNAVAILABLE_RETRY_AFTER)
    if _is_api(request):
        response = _json(503, "The service is briefly unavailable; retry in a moment.", "unavailable")
    else:
        response = HttpResponse(loader.get_template("503.html").render({"retry_after": retry_after}), status=503)
    response["Retry-After"] = retry_after
    return response
