"""Who is asking: the client's own address behind our trusted proxies, and ids read from query strings.

`client_address` is the one definition that throttles (API and sign-in page), django-axes lockouts and logs use.
`X-Forwarded-For` is a list that each proxy appends the address it received from to; only the entries that our own
proxies wrote can be believed, so with TRUSTED_PROXY_COUNT = n the client is the n-th entry from the end, and with
0 (no proxy) the header is ignored. Anything a client writes in front of that is ignored.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings

# The largest id PostgreSQL's bigint holds has 19 digits.
MAX_ID_DIGITS = 18


def client_address(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or ""
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if not forwarded:
        return remote
    candidate = forwarded[-min(count, len(forwarded))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def parse_id(raw) -> int | None:
    """An object id from a query string or form: ASCII digits only, or None.

    `str.isdigit()` is true for "²" and other Unicode digits, which int() then refuses (a 500); so ids are
    checked here, once.
    """
    if not isinstance(raw, str):
        return None
    raw = raw.strip()
    if not raw or len(raw) > MAX_ID_DIGITS or not raw.isascii() or not raw.isdigit():
        return None
    return int(raw)
