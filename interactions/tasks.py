"""Periodic jobs for call planning. Thin: each calls one service; both are safe to run again."""

import datetime as dt

from celery import shared_task

from interactions import services


@shared_task
def recompute_call_plans() -> int:
    """Nightly: re-derive every lead's last calls and next due (chunked bulk updates, idempotent)."""
    return services.call_plans_recompute()


# A failed e-mail is retried a few minutes later, still inside the 08:00 hour; digests already sent are skipped.
@shared_task(autoretry_for=(services.DigestsNotSent,), retry_backoff=120, max_retries=3)
def send_morning_digests(now: str | None = None) -> int:
    """Hourly: e-mail the KAMs whose local time is 08:00 their calls for the day.

    `now` (ISO 8601, for re-running a missed hour by hand) defaults to the current time.
    """
    moment = dt.datetime.fromisoformat(now) if now else None
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return services.morning_digests_send(now=moment)
