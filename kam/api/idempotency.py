"""Safe retries of API POSTs with an `Idempotency-Key` header.

The first request with a key inserts a row for (user, key) and handles the request in the same
transaction; its successful response is stored in that row before commit. A retry of the same request
waits on the unique index until the first one commits, then replays the stored response (same status,
same body) and creates nothing. The same key with a different method, path or body is refused (422).
A request that fails (4xx/5xx) stores nothing, so the client can correct it and retry with the same key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from kam.api.errors import IdempotencyKeyInFlight, IdempotencyKeyReused
from kam.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255


def key_ttl() -> dt.timedelta:
    return dt.timedelta(hours=getattr(settings, "IDEMPOTENCY_KEY_TTL_HOURS", 48))


def _clean_key(raw: str) -> str:
    key = raw.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise exceptions.ValidationError(
            {HEADER: [f"Use 1 to {MAX_KEY_LENGTH} printable ASCII characters, e.g. a UUID."]}
        )
    return key


def request_fingerprint(*, method: str, path: str, content_type: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method, path, content_type):
        digest.update(part.encode())
        digest.update(b"\0")
    digest.update(body)
    return digest.hexdigest()


def run(handler, request, *args, **kwargs):
    """Call `handler(request, …)` at most once per (user, Idempotency-Key)."""
    raw_key = request.headers.get(HEADER)
    if raw_key is None or not request.user.is_authenticated:
        return handler(request, *args, **kwargs)
    key = _clean_key(raw_key)
    fingerprint = request_fingerprint(
        method=request.method,
        path=request.get_full_path(),
        content_type=request.content_type or "",
        body=request._request.body,
    )
    with transaction.atomic():
        record, created = IdempotencyKey.objects.select_for_update().get_or_create(
            user=request.user,
            key=key,
            defaults={
                "request_fingerprint": fingerprint,
                "method": request.method,
                "path": request.get_full_path()[:2000],
                "created_at": timezone.now(),
            },
        )
        if not created:
            return _replay(record, fingerprint)
        response = handler(request, *args, **kwargs)
        if not 200 <= response.status_code < 300:
            # Forget the key with everything else the request did, so a corrected retry can reuse it.
            transaction.set_rollback(True)
            return response
        record.response_status = response.status_code
        record.response_body = json.loads(JSONRenderer().render(response.data)) if response.data is not None else None
        record.response_location = response.get("Location", "")[:2000]
        record.save(update_fields=["response_status", "response_body", "response_location"])
    return response


def _replay(record: IdempotencyKey, fingerprint: str) -> Response:
    if record.request_fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    if record.response_status is None:
        raise IdempotencyKeyInFlight()
    headers = {REPLAYED_HEADER: "true"}
    if record.response_location:
        headers["Location"] = record.response_location
    return Response(record.response_body, status=record.response_status, headers=headers)


def purge_expired(*, now: dt.datetime | None = None) -> int:
    """Delete keys past their time to live in one statement; returns how many."""
    now = now or timezone.now()
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=now - key_ttl()).delete()
    return deleted
