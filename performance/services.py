"""Writes for account performance: the set-based recompute, the one-account refresh, the manager reports.

The recompute reads orders in a few aggregate queries per chunk of leads (counts and sums with filters, and a
window function for the days between orders), leaves only the median and the score to Python
(`performance.scoring.assess`, a pure function), and upserts the chunk's rows in one statement. Memory is
bounded by the chunk; the number of queries by the number of chunks, never by the number of leads.
"""

from __future__ import annotations

import datetime as dt
import logging
import statistics
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Count, DurationField, ExpressionWrapper, F, Max, Min, Q, Sum, Window
from django.db.models.functions import Lag, Lower
from django.template.loader import render_to_string
from django.utils import timezone

from interactions.models import Order
from kam.database import vacuum_analyze
from kam.models import Role, User
from leads.models import Lead
from performance.models import (
    AccountPerformance,
    Classification,
    ClassificationChange,
    ManagerReport,
    PeerGroup,
    PerformancePolicy,
)
from performance.scoring import DAY, AccountMetrics, assess, pct_change
from performance.selectors import manager_report, report_since

logger = logging.getLogger(__name__)

# Order size and a fallback rhythm come from the last 26 weeks; older orders only give the first and last dates.
HISTORY_DAYS = 182
RHYTHM_DAYS = 90
DEFAULT_CHUNK_SIZE = 10000
REPORT_HOUR = 8

UPSERT_FIELDS = [
    "owner",
    "is_archived",
    "classification",
    "previous_classification",
    "classification_changed_at",
    "score",
    "previous_score",
    "trend",
    "reasons",
    "factors",
    "orders_total",
    "orders_30d",
    "value_30d",
    "orders_prev_30d",
    "value_prev_30d",
    "orders_28d",
    "value_28d",
    "orders_prev_28d",
    "value_prev_28d",
    "orders_90d",
    "value_90d",
    "avg_order_value",
    "median_interval_days",
    "interval_regularity",
    "days_since_last_order",
    "first_order_at",
    "last_order_at",
    "value_trend_pct",
    "order_trend_pct",
    "peer_median_value_30d",
    "days_since_connected_call",
    "contact_gap_days",
    "value_at_risk",
    "computed_at",
]


# The fewest ordering accounts a peer median is computed over.
MIN_PEER_GROUP = 5


@dataclass
class RecomputeResult:
    accounts: int = 0
    class_changes: int = 0
    chunks: int = 0


def account_performance_refresh(*, lead_id: int, now: dt.datetime | None = None) -> None:
    """Recompute one account's performance row at once (after an order is recorded): the nightly code path."""
    performance_recompute(now=now, lead_ids=[lead_id])


def performance_recompute(
    *,
    now: dt.datetime | None = None,
    lead_ids=None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    policy: PerformancePolicy | None = None,
) -> RecomputeResult:
    """Recompute the metrics, score, class and reasons of every account (or of `lead_ids`).

    Idempotent: run twice at the same `now`, the rows are identical apart from `computed_at`. A change of
    class writes a ClassificationChange row in the same transaction as the new class.
    """
    now = now or timezone.now()
    policy = policy or PerformancePolicy.current()
    leads = Lead.objects.order_by("pk")
    if lead_ids is not None:
        leads = leads.filter(pk__in=list(lead_ids))
    peers = _peer_medians(now=now, policy=policy, lead_ids=lead_ids)
    result = RecomputeResult()
    last_pk = 0
    while True:
        chunk = list(
            leads.filter(pk__gt=last_pk).values(
                "pk",
                "city",
                "owner_id",
                "owner__first_name",
                "owner__username",
                "call_frequency_days",
                "last_connected_call_at",
            )[:chunk_size]
        )
        if not chunk:
            if lead_ids is None:
                # Every row was rewritten, so every row left a dead version behind: without a VACUUM the morning's
                # first pages would plan for yesterday's table and read the heap in index-only scans.
                vacuum_analyze([AccountPerformance, ClassificationChange])
            return result
        last_pk = chunk[-1]["pk"]
        # A contiguous range lets the database walk the (lead, placed_at) index; a list is for a few leads.
        in_chunk = (
            Q(lead_id__gte=chunk[0]["pk"], lead_id__lte=last_pk)
            if lead_ids is None
            else Q(lead_id__in=[row["pk"] for row in chunk])
        )
        with transaction.atomic():
            changes = _recompute_chunk(chunk, in_chunk=in_chunk, now=now, policy=policy, peers=peers)
        result.accounts += len(chunk)
        result.class_changes += changes
        result.chunks += 1
        logger.info("performance: %s accounts recomputed, %s class changes", result.accounts, result.class_changes)


def _window(now: dt.datetime, start_days: int, end_days: int = 0) -> Q:
    """Orders placed in (now − start_days, now − end_days]."""
    return Q(placed_at__gt=now - dt.timedelta(days=start_days), placed_at__lte=now - dt.timedelta(days=end_days))


def _peer_key(policy: PerformancePolicy) -> str:
    return "lead__owner_id" if policy.peer_group == PeerGroup.OWNER else "peer_city"


def _peer_medians(*, now: dt.datetime, policy: PerformancePolicy, lead_ids) -> dict:
    """The median 30-day value of the ordering accounts of each KAM (or city): one aggregate query."""
    orders = Order.objects.filter(_window(now, 30)).order_by()
    if policy.peer_group == PeerGroup.CITY:
        orders = orders.annotate(peer_city=Lower("lead__city"))
        if lead_ids is not None:
            cities = Lead.objects.filter(pk__in=list(lead_ids)).annotate(c=Lower("city")).values("c")
            orders = orders.filter(peer_city__in=cities)
    elif lead_ids is not None:
        orders = orders.filter(lead__owner_id__in=Lead.objects.filter(pk__in=list(lead_ids)).values("owner_id"))
    key = _peer_key(policy)
    values_by_group = defaultdict(list)
    for group, value in orders.values("lead_id", key).annotate(value=Sum("amount")).values_list(key, "value"):
        values_by_group[group].append(value)
    # A median of fewer accounts would show a KAM another account's value (of two, the other one's is the median's
    # double minus theirs); such groups have no peer comparison.
    return {
        group: Decimal(statistics.median(values))
        for group, values in values_by_group.items()
        if len(values) >= MIN_PEER_GROUP
    }


def _recompute_chunk(chunk: list[dict], *, in_chunk: Q, now: dt.datetime, policy, peers: dict) -> int:
    ids = [row["pk"] for row in chunk]
    orders = Order.objects.filter(in_chunk, placed_at__lte=now).order_by()
    # All time: first and last order and how many (the (lead, placed_at) index answers these alone).
    all_time = {
        row["lead_id"]: row
        for row in orders.values("lead_id").annotate(total=Count("*"), first=Min("placed_at"), last=Max("placed_at"))
    }
    # The last 26 weeks: counts and sums per window, in one pass.
    windows = {
        "orders_30d": Count("pk", filter=_window(now, 30)),
        "value_30d": Sum("amount", filter=_window(now, 30)),
        "orders_prev_30d": Count("pk", filter=_window(now, 60, 30)),
        "value_prev_30d": Sum("amount", filter=_window(now, 60, 30)),
        "orders_28d": Count("pk", filter=_window(now, 28)),
        "value_28d": Sum("amount", filter=_window(now, 28)),
        "orders_prev_28d": Count("pk", filter=_window(now, 56, 28)),
        "value_prev_28d": Sum("amount", filter=_window(now, 56, 28)),
        "orders_90d": Count("pk", filter=_window(now, RHYTHM_DAYS)),
        "value_90d": Sum("amount", filter=_window(now, RHYTHM_DAYS)),
        "orders_history": Count("pk"),
        "value_history": Sum("amount"),
        "first_in_history": Min("placed_at"),
        "last_in_history": Max("placed_at"),
    }
    recent = {
        row["lead_id"]: row for row in orders.filter(_window(now, HISTORY_DAYS)).values("lead_id").annotate(**windows)
    }
    # The days between consecutive orders over 90 days, by a window function; Python only takes the median.
    gap = ExpressionWrapper(
        F("placed_at")
        - Window(Lag("placed_at"), partition_by=[F("lead_id")], order_by=[F("placed_at").asc(), F("id").asc()]),
        output_field=DurationField(),
    )
    intervals = defaultdict(list)
    for lead_id, delta in orders.filter(_window(now, RHYTHM_DAYS)).annotate(gap=gap).values_list("lead_id", "gap"):
        if delta is not None:
            intervals[lead_id].append(delta.total_seconds() / DAY)

    # A new row has no row lock to make a concurrent reassignment or archive wait for it, and their UPDATE of the
    # copies cannot see a row this transaction has not committed. So the leads of new rows are locked first (in the
    # order those services lock: lead, then performance row) and their owner read under that lock: a move either
    # committed before it, and is read here, or waits for this commit and then updates the new row.
    known = set(AccountPerformance.objects.filter(lead_id__in=ids).values_list("lead_id", flat=True))
    current = {
        pk: (owner_id, is_archived)
        for pk, owner_id, is_archived in Lead.objects.filter(pk__in=[pk for pk in ids if pk not in known])
        .select_for_update(of=("self",))
        .values_list("pk", "owner_id", "is_archived")
    }
    existing = {
        row["lead_id"]: row
        for row in AccountPerformance.objects.select_for_update()
        .filter(lead_id__in=ids)
        .values(
            "lead_id",
            "classification",
            "previous_classification",
            "classification_changed_at",
            "score",
            "previous_score",
            "computed_at",
        )
    }
    # The owner and archive flag copied onto existing rows are read now that the rows are locked, not with the
    # chunk: a reassignment or archive that committed while the chunk was computed is kept, and one still running
    # waits for our lock and writes its own values after us.
    current |= {
        pk: (owner_id, is_archived)
        for pk, owner_id, is_archived in Lead.objects.filter(
            pk__in=[pk for pk in ids if pk not in current]
        ).values_list("pk", "owner_id", "is_archived")
    }
    rows, changes = [], []
    for lead in chunk:
        lead_id = lead["pk"]
        if lead_id not in current:  # deleted since the chunk was read
            continue
        before = existing.get(lead_id)
        metrics = _metrics(
            lead, all_time.get(lead_id), recent.get(lead_id), intervals.get(lead_id, ()), now, policy, peers
        )
        previous_score = _baseline_score(before, now)
        assessment = assess(metrics, policy, previous_score=previous_score)
        row = _row(lead_id, metrics, assessment, previous_score, now)
        row.owner_id, row.is_archived = current[lead_id]
        was = before["classification"] if before else ""
        if row.classification != (was or Classification.NO_ORDERS):
            row.previous_classification, row.classification_changed_at = was, now
            changes.append(
                ClassificationChange(
                    lead_id=lead_id,
                    from_classification=was,
                    to_classification=row.classification,
                    score=row.score,
                    reasons=row.reasons,
                    changed_at=now,
                )
            )
        elif before:
            row.previous_classification = before["previous_classification"]
            row.classification_changed_at = before["classification_changed_at"]
        rows.append(row)
    AccountPerformance.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["lead"], update_fields=UPSERT_FIELDS, batch_size=1000
    )
    ClassificationChange.objects.bulk_create(changes, batch_size=1000)
    return len(changes)


def _metrics(lead, all_time, recent, intervals, now, policy, peers) -> AccountMetrics:
    if policy.peer_group == PeerGroup.OWNER:
        peer_median = peers.get(lead["owner_id"])
        peer_label = f"{lead['owner__first_name'] or lead['owner__username']}'s accounts"
    else:
        peer_median = peers.get((lead["city"] or "").lower())
        peer_label = f"accounts in {lead['city']}"
    recent = recent or {}
    zero = Decimal("0")
    return AccountMetrics(
        now=now,
        orders_total=all_time["total"] if all_time else 0,
        first_order_at=all_time["first"] if all_time else None,
        last_order_at=all_time["last"] if all_time else None,
        **{
            name: recent.get(name) or (zero if name.startswith("value") else 0)
            for name in (
                "orders_30d",
                "value_30d",
                "orders_prev_30d",
                "value_prev_30d",
                "orders_28d",
                "value_28d",
                "orders_prev_28d",
                "value_prev_28d",
                "orders_90d",
                "value_90d",
                "orders_history",
                "value_history",
            )
        },
        first_in_history=recent.get("first_in_history"),
        last_in_history=recent.get("last_in_history"),
        intervals_90d=tuple(intervals),
        peer_median_value_30d=peer_median,
        peer_label=peer_label,
        last_connected_call_at=lead["last_connected_call_at"],
        call_frequency_days=lead["call_frequency_days"],
    )


def _baseline_score(before: dict | None, now: dt.datetime) -> int | None:
    """The score the trend arrow compares with: the last computation of an earlier (UTC) day.

    Recomputing on the same day keeps the same baseline, which keeps the recompute idempotent.
    """
    if before is None:
        return None
    if before["computed_at"].astimezone(dt.UTC).date() < now.astimezone(dt.UTC).date():
        return before["score"]
    return before["previous_score"]


def _row(lead_id, metrics: AccountMetrics, assessment, previous_score, now) -> AccountPerformance:
    median = metrics.median_interval_days
    regularity = metrics.interval_regularity
    since_last = metrics.days_since_last_order
    since_call = metrics.days_since_connected_call
    contact_gap = None
    if metrics.orders_total and since_call is not None:
        frequency = metrics.call_frequency_days or 0
        contact_gap = max(0, int(since_call) - frequency) if frequency else None
    value_trend = pct_change(metrics.value_30d, metrics.value_prev_30d)
    order_trend = pct_change(metrics.orders_30d, metrics.orders_prev_30d)
    return AccountPerformance(
        lead_id=lead_id,
        classification=assessment.classification,
        score=assessment.score,
        previous_score=previous_score,
        trend=assessment.trend or "",
        reasons=assessment.reasons,
        factors=[factor.as_dict() for factor in assessment.factors],
        orders_total=metrics.orders_total,
        orders_30d=metrics.orders_30d,
        value_30d=metrics.value_30d,
        orders_prev_30d=metrics.orders_prev_30d,
        value_prev_30d=metrics.value_prev_30d,
        orders_28d=metrics.orders_28d,
        value_28d=metrics.value_28d,
        orders_prev_28d=metrics.orders_prev_28d,
        value_prev_28d=metrics.value_prev_28d,
        orders_90d=metrics.orders_90d,
        value_90d=metrics.value_90d,
        avg_order_value=metrics.avg_order_value,
        median_interval_days=round(median, 3) if median is not None else None,
        interval_regularity=round(regularity, 3) if regularity is not None else None,
        days_since_last_order=int(since_last) if since_last is not None else None,
        first_order_at=metrics.first_order_at,
        last_order_at=metrics.last_order_at,
        value_trend_pct=round(value_trend, 1) if value_trend is not None else None,
        order_trend_pct=round(order_trend, 1) if order_trend is not None else None,
        peer_median_value_30d=(
            metrics.peer_median_value_30d.quantize(Decimal("0.01")) if metrics.peer_median_value_30d else None
        ),
        days_since_connected_call=int(since_call) if since_call is not None else None,
        contact_gap_days=contact_gap,
        value_at_risk=assessment.value_at_risk,
        computed_at=now,
    )


# Manager reports ------------------------------------------------------------------------------------------------


def managers_due_for_report(*, now: dt.datetime):
    """Active managers with an e-mail address whose local hour is REPORT_HOUR at `now`."""
    managers = User.objects.filter(role=Role.MANAGER, is_active=True).exclude(email="")
    return [m for m in managers if now.astimezone(m.zone).hour == REPORT_HOUR]


def manager_reports_send(*, now: dt.datetime | None = None) -> int:
    """Send the morning report to every manager whose day starts now; safe to run again in the same hour."""
    now = now or timezone.now()
    sent, failed = 0, []
    for manager in managers_due_for_report(now=now):
        try:
            if manager_report_send(manager=manager, now=now) is not None:
                sent += 1
        except Exception:  # one bad mailbox must not cost the other managers their report
            logger.exception("Manager report for %s could not be sent", manager.username)
            failed.append(manager.username)
    if failed:
        raise ReportsNotSent(f"{sent} sent; not sent to: {', '.join(failed)}")
    return sent


class ReportsNotSent(Exception):
    """Some reports failed; the others went out. Running again sends only the missing ones."""


def manager_report_send(*, manager: User, now: dt.datetime | None = None) -> ManagerReport | None:
    """Build and e-mail one manager's report for their local today; None when it is empty or already sent."""
    now = now or timezone.now()
    report_date = now.astimezone(manager.zone).date()
    if ManagerReport.objects.filter(manager=manager, report_date=report_date).exists():
        return None
    since = report_since(user=manager, now=now)
    report = manager_report(user=manager, now=now, since=since)
    if report.is_empty:
        return None
    context = {"report": report, "manager": manager, "site_url": settings.SITE_URL}
    try:
        # The row is the lock: a second run in the same hour hits the unique constraint and sends nothing.
        with transaction.atomic():
            record = ManagerReport.objects.create(
                manager=manager,
                report_date=report_date,
                period_start=since,
                period_end=now,
                sent_at=now,
                recipient=manager.email,
                summary=report.summary(),
            )
            message = EmailMultiAlternatives(
                subject=report.subject,
                body=render_to_string("performance/email/manager_report.txt", context),
                to=[manager.email],
            )
            message.attach_alternative(render_to_string("performance/email/manager_report.html", context), "text/html")
            message.send()
    except IntegrityError:
        return None
    return record
