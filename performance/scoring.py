"""The health score and classification of one account: a pure function of its metrics and the policy.

No database here: `assess(metrics, policy)` takes plain values (and a `PerformancePolicy`, which works unsaved)
and returns the score, the class, the factors and the reasons in plain words. `services.performance_recompute`
gathers the metrics in SQL and stores what this returns; the README's "Performance classification" section
documents the same rules.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from performance.models import Classification, PerformancePolicy, Trend

# Orders less than half a day apart are one ordering occasion (a split order, a forgotten item), not a rhythm.
SAME_OCCASION_DAYS = 0.5
DAY = 86400.0
CENTS = Decimal("0.01")
# The share of the gap factor's points an account keeps at the amber ratio (it keeps none at red).
AMBER_GAP_SHARE = 2 / 3


@dataclass(frozen=True)
class AccountMetrics:
    """What the database knows about one account's orders (and its last connected call) at `now`.

    The derived values are cached properties: the recompute asks for them many times per account.
    """

    now: dt.datetime
    orders_total: int = 0
    first_order_at: dt.datetime | None = None
    last_order_at: dt.datetime | None = None
    orders_30d: int = 0
    value_30d: Decimal = Decimal("0")
    orders_prev_30d: int = 0
    value_prev_30d: Decimal = Decimal("0")
    orders_28d: int = 0
    value_28d: Decimal = Decimal("0")
    orders_prev_28d: int = 0
    value_prev_28d: Decimal = Decimal("0")
    orders_90d: int = 0
    value_90d: Decimal = Decimal("0")
    # Over the history window (26 weeks): for the order size and a rhythm when 90 days hold too few orders.
    orders_history: int = 0
    value_history: Decimal = Decimal("0")
    first_in_history: dt.datetime | None = None
    last_in_history: dt.datetime | None = None
    # Days between consecutive orders over the last 90 days (from the window function), in placed order.
    intervals_90d: tuple[float, ...] = ()
    peer_median_value_30d: Decimal | None = None
    peer_label: str = "its peers"
    last_connected_call_at: dt.datetime | None = None
    call_frequency_days: int | None = None

    @cached_property
    def rhythm_intervals(self) -> list[float]:
        return [gap for gap in self.intervals_90d if gap >= SAME_OCCASION_DAYS]

    @cached_property
    def median_interval_days(self) -> float | None:
        """The account's usual days between orders: the median over 90 days when it has at least two gaps there,
        else the average gap over the history window (26 weeks), else over all its orders."""
        gaps = self.rhythm_intervals
        if len(gaps) >= 2:
            return statistics.median(gaps)
        for count, first, last in (
            (self.orders_history, self.first_in_history, self.last_in_history),
            (self.orders_total, self.first_order_at, self.last_order_at),
        ):
            if count >= 2 and first and last:
                span = (last - first).total_seconds() / DAY
                if span >= SAME_OCCASION_DAYS:
                    return span / (count - 1)
        return gaps[0] if gaps else None

    @cached_property
    def interval_regularity(self) -> float | None:
        """Coefficient of variation of the gaps: 0 is clockwork, above ~0.6 is irregular."""
        gaps = self.rhythm_intervals
        if len(gaps) < 3:
            return None
        # Plain floats: statistics.pstdev is exact (fractions) and the slowest step of a nightly run.
        mean = math.fsum(gaps) / len(gaps)
        variance = math.fsum((gap - mean) ** 2 for gap in gaps) / len(gaps)
        return math.sqrt(variance) / mean if mean else None

    @cached_property
    def days_since_last_order(self) -> float | None:
        if self.last_order_at is None:
            return None
        return max(0.0, (self.now - self.last_order_at).total_seconds() / DAY)

    @cached_property
    def days_since_first_order(self) -> float | None:
        if self.first_order_at is None:
            return None
        return max(0.0, (self.now - self.first_order_at).total_seconds() / DAY)

    @cached_property
    def single_occasion(self) -> bool:
        """One order so far, or several all placed at once: no rhythm to judge yet."""
        if self.orders_total <= 1 or self.first_order_at is None or self.last_order_at is None:
            return True
        return (self.last_order_at - self.first_order_at).total_seconds() / DAY < SAME_OCCASION_DAYS

    @cached_property
    def avg_order_value(self) -> Decimal | None:
        if self.orders_90d:
            return (self.value_90d / self.orders_90d).quantize(CENTS, ROUND_HALF_UP)
        if self.orders_history:
            return (self.value_history / self.orders_history).quantize(CENTS, ROUND_HALF_UP)
        return None

    @cached_property
    def days_since_connected_call(self) -> float | None:
        if self.last_connected_call_at is None:
            return None
        return max(0.0, (self.now - self.last_connected_call_at).total_seconds() / DAY)


@dataclass
class Factor:
    key: str
    label: str
    weight: int
    fraction: float  # 0..1 of the weight
    status: str  # "ok", "amber", "red" or "neutral"
    detail: str

    @property
    def points(self) -> float:
        return self.weight * self.fraction

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "label": self.label,
            "weight": self.weight,
            "points": round(self.points, 1),
            "status": self.status,
            "detail": self.detail,
        }


@dataclass
class Assessment:
    classification: Classification
    score: int | None
    reasons: list[str]
    factors: list[Factor] = field(default_factory=list)
    value_at_risk: Decimal = Decimal("0")
    trend: Trend | None = None


def pct_change(current, previous) -> float | None:
    """Percentage change, or None when there is nothing to compare with."""
    if not previous:
        return None
    return (float(current) - float(previous)) / float(previous) * 100.0


def _ramp(value: float, zero_at: float, full_at: float) -> float:
    """0 at `zero_at`, 1 at `full_at`, linear between, clamped."""
    if full_at == zero_at:
        return 1.0 if value >= full_at else 0.0
    return max(0.0, min(1.0, (value - zero_at) / (full_at - zero_at)))


def _days(value: float) -> int:
    return int(value)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _money(value) -> str:
    return f"{Decimal(value).quantize(Decimal('1'), ROUND_HALF_UP):,}"


def _signed_pct(value: float) -> str:
    rounded = round(value)
    if rounded == 0:
        return "±0%"
    # A real minus sign: a leading hyphen would read as a formula in a spreadsheet.
    return f"+{rounded}%" if rounded > 0 else f"−{abs(rounded)}%"


def describe_interval(days: float) -> str:
    if days < 1.5:
        return "orders about daily" if days >= 0.75 else f"orders about {round(1 / days)} times a day"
    return f"orders every {round(days)} days"


def describe_regularity(cv: float | None) -> str:
    if cv is None:
        return ""
    if cv < 0.3:
        return "regularly"
    if cv < 0.6:
        return "fairly regularly"
    return "irregularly"


def _worse(classification: Classification, at_best: Classification) -> Classification:
    return classification if classification.severity >= at_best.severity else at_best


def _class_for_score(score: int, policy: PerformancePolicy) -> Classification:
    if score >= policy.well_performing_min_score:
        return Classification.WELL_PERFORMING
    if score >= policy.steady_min_score:
        return Classification.STEADY
    if score >= policy.at_risk_min_score:
        return Classification.AT_RISK
    return Classification.UNDERPERFORMING


def trend_arrow(score: int | None, previous_score: int | None, policy: PerformancePolicy) -> Trend | None:
    if score is None or previous_score is None:
        return None
    if score - previous_score >= policy.trend_arrow_points:
        return Trend.UP
    if previous_score - score >= policy.trend_arrow_points:
        return Trend.DOWN
    return Trend.FLAT


def assess(metrics: AccountMetrics, policy: PerformancePolicy, *, previous_score: int | None = None) -> Assessment:
    """Score and classify one account, with its reasons. Pure: same metrics and policy, same answer.

    The score is the sum of five weighted factors. The class comes from the score, then "at best" rules:
    a red gap, a flagged value trend or a single order without a repeat make an account at risk at best;
    no order for `lapsed_days` makes it underperforming; a new account is steady at best; any red factor
    keeps an account from being well performing.
    """
    if metrics.orders_total == 0:
        return Assessment(Classification.NO_ORDERS, None, ["no orders yet"])

    since_last = metrics.days_since_last_order or 0.0
    since_first = metrics.days_since_first_order or 0.0
    is_new = since_first < policy.new_account_days
    caps: list[Classification] = []
    rhythm: list[str] = []  # what the account usually does: said first
    flags: list[str] = []  # what is wrong: said next
    notes: list[str] = []  # anything else worth knowing: said last

    gap = _gap_factor(metrics, policy, is_new=is_new, rhythm=rhythm, flags=flags, notes=notes)
    if gap.status == "red":
        caps.append(Classification.AT_RISK)
    # With no order in the last 4 weeks the trends and the peer comparison only repeat what the gap says.
    gone_quiet = gap.status == "red" and metrics.orders_28d == 0

    if is_new:
        new = "new account: not judged yet"
        value = Factor("value_trend", "Value trend (4 weeks)", policy.weight_value_trend, 0.5, "neutral", new)
        orders = Factor("order_trend", "Order trend (4 weeks)", policy.weight_order_trend, 0.5, "neutral", new)
        peers = Factor("peers", "Value against peers", policy.weight_peers, 0.5, "neutral", new)
        if not metrics.single_occasion:
            notes.append(f"new account (first order {_plural(_days(since_first), 'day')} ago)")
        caps.append(Classification.STEADY)
    else:
        value = _value_trend_factor(metrics, policy)
        orders = _order_trend_factor(metrics, policy)
        peers = _peer_factor(metrics, policy)
        if value.status == "red":
            caps.append(Classification.AT_RISK)
        for factor in (value, orders, peers):
            if gone_quiet:
                continue
            if factor.status in ("red", "amber"):
                flags.append(factor.detail)
            elif factor.status == "good":
                notes.append(factor.detail)

    contact = _contact_factor(metrics, policy)
    if contact.status in ("amber", "red"):
        flags.append(contact.detail)

    factors = [gap, value, orders, peers, contact]
    score = round(sum(f.points for f in factors))
    classification = _class_for_score(score, policy)
    if since_last >= policy.lapsed_days:
        caps.append(Classification.UNDERPERFORMING)
    if any(f.status == "red" for f in factors):
        caps.append(Classification.STEADY)
    for at_best in caps:
        classification = _worse(classification, at_best)
    if classification == Classification.WELL_PERFORMING and peers.detail not in notes and peers.status != "neutral":
        notes.append(peers.detail)

    value_at_risk = Decimal("0")
    if classification in Classification.slipping():
        value_at_risk = usual_30d_value(metrics)
    return Assessment(
        classification=classification,
        score=score,
        reasons=rhythm + flags + notes,
        factors=factors,
        value_at_risk=value_at_risk,
        trend=trend_arrow(score, previous_score, policy),
    )


def _gap_factor(metrics, policy, *, is_new, rhythm, flags, notes) -> Factor:
    """Days since the last order against the account's own usual interval (median over 90 days)."""
    label, weight = "Gap since last order", policy.weight_gap
    since_last = metrics.days_since_last_order or 0.0
    ago = _plural(_days(since_last), "day")
    if metrics.single_occasion:
        n = metrics.orders_total
        so_far = "one order so far" if n == 1 else f"{n} orders so far, all placed at once"
        if since_last < policy.repeat_order_days:
            rhythm.append(f"{so_far}, {ago} ago" if since_last >= 1 else f"{so_far}, today")
            return Factor("gap", label, weight, 1.0, "ok", "too early to know its rhythm")
        rhythm.append(so_far)
        flags.append(f"no repeat order in {ago}")
        return Factor("gap", label, weight, 0.0, "red", f"no repeat order in {ago}")

    median = metrics.median_interval_days
    ratio = since_last / max(median, SAME_OCCASION_DAYS)
    # Full points up to the usual gap, two thirds at amber, none at red: linear between.
    if ratio <= 1:
        fraction = 1.0
    elif ratio <= policy.gap_amber_ratio:
        fraction = 1 - (1 - AMBER_GAP_SHARE) * (ratio - 1) / (policy.gap_amber_ratio - 1)
    else:
        fraction = AMBER_GAP_SHARE * _ramp(ratio, policy.gap_red_ratio, policy.gap_amber_ratio)
    status = "red" if ratio >= policy.gap_red_ratio else ("amber" if ratio >= policy.gap_amber_ratio else "ok")
    regularity = describe_regularity(metrics.interval_regularity)
    rhythm.append(f"{describe_interval(median)} as a rule" + (f" ({regularity})" if regularity else ""))
    if status == "ok":
        notes.insert(0, f"last order {ago} ago" if since_last >= 1 else "ordered today")
    else:
        flags.append(f"{ago} since the last order, {ratio:.1f}× its usual gap")
    return Factor("gap", label, weight, fraction, status, f"{ratio:.1f}× the usual gap")


def _trend_fraction(change: float, policy: PerformancePolicy) -> float:
    return _ramp(change, policy.trend_flag_pct, policy.trend_full_pct)


TREND_WINDOW_DAYS = 28


def _slow_orderer(metrics: AccountMetrics) -> bool:
    """Orders less often than every 4 weeks: two 4-week windows say nothing about it; its gap does."""
    median = metrics.median_interval_days
    return metrics.single_occasion or (median is not None and median >= TREND_WINDOW_DAYS)


def _value_trend_factor(metrics: AccountMetrics, policy: PerformancePolicy) -> Factor:
    """The value of the last 4 weeks against the 4 before: whole weeks, so both windows hold the same weekdays.

    One order more or less is timing, not a trend (an account ordering weekly has 4 or 5 orders in 4 weeks),
    so when the windows differ by exactly one order the average order size is compared instead.
    """
    key, label, weight = "value_trend", "Value trend (4 weeks)", policy.weight_value_trend
    now, before = metrics.orders_28d, metrics.orders_prev_28d
    if _slow_orderer(metrics):
        return Factor(key, label, weight, 0.5, "neutral", "orders less often than every 4 weeks: judged on its gap")
    if not now:
        return Factor(key, label, weight, 0.0, "red", "no orders in the last 4 weeks")
    if not before:
        return Factor(key, label, weight, 1.0, "good", "ordering again after a quiet 4 weeks")
    if abs(now - before) == 1:
        change = pct_change(metrics.value_28d / now, metrics.value_prev_28d / before)
        text = f"average order {_signed_pct(change)} against the previous 4 weeks"
    else:
        change = pct_change(metrics.value_28d, metrics.value_prev_28d)
        text = f"value {_signed_pct(change)} against the previous 4 weeks"
    if change <= policy.trend_flag_pct:
        return Factor(key, label, weight, 0.0, "red", text)
    status = "ok"
    if change <= policy.trend_flag_pct / 2:
        status = "amber"
    elif change >= policy.trend_full_pct / 2:
        status = "good"
    return Factor(key, label, weight, _trend_fraction(change, policy), status, text)


def _order_trend_factor(metrics: AccountMetrics, policy: PerformancePolicy) -> Factor:
    key, label, weight = "order_trend", "Order trend (4 weeks)", policy.weight_order_trend
    now, before = metrics.orders_28d, metrics.orders_prev_28d
    if _slow_orderer(metrics):
        return Factor(key, label, weight, 0.5, "neutral", "orders less often than every 4 weeks: judged on its gap")
    text = f"{_plural(now, 'order')} in the last 4 weeks against {before} before"
    if not now:
        return Factor(key, label, weight, 0.0, "red", text)
    if not before:
        return Factor(key, label, weight, 1.0, "ok", text)
    if abs(now - before) <= 1:
        return Factor(key, label, weight, 0.5, "ok", text)
    change = pct_change(now, before)
    if change <= policy.trend_flag_pct:
        return Factor(key, label, weight, 0.0, "red", text)
    return Factor(key, label, weight, _trend_fraction(change, policy), "ok", text)


def _peer_factor(metrics: AccountMetrics, policy: PerformancePolicy) -> Factor:
    """The 30-day value against the median of the KAM's (or the city's) accounts that ordered in 30 days."""
    key, label, weight = "peers", "Value against peers", policy.weight_peers
    median = metrics.peer_median_value_30d
    if not median:
        return Factor(key, label, weight, 0.5, "neutral", "no peers to compare with")
    ratio = float(metrics.value_30d) / float(median)
    share = f"{ratio:.1f}×" if ratio >= 1.5 else f"{round(ratio * 100)}% of"
    detail = f"30-day value {_money(metrics.value_30d)}, {share} the median of {metrics.peer_label} ({_money(median)})"
    if ratio <= policy.peer_low_ratio:
        return Factor(key, label, weight, 0.0, "red", detail)
    status = "good" if ratio >= policy.peer_high_ratio else "ok"
    return Factor(key, label, weight, _ramp(ratio, policy.peer_low_ratio, policy.peer_high_ratio), status, detail)


def _contact_factor(metrics: AccountMetrics, policy: PerformancePolicy) -> Factor:
    """Whole days since the last connected call beyond the call frequency (the plan's own promise)."""
    key, label, weight = "contact", "Contact gap", policy.weight_contact
    frequency = metrics.call_frequency_days or policy.contact_default_frequency_days
    since = metrics.days_since_connected_call
    if since is None:
        return Factor(key, label, weight, 0.0, "red", "never reached on the phone")
    overdue = _days(since) - frequency
    if overdue <= 0:
        return Factor(key, label, weight, 1.0, "ok", f"connected call {_plural(_days(since), 'day')} ago")
    plan = f"plan: every {_plural(frequency, 'day')}" if metrics.call_frequency_days else "no call plan"
    detail = f"no connected call for {_plural(_days(since), 'day')} ({plan})"
    fraction = 1.0 - _ramp(overdue, 0, policy.contact_grace_days)
    if overdue >= policy.contact_grace_days:
        return Factor(key, label, weight, 0.0, "red", detail)
    return Factor(key, label, weight, fraction, "amber" if overdue * 2 >= policy.contact_grace_days else "ok", detail)


def usual_30d_value(metrics: AccountMetrics) -> Decimal:
    """What the account orders in a usual month: its order size × the orders its own rhythm gives in 30 days."""
    aov = metrics.avg_order_value or Decimal("0")
    median = metrics.median_interval_days
    if metrics.single_occasion or not median:
        return (aov * max(metrics.orders_total, 1)).quantize(CENTS, ROUND_HALF_UP)
    orders_a_month = Decimal(str(round(30 / max(median, SAME_OCCASION_DAYS), 4)))
    return (aov * orders_a_month).quantize(CENTS, ROUND_HALF_UP)
