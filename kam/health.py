"""Health endpoints for the container runtime and the load balancer.

/healthz says the process answers (liveness: restart it if not). It touches nothing else, not even the database,
so an outage of the database does not get every web container killed and restarted.

/readyz says whether this instance can serve traffic (readiness: the load balancer routes on it). A web process
can serve when the database answers: without it nothing can be read or saved, so 503. Redis is not needed to
serve: without it the API's rate limits count per process, what would be queued waits in the outbox, and pages
work; so Redis down is reported as "degraded" with 200, and does not take every instance out of the pool. Each
check runs in a thread and the answer comes within READY_TIMEOUT_SECONDS whatever hangs. Both skip sign-in, but
ALLOWED_HOSTS still applies.
"""

import logging
from concurrent.futures import ThreadPoolExecutor, wait
from concurrent.futures import TimeoutError as FutureTimeout

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

# Load balancers probe every few seconds with a timeout of about one: answer well within it.
READY_TIMEOUT_SECONDS = 0.8
# Needed to serve (503 when failing); the others only degrade a feature (200, "degraded").
REQUIRED = ("database",)

_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="readyz")


@login_not_required
@never_cache
@require_safe
def healthz(request):
    return JsonResponse({"status": "ok"})


def _check_database() -> str:
    # A connection of its own (this thread's), opened and closed here: the probe never leaves one behind.
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        cursor = raw.cursor()
        cursor.execute("SELECT 1")
        cursor.fetchone()
    finally:
        raw.close()
    return "ok"


def _check_redis() -> str:
    if not settings.REDIS_URL:
        # make run: no broker, tasks run in-process and the cache is local memory. Nothing to wait for.
        return "not configured"
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=READY_TIMEOUT_SECONDS, socket_timeout=READY_TIMEOUT_SECONDS
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
    futures = {name: _pool.submit(check) for name, check in CHECKS.items()}
    # One deadline for all: the checks run at the same time.
    wait(futures.values(), timeout=READY_TIMEOUT_SECONDS)
    results, failing = {}, []
    for name, future in futures.items():
        try:
            results[name] = future.result(timeout=0)
        except FutureTimeout:
            logger.warning("readiness check %s did not answer within %s s", name, READY_TIMEOUT_SECONDS)
            results[name] = "error: timeout"
            failing.append(name)
        except Exception as exc:
            # The probe reports which part failed and the error's class; the detail goes to the log only.
            logger.warning("readiness check %s failed: %r", name, exc)
            results[name] = f"error: {type(exc).__name__}"
            failing.append(name)
    if any(name in REQUIRED for name in failing):
        return JsonResponse({"status": "unavailable", "failing": failing, "checks": results}, status=503)
    if failing:
        return JsonResponse({"status": "degraded", "degraded": failing, "checks": results})
    return JsonResponse({"status": "ok", "checks": results})
