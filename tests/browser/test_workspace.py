"""A KAM's day on one account, through the real pages in Chromium: create, contacts (htmx), status, and scope."""

from playwright.sync_api import expect

from leads.models import Lead, LeadStatus


def test_a_kam_works_a_lead_and_another_kam_cannot_see_it(sign_in, kam_a, kam_b, live_server, page, screenshot):
    sign_in(kam_a)

    # Create the lead.
    page.goto(f"{live_server.url}/leads/")
    page.get_by_role("link", name="New lead").click()
    page.get_by_label("Restaurant name").fill("Dosa Plaza")
    page.get_by_label("City").fill("Pune")
    page.get_by_label("Call every (days)").fill("7")
    page.get_by_role("button", name="Create lead").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dosa Plaza")
    expect(page.get_by_text("Dosa Plaza was added.")).to_be_visible()
    lead = Lead.objects.get(name="Dosa Plaza")
    assert page.url.endswith(lead.get_absolute_url())

    # First contact, inline: a bad phone is refused in place, then corrected.
    panel = page.locator("#contacts-panel")
    panel.get_by_role("link", name="Add contact").click()
    page.locator("#id_contact_new_name").fill("Ravi Menon")
    page.locator("#id_contact_new_phone").fill("12345")
    page.get_by_role("button", name="Add contact").click()
    expect(page.get_by_text("Enter a valid phone number")).to_be_visible()
    expect(page.locator("#id_contact_new_name")).to_have_value("Ravi Menon")
    page.locator("#id_contact_new_phone").fill("098765 43210")
    page.get_by_role("button", name="Add contact").click()
    first = page.locator(".contact-row", has_text="Ravi Menon")
    expect(first).to_contain_text("Primary")
    expect(first).to_contain_text("+91 98765 43210")
    expect(first.get_by_role("link", name="Call Ravi Menon")).to_have_attribute("href", "tel:+919876543210")
    expect(first.get_by_role("link", name="WhatsApp Ravi Menon")).to_have_attribute(
        "href", "https://wa.me/919876543210"
    )
    expect(page.get_by_text("Ravi Menon was added.")).to_be_visible()

    # Second contact, then make it the primary one.
    page.locator("#contacts-panel").get_by_role("link", name="Add contact").click()
    page.locator("#id_contact_new_name").fill("Anita Rao")
    page.locator("#id_contact_new_role").select_option("procurement")
    page.locator("#id_contact_new_phone").fill("+91 91234 56789")
    page.locator("#id_contact_new_email").fill("anita@dosaplaza.example")
    page.get_by_role("button", name="Add contact").click()
    second = page.locator(".contact-row", has_text="Anita Rao")
    expect(second).to_contain_text("Procurement")
    expect(second).not_to_contain_text("Primary")
    second.get_by_role("button", name="Make primary").click()
    expect(page.locator(".contact-row", has_text="Anita Rao")).to_contain_text("Primary")
    expect(page.locator(".contact-row", has_text="Ravi Menon")).not_to_contain_text("Primary")
    expect(page.locator(".contact-row").first).to_contain_text("Anita Rao")
    assert lead.contacts.get(is_primary=True).name == "Anita Rao"

    # Status: contacted, then lost, which needs a reason.
    page.get_by_role("button", name="Move to contacted").click()
    expect(page.locator("#status-panel .card-header").first).to_contain_text("Contacted")
    page.get_by_text("Mark as lost…").click()
    page.get_by_role("button", name="Mark lost").click()
    expect(page.get_by_text("Say why the lead was lost")).to_be_visible()
    page.get_by_label("Why was it lost?").fill("Chose a competitor with longer credit")
    page.get_by_role("button", name="Mark lost").click()
    expect(page.get_by_text("Dosa Plaza is now lost.")).to_be_visible()
    expect(page.get_by_text("Chose a competitor with longer credit").first).to_be_visible()
    expect(page.get_by_role("button", name="Reopen as contacted")).to_be_visible()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.LOST
    assert [c.to_status for c in lead.status_changes.order_by("changed_at", "id")] == ["new", "contacted", "lost"]

    overflow = screenshot("workspace-lead")
    assert overflow == {"desktop": False, "phone": False}

    page.goto(f"{live_server.url}/leads/")
    expect(page.get_by_role("link", name="Dosa Plaza").first).to_be_attached()
    overflow = screenshot("workspace-list")
    assert overflow == {"desktop": False, "phone": False}

    # Another KAM, signed in on their own, finds nothing there.
    page.context.clear_cookies()
    sign_in(kam_b)
    response = page.goto(f"{live_server.url}{lead.get_absolute_url()}")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Dosa Plaza")
    screenshot("workspace-404-other-kam")


def test_the_list_filters_sort_and_stay_in_the_address(sign_in, kam_a, live_server, page, screenshot):
    from contacts.tests.factories import ContactFactory
    from leads.tests.factories import LeadFactory

    for i, status in enumerate([LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.CONTACTED, LeadStatus.WON]):
        lead = LeadFactory(owner=kam_a, name=f"Restaurant with a fairly long name number {i}", status=status)
        ContactFactory(lead=lead, is_primary=True)
    sign_in(kam_a)
    page.goto(f"{live_server.url}/leads/")
    page.get_by_role("link", name="Contacted 2").click()
    expect(page).to_have_url(f"{live_server.url}/leads/?status=contacted")
    page.get_by_role("link", name="Restaurant (sort)").click()
    expect(page).to_have_url(f"{live_server.url}/leads/?ordering=name&status=contacted")
    page.get_by_role("link", name="Restaurant (sorted ascending)").click()
    expect(page).to_have_url(f"{live_server.url}/leads/?ordering=-name&status=contacted")
    rows = page.locator("table.lead-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("number 2")
    overflow = screenshot("workspace-list-filtered")
    assert overflow == {"desktop": False, "phone": False}


def test_an_inline_action_on_something_gone_says_so(sign_in, kam_a, live_server, page):
    from contacts.tests.factories import ContactFactory
    from leads.tests.factories import LeadFactory

    lead = LeadFactory(owner=kam_a)
    contact = ContactFactory(lead=lead, name="Ravi Menon")
    sign_in(kam_a)
    page.goto(f"{live_server.url}{lead.get_absolute_url()}")
    contact.delete()  # meanwhile, someone else removed it
    page.locator(".contact-row", has_text="Ravi Menon").get_by_role("link", name="Edit").click()
    expect(page.locator("#messages")).to_contain_text("That is no longer there")
