"""Writes for interactions and orders, and what they do to the call plan and the pipeline.

Each function locks the lead row, records the fact, updates the lead's call fields and status in the
same transaction, and returns what it created.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from interactions.call_plan import PLAN_FIELDS, lead_call_plan, lead_refresh_call_plan
from interactions.models import CallOutcome, Interaction, InteractionKind, MorningDigest, Order
from interactions.planning import RestaurantCalendar, rescheduled_to, retry_after_unanswered
from interactions.selectors import today_calls
from kam.conflicts import Conflict
from kam.reactions import ORDER_RECORDED, announce
from leads.models import Lead, LeadStatus
from leads.services import TransitionCause, lead_transition

logger = logging.getLogger(__name__)

# Phones and servers disagree on the time by a little; a call "in the future" by less than this is now.
CLOCK_SKEW = dt.timedelta(minutes=2)
MAX_CALL_MINUTES = 24 * 60
# Anything older is a typo (year 0026 for 2026), not history worth keeping; it also keeps zone arithmetic in range.
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
# How far ahead a callback or a snooze may be set; further is a typo, and a year covers every real case.
MAX_AHEAD = dt.timedelta(days=365)


def interaction_log(
    *,
    lead: Lead,
    by,
    kind: str,
    occurred_at: dt.datetime | None = None,
    outcome: str = "",
    contact=None,
    duration_minutes: int | None = None,
    notes: str = "",
    callback_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Interaction:
    """Log a call, visit, meeting, e-mail, WhatsApp message or note against a lead.

    A call updates the lead's last call and next due; the first connected call moves a new lead to
    contacted. Raises ValidationError (by field) for input that makes no sense.
    """
    now = now or timezone.now()
    occurred_at = occurred_at or now
    outcome = outcome or ""
    errors: dict[str, str] = {}
    if kind not in InteractionKind.values:
        errors["kind"] = f"“{kind}” is not a kind of interaction."
    if occurred_at > now + CLOCK_SKEW:
        errors["occurred_at"] = "That time is in the future; log what has already happened."
    elif occurred_at < EARLIEST:
        errors["occurred_at"] = "That date is too far in the past; check the year."
    if kind == InteractionKind.CALL:
        if outcome not in CallOutcome.values:
            errors["outcome"] = "Choose how the call went."
    elif outcome:
        errors["outcome"] = "Only calls have an outcome."
    if contact is not None and contact.lead_id != lead.pk:
        errors["contact"] = "That contact belongs to another restaurant."
    if duration_minutes is not None and not 0 <= duration_minutes <= MAX_CALL_MINUTES:
        errors["duration_minutes"] = f"Duration is in minutes, between 0 and {MAX_CALL_MINUTES}."
    if outcome == CallOutcome.CALLBACK_REQUESTED:
        if callback_at is None:
            errors["callback_at"] = "When did they ask you to call back?"
        elif callback_at <= occurred_at:
            errors["callback_at"] = "The callback must be after the call."
        elif callback_at > now + MAX_AHEAD:
            errors["callback_at"] = "Set a callback within the next year."
    elif callback_at is not None:
        errors["callback_at"] = "A callback time goes with the outcome “Callback requested”."
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        locked = Lead.objects.select_for_update().get(pk=lead.pk)
        interaction = Interaction.objects.create(
            lead=locked,
            contact=contact,
            performed_by=by,
            kind=kind,
            occurred_at=occurred_at,
            outcome=outcome,
            duration_minutes=duration_minutes,
            notes=(notes or "").strip(),
            created_at=now,
        )
        if kind == InteractionKind.CALL:
            _apply_call(lead=locked, outcome=outcome, occurred_at=occurred_at, callback_at=callback_at)
            lead_refresh_call_plan(lead=locked)
            if outcome == CallOutcome.CONNECTED and locked.status == LeadStatus.NEW:
                lead_transition(
                    lead=locked,
                    to=LeadStatus.CONTACTED,
                    by=by,
                    cause=TransitionCause.CALL,
                    note="First connected call",
                    now=now,
                )
    _copy_plan(locked, lead)
    return interaction


def _apply_call(*, lead: Lead, outcome: str, occurred_at: dt.datetime, callback_at: dt.datetime | None) -> None:
    is_latest = lead.last_call_at is None or occurred_at >= lead.last_call_at
    if is_latest:
        lead.last_call_at = occurred_at
    if outcome == CallOutcome.CONNECTED and (
        lead.last_connected_call_at is None or occurred_at > lead.last_connected_call_at
    ):
        lead.last_connected_call_at = occurred_at
    if not is_latest:
        # A call logged late does not override what a later call already decided.
        return
    calendar = RestaurantCalendar.for_lead(lead)
    if outcome == CallOutcome.CONNECTED:
        lead.follow_up_at = None
    elif outcome in (CallOutcome.NO_ANSWER, CallOutcome.BUSY):
        lead.follow_up_at = retry_after_unanswered(calendar=calendar, called_at=occurred_at)
    elif outcome == CallOutcome.CALLBACK_REQUESTED:
        lead.follow_up_at = callback_at


def call_reschedule(*, lead: Lead, by, day: dt.date, now: dt.datetime | None = None) -> Lead:
    """The KAM moves the next call to `day` (the restaurant's date), e.g. the owner is travelling."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Lead.objects.select_for_update().get(pk=lead.pk)
        calendar = RestaurantCalendar.for_lead(locked)
        if not locked.call_frequency_days or locked.status == LeadStatus.LOST or locked.is_archived:
            raise ValidationError({"day": "This account has no call plan; set a call frequency first."})
        today = calendar.local_date(now)
        if day < today:
            raise ValidationError({"day": "Choose today or a later day."})
        if day > today + MAX_AHEAD:
            raise ValidationError({"day": "Choose a day within the next year."})
        locked.follow_up_at = rescheduled_to(calendar=calendar, day=day)
        lead_refresh_call_plan(lead=locked)
    _copy_plan(locked, lead)
    return lead


def order_record(
    *,
    lead: Lead,
    by,
    amount,
    placed_at: dt.datetime | None = None,
    item_count: int = 0,
    external_ref: str = "",
    currency: str = "INR",
    now: dt.datetime | None = None,
) -> tuple[Order, bool]:
    """Record an order; returns (order, created).

    An order whose external reference is already recorded for this lead is returned as it is, so the
    order system can retry safely. The first order of an open lead marks it won. The order is credited
    to the KAM who owns the account now, and stays theirs if the account changes hands later.
    """
    now = now or timezone.now()
    placed_at_given = placed_at
    placed_at = placed_at or now
    external_ref = (external_ref or "").strip()
    currency = (currency or "INR").strip().upper()
    errors: dict[str, str] = {}
    try:
        amount = Decimal(str(amount))
        if not amount.is_finite():
            raise InvalidOperation
        if amount < 0:
            errors["amount"] = "The amount cannot be negative."
        elif amount >= Decimal("1e10") or amount != amount.quantize(Decimal("0.01")):
            errors["amount"] = "Use at most 10 digits before the decimal point and 2 after it."
    except (InvalidOperation, ValueError, TypeError):
        errors["amount"] = "Enter the amount as a number, e.g. 12500.50."
    if placed_at > now + CLOCK_SKEW:
        errors["placed_at"] = "That date is in the future; record orders that were placed."
    elif placed_at < EARLIEST:
        errors["placed_at"] = "That date is too far in the past; check the year."
    if item_count is None or item_count < 0:
        errors["item_count"] = "The item count cannot be negative."
    if len(currency) != 3 or not currency.isalpha():
        errors["currency"] = "Use a three-letter currency code such as INR."
    if errors:
        raise ValidationError(errors)

    if external_ref:
        existing = _existing_order(lead=lead, external_ref=external_ref)
        if existing is not None:
            return _same_order(existing, amount=amount, currency=currency, placed_at=placed_at_given), False
    try:
        with transaction.atomic():
            locked = Lead.objects.select_for_update().get(pk=lead.pk)
            order = Order.objects.create(
                lead=locked,
                placed_at=placed_at,
                amount=amount,
                currency=currency,
                item_count=item_count,
                external_ref=external_ref,
                recorded_by=by,
                credited_to_id=locked.owner_id,
                created_at=now,
            )
            if locked.status in LeadStatus.open_statuses():
                lead_transition(
                    lead=locked, to=LeadStatus.WON, by=by, cause=TransitionCause.ORDER, note="First order", now=now
                )
            announce(ORDER_RECORDED, lead_id=locked.pk, now=now)
    except IntegrityError:
        # Two deliveries of the same order raced; the other one won, so return its row.
        existing = _existing_order(lead=lead, external_ref=external_ref) if external_ref else None
        if existing is None:
            raise
        return _same_order(existing, amount=amount, currency=currency, placed_at=placed_at_given), False
    lead.status = locked.status
    return order, True


def _existing_order(*, lead: Lead, external_ref: str) -> Order | None:
    # This account's orders only: whether another account has the reference is none of the caller's business.
    return Order.objects.select_related("lead").filter(lead_id=lead.pk, external_ref=external_ref).first()


def _same_order(existing: Order, *, amount: Decimal, currency: str, placed_at: dt.datetime | None) -> Order:
    """The recorded order, when the one sent again is the same; Conflict naming the differences otherwise.

    A retry is the same order; the same reference with another amount or day is a mistake on one side, which must
    be looked at rather than silently dropped. The day is the restaurant's; a time left out is not compared.
    """
    differences = {}
    if existing.amount != amount or existing.currency != currency:
        differences["amount"] = [
            f"Recorded as {existing.currency} {existing.amount:,.2f}; this request says {currency} {amount:,.2f}."
        ]
    zone = existing.lead.zone
    if placed_at is not None and placed_at.astimezone(zone).date() != existing.placed_at.astimezone(zone).date():
        differences["placed_at"] = [
            f"Recorded as placed on {existing.placed_at.astimezone(zone):%Y-%m-%d}; this request says "
            f"{placed_at.astimezone(zone):%Y-%m-%d} (the restaurant's dates)."
        ]
    if differences:
        raise Conflict(
            f"Order {existing.external_ref} is already recorded for this account with other details; nothing was "
            "changed. Check which is right, and record a correction under a new reference if needed.",
            code="order_differs",
            fields=differences,
        )
    return existing


def _copy_plan(source: Lead, target: Lead) -> None:
    if source is not target:
        for name in (
            "status",
            "last_call_at",
            "last_connected_call_at",
            "follow_up_at",
            "next_call_at",
            "next_call_date",
        ):
            setattr(target, name, getattr(source, name))


def call_plans_recompute(*, lead_ids=None, chunk_size: int = 2000) -> int:
    """Re-derive every lead's last calls from its interactions and recompute its next due.

    Idempotent and set-based: per chunk of leads one locking read of the leads, one aggregate query over
    their calls and one bulk update of the rows that changed. Returns how many leads changed.
    """
    ids = Lead.objects.order_by("pk").values_list("pk", flat=True)
    if lead_ids is not None:
        ids = ids.filter(pk__in=lead_ids)
    changed_total = 0
    last_pk = 0
    while True:
        chunk = list(ids.filter(pk__gt=last_pk)[:chunk_size])
        if not chunk:
            return changed_total
        last_pk = chunk[-1]
        changed_total += _recompute_chunk(chunk)


def _recompute_chunk(chunk: list[int]) -> int:
    # The leads are locked before their calls are read: a call logged meanwhile either committed first
    # (and is counted) or waits for us (and applies its own update after ours). Without the lock the bulk
    # update could write back a last call older than the one just logged.
    with transaction.atomic():
        leads = list(Lead.objects.select_for_update().filter(pk__in=chunk).order_by("pk"))
        calls = {
            row["lead_id"]: row
            for row in Interaction.objects.filter(lead_id__in=chunk, kind=InteractionKind.CALL)
            .order_by()
            .values("lead_id")
            .annotate(
                last_call=Max("occurred_at"),
                last_connected=Max("occurred_at", filter=Q(outcome=CallOutcome.CONNECTED)),
            )
        }
        changed = []
        for lead in leads:
            before = tuple(getattr(lead, f) for f in PLAN_FIELDS)
            facts = calls.get(lead.pk, {})
            lead.last_call_at = facts.get("last_call")
            lead.last_connected_call_at = facts.get("last_connected")
            plan = lead_call_plan(lead)
            lead.next_call_at, lead.next_call_date = plan.due_at, plan.due_date
            if tuple(getattr(lead, f) for f in PLAN_FIELDS) != before:
                changed.append(lead)
        _write_plans(changed)
    return len(changed)


def _write_plans(leads: list[Lead], *, batch_size: int = 1000) -> None:
    """Store the plan fields of many leads at once.

    On PostgreSQL one UPDATE … FROM (VALUES …) per batch: a join, where bulk_update's CASE WHEN per column
    costs O(rows²) per statement (about 3 ms a lead on 100,000 leads, against well under 1 ms this way).
    """
    if connection.vendor != "postgresql":
        Lead.objects.bulk_update(leads, PLAN_FIELDS, batch_size=500)
        return
    table = connection.ops.quote_name(Lead._meta.db_table)
    columns = [Lead._meta.get_field(name).column for name in PLAN_FIELDS]
    types = ["timestamptz" if name != "next_call_date" else "date" for name in PLAN_FIELDS]
    assignments = ", ".join(f"{connection.ops.quote_name(c)} = v.{connection.ops.quote_name(c)}" for c in columns)
    names = ", ".join(connection.ops.quote_name(c) for c in ["id", *columns])
    row = "(%s::bigint, " + ", ".join(f"%s::{t}" for t in types) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(leads), batch_size):
            batch = leads[start : start + batch_size]
            params = [value for lead in batch for value in (lead.pk, *(getattr(lead, f) for f in PLAN_FIELDS))]
            cursor.execute(
                f"UPDATE {table} AS l SET {assignments} "
                f"FROM (VALUES {', '.join([row] * len(batch))}) AS v({names}) WHERE l.id = v.id",
                params,
            )


DIGEST_HOUR = 8


class DigestsNotSent(Exception):
    """Some digests failed to send; the others went out. Retrying sends only the missing ones."""


def morning_digests_send(*, now: dt.datetime | None = None) -> int:
    """E-mail each KAM whose local time is 08:xx their calls for the day; returns how many were sent.

    Runs hourly, so each run serves the zones where the morning has just begun. A KAM with nothing due
    gets no e-mail; one who already had today's digest gets no second one (MorningDigest rows). Raises
    DigestsNotSent after trying everyone if any e-mail failed, so the task can retry within the hour.
    """
    now = now or timezone.now()
    kams = get_user_model().objects.kams().filter(is_active=True).exclude(email="")
    zones = [
        name
        for name in kams.order_by().values_list("time_zone", flat=True).distinct()
        if now.astimezone(ZoneInfo(name)).hour == DIGEST_HOUR
    ]
    sent, failed = 0, []
    for kam in kams.filter(time_zone__in=zones).order_by("pk"):
        try:
            sent += _digest_send(kam=kam, now=now)
        except Exception:  # one bad mailbox must not cost everyone else their digest
            logger.exception("Morning digest for %s could not be sent", kam.username)
            failed.append(kam.username)
    if failed:
        raise DigestsNotSent(f"{sent} sent; not sent to: {', '.join(failed)}")
    return sent


def _digest_send(*, kam, now: dt.datetime) -> int:
    calls = today_calls(kam=kam, now=now)
    overdue, due = calls.overdue_rows(), calls.due_rows()
    if not overdue and not due:
        return 0
    with transaction.atomic():
        # Claim the day first: a concurrent run waits on this row and then skips it; if sending fails
        # the claim rolls back with it, so a retry sends it.
        _, created = MorningDigest.objects.get_or_create(
            kam=kam, day=calls.today, defaults={"call_count": len(overdue) + len(due), "sent_at": now}
        )
        if not created:
            return 0
        _digest_message(kam=kam, calls=calls, overdue=overdue, due=due).send()
    return 1


def _digest_message(*, kam, calls, overdue, due) -> EmailMultiAlternatives:
    context = {
        "kam": kam,
        "calls": calls,
        "overdue": overdue,
        "due": due,
        "today_url": settings.SITE_URL + reverse("today"),
        "site_url": settings.SITE_URL,
    }
    with timezone.override(kam.zone):
        subject = " ".join(render_to_string("interactions/email/morning_digest_subject.txt", context).split())
        text = render_to_string("interactions/email/morning_digest.txt", context)
        html = render_to_string("interactions/email/morning_digest.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[kam.email])
    message.attach_alternative(html, "text/html")
    return message
