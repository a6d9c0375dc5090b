"""Thin Celery tasks: each takes ids or nothing, calls one service and returns a JSON-able summary."""

from celery import shared_task
from django.utils import timezone

from performance import services


@shared_task
def refresh_account_performance(lead_id: int) -> None:
    services.account_performance_refresh(lead_id=lead_id)


@shared_task
def recompute_performance() -> dict:
    """Nightly: every account's metrics and class. Idempotent, so a retry or a second run changes nothing."""
    result = services.performance_recompute(now=timezone.now())
    return {"accounts": result.accounts, "class_changes": result.class_changes, "chunks": result.chunks}


@shared_task
def send_manager_reports() -> int:
    """Hourly: the managers whose local hour is 8 get their team report (once a day each)."""
    return services.manager_reports_send(now=timezone.now())
