"""Project-level tasks. Domain jobs live in each app's tasks.py."""

import logging

from celery import shared_task
from django.core.management import call_command

from kam.api.idempotency import purge_expired
from kam.outbox import outbox_drain

logger = logging.getLogger(__name__)


@shared_task(name="kam.tasks.ping")
def ping() -> str:
    """A round trip through the broker and a worker: the smoke test and operators use it to prove the queue works."""
    logger.info("pong")
    return "pong"


@shared_task(name="kam.tasks.purge_idempotency_keys")
def purge_idempotency_keys() -> int:
    """Forget API Idempotency-Keys past their time to live; one DELETE, safe to re-run."""
    return purge_expired()


@shared_task(name="kam.tasks.drain_outbox")
def drain_outbox() -> int:
    """Every minute: queue the tasks that could not be queued when their change committed (broker down)."""
    return outbox_drain()


@shared_task(name="kam.tasks.flush_expired_tokens")
def flush_expired_tokens() -> None:
    """Daily: forget refresh tokens (issued and revoked) past their expiry; simplejwt's own command."""
    call_command("flushexpiredtokens")
