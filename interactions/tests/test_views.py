"""The logging forms, the timeline fragment and the Today page, through the test client (time frozen)."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from contacts.tests.factories import ContactFactory
from interactions import selectors
from interactions.models import CallOutcome, Interaction, Order
from interactions.tests.conftest import KOLKATA, at
from interactions.tests.factories import InteractionFactory, OrderFactory
from leads.models import Lead, LeadStatus
from leads.tests.factories import LeadFactory
from performance.tests.factories import AccountPerformanceFactory

NOW = at(KOLKATA, 2026, 11, 19, 11)
pytestmark = pytest.mark.time_machine(NOW, tick=False)
HTMX = {"HTTP_HX_REQUEST": "true"}


def log_url(lead, kind="call"):
    return reverse("interactions:log", args=[lead.pk, kind])


def text(response) -> str:
    """The visible text of a response, whitespace collapsed."""
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def stored(lead) -> Lead:
    return Lead.objects.get(pk=lead.pk)


def due_lead(owner, when, **fields):
    return LeadFactory(owner=owner, next_call_at=when, next_call_date=when.date(), created_at=NOW, **fields)


# --- logging a call ----------------------------------------------------------------------------------------------


def test_the_call_form_offers_only_this_leads_contacts_and_defaults_to_now_in_the_users_zone(client_a, lead, primary):
    ContactFactory(lead=LeadFactory(owner=lead.owner), name="Someone Elsewhere")
    response = client_a.get(log_url(lead))
    assert response.status_code == 200 and b"<html" in response.content
    page = text(response)
    assert "Ramesh Kumar" in page and "Someone Elsewhere" not in page
    assert 'value="2026-11-19T11:00"' in response.content.decode()  # 11:00 in Asia/Kolkata, not 05:30 UTC
    assert re.search(rf'<option value="{primary.pk}" selected>', response.content.decode())
    assert "When (your time, Asia/Kolkata)" in page


def test_the_form_is_a_fragment_for_htmx(client_a, lead):
    response = client_a.get(log_url(lead), **HTMX)
    assert response.status_code == 200 and b"<html" not in response.content and b"<form" in response.content


def test_logging_a_connected_call_without_javascript(client_a, lead, primary):
    response = client_a.post(
        log_url(lead),
        {"outcome": "connected", "contact": primary.pk, "duration_minutes": "6", "notes": "Wants basmati prices"},
        follow=True,
    )
    assert response.redirect_chain == [(lead.get_absolute_url(), 302)]
    interaction = Interaction.objects.get(lead=lead)
    assert (interaction.outcome, interaction.contact, interaction.duration_minutes, interaction.occurred_at) == (
        CallOutcome.CONNECTED,
        primary,
        6,
        NOW,
    )
    assert stored(lead).next_call_at == at(KOLKATA, 2026, 11, 26, 10)
    page = text(response)
    assert "Call logged (Connected). Next call: Thu 26 Nov, 10:00." in page
    assert "The lead is now contacted." in page


def test_an_earlier_time_is_read_in_the_users_zone(client_b, make_lead, kam_b):
    lead = make_lead(owner=kam_b, time_zone="Asia/Dubai", country="AE", city="Dubai", state="Dubai")
    client_b.post(log_url(lead), {"outcome": "no_answer", "occurred_at": "2026-11-19T08:15"})
    assert Interaction.objects.get(lead=lead).occurred_at == at(dt.timezone(dt.timedelta(hours=4)), 2026, 11, 19, 8, 15)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"outcome": "connected", "occurred_at": "2026-11-19T18:00"}, "occurred_at", "in the future"),
        ({"outcome": "connected", "occurred_at": "2026-13-45T99:00"}, "occurred_at", "Enter a date and time"),
        ({"outcome": "connected", "occurred_at": "1926-11-19T10:00"}, "occurred_at", "too far in the past"),
        ({"notes": "forgot the outcome"}, "outcome", "Choose how the call went."),
        ({"outcome": "picked_up"}, "outcome", "Choose how the call went."),
        ({"outcome": "callback_requested"}, "callback_at", "When did they ask you to call back?"),
        ({"outcome": "connected", "duration_minutes": "-5"}, "duration_minutes", "greater than or equal to 0"),
    ],
)
def test_bad_call_input_is_refused_next_to_the_field_and_kept(client_a, lead, data, field, message):
    data = {"notes": "keep me", **data}
    response = client_a.post(log_url(lead), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert data["notes"] in html  # what the KAM typed is still there
    assert not Interaction.objects.exists()


def test_a_contact_of_another_lead_is_refused(client_a, lead, kam_a):
    stranger = ContactFactory(lead=LeadFactory(owner=kam_a))
    response = client_a.post(log_url(lead), {"outcome": "connected", "contact": stranger.pk, "notes": "kept"})
    assert "Choose one of this restaurant&#x27;s contacts." in response.content.decode()
    assert not Interaction.objects.exists()


def test_an_outcome_on_a_visit_is_refused(client_a, lead):
    response = client_a.post(log_url(lead, "visit"), {"outcome": "connected", "notes": "dropped by"})
    assert "Only calls have an outcome." in text(response)
    assert not Interaction.objects.exists()


def test_a_callback_time_left_behind_after_switching_outcome_is_ignored(client_a, lead):
    client_a.post(log_url(lead), {"outcome": "connected", "callback_at": "2026-11-20T16:00"})
    assert stored(lead).next_call_at == at(KOLKATA, 2026, 11, 26, 10)


def test_a_callback_is_due_at_the_entered_time(client_a, lead):
    client_a.post(log_url(lead), {"outcome": "callback_requested", "callback_at": "2026-11-20T16:30"})
    assert stored(lead).next_call_at == at(KOLKATA, 2026, 11, 20, 16, 30)


@pytest.mark.parametrize("kind", ["visit", "meeting", "email", "whatsapp", "note"])
def test_every_kind_of_interaction_can_be_logged(client_a, lead, primary, kind):
    form = client_a.get(log_url(lead, kind))
    assert form.status_code == 200 and "How did it go?" not in text(form)
    response = client_a.post(log_url(lead, kind), {"contact": primary.pk, "notes": f"a {kind}"})
    assert response.status_code == 302
    interaction = Interaction.objects.get(lead=lead)
    assert (interaction.kind, interaction.outcome, interaction.performed_by) == (kind, "", lead.owner)


def test_an_unknown_kind_is_a_404(client_a, lead):
    assert client_a.get(log_url(lead, "fax")).status_code == 404


def test_logging_from_the_lead_page_with_htmx_refreshes_the_activity_panel(client_a, lead, kam_a):
    lead.status = LeadStatus.CONTACTED
    Lead.objects.filter(pk=lead.pk).update(status=LeadStatus.CONTACTED)
    response = client_a.post(log_url(lead), {"outcome": "no_answer"}, **HTMX)
    assert response["HX-Retarget"] == "#lead-activity" and response["HX-Reswap"] == "outerHTML"
    html = response.content.decode()
    assert 'id="lead-activity"' in html and 'hx-swap-oob="true"' in html
    assert "Call logged (No answer). Next call: Fri 20 Nov, 10:00." in text(response)
    assert "Unanswered tries 1 so far (never connected)" in text(response)


def test_a_status_change_reloads_the_lead_page(client_a, lead):
    response = client_a.post(log_url(lead), {"outcome": "connected"}, **HTMX)
    assert response["HX-Redirect"] == lead.get_absolute_url()


def test_an_htmx_error_re_renders_only_the_form(client_a, lead):
    response = client_a.post(log_url(lead), {"outcome": "connected", "occurred_at": "2030-01-01T10:00"}, **HTMX)
    assert response.status_code == 200 and "HX-Retarget" not in response
    assert response.content.decode().lstrip().startswith("<form") and "in the future" in text(response)


# --- orders ------------------------------------------------------------------------------------------------------


def order_url(lead):
    return reverse("interactions:order", args=[lead.pk])


def test_recording_an_order_marks_the_lead_won(client_a, lead):
    response = client_a.post(
        order_url(lead), {"amount": "12500.50", "item_count": "14", "placed_on": "2026-11-19", "external_ref": "ORD-1"}
    )
    assert response.status_code == 302
    order = Order.objects.get(lead=lead)
    assert (order.amount, order.item_count, order.placed_at, order.external_ref) == (
        Decimal("12500.50"),
        14,
        NOW,
        "ORD-1",
    )
    assert stored(lead).status == LeadStatus.WON
    page = text(client_a.get(lead.get_absolute_url()))
    assert "Order of INR 12,500.50 recorded. The lead is now won." in page


def test_an_earlier_order_date_is_noon_on_the_restaurants_day(client_a, lead):
    client_a.post(order_url(lead), {"amount": "10", "placed_on": "2026-11-12"})
    assert Order.objects.get().placed_at == at(KOLKATA, 2026, 11, 12, 12)


def test_the_same_external_reference_twice_says_so_and_records_nothing_new(client_a, lead):
    data = {"amount": "500", "placed_on": "2026-11-19", "external_ref": "ORD-2"}
    client_a.post(order_url(lead), data)
    response = client_a.post(order_url(lead), data, follow=True)
    assert Order.objects.count() == 1
    assert "Order ORD-2 is already recorded (INR 500.00, 19 Nov 2026); nothing new was added." in text(response)


def test_the_same_external_reference_with_another_amount_shows_both_and_keeps_the_form(client_a, lead):
    data = {"amount": "500", "placed_on": "2026-11-19", "external_ref": "ORD-3"}
    client_a.post(order_url(lead), data)
    response = client_a.post(order_url(lead), {**data, "amount": "999"})
    assert response.status_code == 200
    assert "Recorded as INR 500.00; this request says INR 999.00." in text(response)
    assert 'value="999"' in response.content.decode()
    assert list(Order.objects.values_list("amount", flat=True)) == [500]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"amount": "-10", "placed_on": "2026-11-19"}, "The amount cannot be negative."),
        ({"amount": "ten", "placed_on": "2026-11-19"}, "Enter the amount as a number."),
        ({"amount": "10", "placed_on": "2026-11-20"}, "That date is in the future"),
        ({"amount": "10", "placed_on": "19/19/2026"}, "Enter a date, e.g. 2026-11-24."),
        ({"amount": "10", "placed_on": "2026-11-19", "item_count": "-1"}, "The item count cannot be negative."),
    ],
)
def test_bad_orders_are_refused_next_to_the_field(client_a, lead, data, message):
    response = client_a.post(order_url(lead), {"external_ref": "KEEP-ME", **data})
    assert response.status_code == 200
    assert message in text(response) and 'value="KEEP-ME"' in response.content.decode()
    assert not Order.objects.exists()


def test_an_order_reference_of_another_account_says_nothing_about_it(client_a, lead, kam_b):
    OrderFactory(lead=LeadFactory(owner=kam_b), external_ref="THEIRS")
    response = client_a.post(
        order_url(lead), {"amount": "10", "placed_on": "2026-11-19", "external_ref": "THEIRS"}, follow=True
    )
    assert "another account" not in text(response)
    assert "Order of INR 10.00 recorded." in text(response)


def test_an_order_with_htmx_reloads_the_lead_page(client_a, lead):
    response = client_a.post(order_url(lead), {"amount": "10", "placed_on": "2026-11-19"}, **HTMX)
    assert response["HX-Redirect"] == lead.get_absolute_url()


# --- reschedule --------------------------------------------------------------------------------------------------


def reschedule_url(lead):
    return reverse("interactions:reschedule", args=[lead.pk])


def test_snooze_to_a_chosen_day_and_with_one_tap(client_a, lead):
    client_a.post(reschedule_url(lead), {"day": "2026-11-27"})
    assert stored(lead).next_call_at == at(KOLKATA, 2026, 11, 27, 10)
    client_a.post(reschedule_url(lead), {"day": "", "quick": "3"})
    assert stored(lead).next_call_at == at(KOLKATA, 2026, 11, 22, 10)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"day": "2026-11-01"}, "Choose today or a later day."),
        ({"day": "yesterday"}, "Enter a date, e.g. 2026-11-30."),
        ({"day": "9999-12-31"}, "Choose a day within the next year."),
        ({"day": ""}, "Choose the day of the next call."),
        ({"quick": "999"}, "Select a valid choice."),
    ],
)
def test_bad_snooze_days_are_refused(client_a, lead, data, message):
    before = stored(lead).next_call_at
    response = client_a.post(reschedule_url(lead), data)
    assert response.status_code == 200 and message in text(response)
    assert stored(lead).next_call_at == before


def test_snooze_on_a_lead_without_a_plan_says_why(client_a, make_lead):
    lead = make_lead(call_frequency_days=None)
    response = client_a.post(reschedule_url(lead), {"day": "2026-11-27"})
    assert "set a call frequency first" in text(response)


# --- the lead page panel and its timeline -------------------------------------------------------------------------


def test_the_lead_page_shows_the_plan_and_the_timeline(client_a, lead, primary, manager):
    InteractionFactory(lead=lead, contact=primary, occurred_at=at(KOLKATA, 2026, 11, 18, 12), notes="Asked for rice")
    OrderFactory(lead=lead, placed_at=at(KOLKATA, 2026, 11, 18, 15), amount=Decimal("4200"), recorded_by=manager)
    page = text(client_a.get(lead.get_absolute_url()))
    assert "Calls and activity" in page and "Log call" in page
    assert "10:00–12:00, 15:00–18:00" in page
    assert "Next holiday Guru Nanak's Birthday, Tue 24 Nov" in page.replace("&#x27;", "'")
    assert page.index("INR 4,200.00") < page.index("Asked for rice")  # newest first
    assert f"recorded by {manager}" in page and f"credited to {lead.owner}" in page
    assert f"by {lead.owner}" in page and "with Ramesh Kumar (owner)" in page


def test_the_lead_page_shows_the_restaurants_zone_when_it_differs(client_a, make_lead):
    lead = make_lead(time_zone="Asia/Dubai", country="AE", city="Dubai", state="Dubai")
    page = text(client_a.get(lead.get_absolute_url()))
    assert "Wed 18 Nov 2026, 11:30 IST · 10:00 UTC+4 at the restaurant" in page  # the next call in both zones
    assert "it is 09:30 there now" in page


def test_load_more_continues_the_timeline(client_a, lead):
    for day in range(1, 26):
        InteractionFactory(lead=lead, occurred_at=at(KOLKATA, 2026, 10, day, 11), notes=f"note {day:02d}")
    page = client_a.get(lead.get_absolute_url()).content.decode()
    more = re.search(r'hx-get="([^"]+timeline/\?before=[^"]+)"', page).group(1).replace("&amp;", "&")
    fragment = client_a.get(more, **HTMX)
    assert b"<html" not in fragment.content
    assert [f"note {d:02d}" for d in (5, 4, 3, 2, 1)] == re.findall(r"note \d\d", text(fragment))
    assert "Load more" not in text(fragment)
    assert client_a.get(more).status_code == 200  # the same link without JavaScript is a page


@pytest.mark.parametrize("cursor", ["garbage", "1.9.1", "999999999999999999999.1.1"])
def test_a_garbage_timeline_cursor_is_a_400_not_a_500(client_a, lead, cursor):
    response = client_a.get(reverse("interactions:timeline", args=[lead.pk]), {"before": cursor})
    assert response.status_code == 400


def test_the_timeline_runs_the_same_queries_for_1_and_10_rows(client_a, lead, django_assert_num_queries):
    url = reverse("interactions:timeline", args=[lead.pk])
    InteractionFactory(lead=lead, contact=ContactFactory(lead=lead))
    with django_assert_num_queries(5) as one:  # session, user, the lead, interactions, orders
        client_a.get(url, **HTMX)
    for _ in range(9):
        InteractionFactory(lead=lead, contact=ContactFactory(lead=lead))
        OrderFactory(lead=lead)
    with django_assert_num_queries(len(one.captured_queries)):
        client_a.get(url, **HTMX)


# --- Today -------------------------------------------------------------------------------------------------------


def test_home_sends_kams_and_managers_to_today_and_admins_to_leads(client_a, manager_client, admin_client_kam):
    assert client_a.get("/").url == reverse("today")
    assert manager_client.get("/").url == reverse("today")
    assert admin_client_kam.get("/").url == reverse("leads:list")


def test_today_lists_overdue_then_due_with_contact_links(client_a, kam_a):
    overdue = due_lead(kam_a, at(KOLKATA, 2026, 11, 16, 10), name="Late Biryani")
    contact = ContactFactory(lead=overdue, name="Salim", phone="+919876543210", is_primary=True)
    today = due_lead(kam_a, at(KOLKATA, 2026, 11, 19, 15), name="Dosa Corner")
    due_lead(kam_a, at(KOLKATA, 2026, 11, 20, 10), name="Tomorrow Café")
    response = client_a.get(reverse("today"))
    page, html = text(response), response.content.decode()
    assert page.index("Overdue") < page.index("Late Biryani") < page.index("Due today") < page.index("Dosa Corner")
    assert "Tomorrow Café" not in page
    assert "3 days overdue" in page
    assert 'href="tel:+919876543210"' in html and 'href="https://wa.me/919876543210"' in html
    assert f"Salim · Owner · {contact.phone.as_international}" in page
    assert f'id="today-row-{today.pk}"' in html


def test_today_orders_due_calls_by_recent_order_value(client_a, kam_a):
    small = due_lead(kam_a, at(KOLKATA, 2026, 11, 19, 10), name="Small Spend")
    big = due_lead(kam_a, at(KOLKATA, 2026, 11, 19, 16), name="Big Spend")
    AccountPerformanceFactory(lead=small, value_30d=Decimal("100"))
    AccountPerformanceFactory(lead=big, value_30d=Decimal("90000"))
    page = text(client_a.get(reverse("today")))
    assert page.index("Big Spend") < page.index("Small Spend")
    assert "90,000 ordered in 30 days" in page


def test_today_empty_state_says_what_to_do_next(client_a):
    page = text(client_a.get(reverse("today")))
    assert "Nothing is due today. Look ahead at tomorrow or go through your leads" in page


def test_today_runs_the_same_queries_with_1_and_10_rows(client_a, kam_a, django_assert_num_queries):
    def add(count):
        for i in range(count):
            lead = due_lead(kam_a, at(KOLKATA, 2026, 11, 18 + i % 2, 10 + i % 5))
            ContactFactory(lead=lead, is_primary=True)
            AccountPerformanceFactory(lead=lead)

    add(1)
    with django_assert_num_queries(5) as one:  # session, user, overdue, due, slipping accounts
        client_a.get(reverse("today"))
    add(9)
    with django_assert_num_queries(len(one.captured_queries)):
        response = client_a.get(reverse("today"))
    assert response.content.decode().count('id="today-row-') == 10


def test_a_long_backlog_shows_the_first_rows_and_the_rest_on_request(client_a, kam_a, django_assert_num_queries):
    size = selectors.TODAY_SECTION_SIZE
    leads = [due_lead(kam_a, at(KOLKATA, 2026, 11, 16, 10), name=f"Backlog {i:02d}") for i in range(size + 7)]
    for i, lead in enumerate(leads):  # ranked by recent order value: Backlog 00 first
        AccountPerformanceFactory(lead=lead, value_30d=Decimal(100_000 - i))
    with django_assert_num_queries(5):  # session, user, overdue and due (each with its total), slipping accounts
        response = client_a.get(reverse("today"))
    html, page = response.content.decode(), text(response)
    assert html.count('id="today-row-') == size
    assert "Backlog 00" in page and f"Backlog {size - 1:02d}" in page and f"Backlog {size:02d}" not in page
    assert f'id="overdue-count">{size + 7}<' in html and "Show 7 more" in page

    more = client_a.get(reverse("today"), {"more": "overdue", "offset": str(size)}, **HTMX)
    assert b"<html" not in more.content and more.content.decode().count('id="today-row-') == 7
    assert f"Backlog {size:02d}" in text(more) and "Show" not in text(more)

    everything = client_a.get(reverse("today"), {"more": "overdue"})  # the plain link, without JavaScript
    assert everything.content.decode().count('id="today-row-') == size + 7 and "Show 7 more" not in text(everything)


@pytest.mark.parametrize("offset", ["", "-3", "x", "99999999999"])
def test_a_bad_offset_starts_the_section_again(client_a, kam_a, offset):
    due_lead(kam_a, at(KOLKATA, 2026, 11, 16, 10), name="Only One")
    response = client_a.get(reverse("today"), {"more": "overdue", "offset": offset}, **HTMX)
    assert response.status_code == 200 and "Only One" in text(response)


def test_the_date_picker_shows_a_later_days_plan(client_a, kam_a):
    due_lead(kam_a, at(KOLKATA, 2026, 11, 16, 10), name="Overdue One")
    due_lead(kam_a, at(KOLKATA, 2026, 11, 21, 10), name="Saturday Call")
    page = text(client_a.get(reverse("today"), {"day": "2026-11-21"}))
    assert "Calls for Saturday 21 November" in page and "Saturday Call" in page
    assert "Overdue One" not in page


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("2026-11-01", "Pick today or a later day"),
        ("not-a-date", "Enter a valid date."),
        ("2031-01-01", "Pick a day within the next year."),
    ],
)
def test_bad_days_show_today_with_a_message(client_a, kam_a, day, message):
    due_lead(kam_a, at(KOLKATA, 2026, 11, 19, 10), name="Due Today")
    response = client_a.get(reverse("today"), {"day": day})
    assert response.status_code == 200
    assert message in text(response) and "Due Today" in text(response)


def test_logging_a_connected_call_from_today_removes_the_row(client_a, kam_a):
    lead = due_lead(kam_a, at(KOLKATA, 2026, 11, 19, 10), status=LeadStatus.CONTACTED)
    other = due_lead(kam_a, at(KOLKATA, 2026, 11, 19, 16))
    response = client_a.post(log_url(lead), {"outcome": "connected", "origin": "today"}, **HTMX)
    assert response["HX-Retarget"] == f"#today-row-{lead.pk}" and response["HX-Reswap"] == "outerHTML"
    html = response.content.decode()
    assert "today-row-" not in html  # the row is replaced by nothing
    assert re.search(r'id="due-count" hx-swap-oob="true">\s*1\s*<', html)
    assert stored(lead).next_call_at == at(KOLKATA, 2026, 11, 26, 10)
    assert f'id="today-row-{lead.pk}"' not in client_a.get(reverse("today")).content.decode()
    assert f'id="today-row-{other.pk}"' in client_a.get(reverse("today")).content.decode()


def test_a_callback_later_today_keeps_the_row_and_refreshes_it(client_a, kam_a):
    lead = due_lead(kam_a, at(KOLKATA, 2026, 11, 19, 10), status=LeadStatus.CONTACTED)
    response = client_a.post(
        log_url(lead),
        {"outcome": "callback_requested", "callback_at": "2026-11-19T17:00", "origin": "today"},
        **HTMX,
    )
    assert f'id="today-row-{lead.pk}"' in response.content.decode()
    assert "due 17:00" in text(response)


def test_logging_from_today_without_javascript_goes_back_to_today(client_a, kam_a):
    lead = due_lead(kam_a, at(KOLKATA, 2026, 11, 19, 10))
    response = client_a.post(log_url(lead), {"outcome": "busy", "origin": "today", "day": "garbage"})
    assert response.url == reverse("today")


def test_snoozing_from_today_removes_the_row(client_a, kam_a):
    lead = due_lead(kam_a, at(KOLKATA, 2026, 11, 19, 10), call_frequency_days=7)
    response = client_a.post(reschedule_url(lead), {"quick": "1", "origin": "today"}, **HTMX)
    assert response["HX-Retarget"] == f"#today-row-{lead.pk}"
    assert "today-row-" not in response.content.decode()
    assert stored(lead).next_call_at == at(KOLKATA, 2026, 11, 20, 10)


def test_a_manager_sees_a_team_members_today_and_nobody_elses(manager_client, kam_a, kam_b, manager):
    due_lead(kam_a, at(KOLKATA, 2026, 11, 19, 10), name="Team Account")
    response = manager_client.get(reverse("today"), {"kam": kam_a.pk})
    assert response.status_code == 200 and "Team Account" in text(response) and str(kam_a) in text(response)
    assert manager_client.get(reverse("today"), {"kam": kam_b.pk}).status_code == 404
    assert manager_client.get(reverse("today"), {"kam": "drop table"}).status_code == 404
    assert manager_client.get(reverse("today"), {"kam": manager.pk}).status_code == 200


def test_a_managers_own_empty_today_points_to_the_team(manager_client, kam_a):
    page = text(manager_client.get(reverse("today")))
    assert "Pick someone from your team above to see their day." in page
    assert f'<option value="{kam_a.pk}">' in manager_client.get(reverse("today")).content.decode()


def test_a_kam_cannot_look_at_another_kams_today(client_a, teammate):
    assert client_a.get(reverse("today"), {"kam": teammate.pk}).status_code == 404


def test_an_admin_can_look_at_any_kams_today(admin_client_kam, kam_b):
    assert admin_client_kam.get(reverse("today"), {"kam": kam_b.pk}).status_code == 200


def test_a_manager_logs_a_call_on_a_team_members_today(manager_client, kam_a, manager):
    lead = due_lead(kam_a, at(KOLKATA, 2026, 11, 19, 10), status=LeadStatus.CONTACTED)
    response = manager_client.post(log_url(lead), {"outcome": "connected", "origin": "today", "kam": kam_a.pk}, **HTMX)
    assert response["HX-Retarget"] == f"#today-row-{lead.pk}"
    assert Interaction.objects.get(lead=lead).performed_by == manager


def test_slipping_accounts_are_listed_when_there_are_any(client_a, kam_a, monkeypatch):
    from performance import selectors as performance_selectors

    lead = LeadFactory(owner=kam_a, name="Fading Grill")
    performance = AccountPerformanceFactory(
        lead=lead, classification="at_risk", reasons=["orders fell 40% in 30 days"], value_at_risk=Decimal("52000")
    )
    # The real selector lists it (at risk, in kam_a's scope); below, the page renders whatever it returns.
    assert "Slipping accounts Fading Grill" in text(client_a.get(reverse("today")))
    seen = {}

    def slipping(*, owner, now, limit):
        seen.update(owner=owner, now=now)
        return [performance]

    monkeypatch.setattr(performance_selectors, "slipping_accounts", slipping)
    page = text(client_a.get(reverse("today")))
    assert seen == {"owner": kam_a, "now": NOW}
    assert "Slipping accounts Fading Grill At risk 52,000 at risk orders fell 40% in 30 days" in page


def test_today_shows_the_ten_most_valuable_slipping_accounts_and_links_to_all(client_a, manager_client, kam_a):
    from interactions.views import TODAY_SLIPPING_SHOWN

    for i in range(TODAY_SLIPPING_SHOWN + 2):
        AccountPerformanceFactory(
            lead=LeadFactory(owner=kam_a, name=f"Fading {i:02d}"),
            classification="at_risk",
            value_at_risk=Decimal(50_000 - i),
            reasons=["value −40% against the previous 30 days"],
        )
    page = text(client_a.get(reverse("today")))
    assert f"Fading {TODAY_SLIPPING_SHOWN - 1:02d}" in page and f"Fading {TODAY_SLIPPING_SHOWN:02d}" not in page
    html = client_a.get(reverse("today")).content.decode()
    assert 'href="/performance/?classification=at_risk&amp;classification=underperforming"' in html
    # A manager looking at a KAM's day is sent to that KAM's slipping accounts.
    html = manager_client.get(reverse("today"), {"kam": kam_a.pk}).content.decode()
    query = f"classification=at_risk&amp;classification=underperforming&amp;owner={kam_a.pk}"
    assert f'href="/performance/?{query}"' in html


def test_show_more_runs_the_same_queries_with_1_and_10_rows(client_a, kam_a, django_assert_num_queries):
    size = selectors.TODAY_SECTION_SIZE

    def add(count):
        for _ in range(count):
            lead = due_lead(kam_a, at(KOLKATA, 2026, 11, 16, 10))
            ContactFactory(lead=lead, is_primary=True)
            AccountPerformanceFactory(lead=lead)

    def more():
        return client_a.get(reverse("today"), {"more": "overdue", "offset": str(size)}, **HTMX)

    add(size + 1)
    with django_assert_num_queries(3) as one:  # session, user, the section's rows with their total
        assert more().content.decode().count('id="today-row-') == 1
    add(9)
    with django_assert_num_queries(len(one.captured_queries)):
        assert more().content.decode().count('id="today-row-') == 10
