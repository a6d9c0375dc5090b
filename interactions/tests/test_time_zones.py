"""Midnight and daylight-saving edges, with the clock moved by time-machine and the pages read as a user would."""

import datetime as dt
import re

import time_machine
from django.urls import reverse

from interactions.models import CallOutcome, InteractionKind
from interactions.selectors import today_calls
from interactions.services import interaction_log
from interactions.tests.conftest import DUBAI, KOLKATA, LONDON, at
from kam.models import Role
from kam.tests.factories import UserFactory
from leads.models import Lead
from leads.tests.factories import LeadFactory

UTC = dt.UTC


def due(owner, when, name, **fields):
    return LeadFactory(owner=owner, name=name, next_call_at=when, next_call_date=when.date(), **fields)


def rows_on_today(client) -> list[str]:
    html = client.get(reverse("today")).content.decode()
    return re.findall(r'class="fw-semibold text-break-anywhere" href="[^"]+">([^<]+)</a>', html)


def test_a_kam_in_kolkata_at_half_past_midnight_sees_that_local_days_calls_not_the_next(client_a, kam_a):
    due(kam_a, at(KOLKATA, 2026, 11, 19, 16), "Yesterday call")
    due(kam_a, at(KOLKATA, 2026, 11, 20, 10), "Morning call")
    due(kam_a, at(KOLKATA, 2026, 11, 20, 23, 59), "Last minute call")
    due(kam_a, at(KOLKATA, 2026, 11, 21, 0, 0), "Tomorrow call")
    # 00:30 on Friday 20 November in Kolkata is still 19:00 on Thursday in UTC.
    with time_machine.travel(at(KOLKATA, 2026, 11, 20, 0, 30), tick=False):
        names = rows_on_today(client_a)
        calls = today_calls(kam=kam_a, now=dt.datetime.now(UTC))
    assert names == ["Yesterday call", "Morning call", "Last minute call"]
    assert calls.today == dt.date(2026, 11, 20)
    assert [row.days_overdue for row in calls.overdue_rows()] == [1]


def test_the_same_instant_is_a_different_day_for_a_kam_in_dubai(kam_a, kam_b):
    instant = at(KOLKATA, 2026, 11, 20, 0, 30)  # 23:00 on the 19th in Dubai
    for kam, expected in ((kam_a, dt.date(2026, 11, 20)), (kam_b, dt.date(2026, 11, 19))):
        due(kam, at(KOLKATA, 2026, 11, 20, 10), f"Due for {kam.username}")
        calls = today_calls(kam=kam, now=instant)
        assert calls.today == expected
    assert [lead.name for lead in today_calls(kam=kam_a, now=instant).due] == ["Due for kam_a"]
    assert list(today_calls(kam=kam_b, now=instant).due) == []


def test_a_dubai_restaurant_owned_by_a_kolkata_kam(client_a, kam_a, make_lead):
    with time_machine.travel(at(KOLKATA, 2026, 11, 19, 11), tick=False):
        lead = make_lead(name="Karak House", city="Dubai", state="Dubai", country="AE", time_zone="Asia/Dubai")
        interaction_log(lead=lead, by=kam_a, kind=InteractionKind.CALL, outcome=CallOutcome.CONNECTED)
    lead.refresh_from_db()
    # Due on the restaurant's day, in the restaurant's window: 10:00 in Dubai is 11:30 in Kolkata.
    assert lead.next_call_at == at(DUBAI, 2026, 11, 26, 10) == at(KOLKATA, 2026, 11, 26, 11, 30)
    assert lead.next_call_date == dt.date(2026, 11, 26)
    with time_machine.travel(at(KOLKATA, 2026, 11, 26, 0, 30), tick=False):  # 23:00 on the 25th in Dubai
        assert rows_on_today(client_a) == ["Karak House"]
        page = " ".join(re.sub(r"<[^>]+>", " ", client_a.get(reverse("today")).content.decode()).split())
    assert "23:00 there (Asia/Dubai)" in page  # the restaurant's own clock
    assert "due 11:30 IST" in page  # in the KAM's zone


def test_a_late_night_call_to_dubai_is_retried_on_the_restaurants_next_day(kam_a, make_lead):
    lead = make_lead(city="Dubai", state="Dubai", country="AE", time_zone="Asia/Dubai")
    # 00:45 on the 20th for the KAM, but still 23:15 on the 19th at the restaurant.
    late = at(KOLKATA, 2026, 11, 20, 0, 45)
    interaction_log(lead=lead, by=kam_a, kind=InteractionKind.CALL, outcome=CallOutcome.NO_ANSWER, now=late)
    lead.refresh_from_db()
    assert lead.next_call_at == at(DUBAI, 2026, 11, 20, 10)


def test_a_callback_time_is_read_in_the_kams_own_zone(client_b, kam_b, make_lead):
    lead = make_lead(owner=kam_b, time_zone="Asia/Kolkata")
    with time_machine.travel(at(DUBAI, 2026, 11, 19, 11), tick=False):
        client_b.post(
            reverse("interactions:log", args=[lead.pk, "call"]),
            {"outcome": "callback_requested", "callback_at": "2026-11-19T16:00"},
        )
    lead.refresh_from_db()
    assert lead.next_call_at == at(UTC, 2026, 11, 19, 12)  # 16:00 in Dubai


def test_the_log_form_defaults_to_now_on_the_users_clock_after_midnight(client_a, lead):
    with time_machine.travel(at(KOLKATA, 2026, 11, 20, 0, 30), tick=False):
        html = client_a.get(reverse("interactions:log", args=[lead.pk, "call"])).content.decode()
    assert 'value="2026-11-20T00:30"' in html


def test_london_kams_day_is_23_hours_when_the_clocks_go_forward(db):
    kam = UserFactory(username="london_kam", role=Role.KAM, time_zone="Europe/London")
    due(kam, at(UTC, 2026, 3, 29, 22, 30), "23:30 BST on Sunday")
    due(kam, at(UTC, 2026, 3, 29, 23, 30), "00:30 BST on Monday")
    calls = today_calls(kam=kam, now=at(UTC, 2026, 3, 29, 0, 30))  # 00:30 GMT, before the change
    assert (calls.starts_at, calls.ends_at) == (at(UTC, 2026, 3, 29, 0), at(UTC, 2026, 3, 29, 23))
    assert [lead.name for lead in calls.due] == ["23:30 BST on Sunday"]


def test_london_kams_day_is_25_hours_when_the_clocks_go_back(db):
    kam = UserFactory(username="london_kam", role=Role.KAM, time_zone="Europe/London")
    due(kam, at(UTC, 2026, 10, 24, 22, 30), "23:30 BST on Saturday")
    due(kam, at(UTC, 2026, 10, 25, 23, 30), "23:30 GMT on Sunday")
    calls = today_calls(kam=kam, now=at(LONDON, 2026, 10, 25, 0, 30))
    assert calls.ends_at - calls.starts_at == dt.timedelta(hours=25)
    assert [lead.name for lead in calls.overdue] == ["23:30 BST on Saturday"]
    assert [lead.name for lead in calls.due] == ["23:30 GMT on Sunday"]


def test_a_london_restaurant_keeps_its_10_oclock_window_across_the_change(make_lead, kam_a):
    lead = make_lead(
        city="London",
        state="England",
        country="GB",
        time_zone="Europe/London",
        call_frequency_days=3,
        now=at(UTC, 2026, 3, 2, 9),
    )
    # Connected on Friday 27 March (GMT); three days later is Monday 30 March, after the clocks went forward.
    interaction_log(
        lead=lead,
        by=kam_a,
        kind=InteractionKind.CALL,
        outcome=CallOutcome.CONNECTED,
        now=at(UTC, 2026, 3, 27, 10, 30),
    )
    lead.refresh_from_db()
    assert lead.next_call_at == at(UTC, 2026, 3, 30, 9) == at(LONDON, 2026, 3, 30, 10)
    assert Lead.objects.get(pk=lead.pk).next_call_date == dt.date(2026, 3, 30)


def test_a_time_that_does_not_exist_on_the_users_clock_is_refused_not_a_500(db, make_lead):
    from django.test import Client

    kam = UserFactory(username="london_kam", role=Role.KAM, time_zone="Europe/London")
    lead = make_lead(owner=kam, time_zone="Europe/London", country="GB", state="England", city="London")
    client = Client()
    client.force_login(kam)
    with time_machine.travel(at(UTC, 2026, 3, 30, 12), tick=False):
        # 01:30 on 29 March never happened in London: the clocks jumped from 01:00 to 02:00.
        response = client.post(
            reverse("interactions:log", args=[lead.pk, "call"]), {"outcome": "busy", "occurred_at": "2026-03-29T01:30"}
        )
    assert response.status_code == 200
    assert "couldn’t be interpreted in time zone Europe/London" in response.content.decode().replace("&#x27;", "'")
