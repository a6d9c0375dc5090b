import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts.tests.factories import ContactFactory
from interactions.models import CallOutcome, Interaction, InteractionKind
from interactions.tests.factories import InteractionFactory
from leads.tests.factories import LeadFactory
from performance.models import Classification
from performance.selectors import (
    lead_performance_panel,
    manager_report,
    ordering_pattern,
    slipping_accounts,
    team_rows,
)
from performance.services import performance_recompute
from performance.tests.factories import (
    AccountPerformanceFactory,
    ClassificationChangeFactory,
    place_orders,
    won_account,
)
from performance.tests.shapes import NOW, SHAPES

pytestmark = pytest.mark.django_db


def slipping(owner, classification, value_at_risk, **lead_fields):
    lead = LeadFactory(owner=owner, **lead_fields)
    return AccountPerformanceFactory(
        lead=lead, classification=classification, value_at_risk=Decimal(value_at_risk), reasons=["a reason"]
    )


# The Today list's slipping accounts ---------------------------------------------------------------------------------


def test_slipping_accounts_are_the_owners_at_risk_and_underperforming_ranked_by_value_at_risk(kam_a, teammate):
    small = slipping(kam_a, Classification.AT_RISK, "1000")
    big = slipping(kam_a, Classification.UNDERPERFORMING, "90000")
    slipping(kam_a, Classification.STEADY, "0")
    slipping(kam_a, Classification.AT_RISK, "50000", is_archived=True)
    slipping(teammate, Classification.AT_RISK, "70000")
    contact = ContactFactory(lead=big.lead, is_primary=True)
    ContactFactory(lead=big.lead, is_primary=False)
    rows = slipping_accounts(owner=kam_a, now=NOW)
    assert [r.lead for r in rows] == [big.lead, small.lead]
    first = rows[0]
    assert (first.classification, first.reasons, first.value_at_risk) == (
        Classification.UNDERPERFORMING,
        ["a reason"],
        Decimal("90000"),
    )
    assert (first.primary_contact.id, first.primary_contact.phone_e164) == (contact.pk, contact.phone_e164)
    assert rows[1].primary_contact is None


def test_slipping_accounts_run_one_query_whatever_their_number(kam_a, django_assert_num_queries):
    def count_for(n):
        for _ in range(n):
            row = slipping(kam_a, Classification.AT_RISK, "1000")
            ContactFactory(lead=row.lead, is_primary=True)
        with django_assert_num_queries(1):
            return [(r.lead.name, r.primary_contact.name, r.reasons) for r in slipping_accounts(owner=kam_a, now=NOW)]

    assert len(count_for(1)) == 1
    assert len(count_for(9)) == 10


def test_an_account_reached_today_in_the_owners_zone_waits_until_tomorrow(kam_a):
    # kam_a is in Asia/Kolkata. At 19:00 UTC it is already 00:30 on the next day there.
    now = dt.datetime(2026, 3, 16, 19, 0, tzinfo=dt.UTC)
    yesterday_late = slipping(kam_a, Classification.AT_RISK, "2000")
    yesterday_late.lead.last_connected_call_at = dt.datetime(2026, 3, 16, 18, 29, tzinfo=dt.UTC)  # 23:59 IST
    yesterday_late.lead.save()
    today_early = slipping(kam_a, Classification.AT_RISK, "1000")
    today_early.lead.last_connected_call_at = dt.datetime(2026, 3, 16, 18, 31, tzinfo=dt.UTC)  # 00:01 IST
    today_early.lead.save()
    assert [r.lead for r in slipping_accounts(owner=kam_a, now=now)] == [yesterday_late.lead]


# The lead page panel ------------------------------------------------------------------------------------------------


def test_ordering_pattern_counts_weeks_and_weekdays_on_the_restaurants_calendar(kam_a):
    lead = won_account(owner=kam_a, now=NOW, time_zone="Asia/Kolkata")
    # Sunday 15 March 20:00 UTC is Monday 16 March 01:30 in Kolkata: this week, a Monday.
    sunday_evening_utc = dt.datetime(2026, 3, 15, 20, 0, tzinfo=dt.UTC)
    place_orders(lead, [((NOW - sunday_evening_utc).total_seconds() / 86400, Decimal("5000"))], now=NOW)
    place_orders(lead, [(8, Decimal("3000")), (9, Decimal("2000"))], now=NOW)  # Sun 8 and Sat 7 March
    pattern = ordering_pattern(lead=lead, now=NOW)
    weeks = pattern["weeks"]
    assert len(weeks) == 26 and weeks[-1] == {"label": "16 Mar", "orders": 1, "value": 5000.0}
    assert weeks[-2] == {"label": "09 Mar", "orders": 0, "value": 0.0}
    assert weeks[-3] == {"label": "02 Mar", "orders": 2, "value": 5000.0}
    assert [d["orders"] for d in pattern["weekdays"]] == [1, 0, 0, 0, 0, 1, 1]
    assert pattern["weekly_summary"].startswith("3 orders worth 10,000 in 26 weeks, 0.1 a week on average")
    assert pattern["weekday_summary"] == (
        "Most orders come on Monday (33%) and Saturday (33%). None on Tuesday, Wednesday, Thursday, Friday."
    )


def test_an_even_week_is_said_to_be_even(kam_a):
    lead = won_account(owner=kam_a, now=NOW)
    place_orders(lead, [(d + 0.5, Decimal("100")) for d in range(14)], now=NOW)  # every day for two weeks
    summary = ordering_pattern(lead=lead, now=NOW)["weekday_summary"]
    assert summary == "Orders are spread evenly over the week (2 on each weekday)."


def test_lead_panel_has_the_row_history_and_pattern_in_three_queries(kam_a, django_assert_num_queries):
    lead = won_account(owner=kam_a, now=NOW)
    place_orders(lead, SHAPES["steady"], now=NOW)
    performance_recompute(now=NOW)
    with django_assert_num_queries(3):
        panel = lead_performance_panel(lead=lead, now=NOW)["performance_panel"]
    assert panel["performance"].classification == Classification.STEADY
    assert [c.to_classification for c in panel["history"]] == ["steady"]
    assert panel["pattern"]["has_orders"]


def test_lead_panel_of_a_lead_without_orders_skips_the_pattern(kam_a, django_assert_num_queries):
    lead = LeadFactory(owner=kam_a)
    with django_assert_num_queries(2):
        panel = lead_performance_panel(lead=lead)["performance_panel"]
    assert panel["performance"] is None and panel["pattern"] is None


# The team table -----------------------------------------------------------------------------------------------------


def test_team_rows_count_calls_plans_and_credited_orders_per_kam(manager, kam_a, teammate, kam_b):
    window = (NOW - dt.timedelta(days=7), NOW)
    weekly = LeadFactory(owner=kam_a, call_frequency_days=7)
    LeadFactory(owner=kam_a, call_frequency_days=2)
    LeadFactory(owner=kam_a, call_frequency_days=1, status="lost", lost_reason="Closed")  # no plan once lost
    LeadFactory(owner=kam_a, call_frequency_days=1, is_archived=True)
    for days in (1, 2, 3):
        InteractionFactory(lead=weekly, performed_by=kam_a, occurred_at=NOW - dt.timedelta(days=days))
    InteractionFactory(
        lead=weekly, performed_by=kam_a, outcome=CallOutcome.NO_ANSWER, occurred_at=NOW - dt.timedelta(hours=1)
    )
    InteractionFactory(lead=weekly, performed_by=kam_a, occurred_at=NOW - dt.timedelta(days=8))  # too old
    InteractionFactory(
        lead=weekly, performed_by=kam_a, kind=InteractionKind.VISIT, outcome="", occurred_at=NOW
    )  # not a call
    # The account now belongs to the teammate, but the order placed while kam_a owned it stays kam_a's.
    moved = won_account(owner=teammate, now=NOW)
    place_orders(moved, [(2, Decimal("7000"))], now=NOW, credited_to=kam_a)
    place_orders(moved, [(1, Decimal("1000"))], now=NOW)
    AccountPerformanceFactory(lead=moved, classification=Classification.AT_RISK)
    rows = {row.kam: row for row in team_rows(user=manager, calls_window=window, orders_window=window)}
    assert set(rows) == {kam_a, teammate}
    a = rows[kam_a]
    assert (a.calls_made, a.calls_connected, a.calls_planned_rounded) == (4, 3, 4)  # 7/7 + 7/2 = 4.5 → 4
    assert (a.orders, a.order_value) == (1, Decimal("7000.00"))
    t = rows[teammate]
    assert (t.orders, t.order_value, t.accounts, t.slipping) == (1, Decimal("1000.00"), 1, 1)


def test_team_rows_run_five_queries_whatever_the_team(manager, kam_a, teammate, django_assert_num_queries):
    window = (NOW - dt.timedelta(days=7), NOW)
    for kam in (kam_a, teammate):
        LeadFactory(owner=kam)
        InteractionFactory(lead=LeadFactory(owner=kam), occurred_at=NOW - dt.timedelta(days=1))
    with django_assert_num_queries(5):
        assert len(team_rows(user=manager, calls_window=window, orders_window=window)) == 2


def test_a_kam_sees_only_their_own_row(kam_a, teammate):
    window = (NOW - dt.timedelta(days=7), NOW)
    assert [r.kam for r in team_rows(user=kam_a, calls_window=window, orders_window=window)] == [kam_a]


# The manager report -------------------------------------------------------------------------------------------------


def test_report_lists_accounts_that_became_slipping_since_a_given_time(manager, kam_a, kam_b):
    since = NOW - dt.timedelta(hours=20)
    new = slipping(kam_a, Classification.AT_RISK, "5000")
    ClassificationChangeFactory(lead=new.lead, changed_at=NOW - dt.timedelta(hours=2))
    old = slipping(kam_a, Classification.UNDERPERFORMING, "9000")
    ClassificationChangeFactory(lead=old.lead, changed_at=since - dt.timedelta(minutes=1))
    recovered = slipping(kam_a, Classification.STEADY, "0")
    ClassificationChangeFactory(lead=recovered.lead, changed_at=NOW - dt.timedelta(hours=3))
    elsewhere = slipping(kam_b, Classification.AT_RISK, "99000")
    ClassificationChangeFactory(lead=elsewhere.lead, changed_at=NOW - dt.timedelta(hours=1))
    report = manager_report(user=manager, now=NOW, since=since)
    assert [a.lead for a in report.became_slipping] == [new.lead]
    assert report.day == dt.date(2026, 3, 15)  # yesterday in Kolkata


def test_the_team_tables_calls_read_only_columns_of_the_calls_index(kam_a):
    """interaction_by_at_idx holds (performed_by, occurred_at) and the kind and the outcome, not the id: counting the
    id would send PostgreSQL to 2,000 table pages for a manager's team at 100,000 restaurants."""
    InteractionFactory(performed_by=kam_a, occurred_at=NOW - dt.timedelta(hours=1))
    with CaptureQueriesContext(connection) as captured:
        (row,) = team_rows(
            user=kam_a, calls_window=(NOW - dt.timedelta(days=7), NOW), orders_window=(NOW - dt.timedelta(days=30), NOW)
        )
    assert row.calls_made == 1
    (calls,) = [q["sql"] for q in captured.captured_queries if '"interactions_interaction"' in q["sql"]]
    assert '"interactions_interaction"."id"' not in calls
    index = next(i for i in Interaction._meta.indexes if i.name == "interaction_by_at_idx")
    assert {"kind", "outcome"} <= set(index.include)
