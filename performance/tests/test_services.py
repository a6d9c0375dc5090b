import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from interactions.services import order_record
from kam.models import Role
from kam.tests.factories import UserFactory
from leads.tests.factories import LeadFactory
from performance.models import AccountPerformance, Classification, ClassificationChange, PeerGroup, PerformancePolicy
from performance.scoring import assess
from performance.services import account_performance_refresh, performance_recompute
from performance.tests.factories import place_orders, won_account
from performance.tests.shapes import NOW, SHAPES, metrics_from_orders

pytestmark = pytest.mark.django_db

EXPECTED = {
    "steady": Classification.STEADY,
    "growing": Classification.WELL_PERFORMING,
    "declining": Classification.AT_RISK,
    "stopped": Classification.UNDERPERFORMING,
    "brand_new": Classification.STEADY,
    "single_order": Classification.STEADY,
    "single_order_long_ago": Classification.AT_RISK,
    "all_on_one_day": Classification.STEADY,
    "lapsed": Classification.UNDERPERFORMING,
}
METRIC_FIELDS = [
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
    "first_order_at",
    "last_order_at",
]


def shaped_account(name, *, owner=None):
    owner = owner or UserFactory(first_name="Asha")
    lead = won_account(owner=owner, now=NOW, name=name)
    place_orders(lead, SHAPES[name], now=NOW)
    return lead


@pytest.mark.parametrize("shape", list(EXPECTED))
def test_order_histories_of_known_shape_get_their_class_in_sql(shape):
    lead = shaped_account(shape)
    performance_recompute(now=NOW)
    row = AccountPerformance.objects.get(lead=lead)
    assert row.classification == EXPECTED[shape]
    # The SQL aggregates and window function agree with the obvious computation in Python…
    expected = metrics_from_orders(SHAPES[shape], peer_median=row.peer_median_value_30d)
    assert {f: getattr(row, f) for f in METRIC_FIELDS} == {f: getattr(expected, f) for f in METRIC_FIELDS}
    if expected.median_interval_days is None:
        assert row.median_interval_days is None
    else:
        assert row.median_interval_days == pytest.approx(expected.median_interval_days, abs=1e-3)
    # …so the stored reasons are exactly what the pure rules say.
    assert row.reasons == assess(expected, PerformancePolicy()).reasons
    assert row.computed_at == NOW


def test_an_account_without_orders_has_no_orders_and_no_history():
    lead = LeadFactory()
    performance_recompute(now=NOW)
    row = AccountPerformance.objects.get(lead=lead)
    assert (row.classification, row.score, row.reasons) == (Classification.NO_ORDERS, None, ["no orders yet"])
    assert not ClassificationChange.objects.exists()


def test_peers_are_the_median_of_the_kams_accounts_that_ordered_in_30_days():
    kam = UserFactory(first_name="Asha")
    small = won_account(owner=kam, now=NOW)
    place_orders(small, [(2, Decimal("1000"))], now=NOW)
    for amount in ("3000", "4000", "10000", "12000"):
        place_orders(won_account(owner=kam, now=NOW), [(3, Decimal(amount))], now=NOW)
    place_orders(won_account(owner=UserFactory(), now=NOW), [(3, Decimal("999999"))], now=NOW)  # another KAM's
    place_orders(won_account(owner=kam, now=NOW), [(45, Decimal("500000"))], now=NOW)  # not in the last 30 days
    performance_recompute(now=NOW)
    assert AccountPerformance.objects.get(lead=small).peer_median_value_30d == Decimal("4000.00")


def test_peers_can_be_the_city_instead(db):
    PerformancePolicy.objects.create(peer_group=PeerGroup.CITY)
    pune = won_account(owner=UserFactory(), now=NOW, city="Pune")
    place_orders(pune, [(2, Decimal("1000")), (70, Decimal("1000"))], now=NOW)
    for amount in ("3000", "1500", "2500", "4000"):
        place_orders(won_account(owner=UserFactory(), now=NOW, city="pune"), [(2, Decimal(amount))], now=NOW)
    place_orders(won_account(owner=pune.owner, now=NOW, city="Delhi"), [(2, Decimal("90000"))], now=NOW)
    performance_recompute(now=NOW)
    row = AccountPerformance.objects.get(lead=pune)
    assert row.peer_median_value_30d == Decimal("2500.00")
    assert any("accounts in Pune" in factor["detail"] for factor in row.factors)


@pytest.mark.parametrize("group", [PeerGroup.CITY, PeerGroup.OWNER])
def test_no_peer_median_for_fewer_than_five_accounts(group):
    """Issue 14 §9: a median of two showed a KAM the other account's value (twice the median minus their own)."""
    PerformancePolicy.objects.create(peer_group=group)
    kam = UserFactory()
    mine = won_account(owner=kam, now=NOW, city="Goa")
    place_orders(mine, [(2, Decimal("1000")), (70, Decimal("1000"))], now=NOW)
    for amount in ("3000", "5000", "7000"):
        place_orders(won_account(owner=kam, now=NOW, city="Goa"), [(2, Decimal(amount))], now=NOW)
    performance_recompute(now=NOW)
    row = AccountPerformance.objects.get(lead=mine)
    assert row.peer_median_value_30d is None
    assert not any("median" in factor["detail"] for factor in row.factors)
    assert any(factor["detail"] == "no peers to compare with" for factor in row.factors)

    place_orders(won_account(owner=kam, now=NOW, city="Goa"), [(2, Decimal("9000"))], now=NOW)  # the fifth
    performance_recompute(now=NOW)
    assert AccountPerformance.objects.get(lead=mine).peer_median_value_30d == Decimal("5000.00")


def test_recompute_twice_gives_identical_rows_apart_from_computed_at():
    for shape in EXPECTED:
        shaped_account(shape)
    LeadFactory()
    performance_recompute(now=NOW)
    first = {row.pk: model_to_dict(row, exclude=["computed_at"]) for row in AccountPerformance.objects.all()}
    changes = ClassificationChange.objects.count()
    performance_recompute(now=NOW)
    second = {row.pk: model_to_dict(row, exclude=["computed_at"]) for row in AccountPerformance.objects.all()}
    assert first == second
    assert ClassificationChange.objects.count() == changes == len(EXPECTED)


def test_chunks_give_the_same_rows_as_one_pass():
    owner = UserFactory(first_name="Asha")
    for shape in EXPECTED:
        shaped_account(shape, owner=owner)
    performance_recompute(now=NOW, chunk_size=1000)
    one_pass = {row.pk: model_to_dict(row) for row in AccountPerformance.objects.all()}
    AccountPerformance.objects.all().delete()
    ClassificationChange.objects.all().delete()
    result = performance_recompute(now=NOW, chunk_size=2)
    assert result.chunks == 5 and result.accounts == len(EXPECTED)
    assert {row.pk: model_to_dict(row) for row in AccountPerformance.objects.all()} == one_pass


def test_queries_do_not_grow_with_the_number_of_accounts():
    def queries_for(accounts):
        AccountPerformance.objects.all().delete()
        for _ in range(accounts):
            place_orders(won_account(owner=UserFactory(), now=NOW), SHAPES["steady"], now=NOW)
        with CaptureQueriesContext(connection) as captured:
            performance_recompute(now=NOW)
        return len(captured.captured_queries)

    assert queries_for(1) == queries_for(10)


def test_a_change_of_class_is_written_to_the_accounts_history():
    lead = shaped_account("steady")
    performance_recompute(now=NOW)
    later = NOW + dt.timedelta(days=10)  # no order since: 14 days against its usual 4
    performance_recompute(now=later)
    row = AccountPerformance.objects.get(lead=lead)
    assert row.classification == Classification.UNDERPERFORMING
    assert (row.previous_classification, row.classification_changed_at) == (Classification.STEADY, later)
    first, second = ClassificationChange.objects.filter(lead=lead).order_by("changed_at")
    assert (first.from_classification, first.to_classification, first.changed_at) == ("", "steady", NOW)
    assert (second.from_classification, second.to_classification) == ("steady", "underperforming")
    assert second.reasons == row.reasons and "14 days since the last order, 3.5× its usual gap" in second.reasons


def test_trend_arrow_compares_with_the_previous_days_score():
    lead = shaped_account("steady")
    performance_recompute(now=NOW)
    first = AccountPerformance.objects.get(lead=lead)
    assert (first.previous_score, first.trend) == (None, "")
    next_day = NOW + dt.timedelta(days=2)
    performance_recompute(now=next_day)
    second = AccountPerformance.objects.get(lead=lead)
    assert second.previous_score == first.score and second.score < first.score - 5
    assert second.trend == "down"
    # Later the same day the baseline stays yesterday's, so recomputing again changes nothing.
    performance_recompute(now=next_day + dt.timedelta(hours=3))
    assert AccountPerformance.objects.get(lead=lead).previous_score == first.score


def test_an_admins_policy_is_what_the_recompute_applies():
    lead = shaped_account("growing")
    performance_recompute(now=NOW)
    assert AccountPerformance.objects.get(lead=lead).classification == Classification.WELL_PERFORMING
    PerformancePolicy.objects.create(well_performing_min_score=95)
    performance_recompute(now=NOW)
    assert AccountPerformance.objects.get(lead=lead).classification == Classification.STEADY


def test_refresh_recomputes_one_account_only():
    refreshed, untouched = shaped_account("steady"), shaped_account("stopped")
    account_performance_refresh(lead_id=refreshed.pk, now=NOW)
    assert list(AccountPerformance.objects.values_list("lead_id", flat=True)) == [refreshed.pk]
    assert not AccountPerformance.objects.filter(lead=untouched).exists()


def test_recording_an_order_refreshes_the_account_at_once(django_capture_on_commit_callbacks):
    kam = UserFactory(role=Role.KAM)
    lead = LeadFactory(owner=kam)
    with django_capture_on_commit_callbacks(execute=True):
        order_record(lead=lead, by=kam, amount="12500.00")
    row = AccountPerformance.objects.get(lead=lead)
    assert (row.orders_total, row.value_30d, row.classification) == (1, Decimal("12500.00"), Classification.STEADY)
    assert row.reasons == ["one order so far, today", "never reached on the phone"]


def test_windows_end_at_now_and_exclude_their_start():
    lead = won_account(owner=UserFactory(), now=NOW)
    # Exactly 30 days old is the previous period; a minute later it is not; a future order does not count.
    place_orders(lead, [(30, Decimal("100")), (29.999, Decimal("200")), (-1, Decimal("400"))], now=NOW)
    performance_recompute(now=NOW)
    row = AccountPerformance.objects.get(lead=lead)
    assert (row.orders_30d, row.value_30d, row.orders_prev_30d, row.orders_total) == (1, Decimal("200.00"), 1, 2)


def test_the_nightly_task_uses_the_clock_of_its_run(django_capture_on_commit_callbacks):
    from performance.tasks import recompute_performance

    lead = shaped_account("steady")
    with time_machine.travel(NOW + dt.timedelta(days=30), tick=False), django_capture_on_commit_callbacks(execute=True):
        assert recompute_performance() == 1  # one chunk, run in-process here (no broker) once the fan-out commits
    row = AccountPerformance.objects.get(lead=lead)
    assert row.computed_at == NOW + dt.timedelta(days=30)
    assert row.days_since_last_order == 34 and row.classification == Classification.UNDERPERFORMING


def test_recompute_command(capsys):
    from django.core.management import call_command

    shaped_account("steady")
    call_command("recompute_performance", "--chunk-size", "10")
    assert "1 accounts recomputed in 1 chunks" in capsys.readouterr().out
