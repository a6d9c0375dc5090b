"""Thin Celery tasks: each takes ids or nothing, calls one service and returns a JSON-able summary."""

import datetime as dt
import smtplib

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from kam.chunks import fan_out, id_ranges
from kam.database import vacuum_analyze
from kam.models import User
from kam.outbox import enqueue_on_commit
from leads.models import Lead
from performance import services
from performance.models import AccountPerformance, ClassificationChange


@shared_task
def refresh_account_performance(lead_id: int) -> None:
    services.account_performance_refresh(lead_id=lead_id)


@shared_task
def recompute_performance() -> int:
    """Nightly: every account's metrics and class, one task per chunk of accounts, all at the same `now`, then a
    VACUUM of the rewritten tables. Returns how many chunks were queued."""
    now = timezone.now().isoformat()
    ranges = id_ranges(Lead.objects.all(), size=settings.NIGHTLY_CHUNK_SIZE)
    return fan_out(recompute_performance_chunk, ranges, now, then=vacuum_performance)


@shared_task
def recompute_performance_chunk(first_id: int, last_id: int, now: str) -> dict:
    """Accounts first_id…last_id at `now`. Idempotent: run again at the same `now`, the rows are the same and no
    second change of class is recorded."""
    result = services.performance_recompute(
        now=dt.datetime.fromisoformat(now),
        lead_ids=_ids(first_id, last_id),
    )
    return {"accounts": result.accounts, "class_changes": result.class_changes}


@shared_task
def vacuum_performance() -> None:
    """After the nightly recompute's chunks (queued behind them): fresh statistics for the morning's pages."""
    vacuum_analyze([AccountPerformance, ClassificationChange])


@shared_task
def send_manager_reports() -> int:
    """Hourly: one task per manager whose local hour is 8, so one failing mailbox delays no one else's report."""
    managers = services.managers_due_for_report(now=timezone.now())
    for manager in managers:
        enqueue_on_commit(send_manager_report, manager.pk)
    return len(managers)


# Mail server trouble is retried with backoff within the morning; the report is recorded with the send, so a
# retry (or a second run) never sends it twice.
@shared_task(autoretry_for=(smtplib.SMTPException, OSError), retry_backoff=60, retry_backoff_max=1800, max_retries=6)
def send_manager_report(manager_id: int) -> bool:
    manager = User.objects.filter(pk=manager_id, is_active=True).first()
    if manager is None:
        return False
    return services.manager_report_send(manager=manager, now=timezone.now()) is not None


def _ids(first_id: int, last_id: int):
    return Lead.objects.filter(pk__range=(first_id, last_id)).values_list("pk", flat=True)
