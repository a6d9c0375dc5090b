import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects, assertTemplateUsed

from contacts.models import Contact
from contacts.tests.factories import ContactFactory
from leads.tests.factories import LeadFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def lead(kam_a):
    return LeadFactory(owner=kam_a, name="Dosa Plaza")


def _data(**overrides):
    data = {"name": "Ravi Menon", "role": "owner", "phone": "098765 43210", "email": "", "title": "", "notes": ""}
    data.update(overrides)
    return data


def _add_url(lead):
    return reverse("contacts:create", args=[lead.pk])


def _panel_url(lead):
    return f"{lead.get_absolute_url()}#contacts-panel"


# --- Without JavaScript: plain pages, POST and redirect -----------------------------------------------------------


def test_adding_without_javascript_posts_and_redirects_to_the_lead(client_a, lead):
    page = client_a.get(_add_url(lead))
    assertTemplateUsed(page, "contacts/contact_form.html")
    assertContains(page, "<html", html=False)
    assert page.context["form"].initial["is_primary"] is True  # the first contact is the primary one

    response = client_a.post(_add_url(lead), _data(is_primary="on"))

    assertRedirects(response, _panel_url(lead), fetch_redirect_response=False)
    contact = Contact.objects.get()
    assert (contact.lead, contact.phone.as_e164, contact.is_primary) == (lead, "+919876543210", True)
    assertContains(client_a.get(lead.get_absolute_url()), "Ravi Menon was added.")


def test_the_lead_page_links_call_whatsapp_and_mail(client_a, lead):
    ContactFactory(lead=lead, name="Ravi", phone="+919876543210", email="ravi@example.com")
    page = client_a.get(lead.get_absolute_url())
    assertContains(page, 'href="tel:+919876543210"')
    assertContains(page, 'href="https://wa.me/919876543210"')
    assertContains(page, 'href="mailto:ravi@example.com"')


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"phone": "12345"}, "phone", "Enter a valid phone number"),
        ({"phone": "call me maybe"}, "phone", "Enter a valid phone number"),
        ({"name": "  "}, "name", "This field is required."),
        ({"email": "ravi@"}, "email", "Enter a valid email address."),
        ({"phone": "", "email": ""}, "phone", "Give a phone number or an e-mail address."),
        ({"role": "boss"}, "role", "Select a valid choice."),
    ],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_bad_input_shows_the_error_by_the_field_and_keeps_the_typing(client_a, lead, changes, field, message, htmx):
    response = client_a.post(_add_url(lead), _data(title="Kept title", **changes), **(HTMX if htmx else {}))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assertContains(response, 'value="Kept title"')
    if htmx:
        assertNotContains(response, "<html")
    assert not Contact.objects.exists()


def test_editing_without_javascript(client_a, lead):
    contact = ContactFactory(lead=lead, name="Ravi", phone="+919876543210")
    edit = reverse("contacts:edit", args=[contact.pk])
    assert client_a.get(edit).context["form"].initial["name"] == "Ravi"
    response = client_a.post(edit, _data(name="Ravi K", phone="+971 50 123 4567", role="chef"))
    assertRedirects(response, _panel_url(lead), fetch_redirect_response=False)
    contact.refresh_from_db()
    assert (contact.name, contact.role, contact.phone.as_e164) == ("Ravi K", "chef", "+971501234567")


def test_removing_asks_first_without_javascript(client_a, lead):
    contact = ContactFactory(lead=lead, name="Ravi")
    delete = reverse("contacts:delete", args=[contact.pk])
    confirm = client_a.get(delete)
    assertContains(confirm, "Remove <strong>Ravi</strong> from Dosa Plaza?")
    assert Contact.objects.exists()
    assertRedirects(client_a.post(delete), _panel_url(lead), fetch_redirect_response=False)
    assert not Contact.objects.exists()


def test_make_primary_without_javascript(client_a, lead):
    first = ContactFactory(lead=lead, is_primary=True)
    second = ContactFactory(lead=lead)
    response = client_a.post(reverse("contacts:make_primary", args=[second.pk]))
    assertRedirects(response, _panel_url(lead), fetch_redirect_response=False)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.is_primary, second.is_primary) == (False, True)


def test_make_primary_only_takes_posts(client_a, lead):
    contact = ContactFactory(lead=lead)
    assert client_a.get(reverse("contacts:make_primary", args=[contact.pk])).status_code == 405


# --- With htmx: fragments swapped in place -------------------------------------------------------------------------


def test_htmx_add_form_is_a_fragment_and_success_swaps_the_panel(client_a, lead):
    form = client_a.get(_add_url(lead), **HTMX)
    assertNotContains(form, "<html")
    assertContains(form, f'hx-post="{_add_url(lead)}"')

    response = client_a.post(_add_url(lead), _data(), **HTMX)

    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == "#contacts-panel"
    assert response.headers["HX-Reswap"] == "outerHTML"
    assertContains(response, 'id="contacts-panel"')
    assertContains(response, "Ravi Menon")
    assertContains(response, 'hx-swap-oob="true"')  # the success message lands in the page's message area
    assertContains(response, "Ravi Menon was added.")


def test_htmx_edit_and_cancel(client_a, lead):
    contact = ContactFactory(lead=lead, name="Ravi")
    form = client_a.get(reverse("contacts:edit", args=[contact.pk]), **HTMX)
    assertContains(form, 'value="Ravi"')
    assertContains(form, reverse("contacts:list", args=[lead.pk]))
    response = client_a.post(reverse("contacts:edit", args=[contact.pk]), _data(name="Ravi K"), **HTMX)
    assertContains(response, "Ravi K")
    panel = client_a.get(reverse("contacts:list", args=[lead.pk]), **HTMX)
    assertContains(panel, 'id="contacts-panel"')
    assertNotContains(panel, "<html")


def test_the_panel_url_without_htmx_goes_to_the_lead_page(client_a, lead):
    assertRedirects(
        client_a.get(reverse("contacts:list", args=[lead.pk])), _panel_url(lead), fetch_redirect_response=False
    )


def test_htmx_make_primary_swaps_the_panel_with_the_new_primary_first(client_a, lead):
    ContactFactory(lead=lead, name="Aaron", is_primary=True)
    zoe = ContactFactory(lead=lead, name="Zoe")
    response = client_a.post(reverse("contacts:make_primary", args=[zoe.pk]), **HTMX)
    assert response.headers["HX-Retarget"] == "#contacts-panel"
    contacts = response.context["contacts"]
    assert [(c.name, c.is_primary) for c in contacts] == [("Zoe", True), ("Aaron", False)]


def test_htmx_remove_confirms_inline_then_swaps_the_panel(client_a, lead):
    contact = ContactFactory(lead=lead, name="Ravi", is_primary=True)
    confirm = client_a.get(reverse("contacts:delete", args=[contact.pk]), **HTMX)
    assertNotContains(confirm, "<html")
    assertContains(confirm, "will have no primary contact")
    response = client_a.post(reverse("contacts:delete", args=[contact.pk]), **HTMX)
    assertContains(response, "No point of contact yet")
    assert not Contact.objects.exists()


# --- Duplicates and scope ------------------------------------------------------------------------------------------


def test_a_phone_already_on_another_visible_lead_is_named(client_a, kam_a, lead):
    other = LeadFactory(owner=kam_a, name="Dosa Plaza Annex")
    ContactFactory(lead=other, phone="+919876543210")
    response = client_a.post(_add_url(lead), _data(), **HTMX)
    assertContains(response, "Dosa Plaza Annex")
    assertContains(response, "Save anyway")
    assert not Contact.objects.filter(lead=lead).exists()
    client_a.post(_add_url(lead), _data(confirm_duplicates="1"), **HTMX)
    assert Contact.objects.filter(lead=lead).exists()


def test_a_phone_on_another_teams_lead_warns_without_details(client_a, kam_b, lead):
    theirs = LeadFactory(owner=kam_b, name="Secret Kitchen")
    ContactFactory(lead=theirs, phone="+919876543210", name="Their Contact")
    response = client_a.post(_add_url(lead), _data())
    assertContains(response, "Another KAM's account already has this phone number")
    for secret in ("Secret Kitchen", "Their Contact", str(kam_b), f"/leads/{theirs.pk}/"):
        assertNotContains(response, secret)


def test_the_same_phone_on_the_same_lead_is_not_a_duplicate(client_a, lead):
    contact = ContactFactory(lead=lead, phone="+919876543210", name="Ravi")
    response = client_a.post(reverse("contacts:edit", args=[contact.pk]), _data(name="Ravi K"))
    assert response.status_code == 302


def test_another_kam_can_neither_add_nor_change_contacts(client_b, lead):
    contact = ContactFactory(lead=lead, name="Ravi")
    assert client_b.post(_add_url(lead), _data()).status_code == 404
    assert client_b.post(reverse("contacts:edit", args=[contact.pk]), _data(name="Hacked")).status_code == 404
    assert client_b.post(reverse("contacts:delete", args=[contact.pk])).status_code == 404
    contact.refresh_from_db()
    assert contact.name == "Ravi" and Contact.objects.count() == 1
