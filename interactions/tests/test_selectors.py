"""today_calls, the lead's call plan summary and timeline: what they return and how many queries they cost."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection

from contacts.tests.factories import ContactFactory
from interactions.models import CallOutcome, InteractionKind
from interactions.selectors import call_plan_summary, lead_activity, lead_timeline, parse_cursor, today_calls
from interactions.tests.conftest import DUBAI, KOLKATA, at
from interactions.tests.factories import InteractionFactory, OrderFactory
from leads.models import Lead, LeadStatus
from leads.tests.factories import LeadFactory
from performance.tests.factories import AccountPerformanceFactory

NOW = at(KOLKATA, 2026, 11, 19, 11)


def due(owner, when, **fields):
    return LeadFactory(owner=owner, next_call_at=when, next_call_date=when.date(), **fields)


# --- Today ----------------------------------------------------------------------------------------------------


def test_today_splits_overdue_from_due_and_leaves_out_tomorrow(kam_a, kam_b):
    overdue = due(kam_a, at(KOLKATA, 2026, 11, 16, 10), name="Three days late")
    early_today = due(kam_a, at(KOLKATA, 2026, 11, 19, 0, 5), name="Just after midnight")
    later_today = due(kam_a, at(KOLKATA, 2026, 11, 19, 23, 55), name="Just before midnight")
    due(kam_a, at(KOLKATA, 2026, 11, 20, 0, 0), name="Tomorrow")
    due(kam_b, at(KOLKATA, 2026, 11, 19, 10), name="Not mine")
    LeadFactory(owner=kam_a, next_call_at=None, name="No plan")
    calls = today_calls(kam=kam_a, now=NOW)
    assert calls.is_today and calls.day == calls.today == dt.date(2026, 11, 19)
    assert [lead.name for lead in calls.overdue] == [overdue.name]
    assert {lead.name for lead in calls.due} == {early_today.name, later_today.name}
    assert [row.days_overdue for row in calls.overdue_rows()] == [3]
    assert [row.days_overdue for row in calls.due_rows()] == [0, 0]


def test_overdue_first_by_days_then_due_by_recent_order_value(kam_a):
    small = due(kam_a, at(KOLKATA, 2026, 11, 19, 10), name="Small")
    big = due(kam_a, at(KOLKATA, 2026, 11, 19, 15), name="Big")
    unknown = due(kam_a, at(KOLKATA, 2026, 11, 19, 9), name="No performance row")
    AccountPerformanceFactory(lead=small, value_30d=Decimal("1000"))
    AccountPerformanceFactory(lead=big, value_30d=Decimal("90000"))
    oldest = due(kam_a, at(KOLKATA, 2026, 11, 10, 10), name="Nine days")
    same_day_rich = due(kam_a, at(KOLKATA, 2026, 11, 17, 15), name="Two days, big")
    same_day_poor = due(kam_a, at(KOLKATA, 2026, 11, 17, 10), name="Two days, small")
    AccountPerformanceFactory(lead=same_day_rich, value_30d=Decimal("50000"))
    AccountPerformanceFactory(lead=same_day_poor, value_30d=Decimal("10"))
    calls = today_calls(kam=kam_a, now=NOW)
    assert [lead.name for lead in calls.overdue] == [oldest.name, same_day_rich.name, same_day_poor.name]
    assert [lead.name for lead in calls.due] == [big.name, small.name, unknown.name]
    assert [row.recent_value for row in calls.due_rows()] == [Decimal("90000"), Decimal("1000"), None]


def test_a_later_day_shows_only_that_days_plan(kam_a):
    due(kam_a, at(KOLKATA, 2026, 11, 16, 10), name="Overdue")
    tomorrow = due(kam_a, at(KOLKATA, 2026, 11, 20, 10), name="Tomorrow")
    calls = today_calls(kam=kam_a, now=NOW, day=dt.date(2026, 11, 20))
    assert not calls.is_today
    assert list(calls.overdue) == [] and [lead.name for lead in calls.due] == [tomorrow.name]
    assert calls.find(tomorrow.pk).lead == tomorrow


def test_rows_carry_the_primary_contact_and_the_restaurants_clock(kam_a):
    lead = due(kam_a, at(DUBAI, 2026, 11, 19, 10), time_zone="Asia/Dubai", country="AE")
    ContactFactory(lead=lead, name="Not primary", is_primary=False)
    primary = ContactFactory(
        lead=lead, name="Noura", role="chef", phone="+971501234567", prefers_whatsapp=True, is_primary=True
    )
    no_contact = due(kam_a, at(KOLKATA, 2026, 11, 19, 16), name="Nobody")
    rows = {row.lead.pk: row for row in today_calls(kam=kam_a, now=NOW).due_rows()}
    contact = rows[lead.pk].primary_contact
    assert (contact.id, contact.name, contact.get_role_display(), contact.phone_e164, contact.prefers_whatsapp) == (
        primary.pk,
        "Noura",
        "Chef",
        "+971501234567",
        True,
    )
    assert contact.phone == primary.phone and contact.phone.as_international == "+971 50 123 4567"
    assert contact.whatsapp_url == primary.whatsapp_url == "https://wa.me/971501234567"
    assert rows[lead.pk].restaurant_now == NOW and rows[lead.pk].restaurant_now.utcoffset() == dt.timedelta(hours=4)
    assert rows[no_contact.pk].primary_contact is None


def test_find_tells_whether_a_lead_is_still_on_the_list(kam_a):
    lead = due(kam_a, at(KOLKATA, 2026, 11, 18, 10))
    calls = today_calls(kam=kam_a, now=NOW)
    assert calls.find(lead.pk).days_overdue == 1
    Lead.objects.filter(pk=lead.pk).update(next_call_at=at(KOLKATA, 2026, 11, 26, 10))
    assert calls.find(lead.pk) is None


def test_today_runs_two_queries_whatever_the_rows(kam_a, django_assert_num_queries):
    def render_rows():
        calls = today_calls(kam=kam_a, now=NOW)
        return [(row.primary_contact, row.recent_value) for row in calls.overdue_rows() + calls.due_rows()]

    for i in range(2):
        lead = due(kam_a, at(KOLKATA, 2026, 11, 18 + i, 10))
        ContactFactory(lead=lead, is_primary=True)
    with django_assert_num_queries(2):
        assert len(render_rows()) == 2
    for i in range(10):
        lead = due(kam_a, at(KOLKATA, 2026, 11, 18 + i % 2, 12))
        ContactFactory(lead=lead, is_primary=True)
        AccountPerformanceFactory(lead=lead)
    with django_assert_num_queries(2):
        assert len(render_rows()) == 12


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    explain = "EXPLAIN " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    with connection.cursor() as cursor:
        cursor.execute(explain + sql, params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


def test_each_section_is_an_index_range_scan_on_owner_and_next_call(kam_a, kam_b):
    # Enough accounts that reading all of a KAM's leads would cost more than the range scan, and fresh
    # statistics, so the planner's choice is the one production makes.
    Lead.objects.bulk_create(
        Lead(
            name=f"R{i}",
            city="Pune",
            owner=kam_a if i % 2 else kam_b,
            call_frequency_days=7,
            next_call_at=at(KOLKATA, 2026, 11, 19, 10) + dt.timedelta(days=i % 300),
        )
        for i in range(6000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE leads_lead")
    calls = today_calls(kam=kam_a, now=NOW)
    for section in (calls.overdue, calls.due):
        plan = _plan(section)
        if connection.vendor == "postgresql":
            # Index Scan using lead_owner_next_call_idx … Index Cond: ((owner_id = …) AND (next_call_at < …))
            scan = plan.split("lead_owner_next_call_idx", 1)[1].split("\n")[1]
            assert "owner_id" in scan and "next_call_at" in scan, plan
        else:  # SQLite, the zero-setup database: SEARCH … USING INDEX lead_owner_next_call_idx (owner_id=? AND …)
            assert re.search(r"USING INDEX lead_owner_next_call_idx \(owner_id=\? AND next_call_at[<>]", plan), plan


# --- the lead page: call plan ---------------------------------------------------------------------------------


def test_the_call_plan_counts_attempts_since_the_last_connected_call(lead, kam_a):
    InteractionFactory(lead=lead, occurred_at=at(KOLKATA, 2026, 11, 10, 11), outcome=CallOutcome.NO_ANSWER)
    InteractionFactory(lead=lead, occurred_at=at(KOLKATA, 2026, 11, 11, 11), outcome=CallOutcome.CONNECTED)
    for day in (12, 13, 14):
        InteractionFactory(lead=lead, occurred_at=at(KOLKATA, 2026, 11, day, 11), outcome=CallOutcome.BUSY)
    InteractionFactory(lead=lead, kind=InteractionKind.VISIT, outcome="", occurred_at=at(KOLKATA, 2026, 11, 15, 11))
    Lead.objects.filter(pk=lead.pk).update(last_connected_call_at=at(KOLKATA, 2026, 11, 11, 11))
    lead.refresh_from_db()
    assert call_plan_summary(lead=lead, user=kam_a, now=NOW).attempts_since_connected == 3
    Lead.objects.filter(pk=lead.pk).update(last_connected_call_at=None)
    lead.refresh_from_db()
    assert call_plan_summary(lead=lead, user=kam_a, now=NOW).attempts_since_connected == 5


def test_the_call_plan_names_windows_closed_day_holiday_and_both_zones(make_lead, kam_a):
    lead = make_lead(closed_weekday=0, calling_windows=[["09:00", "11:30"]], time_zone="Asia/Dubai", country="AE")
    summary = call_plan_summary(lead=lead, user=kam_a, now=at(DUBAI, 2026, 11, 25, 9))
    assert summary.windows == "09:00–11:30" and summary.closed_day == "Monday"
    assert summary.next_holiday == (dt.date(2026, 12, 2), "National Day")
    assert summary.zones_differ and (summary.user_zone, summary.restaurant_zone) == ("Asia/Kolkata", "Asia/Dubai")
    assert summary.restaurant_now.utcoffset() == dt.timedelta(hours=4)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"call_frequency_days": None}, "No call frequency"),
        ({"is_archived": True}, "Archived"),
        ({"status": LeadStatus.LOST, "lost_reason": "Gone"}, "Lost leads"),
    ],
)
def test_the_call_plan_says_why_there_is_none(kam_a, change, reason):
    lead = LeadFactory(owner=kam_a, **change)
    summary = call_plan_summary(lead=lead, user=kam_a, now=NOW)
    assert not summary.has_plan and reason in summary.no_plan_reason


def test_days_overdue_on_the_lead_page_are_counted_in_the_users_zone(kam_a):
    lead = due(kam_a, at(KOLKATA, 2026, 11, 16, 23, 0))
    assert call_plan_summary(lead=lead, user=kam_a, now=NOW).days_overdue == 3


# --- the timeline ---------------------------------------------------------------------------------------------


def test_the_timeline_merges_interactions_and_orders_newest_first(lead, kam_a, manager):
    contact = ContactFactory(lead=lead, name="Imran")
    InteractionFactory(lead=lead, occurred_at=at(KOLKATA, 2026, 11, 10, 11), contact=contact)
    OrderFactory(lead=lead, placed_at=at(KOLKATA, 2026, 11, 12, 9), recorded_by=None, external_ref="X-1")
    InteractionFactory(
        lead=lead,
        kind=InteractionKind.WHATSAPP,
        outcome="",
        occurred_at=at(KOLKATA, 2026, 11, 14, 8),
        performed_by=manager,
    )
    entries = lead_timeline(lead=lead).entries
    assert [e.kind for e in entries] == ["whatsapp", "order", "call"]
    whatsapp, order, call = entries
    assert whatsapp.by == manager and whatsapp.outcome is None
    assert order.is_order and order.by is None and order.credited_to == kam_a and order.external_ref == "X-1"
    assert call.outcome == CallOutcome.CONNECTED and call.contact == contact and call.by == kam_a


def test_the_timeline_keeps_who_did_it_after_the_owner_changes(lead, kam_a, teammate):
    InteractionFactory(lead=lead, occurred_at=at(KOLKATA, 2026, 11, 10, 11))
    OrderFactory(lead=lead, placed_at=at(KOLKATA, 2026, 11, 11, 11))
    Lead.objects.filter(pk=lead.pk).update(owner=teammate)
    lead.refresh_from_db()
    entries = lead_timeline(lead=lead).entries
    assert {e.by for e in entries} == {kam_a} and entries[0].credited_to == kam_a


def test_the_timeline_pages_through_every_entry_once_even_on_equal_times(lead):
    same = at(KOLKATA, 2026, 11, 10, 11)
    for _ in range(4):
        InteractionFactory(lead=lead, occurred_at=same)
        OrderFactory(lead=lead, placed_at=same)
    for day in range(1, 8):
        InteractionFactory(lead=lead, occurred_at=at(KOLKATA, 2026, 11, day, 11))
    seen, cursor = [], ""
    while True:
        page = lead_timeline(lead=lead, before=cursor, limit=3)
        seen += [(e.kind, e.pk) for e in page.entries]
        if not page.has_more:
            break
        cursor = page.next_cursor
    assert len(seen) == len(set(seen)) == 15
    everything = lead_timeline(lead=lead, limit=100).entries
    assert seen == [(e.kind, e.pk) for e in everything]


def test_the_timeline_costs_two_queries_whatever_the_rows(lead, django_assert_num_queries):
    InteractionFactory(lead=lead, contact=ContactFactory(lead=lead))
    with django_assert_num_queries(2):
        assert len(lead_timeline(lead=lead).entries) == 1
    for _ in range(30):
        InteractionFactory(lead=lead, contact=ContactFactory(lead=lead))
        OrderFactory(lead=lead)
    with django_assert_num_queries(2):
        page = lead_timeline(lead=lead)
        assert len(page.entries) == 20 and page.has_more
        assert all(e.by is not None for e in page.entries)
        assert all(e.contact is not None for e in page.entries if not e.is_order)


def test_the_activity_panel_is_three_queries(lead, kam_a, django_assert_num_queries):
    for _ in range(5):
        InteractionFactory(lead=lead, contact=ContactFactory(lead=lead))
    with django_assert_num_queries(3):
        context = lead_activity(lead=lead, user=kam_a, now=NOW)
    assert context["activity"].plan.attempts_since_connected == 5
    assert InteractionKind.CALL not in context["activity"].log_kinds


@pytest.mark.parametrize("raw", ["", "abc", "1.2", "1.5.3", "1.1.0", "99999999999999999999.1.1", "1.1.-3"])
def test_garbage_cursors_are_refused(raw):
    with pytest.raises(ValueError):
        parse_cursor(raw)
