"""A manager moves a KAM's accounts to another KAM: from Django admin in a handful of clicks, and from the lead page."""

from playwright.sync_api import expect

from leads.models import Lead, LeadAssignment
from leads.tests.factories import LeadFactory


def test_manager_moves_a_kams_accounts_in_admin(sign_in, page, live_server, screenshot, manager, kam_a, teammate):
    LeadFactory.create_batch(12, owner=kam_a)
    LeadFactory(owner=teammate, name="Teammate's own")
    sign_in(manager)

    page.goto(f"{live_server.url}/admin/leads/lead/")
    page.get_by_role("link", name=str(kam_a)).click()  # the KAM filter: their accounts only
    page.locator("#action-toggle").check()
    page.locator("select[name=action]").select_option(label="Reassign to another KAM")
    page.get_by_role("button", name="Go").click()

    page.get_by_text("12 accounts").first.wait_for()
    assert screenshot("admin-reassign-confirm") == {"desktop": False, "phone": False}
    page.get_by_role("combobox", name="New KAM").select_option(label=str(teammate))
    page.get_by_label("Reason").fill("Aarav moves to key accounts in Pune")
    page.get_by_label("Handover note for the new KAM").fill("Spice House wants a tasting on Friday")
    page.get_by_role("button", name="Reassign 12 accounts").click()

    page.get_by_text("Moved 12 accounts").wait_for()
    screenshot("admin-reassign-done")
    assert Lead.objects.filter(owner=teammate).count() == 13
    assert LeadAssignment.objects.filter(from_owner=kam_a, to_owner=teammate, assigned_by=manager).count() == 12


def test_manager_reassigns_from_the_lead_page(sign_in, page, live_server, screenshot, manager, kam_a, teammate):
    lead = LeadFactory(owner=kam_a, name="Saffron Table")
    sign_in(manager)
    page.goto(f"{live_server.url}{lead.get_absolute_url()}")
    page.get_by_role("link", name="Reassign").click()

    page.get_by_role("button", name="Reassign").click()  # nothing chosen: errors by the fields, nothing moves
    page.get_by_text("This field is required.").first.wait_for()
    assert screenshot("lead-reassign-form") == {"desktop": False, "phone": False}

    page.get_by_role("combobox", name="New KAM").select_option(label=str(teammate))
    page.get_by_label("Reason").fill("Territory change")
    page.get_by_label("Handover note for the new KAM").fill("Owner Ramesh prefers WhatsApp")
    page.get_by_role("button", name="Reassign").click()

    page.get_by_text("Moved 1 account").wait_for()
    page.locator("#handover-note").wait_for()
    # The rest of the History arrives when scrolled to.
    page.locator("#lead-history").scroll_into_view_if_needed()
    expect(page.locator("#assignment-history")).to_contain_text("Territory change")
    assert screenshot("lead-after-reassign") == {"desktop": False, "phone": False}
    lead.refresh_from_db()
    assert lead.owner == teammate
