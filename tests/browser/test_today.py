"""From Today, log a connected call on a due lead: the row goes, and the lead's next call moves on by its frequency."""

import datetime as dt

from django.utils import timezone
from playwright.sync_api import expect

from contacts.tests.factories import ContactFactory
from interactions.models import CallOutcome, Interaction
from interactions.planning import RestaurantCalendar
from leads.models import Lead, LeadStatus
from leads.tests.factories import LeadFactory


def test_logging_a_connected_call_from_today(sign_in, kam_a, live_server, screenshot):
    now = timezone.now()
    lead = LeadFactory(
        owner=kam_a,
        name="Saffron Kitchen Indiranagar",
        status=LeadStatus.CONTACTED,
        call_frequency_days=7,
        next_call_at=now,
        next_call_date=now.date(),
    )
    ContactFactory(lead=lead, name="Ramesh Kumar", phone="+919812345678", is_primary=True)
    other = LeadFactory(owner=kam_a, name="Dosa Corner", next_call_at=now, next_call_date=now.date())
    ContactFactory(lead=other, name="Lakshmi", phone="+919812300000", is_primary=True, prefers_whatsapp=True)

    page = sign_in(kam_a)
    page.wait_for_url(f"{live_server.url}/today/")
    row = page.locator(f"#today-row-{lead.pk}")
    expect(row).to_be_visible()
    expect(row.get_by_role("link", name="Call Ramesh Kumar at Saffron Kitchen Indiranagar")).to_have_attribute(
        "href", "tel:+919812345678"
    )
    expect(row.get_by_role("link", name="WhatsApp Ramesh Kumar at Saffron Kitchen Indiranagar")).to_have_attribute(
        "href", "https://wa.me/919812345678"
    )
    assert screenshot("today") == {"desktop": False, "phone": False}

    row.get_by_role("link", name="Log a call to Saffron Kitchen Indiranagar").click()
    form = row.locator("form")
    expect(form.get_by_text("How did it go?")).to_be_visible()
    form.get_by_text("Connected", exact=True).click()
    form.get_by_label("Notes").fill("Wants the new basmati price list")
    assert screenshot("today-log-call") == {"desktop": False, "phone": False}
    form.get_by_role("button", name="Log call").click()

    expect(page.locator(f"#today-row-{lead.pk}")).to_have_count(0)
    expect(page.locator(f"#today-row-{other.pk}")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Call logged (Connected). Next call:")

    lead.refresh_from_db()
    call = Interaction.objects.get(lead=lead)
    assert (call.outcome, call.performed_by, call.notes) == (
        CallOutcome.CONNECTED,
        kam_a,
        "Wants the new basmati price list",
    )
    calendar = RestaurantCalendar.for_lead(lead)
    moved_to = calendar.local_date(call.occurred_at) + dt.timedelta(days=7)
    assert lead.last_connected_call_at == call.occurred_at
    assert lead.next_call_date == calendar.first_open_day(moved_to) >= moved_to
    assert lead.next_call_at == calendar.first_slot_on(moved_to)
    assert Lead.objects.get(pk=lead.pk).next_call_at > timezone.now()

    page.goto(f"{live_server.url}{lead.get_absolute_url()}")
    next_call = page.get_by_test_id("next-call")
    expect(next_call).to_contain_text(timezone.localtime(lead.next_call_at, kam_a.zone).strftime("%-d %b %Y, %H:%M"))
    expect(page.get_by_text("Wants the new basmati price list")).to_be_visible()
    assert screenshot("lead-activity") == {"desktop": False, "phone": False}


def test_a_bad_time_is_refused_in_place_and_keeps_what_was_typed(sign_in, kam_a, live_server):
    now = timezone.now()
    lead = LeadFactory(owner=kam_a, name="Tandoor Express", next_call_at=now, next_call_date=now.date())
    page = sign_in(kam_a)
    page.wait_for_url(f"{live_server.url}/today/")
    row = page.locator(f"#today-row-{lead.pk}")
    row.get_by_role("link", name="Log a call to Tandoor Express").click()
    form = row.locator("form")
    form.get_by_text("No answer", exact=True).click()
    future = timezone.localtime(now + dt.timedelta(days=2), kam_a.zone).strftime("%Y-%m-%dT%H:%M")
    form.get_by_label("When (your time, Asia/Kolkata)").fill(future)
    form.get_by_label("Notes").fill("typed before the mistake")
    form.get_by_role("button", name="Log call").click()
    expect(row.get_by_text("That time is in the future")).to_be_visible()
    expect(row.get_by_label("Notes")).to_have_value("typed before the mistake")
    expect(row.locator("input[value=no_answer]")).to_be_checked()
    assert not Interaction.objects.exists()
    row.get_by_role("link", name="Cancel").click()
    expect(row.locator("form")).to_have_count(0)


def test_show_more_continues_after_the_rows_left_on_the_page(sign_in, kam_a, live_server):
    """A logged call removes its row; "Show more" must then start where the list now ends, skipping nobody."""
    from decimal import Decimal

    from interactions.selectors import TODAY_SECTION_SIZE
    from performance.tests.factories import AccountPerformanceFactory

    now = timezone.now()
    leads = [
        LeadFactory(owner=kam_a, name=f"Backlog {i:02d}", next_call_at=now, next_call_date=now.date())
        for i in range(TODAY_SECTION_SIZE + 3)
    ]
    for i, lead in enumerate(leads):  # ranked by recent order value: Backlog 00 first
        AccountPerformanceFactory(lead=lead, value_30d=Decimal(100_000 - i))

    page = sign_in(kam_a)
    page.wait_for_url(f"{live_server.url}/today/")
    rows = page.locator("#due-list > [id^='today-row-']")
    expect(rows).to_have_count(TODAY_SECTION_SIZE)

    first = page.locator(f"#today-row-{leads[0].pk}")
    first.get_by_role("link", name="Snooze Backlog 00").click()
    first.get_by_role("button", name="In a week").click()
    expect(page.locator(f"#today-row-{leads[0].pk}")).to_have_count(0)
    expect(page.locator("#due-count")).to_have_text(str(TODAY_SECTION_SIZE + 2))

    page.get_by_role("link", name="Show 3 more").click()
    expect(rows).to_have_count(TODAY_SECTION_SIZE + 2)
    shown = [int(i.split("-")[-1]) for i in rows.evaluate_all("rows => rows.map(r => r.id)")]
    assert shown == [lead.pk for lead in leads[1:]]
    expect(page.locator("[data-today-more]")).to_have_count(0)
