"""Reads for account performance: the lead page panel, the Today list's slipping accounts, the team table and
the manager report. Every read is scoped through `visible_to` and runs a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    Sum,
    Value,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst

from contacts.selectors import CallContact, primary_contact_columns, primary_contact_of
from interactions.models import Interaction, InteractionKind, Order
from kam.models import Role, User
from kam.templatetags.kam import badge
from kam.timezones import local_day_bounds, local_today
from leads.models import Lead, LeadStatus
from performance.models import (
    RISK_ORDER,
    AccountPerformance,
    Classification,
    ClassificationChange,
    ManagerReport,
    Trend,
)

WEEKS_SHOWN = 26
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# A manager who has had no report for a while gets the changes of at most this long.
REPORT_LOOKBACK = dt.timedelta(days=7)
# The order of the performance lists: the accounts that need attention first, then by value at risk.
LIST_ORDER = ("risk_rank", "-value_at_risk", "-value_30d", "lead__name", "lead_id")


def money(value) -> str:
    return f"{Decimal(value or 0).quantize(Decimal('1')):,}"


def _rounded(value) -> Decimal:
    """`floatformat:0`'s rounding: half away from zero, and never a negative zero."""
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    number = number.quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return number if number else Decimal("0")


def whole(value) -> str:
    """`{{ value|floatformat:0|intcomma }}` (en-gb: 12,346), without the template machinery."""
    return f"{_rounded(value):,}"


def percent_change(value) -> str:
    """`{% if value >= 0 %}+{% endif %}{{ value|floatformat:0 }}%`: +12%, −3% as -3%, 0%."""
    return f"{'+' if value >= 0 else ''}{_rounded(value)}%"


# The lead page panel -----------------------------------------------------------------------------------------------


def lead_performance_panel(*, lead, now: dt.datetime | None = None) -> dict:
    """The whole performance panel of an account (`performance/_lead_panel.html`, its `ordering` partial, the API):
    the row, the class history and the ordering pattern, in at most three queries."""
    panel = lead_performance_summary(lead=lead)
    performance = panel["performance_panel"]["performance"]
    panel["performance_panel"].update(
        history=list(ClassificationChange.objects.filter(lead=lead).order_by("-changed_at", "-id")[:6]),
        pattern=ordering_pattern(lead=lead, now=now) if performance is not None and performance.orders_total else None,
    )
    return panel


def lead_performance_summary(*, lead) -> dict:
    """What the lead page shows of the panel at once: the class, its score and why. One query."""
    return {
        "performance_panel": {
            "performance": AccountPerformance.objects.filter(lead=lead).first(),
            "history": [],
            "pattern": None,
            "pattern_id": f"ordering-pattern-{lead.pk}",
        }
    }


def ordering_pattern(*, lead, now: dt.datetime | None = None) -> dict:
    """Orders and value per week over 26 weeks and orders by weekday, on the restaurant's calendar, with a summary."""
    now = now or timezone.now()
    tz = lead.zone
    today = now.astimezone(tz).date()
    this_monday = today - dt.timedelta(days=today.weekday())
    first_monday = this_monday - dt.timedelta(weeks=WEEKS_SHOWN - 1)
    start, _ = local_day_bounds(first_monday, tz)
    weeks = {first_monday + dt.timedelta(weeks=i): [0, Decimal("0")] for i in range(WEEKS_SHOWN)}
    weekdays = [0] * 7
    for placed_at, amount in Order.objects.filter(lead=lead, placed_at__gte=start, placed_at__lte=now).values_list(
        "placed_at", "amount"
    ):
        day = placed_at.astimezone(tz).date()
        week = weeks[day - dt.timedelta(days=day.weekday())]
        week[0] += 1
        week[1] += amount
        weekdays[day.weekday()] += 1
    total_orders = sum(w[0] for w in weeks.values())
    total_value = sum((w[1] for w in weeks.values()), Decimal("0"))
    return {
        "weeks": [
            {"label": monday.strftime("%d %b"), "orders": n, "value": float(value)}
            for monday, (n, value) in weeks.items()
        ],
        "weekdays": [{"label": WEEKDAYS[i], "orders": weekdays[i]} for i in range(7)],
        "has_orders": total_orders > 0,
        "weekly_summary": _weekly_summary(weeks, total_orders, total_value),
        "weekday_summary": _weekday_summary(weekdays, total_orders),
        "time_zone": lead.time_zone,
    }


def _weekly_summary(weeks: dict, total_orders: int, total_value: Decimal) -> str:
    if not total_orders:
        return f"No orders in the last {WEEKS_SHOWN} weeks."
    busiest_monday, (busiest, _) = max(weeks.items(), key=lambda item: (item[1][0], item[0]))
    items = list(weeks.values())
    half = WEEKS_SHOWN // 2
    recent, before = sum(w[1] for w in items[half:]), sum(w[1] for w in items[:half])
    quiet = sum(1 for w in items if w[0] == 0)
    text = (
        f"{total_orders} orders worth {money(total_value)} in {WEEKS_SHOWN} weeks, "
        f"{total_orders / WEEKS_SHOWN:.1f} a week on average; the busiest week began {busiest_monday:%d %b} "
        f"({busiest} orders)."
    )
    if quiet:
        text += f" {quiet} of the {WEEKS_SHOWN} weeks had no order."
    if before:
        change = (recent - before) / before * 100
        direction = "up" if change >= 0 else "down"
        text += f" Value in the last {half} weeks is {direction} {abs(change):.0f}% on the {half} before."
    elif recent:
        text += f" All of it in the last {half} weeks."
    return text


def _weekday_summary(weekdays: list[int], total_orders: int) -> str:
    if not total_orders:
        return "No orders to show by weekday."
    busiest, quietest = max(weekdays), min(weekdays)
    if quietest and busiest - quietest <= max(1, busiest // 5):
        each = str(busiest) if busiest == quietest else f"{quietest}–{busiest}"
        return f"Orders are spread evenly over the week ({each} on each weekday)."
    ranked = sorted(range(7), key=lambda i: (-weekdays[i], i))
    top = [i for i in ranked[:2] if weekdays[i]]
    parts = [f"{WEEKDAY_NAMES[i]} ({weekdays[i] * 100 / total_orders:.0f}%)" for i in top]
    quiet = [WEEKDAY_NAMES[i] for i in range(7) if not weekdays[i]]
    text = "Most orders come on " + " and ".join(parts) + "."
    if quiet:
        text += " None on " + ", ".join(quiet) + "."
    return text


# The Today list ----------------------------------------------------------------------------------------------------


@dataclass
class SlippingAccount:
    lead: Lead
    classification: Classification
    reasons: list[str]
    value_at_risk: Decimal
    primary_contact: CallContact | None
    score: int | None
    days_since_last_order: int | None

    @property
    def classification_choice(self) -> Classification:
        """The same name as on AccountPerformance, so templates can take either."""
        return self.classification


def slipping_accounts(*, owner, now, limit: int | None = 20) -> list[SlippingAccount]:
    """At-risk and underperforming accounts of `owner` for the Today list, ranked by value at risk.

    An account already reached by a connected call today (the owner's day) waits until tomorrow, as a due
    call leaves the list once it is made. One query, whatever the number of accounts.
    """
    start_of_today, _ = local_day_bounds(local_today(now, owner.zone), owner.zone)
    rows = (
        AccountPerformance.objects.filter(owner=owner, is_archived=False, classification__in=Classification.slipping())
        .exclude(lead__last_connected_call_at__gte=start_of_today)
        .select_related("lead")
        # What the list shows: the performance row's factors (JSON) and most lead columns would only be decoded.
        .only(
            "classification", "reasons", "value_at_risk", "score", "days_since_last_order", "lead__name", "lead__status"
        )
        .annotate(**primary_contact_columns("lead"))
        .order_by("-value_at_risk", "lead__name", "lead_id")
    )
    if limit is not None:
        rows = rows[:limit]
    return [
        SlippingAccount(
            lead=row.lead,
            classification=row.classification_choice,
            reasons=row.reasons,
            value_at_risk=row.value_at_risk,
            primary_contact=primary_contact_of(row),
            score=row.score,
            days_since_last_order=row.days_since_last_order,
        )
        for row in rows
    ]


# The performance list's rows -----------------------------------------------------------------------------------------

# The columns the performance list shows (its sort keys are read by the query, not loaded): no factors, no lead details.
LIST_COLUMNS = (
    "classification",
    "trend",
    "score",
    "value_30d",
    "value_trend_pct",
    "value_at_risk",
    "reasons",
    "lead__name",
    "lead__city",
    "lead__owner",
    "lead__owner__username",
    "lead__owner__first_name",
    "lead__owner__last_name",
)
_URL_SENTINEL = 987654321


@dataclass
class ListRow:
    """One account of the performance list with what its row shows, ready to print (no filters, no lookups)."""

    lead: Lead
    url: str
    kam: str
    class_html: SafeString
    score: str
    value_30d: str
    value_trend: str
    value_at_risk: str
    reasons: str


def _trend_html(trend: Trend) -> SafeString:
    return format_html(
        ' <span class="text-{}" title="{} since the previous day">{}<span class="visually-hidden"> {}</span></span>',
        trend.colour,
        trend.label,
        trend.arrow,
        trend.label,
    )


def list_rows(accounts) -> list[ListRow]:
    """The rows of a page of the performance list (`accounts`: performance rows with `lead__owner`, at least
    LIST_COLUMNS). The markup of a class and a trend is built once per page, a lead's URL from one `reverse`."""
    badges = {c.value: badge(c) for c in Classification}
    trends = {t.value: _trend_html(t) for t in Trend} | {"": ""}
    url = reverse("leads:detail", args=[_URL_SENTINEL])
    head, tail = url.split(str(_URL_SENTINEL))
    rows = []
    for account in accounts:
        lead, risk, trend_pct = account.lead, account.value_at_risk, account.value_trend_pct
        rows.append(
            ListRow(
                lead=lead,
                url=f"{head}{lead.pk}{tail}",
                kam=str(lead.owner),
                class_html=mark_safe(badges[account.classification] + trends[account.trend]),
                score="—" if account.score is None else str(account.score),
                value_30d=whole(account.value_30d),
                value_trend="" if trend_pct is None else percent_change(trend_pct),
                value_at_risk=whole(risk) if risk else "—",
                reasons=capfirst(account.reasons_text),
            )
        )
    return rows


# The team table (performance page and manager report) -------------------------------------------------------------


@dataclass
class TeamRow:
    kam: User
    classes: dict = field(default_factory=dict)
    accounts: int = 0
    calls_planned: float = 0.0
    calls_made: int = 0
    calls_connected: int = 0
    orders: int = 0
    order_value: Decimal = Decimal("0")

    @property
    def slipping(self) -> int:
        return sum(self.classes.get(c, 0) for c in Classification.slipping())

    @property
    def calls_planned_rounded(self) -> int:
        return round(self.calls_planned)

    @property
    def calls_pct(self) -> int | None:
        planned = self.calls_planned_rounded
        return round(self.calls_made * 100 / planned) if planned else None

    def class_counts(self) -> list[tuple[Classification, int]]:
        return [(c, self.classes.get(c, 0)) for c in RISK_ORDER]


def team_members(*, user):
    """The KAMs whose rows a user sees: themselves (a KAM), their team and themselves (a manager), all (admin)."""
    if user.role == Role.KAM:
        return User.objects.filter(pk=user.pk)
    owners = Lead.objects.visible_to(user).values("owner_id")
    return User.objects.filter(Q(pk__in=User.objects.team_of(user).values("pk")) | Q(pk__in=owners)).order_by(
        "first_name", "last_name", "username"
    )


def team_rows(
    *,
    user,
    calls_window: tuple[dt.datetime, dt.datetime],
    orders_window: tuple[dt.datetime, dt.datetime],
) -> list[TeamRow]:
    """One row per KAM in the user's view: accounts per class, calls planned and made, orders credited.

    Calls made are the calls each KAM performed; calls planned are what their accounts' call frequencies ask
    for in the window (an account called every 7 days adds 1 a week); orders are those credited to the KAM
    who owned the account when it was placed. Five queries, whatever the size of the team.
    """
    members = {kam.pk: TeamRow(kam=kam) for kam in team_members(user=user)}
    if not members:
        return []
    ids = list(members)
    # On the owner copied onto the rows: one index range per KAM, no lead read.
    class_counts = (
        AccountPerformance.objects.visible_to(user)
        .active()
        .filter(owner_id__in=ids)
        .values("owner_id")
        .annotate(**{c.value: Count("pk", filter=Q(classification=c)) for c in Classification})
        .order_by()
    )
    for row in class_counts:
        team_row = members[row.pop("owner_id")]
        team_row.classes = {Classification(k): v for k, v in row.items()}
        team_row.accounts = sum(row.values())

    calls_start, calls_end = calls_window
    days = (calls_end - calls_start).total_seconds() / 86400
    planned = (
        Lead.objects.filter(owner_id__in=ids, is_archived=False, call_frequency_days__isnull=False)
        .exclude(status=LeadStatus.LOST)
        .values("owner_id")
        .annotate(per_day=Sum(ExpressionWrapper(Value(1.0) / F("call_frequency_days"), output_field=FloatField())))
        .order_by()
    )
    for row in planned:
        members[row["owner_id"]].calls_planned = float(row["per_day"] or 0) * days
    made = (
        Interaction.objects.filter(
            kind=InteractionKind.CALL, performed_by_id__in=ids, occurred_at__gte=calls_start, occurred_at__lt=calls_end
        )
        .values("performed_by_id")
        # Counted on columns of interaction_by_at_idx (not the id, which it does not hold): read from the index alone.
        .annotate(n=Count("*"), connected=Count("outcome", filter=Q(outcome="connected")))
        .order_by()
    )
    for row in made:
        members[row["performed_by_id"]].calls_made = row["n"]
        members[row["performed_by_id"]].calls_connected = row["connected"]
    orders_start, orders_end = orders_window
    credited = (
        Order.objects.filter(credited_to_id__in=ids, placed_at__gte=orders_start, placed_at__lt=orders_end)
        .values("credited_to_id")
        .annotate(n=Count("pk"), value=Sum("amount"))
        .order_by()
    )
    for row in credited:
        members[row["credited_to_id"]].orders = row["n"]
        members[row["credited_to_id"]].order_value = row["value"] or Decimal("0")
    return list(members.values())


@dataclass
class TeamTableRow:
    """A KAM's row of the performance page's team table, ready to print."""

    kam: User
    name: str
    accounts: str
    classes_html: SafeString
    calls: str
    calls_pct: str
    order_value: str
    orders: str


def team_table(rows: list[TeamRow]) -> list[TeamTableRow]:
    """The team table's cells from `team_rows`: counts, badges and sums formatted once, not by template filters."""
    table = []
    for row in rows:
        badges = (
            format_html('<span class="badge text-bg-{} me-1">{} {}</span>', c.colour, n, c.label.lower())
            for c, n in row.class_counts()
            if n
        )
        pct = row.calls_pct
        table.append(
            TeamTableRow(
                kam=row.kam,
                name=str(row.kam),
                accounts=str(row.accounts),
                classes_html=mark_safe("".join(badges)),
                calls=f"{row.calls_made} / {row.calls_planned_rounded}",
                calls_pct="" if pct is None else str(pct),
                order_value=whole(row.order_value),
                orders=f"{row.orders} order{'' if row.orders == 1 else 's'}",
            )
        )
    return table


def team_summary(rows: list[TeamRow]) -> dict:
    classes = Counter()
    for row in rows:
        classes.update(row.classes)
    planned = round(sum(r.calls_planned for r in rows))
    made = sum(r.calls_made for r in rows)
    return {
        "classes": [(c, classes.get(c, 0)) for c in RISK_ORDER],
        "accounts": sum(classes.values()),
        "calls_planned": planned,
        "calls_made": made,
        "calls_pct": round(made * 100 / planned) if planned else None,
        "orders": sum(r.orders for r in rows),
        "order_value": sum((r.order_value for r in rows), Decimal("0")),
    }


def team_chart(rows: list[TeamRow]) -> dict:
    """Accounts per class per KAM for the stacked bar chart, and the same in words."""
    data = {
        "labels": [str(r.kam) for r in rows],
        "series": [
            {"label": c.label, "colour": c.colour, "data": [r.classes.get(c, 0) for r in rows]}
            for c in RISK_ORDER
            if c != Classification.NO_ORDERS
        ],
    }
    summary = team_summary(rows)
    counts = ", ".join(f"{n} {c.label.lower()}" for c, n in summary["classes"] if n)
    text = f"{len(rows)} KAM{'s' if len(rows) != 1 else ''}, {summary['accounts']} accounts: {counts or 'none yet'}."
    worst = max(rows, key=lambda r: (r.slipping, r.accounts), default=None)
    if worst is not None and worst.slipping:
        text += f" Most slipping accounts: {worst.kam} ({worst.slipping} of {worst.accounts})."
    return {"data": data, "summary": text}


# The manager report (e-mail and CSV) -------------------------------------------------------------------------------


@dataclass
class ManagerReportData:
    user: User
    now: dt.datetime
    since: dt.datetime
    day: dt.date
    rows: list[TeamRow]
    became_slipping: list[AccountPerformance]
    top_accounts: list[AccountPerformance]
    totals: dict

    @property
    def is_empty(self) -> bool:
        """Nothing to tell: no accounts, or no calls planned or made, no orders and no account slipping."""
        if not self.rows or not self.totals["accounts"]:
            return True
        return not (
            self.totals["calls_planned"] or self.totals["calls_made"] or self.totals["orders"] or self.became_slipping
        )

    @property
    def subject(self) -> str:
        t = self.totals
        calls = f"{t['calls_made']} of {t['calls_planned']} planned calls made"
        slipping = len(self.became_slipping)
        news = f"{slipping} account{'s' if slipping != 1 else ''} slipping" if slipping else "no new slipping accounts"
        return f"Team report for {self.day:%a %d %b}: {calls}, {news}"

    def summary(self) -> dict:
        return {
            "day": self.day.isoformat(),
            "kams": len(self.rows),
            "calls_planned": self.totals["calls_planned"],
            "calls_made": self.totals["calls_made"],
            "orders": self.totals["orders"],
            "order_value": str(self.totals["order_value"]),
            "became_slipping": [row.lead_id for row in self.became_slipping],
        }


def report_since(*, user, now: dt.datetime) -> dt.datetime:
    """Where "since the last report" starts: the end of the last report sent (at most a week back), else a day."""
    last = ManagerReport.objects.filter(manager=user).order_by("-period_end").values_list("period_end", flat=True)
    last = last.first()
    return max(last, now - REPORT_LOOKBACK) if last else now - dt.timedelta(days=1)


def manager_report(*, user, now: dt.datetime, since: dt.datetime | None = None, top: int = 5) -> ManagerReportData:
    """The team report of `user` for their local yesterday, with the accounts that became at risk or
    underperforming since `since` (default: 24 hours before `now`). Eight queries."""
    zone = user.zone
    day = local_today(now, zone) - dt.timedelta(days=1)
    window = local_day_bounds(day, zone)
    since = since or now - dt.timedelta(days=1)
    rows = team_rows(user=user, calls_window=window, orders_window=window)
    visible = AccountPerformance.objects.visible_to(user).active().select_related("lead__owner")
    changes = ClassificationChange.objects.filter(
        lead=OuterRef("lead"),
        changed_at__gt=since,
        changed_at__lte=now,
        to_classification__in=Classification.slipping(),
    )
    became_slipping = list(
        visible.filter(Exists(changes), classification__in=Classification.slipping()).order_by(
            "-value_at_risk", "lead__name"
        )
    )
    top_accounts = list(
        visible.exclude(classification=Classification.NO_ORDERS)
        .filter(value_30d__gt=0)
        .order_by("-value_30d", "lead__name")[:top]
    )
    return ManagerReportData(
        user=user,
        now=now,
        since=since,
        day=day,
        rows=rows,
        became_slipping=became_slipping,
        top_accounts=top_accounts,
        totals=team_summary(rows),
    )
