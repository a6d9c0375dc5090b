"""interaction_log, call_reschedule, order_record and call_plans_recompute against PostgreSQL, with explicit `now`.

Calendar of November 2026 used throughout: Wed 18 (the leads are created), Thu 19 (NOW), Tue 24 is a public
holiday in India (Guru Nanak's Birthday).
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts.tests.factories import ContactFactory
from interactions.models import CallOutcome, Interaction, InteractionKind, Order
from interactions.services import call_plans_recompute, call_reschedule, interaction_log, order_record
from interactions.tests.conftest import CREATED, DUBAI, KOLKATA, at
from interactions.tests.factories import InteractionFactory
from kam.conflicts import Conflict
from leads.models import Lead, LeadStatus, LeadStatusChange
from leads.services import (
    TransitionCause,
    TransitionNotAllowed,
    lead_archive,
    lead_restore,
    lead_transition,
    lead_update,
)
from leads.tests.factories import LeadFactory

NOW = at(KOLKATA, 2026, 11, 19, 11)  # Thursday 19 November, 11:00 in Bengaluru


def call(lead, outcome=CallOutcome.CONNECTED, *, occurred_at=None, now=NOW, **kwargs):
    return interaction_log(
        lead=lead, by=lead.owner, kind=InteractionKind.CALL, outcome=outcome, occurred_at=occurred_at, now=now, **kwargs
    )


def refused(field, func, **kwargs) -> str:
    with pytest.raises(ValidationError) as excinfo:
        func(**kwargs)
    assert field in excinfo.value.message_dict, excinfo.value.message_dict
    return excinfo.value.message_dict[field][0]


def stored(lead) -> Lead:
    return Lead.objects.get(pk=lead.pk)


# --- the plan a lead starts with ---------------------------------------------------------------------------


def test_a_new_lead_with_a_frequency_is_due_at_once(lead):
    # Created at 09:00, before the first calling window: due when the window opens, the same morning.
    assert stored(lead).next_call_at == at(KOLKATA, 2026, 11, 18, 10)
    assert stored(lead).next_call_date == dt.date(2026, 11, 18)


def test_a_lead_created_in_the_evening_is_due_in_the_next_mornings_window(make_lead):
    lead = make_lead(now=at(KOLKATA, 2026, 11, 18, 19, 30))
    assert stored(lead).next_call_at == at(KOLKATA, 2026, 11, 19, 10)


def test_a_lead_without_a_frequency_has_no_plan(make_lead):
    lead = make_lead(call_frequency_days=None)
    call(lead)
    assert (stored(lead).next_call_at, stored(lead).next_call_date) == (None, None)
    assert stored(lead).last_call_at == NOW


def test_lost_and_archived_leads_have_no_plan_and_restoring_brings_it_back(lead, kam_a):
    lead_archive(lead=lead, by=kam_a, now=NOW)
    assert stored(lead).next_call_at is None
    lead_restore(lead=lead, by=kam_a)
    assert stored(lead).next_call_at == at(KOLKATA, 2026, 11, 18, 10)
    lead_transition(lead=lead, to=LeadStatus.LOST, by=kam_a, reason="Closed down", now=NOW)
    call(lead)
    assert stored(lead).next_call_at is None and stored(lead).last_call_at == NOW


def test_changing_the_frequency_replans_from_the_last_connected_call(lead, kam_a):
    call(lead)
    lead_update(lead=lead, by=kam_a, call_frequency_days=3)
    assert stored(lead).next_call_at == at(KOLKATA, 2026, 11, 22, 10)


# --- calls --------------------------------------------------------------------------------------------------


def test_a_connected_call_sets_the_last_call_and_the_next_due_by_the_frequency(lead):
    interaction = call(lead)
    lead_row = stored(lead)
    assert interaction.performed_by == lead.owner and interaction.created_at == NOW
    assert lead_row.last_call_at == lead_row.last_connected_call_at == NOW
    assert lead_row.follow_up_at is None
    assert lead_row.next_call_at == at(KOLKATA, 2026, 11, 26, 10)
    assert lead_row.next_call_date == dt.date(2026, 11, 26)
    # The caller's instance is kept current too.
    assert (lead.next_call_at, lead.status) == (lead_row.next_call_at, LeadStatus.CONTACTED)


def test_a_due_day_on_a_public_holiday_moves_to_the_next_open_day(lead):
    call(lead, occurred_at=at(KOLKATA, 2026, 11, 17, 12), now=NOW)  # Tue 17 + 7 = Tue 24, a holiday
    assert stored(lead).next_call_at == at(KOLKATA, 2026, 11, 25, 10)


def test_the_weekly_closed_day_is_skipped(make_lead):
    lead = make_lead(closed_weekday=3)  # closed on Thursdays
    call(lead)
    assert stored(lead).next_call_at == at(KOLKATA, 2026, 11, 27, 10)


def test_state_holidays_count_only_in_their_state(make_lead):
    # 1 November is Karnataka Rajyotsava: a holiday in Bengaluru, not in Mumbai.
    bengaluru = make_lead(now=at(KOLKATA, 2026, 10, 20, 9))
    mumbai = make_lead(name="Bombay Table", city="Mumbai", state="Maharashtra", now=at(KOLKATA, 2026, 10, 20, 9))
    for lead in (bengaluru, mumbai):
        call(lead, occurred_at=at(KOLKATA, 2026, 10, 25, 11), now=at(KOLKATA, 2026, 10, 25, 12))
    assert stored(bengaluru).next_call_date == dt.date(2026, 11, 2)
    assert stored(mumbai).next_call_date == dt.date(2026, 11, 1)


@pytest.mark.parametrize("outcome", [CallOutcome.NO_ANSWER, CallOutcome.BUSY])
def test_no_answer_or_busy_is_due_again_on_the_restaurants_next_day(lead, outcome):
    call(lead, outcome)
    lead_row = stored(lead)
    assert lead_row.last_call_at == NOW and lead_row.last_connected_call_at is None
    assert lead_row.follow_up_at == lead_row.next_call_at == at(KOLKATA, 2026, 11, 20, 10)
    assert lead_row.status == LeadStatus.NEW  # only a connected call moves the pipeline


def test_no_answer_before_a_holiday_waits_for_the_next_open_day(lead):
    monday = at(KOLKATA, 2026, 11, 23, 11)
    call(lead, CallOutcome.NO_ANSWER, now=monday)
    assert stored(lead).next_call_at == at(KOLKATA, 2026, 11, 25, 10)


def test_a_callback_is_due_at_the_time_the_kam_entered(lead):
    callback = at(KOLKATA, 2026, 11, 19, 19, 30)  # outside the windows: they asked for it, so it stands
    call(lead, CallOutcome.CALLBACK_REQUESTED, callback_at=callback)
    assert stored(lead).next_call_at == callback
    assert stored(lead).next_call_date == dt.date(2026, 11, 19)


def test_a_callback_time_is_required_after_the_call_and_within_a_year(lead):
    assert "call back" in refused("callback_at", call, lead=lead, outcome=CallOutcome.CALLBACK_REQUESTED)
    assert "after the call" in refused(
        "callback_at", call, lead=lead, outcome=CallOutcome.CALLBACK_REQUESTED, callback_at=NOW - dt.timedelta(hours=1)
    )
    assert "within the next year" in refused(
        "callback_at", call, lead=lead, outcome=CallOutcome.CALLBACK_REQUESTED, callback_at=NOW + dt.timedelta(days=400)
    )
    assert "goes with" in refused("callback_at", call, lead=lead, callback_at=NOW + dt.timedelta(hours=1))
    assert not Interaction.objects.exists()


def test_a_wrong_number_leaves_the_plan_as_it_was(lead):
    before = stored(lead).next_call_at
    call(lead, CallOutcome.WRONG_NUMBER)
    assert stored(lead).next_call_at == before and stored(lead).last_call_at == NOW


def test_the_first_connected_call_moves_a_new_lead_to_contacted(lead, kam_a):
    call(lead, CallOutcome.NO_ANSWER, now=NOW - dt.timedelta(hours=1))
    assert stored(lead).status == LeadStatus.NEW
    call(lead)
    assert stored(lead).status == LeadStatus.CONTACTED
    change = LeadStatusChange.objects.filter(lead=lead).order_by("-pk").first()
    assert (change.from_status, change.to_status, change.changed_by, change.changed_at) == (
        LeadStatus.NEW,
        LeadStatus.CONTACTED,
        kam_a,
        NOW,
    )
    assert change.note == "First connected call"


def test_calls_never_move_the_pipeline_backwards(lead, kam_a):
    call(lead)
    lead_transition(lead=lead, to=LeadStatus.QUALIFIED, by=kam_a, now=NOW)
    changes = LeadStatusChange.objects.filter(lead=lead).count()
    call(lead, now=NOW + dt.timedelta(days=1))
    assert stored(lead).status == LeadStatus.QUALIFIED
    assert LeadStatusChange.objects.filter(lead=lead).count() == changes


def test_a_late_logged_call_does_not_override_a_later_calls_follow_up(lead):
    callback = at(KOLKATA, 2026, 11, 20, 16)
    call(lead, CallOutcome.CALLBACK_REQUESTED, callback_at=callback)
    later = NOW + dt.timedelta(hours=2)
    # Yesterday's unanswered call, logged only now: it must not turn the callback into a retry.
    call(lead, CallOutcome.NO_ANSWER, occurred_at=at(KOLKATA, 2026, 11, 18, 15), now=later)
    lead_row = stored(lead)
    assert lead_row.next_call_at == callback and lead_row.last_call_at == NOW
    # Yesterday's connected call logged late: it counts as the last connected call, but the callback stands.
    call(lead, CallOutcome.CONNECTED, occurred_at=at(KOLKATA, 2026, 11, 18, 16), now=later)
    lead_row = stored(lead)
    assert lead_row.last_connected_call_at == at(KOLKATA, 2026, 11, 18, 16)
    assert lead_row.last_call_at == NOW
    assert lead_row.next_call_at == callback
    assert lead_row.status == LeadStatus.CONTACTED


def test_a_late_logged_connected_call_older_than_the_last_one_changes_nothing(lead):
    call(lead)
    call(lead, occurred_at=NOW - dt.timedelta(days=3), now=NOW + dt.timedelta(minutes=5))
    assert stored(lead).last_connected_call_at == NOW
    assert stored(lead).next_call_at == at(KOLKATA, 2026, 11, 26, 10)


def test_a_connected_call_clears_an_earlier_follow_up(lead):
    call(lead, CallOutcome.NO_ANSWER)
    call(lead, now=NOW + dt.timedelta(days=1))
    lead_row = stored(lead)
    assert lead_row.follow_up_at is None
    assert lead_row.next_call_at == at(KOLKATA, 2026, 11, 27, 10)


def test_other_interactions_are_logged_but_do_not_move_the_plan(lead, primary):
    before = stored(lead)
    for kind in (InteractionKind.VISIT, InteractionKind.MEETING, InteractionKind.EMAIL, InteractionKind.WHATSAPP):
        interaction_log(lead=lead, by=lead.owner, kind=kind, contact=primary, notes="  samples  ", now=NOW)
    interaction_log(lead=lead, by=lead.owner, kind=InteractionKind.NOTE, notes="Owner prefers mornings", now=NOW)
    after = stored(lead)
    assert (after.last_call_at, after.next_call_at, after.status) == (None, before.next_call_at, LeadStatus.NEW)
    assert Interaction.objects.filter(lead=lead).count() == 5
    assert Interaction.objects.filter(notes="samples").count() == 4


# --- bad input ------------------------------------------------------------------------------------------------


def test_a_future_time_is_refused_but_a_little_clock_skew_is_not(lead):
    assert "future" in refused("occurred_at", call, lead=lead, occurred_at=NOW + dt.timedelta(minutes=10))
    call(lead, occurred_at=NOW + dt.timedelta(minutes=1))
    assert Interaction.objects.count() == 1


def test_a_time_in_a_past_century_is_refused(lead):
    assert "too far in the past" in refused("occurred_at", call, lead=lead, occurred_at=at(KOLKATA, 1926, 11, 19))


def test_outcomes_belong_to_calls_only(lead):
    assert "Only calls" in refused(
        "outcome",
        interaction_log,
        lead=lead,
        by=lead.owner,
        kind=InteractionKind.VISIT,
        outcome=CallOutcome.CONNECTED,
        now=NOW,
    )
    assert "how the call went" in refused("outcome", call, lead=lead, outcome="")
    assert "how the call went" in refused("outcome", call, lead=lead, outcome="picked_up")
    assert "not a kind" in refused("kind", interaction_log, lead=lead, by=lead.owner, kind="fax", now=NOW)


def test_a_contact_of_another_restaurant_is_refused(lead, kam_a):
    other = ContactFactory(lead=LeadFactory(owner=kam_a))
    assert "another restaurant" in refused("contact", call, lead=lead, contact=other)
    own = ContactFactory(lead=lead)
    assert call(lead, contact=own).contact == own


@pytest.mark.parametrize("minutes", [-1, 24 * 60 + 1])
def test_duration_is_between_0_and_a_day(lead, minutes):
    assert "Duration" in refused("duration_minutes", call, lead=lead, duration_minutes=minutes)


# --- reschedule (snooze) ---------------------------------------------------------------------------------------


def test_reschedule_moves_the_call_to_the_first_window_of_the_chosen_day(lead, kam_a):
    call(lead)
    call_reschedule(lead=lead, by=kam_a, day=dt.date(2026, 11, 21), now=NOW)
    assert stored(lead).next_call_at == at(KOLKATA, 2026, 11, 21, 10)
    assert lead.next_call_at == at(KOLKATA, 2026, 11, 21, 10)


def test_reschedule_onto_a_holiday_moves_to_the_next_open_day(lead, kam_a):
    call_reschedule(lead=lead, by=kam_a, day=dt.date(2026, 11, 24), now=NOW)
    assert stored(lead).next_call_at == at(KOLKATA, 2026, 11, 25, 10)


def test_reschedule_uses_the_restaurants_date(make_lead, kam_a):
    lead = make_lead(city="Dubai", state="Dubai", country="AE", time_zone="Asia/Dubai")
    # 23:30 in Kolkata is still 22:00 on the 19th in Dubai: the 19th is "today" for the restaurant.
    now = at(KOLKATA, 2026, 11, 19, 23, 30)
    call_reschedule(lead=lead, by=kam_a, day=dt.date(2026, 11, 19), now=now)
    assert stored(lead).next_call_at == at(DUBAI, 2026, 11, 19, 10)


def test_reschedule_refuses_past_days_far_days_and_leads_without_a_plan(lead, kam_a, make_lead):
    assert "today or a later" in refused(
        "day", call_reschedule, lead=lead, by=kam_a, day=dt.date(2026, 11, 18), now=NOW
    )
    assert "within the next year" in refused(
        "day", call_reschedule, lead=lead, by=kam_a, day=dt.date(2028, 1, 1), now=NOW
    )
    no_plan = make_lead(name="No plan", call_frequency_days=None)
    assert "no call plan" in refused("day", call_reschedule, lead=no_plan, by=kam_a, day=dt.date(2026, 11, 20), now=NOW)


def test_a_connected_call_after_a_snooze_goes_back_to_the_frequency(lead, kam_a):
    call_reschedule(lead=lead, by=kam_a, day=dt.date(2026, 11, 30), now=NOW)
    call(lead, now=NOW + dt.timedelta(hours=1))
    assert stored(lead).next_call_at == at(KOLKATA, 2026, 11, 26, 10)


# --- orders -----------------------------------------------------------------------------------------------------


def record(lead, *, now=NOW, **kwargs):
    kwargs.setdefault("amount", Decimal("12500.50"))
    return order_record(lead=lead, by=lead.owner, now=now, **kwargs)


def test_an_order_is_credited_to_the_owner_and_recorded_by_who_entered_it(lead, manager):
    order, created = order_record(lead=lead, by=manager, amount="999.99", item_count=3, now=NOW)
    assert created
    assert (order.credited_to, order.recorded_by, order.amount, order.item_count, order.placed_at) == (
        lead.owner,
        manager,
        Decimal("999.99"),
        3,
        NOW,
    )


@pytest.mark.parametrize("status", [LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED, LeadStatus.NEGOTIATION])
def test_the_first_order_moves_any_open_lead_to_won(kam_a, status):
    lead = LeadFactory(owner=kam_a, status=status)
    record(lead)
    assert stored(lead).status == LeadStatus.WON == lead.status
    change = LeadStatusChange.objects.get(lead=lead, to_status=LeadStatus.WON)
    assert change.from_status == status and change.note == "First order"


def test_a_lead_is_not_won_before_its_first_order_and_only_once(lead, kam_a):
    call(lead)
    with pytest.raises(TransitionNotAllowed, match="Only a recorded order"):
        lead_transition(lead=lead, to=LeadStatus.WON, by=kam_a, cause=TransitionCause.MANUAL, now=NOW)
    assert stored(lead).status == LeadStatus.CONTACTED
    record(lead)
    record(lead, now=NOW + dt.timedelta(days=2))
    assert LeadStatusChange.objects.filter(lead=lead, to_status=LeadStatus.WON).count() == 1


def test_an_order_on_a_lost_lead_leaves_it_lost(kam_a):
    lead = LeadFactory(owner=kam_a, status=LeadStatus.LOST, lost_reason="Closed")
    record(lead)
    assert stored(lead).status == LeadStatus.LOST


def test_the_same_external_reference_twice_gives_the_existing_order(lead, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first, created = record(lead, external_ref=" ORD-77 ")
    assert created and first.external_ref == "ORD-77" and len(callbacks) == 1
    with django_capture_on_commit_callbacks() as callbacks:
        again, created_again = record(lead, external_ref="ORD-77")
    assert (again, created_again) == (first, False)
    assert Order.objects.count() == 1 and again.amount == Decimal("12500.50")
    assert callbacks == []  # nothing new to recompute


def test_the_same_external_reference_with_another_amount_or_day_is_a_conflict(lead):
    record(lead, external_ref="ORD-78", placed_at=NOW - dt.timedelta(days=1))
    with pytest.raises(Conflict) as amount:
        record(lead, external_ref="ORD-78", amount="1.00")
    assert amount.value.code == "order_differs"
    assert amount.value.fields["amount"] == ["Recorded as INR 12,500.50; this request says INR 1.00."]
    with pytest.raises(Conflict) as day:
        record(lead, external_ref="ORD-78", placed_at=NOW - dt.timedelta(days=3))
    assert set(day.value.fields) == {"placed_at"}
    assert Order.objects.filter(external_ref="ORD-78").count() == 1


def test_an_external_reference_of_another_account_is_recorded_without_a_word_about_it(lead, kam_b):
    record(LeadFactory(owner=kam_b), external_ref="ORD-9")
    order, created = record(lead, external_ref="ORD-9")
    assert created and order.lead_id == lead.pk


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-1", "cannot be negative"),
        ("abc", "as a number"),
        ("NaN", "as a number"),
        ("Infinity", "as a number"),
        ("10.001", "2 after it"),
        ("10000000000", "10 digits"),
        (None, "as a number"),
    ],
)
def test_bad_amounts_are_refused(lead, amount, message):
    assert message in refused("amount", record, lead=lead, amount=amount)
    assert not Order.objects.exists()


def test_bad_order_dates_counts_and_currencies_are_refused(lead):
    assert "future" in refused("placed_at", record, lead=lead, placed_at=NOW + dt.timedelta(days=1))
    assert "too far" in refused("placed_at", record, lead=lead, placed_at=at(KOLKATA, 1999, 12, 31))
    assert "negative" in refused("item_count", record, lead=lead, item_count=-2)
    assert "three-letter" in refused("currency", record, lead=lead, currency="RUPEES")
    assert Decimal("10.50") == record(lead, amount="10.5")[0].amount


# --- recompute (the nightly job) -------------------------------------------------------------------------------


def test_recompute_rederives_the_plan_from_the_calls_and_is_idempotent(kam_a):
    lead = LeadFactory(owner=kam_a, created_at=CREATED)
    InteractionFactory(lead=lead, occurred_at=at(KOLKATA, 2026, 11, 10, 11), outcome=CallOutcome.CONNECTED)
    InteractionFactory(lead=lead, occurred_at=at(KOLKATA, 2026, 11, 12, 11), outcome=CallOutcome.NO_ANSWER)
    InteractionFactory(lead=lead, kind=InteractionKind.VISIT, outcome="", occurred_at=at(KOLKATA, 2026, 11, 13, 11))
    assert call_plans_recompute() == 1
    lead_row = stored(lead)
    assert lead_row.last_call_at == at(KOLKATA, 2026, 11, 12, 11)
    assert lead_row.last_connected_call_at == at(KOLKATA, 2026, 11, 10, 11)
    assert lead_row.next_call_at == at(KOLKATA, 2026, 11, 17, 10)
    assert call_plans_recompute() == 0


def test_recompute_clears_the_plan_of_lost_leads_and_plans_first_contact(kam_a):
    lost = LeadFactory(owner=kam_a, status=LeadStatus.LOST, lost_reason="Gone", next_call_at=NOW)
    fresh = LeadFactory(owner=kam_a, created_at=CREATED)
    call_plans_recompute(lead_ids=[lost.pk, fresh.pk])
    assert stored(lost).next_call_at is None
    assert stored(fresh).next_call_at == at(KOLKATA, 2026, 11, 18, 10)


def test_recompute_runs_in_chunks_with_a_fixed_number_of_queries_per_chunk(kam_a):
    def queries_for(count):
        Lead.objects.all().delete()
        leads = LeadFactory.create_batch(count, owner=kam_a, created_at=CREATED)
        for lead in leads:
            InteractionFactory(lead=lead, occurred_at=at(KOLKATA, 2026, 11, 10, 11))
        with CaptureQueriesContext(connection) as ctx:
            assert call_plans_recompute(chunk_size=50) == count
        return len(ctx.captured_queries)

    assert queries_for(1) == queries_for(10)


def test_recompute_walks_every_chunk(kam_a):
    leads = LeadFactory.create_batch(5, owner=kam_a, created_at=CREATED)
    assert call_plans_recompute(chunk_size=2) == 5
    assert all(stored(lead).next_call_at == at(KOLKATA, 2026, 11, 18, 10) for lead in leads)
