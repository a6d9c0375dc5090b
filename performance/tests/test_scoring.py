"""The score and class as a pure function of metrics and policy: no database in this module."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from performance.models import Classification, PerformancePolicy, Trend
from performance.scoring import AccountMetrics, assess, describe_interval, usual_30d_value
from performance.tests.shapes import NOW, SHAPES, every, metrics_from_orders

PEER_MEDIAN = Decimal("70000")  # what the steady shape orders in 30 days


@pytest.fixture
def policy():
    return PerformancePolicy()  # the defaults in code, unsaved


def judge(orders, policy, **kwargs):
    kwargs.setdefault("peer_median", PEER_MEDIAN)
    return assess(metrics_from_orders(orders, **kwargs), policy)


def test_steady_account_is_steady_with_its_rhythm_first(policy):
    result = judge(SHAPES["steady"], policy)
    assert result.classification == Classification.STEADY
    assert result.reasons == ["orders every 4 days as a rule (regularly)", "last order 4 days ago"]
    assert result.value_at_risk == 0
    assert sum(f.weight for f in result.factors) == 100


def test_growing_account_is_well_performing_and_says_why(policy):
    result = judge(SHAPES["growing"], policy)
    assert result.classification == Classification.WELL_PERFORMING
    assert "average order +21% against the previous 4 weeks" in result.reasons
    assert any("of the median of Asha's accounts" in r for r in result.reasons)


def test_declining_account_is_at_risk_with_the_drop_in_words(policy):
    result = judge(SHAPES["declining"], policy)
    assert result.classification == Classification.AT_RISK
    assert result.reasons[0] == "orders every 4 days as a rule (regularly)"
    assert "average order −23% against the previous 4 weeks" in result.reasons
    # The usual month: its average order over 90 days × 30 ÷ its usual 4-day gap.
    metrics = metrics_from_orders(SHAPES["declining"])
    assert result.value_at_risk == (metrics.avg_order_value * Decimal("7.5")).quantize(Decimal("0.01"))


def test_stopped_account_is_underperforming_and_the_gap_says_it_all(policy):
    result = judge(SHAPES["stopped"], policy)
    assert result.classification == Classification.UNDERPERFORMING
    assert result.reasons == [
        "orders every 4 days as a rule (regularly)",
        "40 days since the last order, 10.0× its usual gap",
    ]
    assert result.value_at_risk == Decimal("75000.00")  # 10,000 an order, every 4 days


def test_brand_new_account_is_steady_and_not_judged_on_trends(policy):
    result = judge(SHAPES["brand_new"], policy)
    assert result.classification == Classification.STEADY
    assert "new account (first order 20 days ago)" in result.reasons
    assert {f.key: f.status for f in result.factors}["value_trend"] == "neutral"


def test_a_brand_new_account_can_be_at_risk_but_never_well_performing(policy):
    quiet = [(days + 9, amount) for days, amount in SHAPES["brand_new"] if days + 9 < 30]
    assert judge(quiet, policy).classification == Classification.AT_RISK
    huge = [(days, amount * 100) for days, amount in SHAPES["brand_new"]]
    assert judge(huge, policy).classification == Classification.STEADY


def test_single_recent_order_is_steady(policy):
    result = judge(SHAPES["single_order"], policy)
    assert result.classification == Classification.STEADY
    assert result.reasons == ["one order so far, 3 days ago"]


def test_single_order_without_a_repeat_is_at_risk(policy):
    result = judge(SHAPES["single_order_long_ago"], policy)
    assert result.classification == Classification.AT_RISK
    assert result.reasons == ["one order so far", "no repeat order in 40 days"]
    assert result.value_at_risk == Decimal("15000.00")


def test_orders_all_on_one_day_are_one_ordering_occasion(policy):
    result = judge(SHAPES["all_on_one_day"], policy)
    assert result.classification == Classification.STEADY
    assert result.reasons == ["3 orders so far, all placed at once, 5 days ago"]
    metrics = metrics_from_orders(SHAPES["all_on_one_day"])
    assert metrics.single_occasion and metrics.median_interval_days is None


def test_lapsed_account_is_underperforming_whatever_its_score(policy):
    result = judge(SHAPES["lapsed"], policy)
    assert result.classification == Classification.UNDERPERFORMING
    assert result.reasons[-1] == "120 days since the last order, 30.0× its usual gap"
    assert result.value_at_risk == Decimal("75000.00")


def test_no_orders(policy):
    result = assess(AccountMetrics(now=NOW), policy)
    assert (result.classification, result.score, result.reasons) == (Classification.NO_ORDERS, None, ["no orders yet"])


def test_gap_ratio_turns_amber_at_one_and_a_half_and_red_at_two(policy):
    # Orders every 4 days; the last one 6 (ratio 1.5) and 8 (ratio 2) days ago.
    amber = judge(every(4, since=178, until=6), policy)
    gap = {f.key: f for f in amber.factors}["gap"]
    assert (gap.status, round(gap.points, 1)) == ("amber", 23.3)
    assert "6 days since the last order, 1.5× its usual gap" in amber.reasons
    assert amber.classification == Classification.STEADY
    red = judge(every(4, until=8), policy)
    assert {f.key: f.status for f in red.factors}["gap"] == "red"
    assert "8 days since the last order, 2.0× its usual gap" in red.reasons
    assert red.classification in Classification.slipping()


def test_a_red_gap_keeps_even_a_high_score_at_risk(policy):
    # A big account whose last 4 weeks are worth more than the 4 before, but 8 days quiet against its 4.
    before = [(d, Decimal("100000")) for d in range(28, 180, 4)]
    recent = [(d, Decimal("150000")) for d in (8, 11, 14, 17, 20, 24)]
    result = judge(recent + before, policy)
    assert {f.key: f.status for f in result.factors}["gap"] == "red"
    assert result.score >= policy.steady_min_score
    assert result.classification == Classification.AT_RISK


def test_value_trend_is_flagged_at_minus_twenty_percent(policy):
    # Same rhythm; the last 4 weeks' orders are 20% smaller than the 4 weeks before.
    orders = [(d, Decimal("8000") if d < 28 else Decimal("10000")) for d, _ in every(4, until=1)]
    result = judge(orders, policy)
    assert "average order −20% against the previous 4 weeks" in result.reasons
    assert result.classification == Classification.AT_RISK
    slightly = [(d, Decimal("8500") if d < 28 else Decimal("10000")) for d, _ in every(4, until=1)]
    assert judge(slightly, policy).classification == Classification.STEADY


def test_one_order_more_or_less_is_timing_not_a_trend(policy):
    # Weekly: 4 orders in the last 4 weeks, 5 in the 4 before, all the same size.
    days = (3, 10, 17, 24, 28.5, 35, 42, 49, 55.5, 62, 69, 76, 83)
    weekly = [(d, Decimal("10000")) for d in days]
    result = judge(weekly, policy, peer_median=Decimal("40000"))
    assert {f.key: f.status for f in result.factors}["value_trend"] == "ok"
    assert result.classification == Classification.STEADY


def test_a_red_factor_keeps_an_account_from_being_well_performing(policy):
    orders = SHAPES["growing"]
    assert judge(orders, policy).classification == Classification.WELL_PERFORMING
    never_called = judge(orders, policy, connected_days_ago=None)
    assert "never reached on the phone" in never_called.reasons
    assert never_called.classification == Classification.STEADY


def test_contact_gap_counts_days_beyond_the_call_frequency(policy):
    on_time = judge(SHAPES["steady"], policy, connected_days_ago=7.9, call_frequency_days=7)
    assert {f.key: f.points for f in on_time.factors}["contact"] == 15
    late = judge(SHAPES["steady"], policy, connected_days_ago=21, call_frequency_days=7)
    contact = {f.key: f for f in late.factors}["contact"]
    assert (contact.status, contact.points) == ("red", 0)
    assert "no connected call for 21 days (plan: every 7 days)" in late.reasons


def test_peers_below_a_quarter_of_the_median_are_flagged(policy):
    result = judge(SHAPES["steady"], policy, peer_median=Decimal("400000"))
    assert "30-day value 70,000, 18% of the median of Asha's accounts (400,000)" in result.reasons
    assert result.classification == Classification.STEADY  # small, but on rhythm: not slipping


def test_trend_arrow_compares_with_the_previous_score(policy):
    metrics = metrics_from_orders(SHAPES["steady"], peer_median=PEER_MEDIAN)
    score = assess(metrics, policy).score
    assert assess(metrics, policy, previous_score=score - 5).trend == Trend.UP
    assert assess(metrics, policy, previous_score=score + 5).trend == Trend.DOWN
    assert assess(metrics, policy, previous_score=score - 4).trend == Trend.FLAT
    assert assess(metrics, policy).trend is None


def test_the_policy_weights_decide_the_score(policy):
    metrics = metrics_from_orders(SHAPES["steady"], peer_median=PEER_MEDIAN, connected_days_ago=None)
    before = assess(metrics, policy).score
    policy.weight_contact, policy.weight_gap = 0, 50
    assert assess(metrics, policy).score == before + 15


def test_same_metrics_same_answer(policy):
    metrics = metrics_from_orders(SHAPES["declining"], peer_median=PEER_MEDIAN)
    assert assess(metrics, policy) == assess(metrics, policy)


def test_an_account_ordering_less_than_monthly_is_judged_on_its_gap(policy):
    monthly = every(35, since=175, until=10)
    result = judge(monthly, policy, peer_median=None)
    assert {f.key: f.status for f in result.factors}["value_trend"] == "neutral"
    assert result.reasons[0] == "orders every 35 days as a rule"
    assert result.classification == Classification.STEADY
    late = judge(every(35, since=210, until=70), policy, peer_median=None)
    assert late.classification in Classification.slipping()


def test_usual_30d_value_for_a_single_order_is_that_order():
    assert usual_30d_value(metrics_from_orders(SHAPES["single_order"])) == Decimal("15000.00")


@pytest.mark.parametrize(
    "days, words",
    [
        (0.5, "orders about 2 times a day"),
        (1, "orders about daily"),
        (3.6, "orders every 4 days"),
        (14, "orders every 14 days"),
    ],
)
def test_describe_interval(days, words):
    assert describe_interval(days) == words


def test_policy_validation_names_the_field_and_the_rule():
    policy = PerformancePolicy(weight_gap=40)
    with pytest.raises(ValidationError) as error:
        policy.clean()
    assert "add up to 105" in str(error.value.message_dict["weight_gap"])
    policy = PerformancePolicy(gap_amber_ratio=2.0, gap_red_ratio=1.5)
    with pytest.raises(ValidationError) as error:
        policy.clean()
    assert "gap_red_ratio" in error.value.message_dict
    policy = PerformancePolicy(steady_min_score=85)
    with pytest.raises(ValidationError) as error:
        policy.clean()
    assert "steady_min_score" in error.value.message_dict
    policy = PerformancePolicy(lapsed_days=30)
    with pytest.raises(ValidationError) as error:
        policy.clean()
    assert "lapsed_days" in error.value.message_dict
    PerformancePolicy().clean()  # the defaults are valid
