"""Health endpoints for the container runtime and the load balancer.

/healthz says the process answers (liveness: restart it if not); it touches nothing else, so a database outage
does not get every web container killed. /readyz says this instance can serve traffic (readiness: take it out of
the pool if not): the database and Redis answer. Both skip sign-in, but ALLOWED_HOSTS still applies.
"""

import logging

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

# A readiness probe must answer within the prober's own timeout, even when a dependency hangs.
CHECK_TIMEOUT_SECONDS = 2


@login_not_required
@never_cache
@require_safe
def healthz(request):
    return JsonResponse({"status": "ok"})


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_redis() -> str:
    if not settings.REDIS_URL:
        # make run: no broker, tasks run in-process and the cache is local memory. Nothing to wait for.
        return "not configured"
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=CHECK_TIMEOUT_SECONDS, socket_timeout=CHECK_TIMEOUT_SECONDS
    )
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


CHECKS = {"database": _check_database, "redis": _check_redis}


@login_not_required
@never_cache
@require_safe
def readyz(request):
    results, failing = {}, []
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:
            # The probe reports which part failed and the error's class; the detail goes to the log only.
            logger.warning("readiness check %s failed: %r", name, exc)
            results[name] = f"error: {type(exc).__name__}"
            failing.append(name)
    if failing:
        return JsonResponse({"status": "unavailable", "failing": failing, "checks": results}, status=503)
    return JsonResponse({"status": "ok", "checks": results})
