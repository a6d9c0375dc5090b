"""/api/v1/interactions/ and /api/v1/orders/: logging calls and recording orders through interactions.services."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contacts.tests.factories import ContactFactory
from interactions.models import Interaction, Order
from interactions.tests.factories import InteractionFactory, OrderFactory
from leads.models import LeadStatus
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

INTERACTIONS = "/api/v1/interactions/"
ORDERS = "/api/v1/orders/"


def ids(response):
    assert response.status_code == 200, response.content
    return sorted(row["id"] for row in response.json()["results"])


# --- interactions ----------------------------------------------------------------------------------------------


def test_log_a_connected_call(api_a, kam_a):
    lead = LeadFactory(owner=kam_a, status=LeadStatus.NEW)
    contact = ContactFactory(lead=lead)
    body = {"lead": lead.pk, "contact": contact.pk, "kind": "call", "outcome": "connected", "duration_minutes": 6}
    response = api_a.post(INTERACTIONS, body, format="json")
    assert response.status_code == 201
    data = response.json()
    assert response["Location"].endswith(f"{INTERACTIONS}{data['id']}/")
    assert data["performed_by"] == kam_a.pk
    assert "callback_at" not in data
    lead.refresh_from_db()
    assert lead.last_call_at is not None
    assert lead.status == LeadStatus.CONTACTED  # the first connected call
    assert api_a.get(f"{INTERACTIONS}{data['id']}/").json() == data


def test_callback_requested_needs_a_time(api_a, kam_a):
    lead = LeadFactory(owner=kam_a)
    body = {"lead": lead.pk, "kind": "call", "outcome": "callback_requested"}
    response = api_a.post(INTERACTIONS, body, format="json")
    assert response.status_code == 400
    assert "callback_at" in response.json()["error"]["fields"]
    callback = (timezone.now() + dt.timedelta(days=1)).isoformat()
    assert api_a.post(INTERACTIONS, {**body, "callback_at": callback}, format="json").status_code == 201
    lead.refresh_from_db()
    assert lead.follow_up_at is not None


@pytest.mark.parametrize(
    "body, field",
    [
        ({"kind": "call"}, "outcome"),
        ({"kind": "note", "outcome": "connected"}, "outcome"),
        ({"kind": "carrier_pigeon"}, "kind"),
        ({"kind": "note", "duration_minutes": 100000}, "duration_minutes"),
        ({"kind": "note", "occurred_at": "2099-01-01T00:00:00Z"}, "occurred_at"),
    ],
)
def test_invalid_interactions_are_400(api_a, kam_a, body, field):
    lead = LeadFactory(owner=kam_a)
    response = api_a.post(INTERACTIONS, {"lead": lead.pk, **body}, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Interaction.objects.exists()


def test_a_contact_of_another_restaurant_is_400(api_a, kam_a):
    lead = LeadFactory(owner=kam_a)
    elsewhere = ContactFactory(lead=LeadFactory(owner=kam_a))
    response = api_a.post(INTERACTIONS, {"lead": lead.pk, "contact": elsewhere.pk, "kind": "note"}, format="json")
    assert response.status_code == 400
    assert "contact" in response.json()["error"]["fields"]


def test_ids_outside_scope_in_the_body_do_not_exist(api_a, kam_a, kam_b):
    theirs = LeadFactory(owner=kam_b)
    their_contact = ContactFactory(lead=theirs)
    response = api_a.post(INTERACTIONS, {"lead": theirs.pk, "kind": "note"}, format="json")
    assert "does not exist" in response.json()["error"]["fields"]["lead"][0]
    mine = LeadFactory(owner=kam_a)
    response = api_a.post(INTERACTIONS, {"lead": mine.pk, "contact": their_contact.pk, "kind": "note"}, format="json")
    assert "does not exist" in response.json()["error"]["fields"]["contact"][0]
    assert not Interaction.objects.exists()


def test_interaction_filters_lead_kind_and_days_in_the_users_zone(api_a, kam_a):
    lead, other = LeadFactory(owner=kam_a), LeadFactory(owner=kam_a)
    # 23:00 UTC on the 23rd is 04:30 on the 24th in Kolkata (kam_a's zone).
    late = InteractionFactory(lead=lead, occurred_at=dt.datetime(2026, 11, 23, 23, 0, tzinfo=dt.UTC))
    early = InteractionFactory(lead=lead, occurred_at=dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC))
    note = InteractionFactory(
        lead=other, kind="note", outcome="", occurred_at=dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
    )
    assert ids(api_a.get(f"{INTERACTIONS}?lead={lead.pk}")) == sorted([late.pk, early.pk])
    assert ids(api_a.get(f"{INTERACTIONS}?kind=note")) == [note.pk]
    assert ids(api_a.get(f"{INTERACTIONS}?date_from=2026-11-24")) == [late.pk]
    assert ids(api_a.get(f"{INTERACTIONS}?date_to=2026-11-23")) == sorted([early.pk, note.pk])
    assert ids(api_a.get(f"{INTERACTIONS}?date_from=2026-11-21&date_to=2026-11-23")) == [early.pk]


def test_interaction_list_query_count_does_not_grow_with_rows(api_a, kam_a):
    def count(rows):
        Interaction.objects.all().delete()
        InteractionFactory.create_batch(rows, lead=LeadFactory(owner=kam_a))
        with CaptureQueriesContext(connection) as queries:
            assert len(api_a.get(INTERACTIONS).json()["results"]) == rows
        return len(queries)

    assert count(1) == count(10)


def test_interactions_are_not_editable(api_a, kam_a):
    interaction = InteractionFactory(lead=LeadFactory(owner=kam_a))
    assert api_a.patch(f"{INTERACTIONS}{interaction.pk}/", {"notes": "x"}, format="json").status_code == 405
    assert api_a.delete(f"{INTERACTIONS}{interaction.pk}/").status_code == 405


def test_another_kam_gets_404_on_an_interaction(api_b, kam_a):
    interaction = InteractionFactory(lead=LeadFactory(owner=kam_a))
    assert api_b.get(f"{INTERACTIONS}{interaction.pk}/").status_code == 404
    assert ids(api_b.get(INTERACTIONS)) == []


# --- orders ----------------------------------------------------------------------------------------------------


def test_record_an_order(api_a, kam_a):
    lead = LeadFactory(owner=kam_a, status=LeadStatus.NEGOTIATION)
    body = {"lead": lead.pk, "amount": "12500.50", "currency": "inr", "items": 14, "external_ref": "MKT-1"}
    response = api_a.post(ORDERS, body, format="json")
    assert response.status_code == 201
    data = response.json()
    assert response["Location"].endswith(f"{ORDERS}{data['id']}/")
    assert (data["amount"], data["currency"], data["items"], data["credited_to"]) == ("12500.50", "INR", 14, kam_a.pk)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.WON


def test_an_existing_external_ref_returns_that_order_with_200(api_a, kam_a):
    lead = LeadFactory(owner=kam_a)
    body = {"lead": lead.pk, "amount": "100.00", "external_ref": "MKT-7", "placed_at": "2026-11-20T06:00:00Z"}
    first = api_a.post(ORDERS, body, format="json")
    assert first.status_code == 201
    again = api_a.post(ORDERS, body, format="json")
    assert again.status_code == 200
    assert again.json() == first.json()
    # The same day at another hour is still the same order (the order system's clock, a retry).
    later = api_a.post(ORDERS, {**body, "placed_at": "2026-11-20T09:30:00Z"}, format="json")
    assert later.status_code == 200
    assert Order.objects.filter(external_ref="MKT-7").count() == 1


def test_an_external_ref_sent_again_with_another_amount_or_day_is_409_with_the_difference(api_a, kam_a):
    """Issue 14 §9: it was silently ignored (200 with the first order), hiding a mistake on one side."""
    lead = LeadFactory(owner=kam_a)
    body = {"lead": lead.pk, "amount": "100.00", "external_ref": "MKT-8", "placed_at": "2026-11-20T06:00:00Z"}
    assert api_a.post(ORDERS, body, format="json").status_code == 201

    other_amount = api_a.post(ORDERS, {**body, "amount": "999.00"}, format="json")
    assert other_amount.status_code == 409
    error = other_amount.json()["error"]
    assert error["code"] == "order_differs"
    assert error["fields"]["amount"] == ["Recorded as INR 100.00; this request says INR 999.00."]

    other_day = api_a.post(ORDERS, {**body, "placed_at": "2026-11-18T06:00:00Z"}, format="json")
    assert other_day.status_code == 409
    assert "2026-11-20" in other_day.json()["error"]["fields"]["placed_at"][0]
    assert list(Order.objects.filter(external_ref="MKT-8").values_list("amount", flat=True)) == [Decimal("100.00")]


def test_an_external_ref_of_another_account_tells_nothing_about_it(api_a, kam_a, kam_b):
    """Issue 14 §9: refusing it ("already recorded for another account") told a KAM about another KAM's account.
    References are per account now, so the answer is the same as for a new reference."""
    OrderFactory(lead=LeadFactory(owner=kam_b), external_ref="MKT-9")
    mine = LeadFactory(owner=kam_a)
    response = api_a.post(ORDERS, {"lead": mine.pk, "amount": "1.00", "external_ref": "MKT-9"}, format="json")
    assert response.status_code == 201
    assert "another account" not in response.content.decode()
    assert Order.objects.filter(external_ref="MKT-9").count() == 2


@pytest.mark.parametrize(
    "body, field",
    [
        ({"amount": "-5"}, "amount"),
        ({"amount": "5", "items": -1}, "items"),
        ({"amount": "5", "currency": "RUPEES"}, "currency"),
        ({"amount": "5", "currency": "1N"}, "currency"),
        ({"amount": "5", "placed_at": "2099-01-01T00:00:00Z"}, "placed_at"),
        ({}, "amount"),
    ],
)
def test_invalid_orders_are_400(api_a, kam_a, body, field):
    lead = LeadFactory(owner=kam_a)
    response = api_a.post(ORDERS, {"lead": lead.pk, **body}, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Order.objects.exists()


def test_order_filters_lead_and_days(api_a, kam_a):
    lead, other = LeadFactory(owner=kam_a), LeadFactory(owner=kam_a)
    with time_machine.travel(dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC), tick=False):
        old = OrderFactory(lead=lead, placed_at=dt.datetime(2026, 10, 1, 12, 0, tzinfo=dt.UTC))
        new = OrderFactory(lead=lead, placed_at=dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC))
        elsewhere = OrderFactory(lead=other, placed_at=dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC))
        assert ids(api_a.get(f"{ORDERS}?lead={lead.pk}")) == sorted([old.pk, new.pk])
        assert ids(api_a.get(f"{ORDERS}?date_from=2026-11-01")) == sorted([new.pk, elsewhere.pk])
        assert ids(api_a.get(f"{ORDERS}?date_to=2026-10-31")) == [old.pk]


def test_order_list_query_count_does_not_grow_with_rows(api_a, kam_a):
    def count(rows):
        Order.objects.all().delete()
        OrderFactory.create_batch(rows, lead=LeadFactory(owner=kam_a), amount=Decimal("10"))
        with CaptureQueriesContext(connection) as queries:
            assert len(api_a.get(ORDERS).json()["results"]) == rows
        return len(queries)

    assert count(1) == count(10)


def test_another_kam_gets_404_on_an_order_and_cannot_record_one(api_b, kam_a):
    lead = LeadFactory(owner=kam_a)
    order = OrderFactory(lead=lead)
    assert api_b.get(f"{ORDERS}{order.pk}/").status_code == 404
    response = api_b.post(ORDERS, {"lead": lead.pk, "amount": "5.00"}, format="json")
    assert response.status_code == 400
    assert Order.objects.count() == 1


# --- calls/today -------------------------------------------------------------------------------------------------

TODAY = "/api/v1/calls/today/"
NOON_UTC = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)  # 17:30 in Kolkata, 16:00 in Dubai


def _planned(owner, name, due_at, **extra):
    return LeadFactory(owner=owner, name=name, next_call_at=due_at, next_call_date=due_at.date(), **extra)


def test_today_lists_overdue_and_due_in_the_kams_zone(api_a, kam_a):
    _planned(kam_a, "Overdue", NOON_UTC - dt.timedelta(days=3))
    _planned(kam_a, "Due tonight", NOON_UTC + dt.timedelta(hours=4))  # 21:30 in Kolkata: still today
    _planned(kam_a, "Tomorrow", NOON_UTC + dt.timedelta(hours=8))  # 01:30 tomorrow in Kolkata
    lead = _planned(kam_a, "With contact", NOON_UTC - dt.timedelta(hours=1))
    ContactFactory(lead=lead, is_primary=True, phone="+919812345678", name="Ravi")
    with time_machine.travel(NOON_UTC, tick=False):
        response = api_a.get(TODAY)
    assert response.status_code == 200
    body = response.json()
    assert (body["day"], body["today"], body["kam"]["id"]) == ("2026-11-24", "2026-11-24", kam_a.pk)
    assert [row["lead"]["name"] for row in body["overdue"]] == ["Overdue"]
    assert body["overdue"][0]["days_overdue"] == 3
    assert sorted(row["lead"]["name"] for row in body["due"]) == ["Due tonight", "With contact"]
    row = next(row for row in body["due"] if row["lead"]["name"] == "With contact")
    assert row["primary_contact"]["phone"] == "+919812345678"
    assert row["primary_contact"]["whatsapp_url"] == "https://wa.me/919812345678"
    assert row["restaurant_time"] == "2026-11-24T17:30+05:30"


def test_today_of_a_later_day(api_a, kam_a):
    _planned(kam_a, "Tomorrow", NOON_UTC + dt.timedelta(hours=20))
    with time_machine.travel(NOON_UTC, tick=False):
        body = api_a.get(f"{TODAY}?day=2026-11-25").json()
        assert [row["lead"]["name"] for row in body["due"]] == ["Tomorrow"]
        assert body["overdue"] == []
        for bad in ("2026-11-23", "2030-01-01", "someday"):
            response = api_a.get(f"{TODAY}?day={bad}")
            assert response.status_code == 400
            assert "day" in response.json()["error"]["fields"]


def test_a_manager_sees_a_team_members_today(api_manager, kam_a, kam_b):
    _planned(kam_a, "A's call", NOON_UTC)
    with time_machine.travel(NOON_UTC, tick=False):
        body = api_manager.get(f"{TODAY}?kam={kam_a.pk}").json()
        assert body["kam"]["username"] == "kam_a"
        assert [row["lead"]["name"] for row in body["due"]] == ["A's call"]
        # Another team's KAM is not theirs to look at.
        response = api_manager.get(f"{TODAY}?kam={kam_b.pk}")
        assert response.status_code == 400
        assert "kam" in response.json()["error"]["fields"]


def test_a_kam_may_not_look_at_someone_elses_today(api_a, kam_a, teammate):
    assert api_a.get(f"{TODAY}?kam={kam_a.pk}").status_code == 200
    response = api_a.get(f"{TODAY}?kam={teammate.pk}")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    # The same 403 for an id that does not exist: the answer says nothing about anyone.
    assert api_a.get(f"{TODAY}?kam=999999999").status_code == 403


def test_today_query_count_does_not_grow_with_rows(api_a, kam_a):
    def count(rows):
        from leads.models import Lead

        Lead.objects.all().delete()
        for i in range(rows):
            lead = _planned(kam_a, f"L{i}", NOON_UTC - dt.timedelta(days=i % 3))
            ContactFactory(lead=lead, is_primary=True)
        with time_machine.travel(NOON_UTC, tick=False), CaptureQueriesContext(connection) as queries:
            body = api_a.get(TODAY).json()
        assert len(body["overdue"]) + len(body["due"]) == rows
        return len(queries)

    assert count(1) == count(10)


def test_today_needs_authentication(api_anonymous):
    assert api_anonymous.get(TODAY).status_code == 401


def test_today_rows_built_directly_match_their_declared_fields(kam_a):
    """The Today row serializer builds its dict by hand for speed; it must say exactly what its fields declare."""
    from rest_framework import serializers

    from interactions.api.serializers import TodayRowSerializer
    from interactions.selectors import today_calls
    from performance.tests.factories import AccountPerformanceFactory

    now = dt.datetime(2026, 11, 19, 5, 30, tzinfo=dt.UTC)
    dubai = LeadFactory(
        owner=kam_a,
        time_zone="Asia/Dubai",
        country="AE",
        call_frequency_days=7,
        next_call_at=now - dt.timedelta(days=2),
        next_call_date=(now - dt.timedelta(days=2)).date(),
        last_call_at=now - dt.timedelta(days=9),
        last_connected_call_at=now - dt.timedelta(days=9),
    )
    ContactFactory(lead=dubai, phone="+971501234567", role="chef", prefers_whatsapp=True, is_primary=True)
    AccountPerformanceFactory(lead=dubai, value_30d=Decimal("48250.5"))
    bare = LeadFactory(owner=kam_a, call_frequency_days=None, next_call_at=now, next_call_date=now.date())
    calls = today_calls(kam=kam_a, now=now)
    rows = calls.overdue_rows() + calls.due_rows()
    assert {row.lead.pk for row in rows} == {dubai.pk, bare.pk}

    serializer = TodayRowSerializer()
    with timezone.override("Asia/Kolkata"):
        for row in rows:
            assert serializer.to_representation(row) == serializers.Serializer.to_representation(serializer, row)
    built = {r["lead"]["id"]: r for r in (serializer.to_representation(row) for row in rows)}
    assert built[dubai.pk]["primary_contact"]["phone"] == "+971501234567"
    assert built[dubai.pk]["recent_value"] == "48250.50"
    assert built[bare.pk]["primary_contact"] is None and built[bare.pk]["lead"]["last_call_at"] is None


def test_the_latest_interactions_page_through_all_of_a_kams_accounts_newest_first(api_a, kam_a, kam_b):
    """The list sorts keys first and reads whole rows for the page alone: pages must still be the plain order."""
    start = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)
    mine = [LeadFactory(owner=kam_a) for _ in range(3)]
    for i in range(55):
        InteractionFactory(lead=mine[i % 3], performed_by=kam_a, occurred_at=start + dt.timedelta(hours=i // 2))
    InteractionFactory(lead=LeadFactory(owner=kam_b), performed_by=kam_b, occurred_at=start + dt.timedelta(days=90))
    expected = list(
        Interaction.objects.filter(lead__owner=kam_a).order_by("-occurred_at", "-id").values_list("id", flat=True)
    )

    first = api_a.get("/api/v1/interactions/").json()
    second = api_a.get("/api/v1/interactions/", {"page": 2}).json()

    assert first["count"] == 55 and first["next"] and second["previous"]
    assert [row["id"] for row in first["results"] + second["results"]] == expected
    with CaptureQueriesContext(connection) as one_page:
        api_a.get("/api/v1/interactions/", {"page": 2})
    assert len(one_page.captured_queries) <= 5


def test_the_interactions_list_runs_the_same_queries_with_1_and_10_rows(api_a, kam_a):
    def listed():
        with CaptureQueriesContext(connection) as captured:
            rows = api_a.get("/api/v1/interactions/").json()["results"]
        return len(rows), len(captured.captured_queries)

    lead = LeadFactory(owner=kam_a)
    InteractionFactory(lead=lead, performed_by=kam_a)
    one_row, queries = listed()
    InteractionFactory.create_batch(9, lead=LeadFactory(owner=kam_a), performed_by=kam_a)
    assert one_row == 1 and listed() == (10, queries)
