"""Reads for interactions, orders and call planning: the Today list, the lead's activity panel and timeline.

Everything that depends on the clock takes `now`; every query count here is fixed, whatever the number of rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import TruncDate

from contacts.selectors import CallContact, primary_contact_columns, primary_contact_of
from interactions.models import CallOutcome, Interaction, InteractionKind, Order
from interactions.planning import RestaurantCalendar, format_windows
from kam.timezones import local_day_bounds, local_today
from leads.models import Lead, LeadStatus, Weekday

TIMELINE_PAGE_SIZE = 20
# A holiday is worth showing on the lead page when it is this close.
HOLIDAY_HORIZON_DAYS = 14
# How far ahead the Today date picker may look.
TODAY_MAX_DAYS_AHEAD = 365
# Rows per section the Today page renders at first, and per "show more": a backlog of hundreds of overdue calls
# must not make the page slow; the best-ranked come first anyway.
TODAY_SECTION_SIZE = 10
TODAY_SECTIONS = ("overdue", "due")


# ---------------------------------------------------------------------------------------------------------
# Today


@dataclass(frozen=True)
class TodayRow:
    lead: Lead
    days_overdue: int  # 0 when due on the day shown
    restaurant_now: dt.datetime  # the restaurant's wall clock at `now`

    @cached_property
    def primary_contact(self) -> CallContact | None:
        return primary_contact_of(self.lead)

    @property
    def recent_value(self) -> Decimal | None:
        return self.lead.recent_value  # None: never computed


@dataclass(frozen=True)
class TodaySection:
    name: str  # "overdue" or "due"
    rows: list[TodayRow]
    offset: int
    total: int

    @property
    def next_offset(self) -> int:
        return self.offset + len(self.rows)

    @property
    def remaining(self) -> int:
        return self.total - self.next_offset


@dataclass(frozen=True)
class TodayCalls:
    """A KAM's calls for one of their local days: overdue (only when the day is today) and due that day."""

    kam: object
    now: dt.datetime
    day: dt.date  # in the KAM's zone
    today: dt.date  # in the KAM's zone
    starts_at: dt.datetime  # UTC bounds of `day` in the KAM's zone
    ends_at: dt.datetime
    overdue: QuerySet  # Lead rows, most overdue first, then by recent order value
    due: QuerySet  # Lead rows due on `day`, by recent order value

    @property
    def is_today(self) -> bool:
        return self.day == self.today

    def row(self, lead: Lead) -> TodayRow:
        local_due = lead.next_call_at.astimezone(self.kam.zone).date()
        return TodayRow(
            lead=lead,
            days_overdue=max((self.today - local_due).days, 0),
            restaurant_now=self.now.astimezone(lead.zone),
        )

    def overdue_rows(self) -> list[TodayRow]:
        return [self.row(lead) for lead in self.overdue]

    def due_rows(self) -> list[TodayRow]:
        return [self.row(lead) for lead in self.due]

    def section(self, name: str, *, offset: int = 0, limit: int | None = TODAY_SECTION_SIZE) -> TodaySection:
        """Rows `offset` to `offset + limit` of the "overdue" or "due" section, with the section's total counted in
        the same query (a window over the KAM's range of the index): one query, whatever the backlog."""
        queryset = {"overdue": self.overdue, "due": self.due}[name].annotate(section_total=Window(Count("pk")))
        leads = list(queryset[offset : offset + limit] if limit is not None else queryset[offset:])
        # Past the end there is no row to carry the total; nothing remains to show either way.
        total = leads[0].section_total if leads else offset
        return TodaySection(name=name, rows=[self.row(lead) for lead in leads], offset=offset, total=total)

    def find(self, lead_id: int) -> TodayRow | None:
        """The row of one lead if it is still on this list (after a call was logged on it)."""
        rows = _planned_calls(self.kam).filter(pk=lead_id, next_call_at__lt=self.ends_at)
        if not self.is_today:
            rows = rows.filter(next_call_at__gte=self.starts_at)
        lead = rows.first()
        return self.row(lead) if lead is not None else None


def _planned_calls(kam) -> QuerySet:
    # Archived and lost leads have no next_call_at (the planning rules clear it), so owner + next_call_at is
    # the whole filter: exactly the lead_owner_next_call_idx range scan.
    # Only what a row shows of the contact and the performance row, as columns of the lead's own row: model
    # instances, phone parsing and the performance row's JSON (reasons, factors) would cost more than the query.
    return (
        Lead.objects.filter(owner=kam)
        .only(*TODAY_LEAD_FIELDS)
        .annotate(**primary_contact_columns(), recent_value=F("performance__value_30d"))
    )


# What a Today row shows of the lead (page, API, digest); the rest (address, calling windows…) stays in the table.
TODAY_LEAD_FIELDS = (
    "name",
    "city",
    "status",
    "owner_id",
    "time_zone",
    "call_frequency_days",
    "last_call_at",
    "last_connected_call_at",
    "follow_up_at",
    "next_call_at",
    "next_call_date",
)

_BY_RECENT_VALUE = (F("performance__value_30d").desc(nulls_last=True), "next_call_at", "pk")


def today_calls(*, kam, now: dt.datetime, day: dt.date | None = None) -> TodayCalls:
    """The calls of `kam` for their local `day` (default: their today).

    On today: overdue = due before the KAM's local day began; due = due before it ends. On a later day:
    what is planned for that day. Each section is one index range scan on (owner, next_call_at).
    """
    tz = kam.zone
    today = local_today(now, tz)
    day = day or today
    starts_at, ends_at = local_day_bounds(day, tz)
    planned = _planned_calls(kam)
    if day == today:
        overdue = planned.filter(next_call_at__lt=starts_at).order_by(
            TruncDate("next_call_at", tzinfo=tz), *_BY_RECENT_VALUE
        )
    else:
        overdue = planned.none()
    due = planned.filter(next_call_at__gte=starts_at, next_call_at__lt=ends_at).order_by(*_BY_RECENT_VALUE)
    return TodayCalls(
        kam=kam, now=now, day=day, today=today, starts_at=starts_at, ends_at=ends_at, overdue=overdue, due=due
    )


# ---------------------------------------------------------------------------------------------------------
# The lead page: call plan and timeline


@dataclass(frozen=True)
class CallPlanSummary:
    has_plan: bool
    no_plan_reason: str
    frequency_days: int | None
    last_call_at: dt.datetime | None
    last_connected_call_at: dt.datetime | None
    next_call_at: dt.datetime | None
    next_call_date: dt.date | None  # the restaurant's date
    is_explicit: bool  # a callback, retry or snooze decided the next call, not the frequency
    days_overdue: int
    attempts_since_connected: int
    windows: str
    closed_day: str
    next_holiday: tuple[dt.date, str] | None
    restaurant_now: dt.datetime
    user_zone: str
    restaurant_zone: str

    @property
    def zones_differ(self) -> bool:
        return self.user_zone != self.restaurant_zone


def call_plan_summary(*, lead: Lead, user, now: dt.datetime) -> CallPlanSummary:
    calendar = RestaurantCalendar.for_lead(lead)
    restaurant_today = calendar.local_date(now)
    if lead.is_archived:
        reason = "Archived accounts have no call plan."
    elif lead.status == LeadStatus.LOST:
        reason = "Lost leads have no call plan."
    elif not lead.call_frequency_days:
        reason = "No call frequency is set; set one to plan calls."
    else:
        reason = ""
    calls = Interaction.objects.filter(lead=lead, kind=InteractionKind.CALL)
    if lead.last_connected_call_at is not None:
        calls = calls.filter(occurred_at__gt=lead.last_connected_call_at)
    user_today = local_today(now, user.zone)
    days_overdue = 0
    if lead.next_call_at is not None:
        days_overdue = max((user_today - lead.next_call_at.astimezone(user.zone).date()).days, 0)
    return CallPlanSummary(
        has_plan=lead.next_call_at is not None,
        no_plan_reason=reason,
        frequency_days=lead.call_frequency_days,
        last_call_at=lead.last_call_at,
        last_connected_call_at=lead.last_connected_call_at,
        next_call_at=lead.next_call_at,
        next_call_date=lead.next_call_date,
        is_explicit=lead.follow_up_at is not None and lead.follow_up_at == lead.next_call_at,
        days_overdue=days_overdue,
        attempts_since_connected=calls.count(),
        windows=format_windows(calendar.windows),
        closed_day=Weekday(lead.closed_weekday).label if lead.closed_weekday is not None else "",
        next_holiday=calendar.next_holiday(restaurant_today, within_days=HOLIDAY_HORIZON_DAYS),
        restaurant_now=now.astimezone(calendar.tz),
        user_zone=user.time_zone,
        restaurant_zone=lead.time_zone,
    )


ORDER_RANK, INTERACTION_RANK = 0, 1  # ties on the same instant: interactions first, then orders
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the timeline: an interaction or an order, in a shape the template treats alike."""

    kind: str  # an InteractionKind value, or "order"
    label: str
    icon: str
    at: dt.datetime
    rank: int
    pk: int
    by: object  # who did it (performed_by) or recorded it (recorded_by; None: the order system)
    contact: object = None
    outcome: CallOutcome | None = None
    duration_minutes: int | None = None
    notes: str = ""
    amount: Decimal | None = None
    currency: str = ""
    item_count: int | None = None
    external_ref: str = ""
    credited_to: object = None

    @property
    def is_order(self) -> bool:
        return self.rank == ORDER_RANK

    @property
    def cursor(self) -> str:
        return f"{(self.at - _EPOCH) // dt.timedelta(microseconds=1)}.{self.rank}.{self.pk}"


@dataclass(frozen=True)
class TimelinePage:
    entries: list[TimelineEntry]
    has_more: bool

    @property
    def next_cursor(self) -> str:
        return self.entries[-1].cursor if self.has_more and self.entries else ""


def parse_cursor(raw: str) -> tuple[dt.datetime, int, int]:
    """ "<microseconds since 1970>.<rank>.<id>" → (instant, rank, id). Raises ValueError when malformed."""
    micros, rank, pk = (int(part) for part in raw.split("."))
    if rank not in (ORDER_RANK, INTERACTION_RANK) or pk < 1:
        raise ValueError(f"Not a timeline cursor: {raw!r}")
    try:
        return _EPOCH + dt.timedelta(microseconds=micros), rank, pk
    except OverflowError as exc:
        raise ValueError(f"Not a timeline cursor: {raw!r}") from exc


def _after(cursor, *, field: str, rank: int) -> Q:
    """Entries of one source that come after `cursor` in (time, rank, id) descending order."""
    at, cursor_rank, pk = cursor
    older = Q(**{f"{field}__lt": at})
    if rank < cursor_rank:
        return older | Q(**{field: at})
    if rank == cursor_rank:
        return older | Q(**{field: at, "pk__lt": pk})
    return older


def lead_timeline(*, lead: Lead, before: str = "", limit: int = TIMELINE_PAGE_SIZE) -> TimelinePage:
    """Interactions and orders of a lead, newest first, `limit` at a time: two queries, whatever the rows.

    `before` is the cursor of the last entry already shown ("" for the first page).
    """
    interactions = Interaction.objects.filter(lead=lead).select_related("contact", "performed_by")
    orders = Order.objects.filter(lead=lead).select_related("recorded_by", "credited_to")
    if before:
        cursor = parse_cursor(before)
        interactions = interactions.filter(_after(cursor, field="occurred_at", rank=INTERACTION_RANK))
        orders = orders.filter(_after(cursor, field="placed_at", rank=ORDER_RANK))
    entries = [_interaction_entry(i) for i in interactions.order_by("-occurred_at", "-pk")[: limit + 1]]
    entries += [_order_entry(o) for o in orders.order_by("-placed_at", "-pk")[: limit + 1]]
    entries.sort(key=lambda e: (e.at, e.rank, e.pk), reverse=True)
    return TimelinePage(entries=entries[:limit], has_more=len(entries) > limit)


def _interaction_entry(interaction: Interaction) -> TimelineEntry:
    kind = InteractionKind(interaction.kind)
    return TimelineEntry(
        kind=kind.value,
        label=kind.label,
        icon=kind.icon,
        at=interaction.occurred_at,
        rank=INTERACTION_RANK,
        pk=interaction.pk,
        by=interaction.performed_by,
        contact=interaction.contact,
        outcome=CallOutcome(interaction.outcome) if interaction.outcome else None,
        duration_minutes=interaction.duration_minutes,
        notes=interaction.notes,
    )


def _order_entry(order: Order) -> TimelineEntry:
    return TimelineEntry(
        kind="order",
        label="Order",
        icon="bag-check",
        at=order.placed_at,
        rank=ORDER_RANK,
        pk=order.pk,
        by=order.recorded_by,
        amount=order.amount,
        currency=order.currency,
        item_count=order.item_count,
        external_ref=order.external_ref,
        credited_to=order.credited_to,
    )


@dataclass(frozen=True)
class LeadActivity:
    lead: Lead
    plan: CallPlanSummary
    timeline: TimelinePage
    log_kinds: list[InteractionKind]


def lead_activity(*, lead, user, now) -> dict:
    """Context for the lead page's activity panel (`interactions/_lead_activity.html`): three queries."""
    return {
        "activity": LeadActivity(
            lead=lead,
            plan=call_plan_summary(lead=lead, user=user, now=now),
            timeline=lead_timeline(lead=lead),
            log_kinds=[k for k in InteractionKind if k != InteractionKind.CALL],
        )
    }
