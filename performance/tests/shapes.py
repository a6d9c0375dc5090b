"""Order histories of known shape, as (days before `now`, amount) pairs, and the plain-Python metrics of one.

The same shapes feed the pure scoring tests (through `metrics_from_orders`, a deliberately naive computation)
and the database tests (as real Order rows through the set-based recompute), so each checks the other.
"""

import datetime as dt
from decimal import Decimal

from performance.scoring import AccountMetrics

NOW = dt.datetime(2026, 3, 16, 6, 0, tzinfo=dt.UTC)  # a Monday, 11:30 in Kolkata


def every(days: float, *, until: float = 0, since: float = 180, amount=10000, growth: float = 1.0):
    """An order every `days` days from `since` days ago to `until` days ago; amounts multiply by `growth` each time."""
    orders, moment, value = [], since, float(amount)
    while moment >= until:
        orders.append((moment, Decimal(str(round(value, 2)))))
        moment -= days
        value *= growth
    return orders


SHAPES = {
    # name: (orders, expected class)
    "steady": every(4, until=1),
    "growing": every(4, until=1, amount=4000, growth=1.03),
    "declining": every(4, until=1, amount=20000, growth=0.96),
    "stopped": every(4, until=40),
    "brand_new": every(4, since=20, until=0.5),
    "single_order": [(3, Decimal("15000"))],
    "single_order_long_ago": [(40, Decimal("15000"))],
    "all_on_one_day": [(5, Decimal("5000")), (5.05, Decimal("7000")), (5.1, Decimal("3000"))],
    "lapsed": every(4, until=120, since=300),
}


def _window(orders, start_days, end_days=0):
    return [(d, a) for d, a in orders if end_days <= d < start_days]


def metrics_from_orders(
    orders,
    *,
    now=NOW,
    peer_median=None,
    connected_days_ago: float | None = 1,
    call_frequency_days: int | None = 7,
    peer_label="Asha's accounts",
) -> AccountMetrics:
    """What the recompute's SQL gathers, computed the obvious way in Python."""
    orders = [(d, a) for d, a in orders if d >= 0]
    at = sorted(now - dt.timedelta(days=d) for d, _ in orders)

    def count(start, end=0):
        return len(_window(orders, start, end))

    def value(start, end=0):
        return sum((a for _, a in _window(orders, start, end)), Decimal("0"))

    recent = sorted(now - dt.timedelta(days=d) for d, _ in _window(orders, 90))
    history = sorted(now - dt.timedelta(days=d) for d, _ in _window(orders, 182))
    return AccountMetrics(
        now=now,
        orders_total=len(orders),
        first_order_at=at[0] if at else None,
        last_order_at=at[-1] if at else None,
        orders_30d=count(30),
        value_30d=value(30),
        orders_prev_30d=count(60, 30),
        value_prev_30d=value(60, 30),
        orders_28d=count(28),
        value_28d=value(28),
        orders_prev_28d=count(56, 28),
        value_prev_28d=value(56, 28),
        orders_90d=count(90),
        value_90d=value(90),
        orders_history=count(182),
        value_history=value(182),
        first_in_history=history[0] if history else None,
        last_in_history=history[-1] if history else None,
        intervals_90d=tuple((b - a).total_seconds() / 86400 for a, b in zip(recent, recent[1:], strict=False)),
        peer_median_value_30d=peer_median,
        peer_label=peer_label,
        last_connected_call_at=None if connected_days_ago is None else now - dt.timedelta(days=connected_days_ago),
        call_frequency_days=call_frequency_days,
    )
