"""Queue Celery tasks without ever turning a committed write into an error, and send e-mails at most once.

`enqueue_on_commit(task, *args)` writes an OutboxMessage in the caller's transaction and queues the task when
it commits (a robust on-commit callback: a broker that is down is logged, never raised to the user). What could
not be queued stays in the outbox; `outbox_drain()`, run every minute by beat (`drain-outbox`), queues it once
the broker is back. Tasks queued this way must be safe to run twice: a crash between queuing and deleting the
row queues them again.

`deliver_once(kind=, key=, recipient=, send=)` sends one message per (kind, key, recipient), ever.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from functools import partial

from celery import current_app
from django.db import IntegrityError, transaction
from django.utils import timezone

from kam.models import Delivery, OutboxMessage

logger = logging.getLogger(__name__)

# A row younger than this may still be on its way through its own on-commit callback; the sweep leaves it alone.
SWEEP_MIN_AGE = dt.timedelta(seconds=10)
# How long one publish may take before the broker counts as down (kombu retries quickly on its own).
PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}


def _task_name(task) -> str:
    return task if isinstance(task, str) else task.name


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Run `task(*args, **kwargs)` on a worker once the current transaction commits (at once outside one)."""
    name = _task_name(task)
    message = OutboxMessage.objects.create(task=name, args=list(args), kwargs=kwargs)
    transaction.on_commit(partial(_publish_after_commit, message.pk, name, args, kwargs), robust=True)


def _publish(name: str, args, kwargs) -> None:
    current_app.send_task(
        name, args=list(args), kwargs=dict(kwargs), ignore_result=True, retry=True, retry_policy=PUBLISH_RETRY_POLICY
    )


def _publish_after_commit(pk: int, name: str, args, kwargs) -> None:
    try:
        if current_app.conf.task_always_eager:
            # No broker (make run, tests): run it here, as .delay() would.
            current_app.tasks[name].apply(args=list(args), kwargs=dict(kwargs), throw=True)
        else:
            _publish(name, args, kwargs)
    except Exception as exc:
        # The write has committed; the outbox row stays and the sweep queues it when the broker is back.
        logger.warning("Could not queue %s now (%r); the outbox sweep will queue it later", name, exc)
        OutboxMessage.objects.filter(pk=pk).update(attempts=1, last_error=repr(exc)[:2000])
        return
    OutboxMessage.objects.filter(pk=pk).delete()


def outbox_drain(*, now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Queue what the outbox still holds (oldest first); stops at the first broker error. Returns how many."""
    now = now or timezone.now()
    sent = 0
    with transaction.atomic():
        # SKIP LOCKED: two sweeps at once share the rows instead of queuing them twice.
        rows = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(created_at__lte=now - SWEEP_MIN_AGE)
            .order_by("pk")[:limit]
        )
        done = []
        for row in rows:
            try:
                _publish(row.task, row.args, row.kwargs)
            except Exception as exc:
                logger.warning("Outbox: the broker still refuses %s (%r); %s left", row.task, exc, len(rows) - sent)
                OutboxMessage.objects.filter(pk=row.pk).update(attempts=row.attempts + 1, last_error=repr(exc)[:2000])
                break
            done.append(row.pk)
            sent += 1
        OutboxMessage.objects.filter(pk__in=done).delete()
    if sent:
        logger.info("Outbox: queued %s task(s) that could not be queued when their change committed", sent)
    return sent


def deliver_once(*, kind: str, key: str, recipient, send: Callable[[], object]) -> bool:
    """Call `send()` unless (kind, key, recipient) was delivered before; True when it sent now.

    The record is created in the transaction that sends: if `send` raises, nothing is recorded and a retry sends
    it; two runs at once wait for each other on the unique index and only the first sends. A message can only go
    twice if the process dies between the mail server accepting it and the commit (milliseconds).
    """
    try:
        with transaction.atomic():
            _, created = Delivery.objects.get_or_create(kind=kind, key=key, recipient=recipient)
            if not created:
                return False
            send()
    except IntegrityError:
        return False
    return True
