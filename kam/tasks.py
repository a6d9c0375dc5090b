"""Project-level tasks. Domain jobs live in each app's tasks.py."""

import logging

from celery import shared_task

from kam.api.idempotency import purge_expired

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
