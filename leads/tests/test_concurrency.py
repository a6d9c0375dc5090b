"""Issue 14 §4: two people editing one account. The second save never silently undoes the first one's change; a
real clash is refused with both values shown and everything typed kept (pages, admin), or 412 (API If-Match)."""

import datetime as dt
import json

import pytest
from django.test import Client
from django.urls import reverse

from contacts.models import Contact
from contacts.tests.factories import ContactFactory
from leads.models import Lead
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def posted(form, **changes) -> dict:
    """What the browser sends for `form` as it was shown, with `changes` typed over it."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            value = ""
        elif isinstance(value, list | dict):
            value = json.dumps(value)
        elif isinstance(value, dt.time):
            value = value.strftime("%H:%M")
        elif isinstance(value, bool):
            if not value:
                continue
            value = "on"
        data[name] = str(value)
    data.update({name: str(value) for name, value in changes.items()})
    return data


@pytest.fixture
def lead(kam_a):
    return LeadFactory(owner=kam_a, name="Spice House", call_frequency_days=7)


@pytest.fixture
def manager_page(manager):
    client = Client()
    client.force_login(manager)
    return client


def test_a_change_made_meanwhile_to_another_field_is_kept(client_a, manager_page, lead):
    """The bug: the second save wrote back every field as its form had shown it, reverting the call frequency."""
    edit = reverse("leads:edit", args=[lead.pk])
    mine, theirs = client_a.get(edit).context["form"], manager_page.get(edit).context["form"]
    assert manager_page.post(edit, posted(theirs, call_frequency_days=14)).status_code == 302
    assert client_a.post(edit, posted(mine, name="Spice House Indiranagar")).status_code == 302
    lead.refresh_from_db()
    assert (lead.name, lead.call_frequency_days) == ("Spice House Indiranagar", 14)


def test_the_same_field_changed_by_both_is_refused_with_both_values_and_the_typing_kept(client_a, manager_page, lead):
    edit = reverse("leads:edit", args=[lead.pk])
    mine, theirs = client_a.get(edit).context["form"], manager_page.get(edit).context["form"]
    manager_page.post(edit, posted(theirs, call_frequency_days=14))

    response = client_a.post(edit, posted(mine, call_frequency_days=21, name="Typed name"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Manager" in page or "manager" in page  # who changed it
    assert "since you opened this form" in page
    assert "Now “14”; yours “21”." in page
    assert 'value="21"' in page and 'value="Typed name"' in page
    lead.refresh_from_db()
    assert (lead.name, lead.call_frequency_days) == ("Spice House", 14)  # nothing of mine was written

    # Saving again, now knowingly over their version, writes mine.
    again = response.context["form"]
    assert client_a.post(edit, posted(again)).status_code == 302
    lead.refresh_from_db()
    assert (lead.name, lead.call_frequency_days) == ("Typed name", 21)


def test_a_contact_form_keeps_a_change_made_meanwhile_and_refuses_a_clash(client_a, manager_page, lead):
    contact = ContactFactory(lead=lead, name="Ravi", title="Owner", notes="")
    edit = reverse("contacts:edit", args=[contact.pk])
    mine, theirs = client_a.get(edit).context["form"], manager_page.get(edit).context["form"]
    assert manager_page.post(edit, posted(theirs, title="Chef-owner")).status_code == 302
    assert client_a.post(edit, posted(mine, notes="Calls after 3 pm")).status_code == 302
    contact.refresh_from_db()
    assert (contact.title, contact.notes) == ("Chef-owner", "Calls after 3 pm")

    mine = client_a.get(edit).context["form"]
    manager_page.post(edit, posted(manager_page.get(edit).context["form"], title="Founder"))
    response = client_a.post(edit, posted(mine, title="Partner"))
    assert response.status_code == 200
    assert "Now “Founder”; yours “Partner”." in response.content.decode()
    assert Contact.objects.get(pk=contact.pk).title == "Founder"


def test_the_admin_change_form_keeps_a_change_made_meanwhile_and_refuses_a_clash(admin_client_kam, client_a, lead):
    change = reverse("admin:leads_lead_change", args=[lead.pk])
    edit = reverse("leads:edit", args=[lead.pk])

    def admin_data(form, **changes):
        data = posted(form, **changes)
        for prefix in ("assignments", "status_changes"):
            data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
        return data

    shown = admin_client_kam.get(change).context["adminform"].form
    client_a.post(edit, posted(client_a.get(edit).context["form"], call_frequency_days=14))
    response = admin_client_kam.post(change, admin_data(shown, segment="South Indian"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    lead.refresh_from_db()
    assert (lead.segment, lead.call_frequency_days) == ("South Indian", 14)

    shown = admin_client_kam.get(change).context["adminform"].form
    client_a.post(edit, posted(client_a.get(edit).context["form"], call_frequency_days=30))
    response = admin_client_kam.post(change, admin_data(shown, call_frequency_days=3))
    assert response.status_code == 200
    assert "Now “30”; yours “3”." in response.content.decode()
    assert Lead.objects.get(pk=lead.pk).call_frequency_days == 30


# --- API: ETag and If-Match ---------------------------------------------------------------------------------------


def test_api_if_match_refuses_a_stale_write_with_412_and_a_fresh_one_passes(api_a, api_manager, lead):
    url = f"/api/v1/leads/{lead.pk}/"
    read = api_a.get(url)
    etag = read["ETag"]
    assert etag.startswith('"')
    assert api_manager.patch(url, {"call_frequency_days": 14}, format="json").status_code == 200

    stale = api_a.patch(url, {"call_frequency_days": 21}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["error"]["code"] == "stale"
    assert stale["ETag"] != etag
    assert Lead.objects.get(pk=lead.pk).call_frequency_days == 14

    fresh = api_a.patch(url, {"call_frequency_days": 21}, format="json", HTTP_IF_MATCH=stale["ETag"])
    assert fresh.status_code == 200 and fresh.json()["call_frequency_days"] == 21
    assert fresh["ETag"] == api_a.get(url)["ETag"]


def test_api_patch_without_if_match_writes_only_the_fields_it_names(api_a, api_manager, lead):
    contact = ContactFactory(lead=lead, name="Ravi", title="Owner")
    assert api_manager.patch(f"/api/v1/leads/{lead.pk}/", {"name": "New"}, format="json").status_code == 200
    assert api_a.patch(f"/api/v1/leads/{lead.pk}/", {"segment": "Cafe"}, format="json").status_code == 200
    lead.refresh_from_db()
    assert (lead.name, lead.segment) == ("New", "Cafe")

    url = f"/api/v1/contacts/{contact.pk}/"
    etag = api_a.get(url)["ETag"]
    assert api_manager.patch(url, {"title": "Chef"}, format="json").status_code == 200
    assert api_a.patch(url, {"notes": "Evenings"}, format="json").status_code == 200
    assert api_a.patch(url, {"notes": "Mornings"}, format="json", HTTP_IF_MATCH=etag).status_code == 412
    contact.refresh_from_db()
    assert (contact.title, contact.notes) == ("Chef", "Evenings")
