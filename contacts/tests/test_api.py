"""/api/v1/contacts/: points of contact of the restaurants in the requester's scope, through contacts.services."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts.models import Contact
from contacts.tests.factories import ContactFactory
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/contacts/"


def detail(contact):
    return f"{URL}{contact.pk}/"


def test_list_in_scope_and_filtered_by_lead(api_a, kam_a, kam_b):
    mine, also_mine = LeadFactory(owner=kam_a), LeadFactory(owner=kam_a)
    ContactFactory(lead=mine, name="Ravi")
    ContactFactory(lead=also_mine, name="Sita")
    ContactFactory(lead=LeadFactory(owner=kam_b), name="Hidden")
    assert sorted(c["name"] for c in api_a.get(URL).json()["results"]) == ["Ravi", "Sita"]
    assert [c["name"] for c in api_a.get(f"{URL}?lead={mine.pk}").json()["results"]] == ["Ravi"]


def test_filter_by_a_lead_outside_scope_is_400(api_a, kam_b):
    other = LeadFactory(owner=kam_b)
    response = api_a.get(f"{URL}?lead={other.pk}")
    assert response.status_code == 400
    assert "lead" in response.json()["error"]["fields"]


def test_list_query_count_does_not_grow_with_rows(api_a, kam_a):
    def count(rows):
        Contact.objects.all().delete()
        lead = LeadFactory(owner=kam_a)
        ContactFactory.create_batch(rows, lead=lead)
        with CaptureQueriesContext(connection) as queries:
            assert len(api_a.get(URL).json()["results"]) == rows
        return len(queries)

    assert count(1) == count(10)


def test_create(api_a, kam_a):
    lead = LeadFactory(owner=kam_a)
    body = {"lead": lead.pk, "name": "Ravi Kumar", "role": "chef", "phone": "098123 45678", "is_primary": True}
    response = api_a.post(URL, body, format="json")
    assert response.status_code == 201
    data = response.json()
    assert data["phone"] == "+919812345678"
    assert data["whatsapp_url"] == "https://wa.me/919812345678"
    assert response["Location"].endswith(f"{URL}{data['id']}/")
    contact = Contact.objects.get(pk=data["id"])
    assert (contact.lead, contact.role, contact.is_primary) == (lead, "chef", True)


def test_create_for_a_lead_outside_scope_is_400_does_not_exist(api_a, kam_b):
    other = LeadFactory(owner=kam_b)
    response = api_a.post(URL, {"lead": other.pk, "name": "X", "phone": "+919812345678"}, format="json")
    assert response.status_code == 400
    assert "does not exist" in response.json()["error"]["fields"]["lead"][0]
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "X", "phone": "12"}, "phone"),
        ({"name": "X", "email": "not-an-email"}, "email"),
        ({"name": "X"}, "phone"),
        ({"phone": "+919812345678"}, "name"),
        ({"name": "X", "phone": "+919812345678", "role": "boss"}, "role"),
    ],
)
def test_invalid_contacts_are_400(api_a, kam_a, body, field):
    lead = LeadFactory(owner=kam_a)
    response = api_a.post(URL, {"lead": lead.pk, **body}, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_patch_making_primary_unsets_the_previous_primary(api_a, kam_a):
    lead = LeadFactory(owner=kam_a)
    first = ContactFactory(lead=lead, is_primary=True)
    second = ContactFactory(lead=lead)
    response = api_a.patch(detail(second), {"is_primary": True}, format="json")
    assert response.status_code == 200
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.is_primary, second.is_primary) == (False, True)


def test_patch_cannot_move_a_contact_to_another_lead(api_a, kam_a):
    contact = ContactFactory(lead=LeadFactory(owner=kam_a))
    other = LeadFactory(owner=kam_a)
    response = api_a.patch(detail(contact), {"lead": other.pk, "name": "Renamed"}, format="json")
    assert response.status_code == 200
    contact.refresh_from_db()
    assert contact.lead_id != other.pk
    assert contact.name == "Renamed"


def test_patch_removing_both_phone_and_email_is_400(api_a, kam_a):
    contact = ContactFactory(lead=LeadFactory(owner=kam_a), email="")
    response = api_a.patch(detail(contact), {"phone": ""}, format="json")
    assert response.status_code == 400
    assert "phone" in response.json()["error"]["fields"]


def test_delete(api_a, kam_a):
    contact = ContactFactory(lead=LeadFactory(owner=kam_a))
    assert api_a.delete(detail(contact)).status_code == 204
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_another_kam_gets_404_on_every_contact_endpoint(api_b, kam_a):
    contact = ContactFactory(lead=LeadFactory(owner=kam_a), name="Mine")
    assert api_b.get(detail(contact)).status_code == 404
    assert api_b.patch(detail(contact), {"name": "Stolen"}, format="json").status_code == 404
    assert api_b.delete(detail(contact)).status_code == 404
    contact.refresh_from_db()
    assert contact.name == "Mine"
