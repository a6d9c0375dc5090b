"""Project-level tasks. Domain jobs live in each app's tasks.py."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="kam.tasks.ping")
def ping() -> str:
    """A round trip through the broker and a worker: the smoke test and operators use it to prove the queue works."""
    logger.info("pong")
    return "pong"
