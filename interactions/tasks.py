"""Periodic jobs for call planning. Thin: each calls one service; all are safe to run again."""

import datetime as dt

from celery import shared_task
from django.conf import settings

from interactions import services
from kam.chunks import fan_out, id_ranges
from leads.models import Lead


@shared_task
def recompute_call_plans() -> int:
    """Nightly: re-derive every lead's last calls and next due, one task per chunk of leads; returns the chunks."""
    return fan_out(recompute_call_plans_chunk, id_ranges(Lead.objects.all(), size=settings.NIGHTLY_CHUNK_SIZE))


@shared_task
def recompute_call_plans_chunk(first_id: int, last_id: int) -> int:
    """The leads with ids first_id…last_id (idempotent: a second run changes nothing); returns how many changed."""
    return services.call_plans_recompute(lead_ids=_ids(first_id, last_id))


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


def _ids(first_id: int, last_id: int):
    return Lead.objects.filter(pk__range=(first_id, last_id)).values_list("pk", flat=True)
