import pytest
from django.core.exceptions import ValidationError

from contacts.models import Contact, ContactRole
from contacts.services import contact_create, contact_make_primary, contact_remove, contact_update
from contacts.tests.factories import ContactFactory
from leads.tests.factories import LeadFactory


@pytest.fixture
def lead(kam_a):
    return LeadFactory(owner=kam_a)


@pytest.mark.parametrize("typed", ["098765 43210", "+91 98765-43210", "9876543210"])
def test_phones_are_stored_in_e164(lead, kam_a, typed):
    contact = contact_create(lead=lead, by=kam_a, name="Ravi", phone=typed)
    contact.refresh_from_db()
    assert contact.phone.as_e164 == "+919876543210"
    assert contact.whatsapp_url == "https://wa.me/919876543210"


def test_a_foreign_number_keeps_its_country(lead, kam_a):
    contact = contact_create(lead=lead, by=kam_a, name="Noura", phone="+971 50 123 4567")
    assert contact.phone.as_e164 == "+971501234567"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "Ravi", "phone": "12345"}, "phone"),
        ({"name": "Ravi", "phone": "not a number"}, "phone"),
        ({"name": "", "phone": "9876543210"}, "name"),
        ({"name": "Ravi", "email": "ravi@"}, "email"),
        ({"name": "Ravi", "phone": "9876543210", "role": "boss"}, "role"),
    ],
)
def test_bad_input_is_refused_by_field_and_nothing_is_saved(lead, kam_a, fields, field):
    with pytest.raises(ValidationError) as excinfo:
        contact_create(lead=lead, by=kam_a, **fields)
    assert field in excinfo.value.message_dict
    assert not Contact.objects.exists()


def test_a_contact_needs_a_phone_or_an_email(lead, kam_a):
    with pytest.raises(ValidationError) as excinfo:
        contact_create(lead=lead, by=kam_a, name="Ravi")
    assert excinfo.value.message_dict == {"phone": ["Give a phone number or an e-mail address."]}
    assert not Contact.objects.exists()


def test_a_new_primary_unsets_the_previous_one(lead, kam_a):
    first = contact_create(lead=lead, by=kam_a, name="First", phone="9876543210", is_primary=True)
    second = contact_create(lead=lead, by=kam_a, name="Second", phone="9876543211", is_primary=True)
    first.refresh_from_db()
    assert (first.is_primary, second.is_primary) == (False, True)


def test_make_primary_moves_the_flag_and_leaves_other_leads_alone(lead, kam_a):
    first = ContactFactory(lead=lead, is_primary=True)
    second = ContactFactory(lead=lead)
    elsewhere = ContactFactory(is_primary=True)

    contact_make_primary(contact=second, by=kam_a)

    assert list(Contact.objects.filter(lead=lead, is_primary=True)) == [second]
    first.refresh_from_db()
    elsewhere.refresh_from_db()
    assert not first.is_primary and elsewhere.is_primary


def test_making_the_primary_primary_again_changes_nothing(lead, kam_a):
    only = ContactFactory(lead=lead, is_primary=True)
    contact_make_primary(contact=only, by=kam_a)
    only.refresh_from_db()
    assert only.is_primary


def test_a_bad_update_leaves_the_saved_contact_as_it_was(lead, kam_a):
    contact = ContactFactory(lead=lead, name="Ravi", phone="+919876543210", is_primary=False)
    other_primary = ContactFactory(lead=lead, is_primary=True)
    with pytest.raises(ValidationError):
        contact_update(contact=contact, by=kam_a, name="Ravi K", phone="123", is_primary=True)
    fresh = Contact.objects.get(pk=contact.pk)
    assert (fresh.name, fresh.phone.as_e164, fresh.is_primary) == ("Ravi", "+919876543210", False)
    other_primary.refresh_from_db()
    assert other_primary.is_primary


def test_update_and_remove_are_recorded_with_who(lead, kam_a):
    contact = contact_create(lead=lead, by=kam_a, name="Ravi", phone="9876543210", role=ContactRole.CHEF)
    contact_update(contact=contact, by=kam_a, title="Head chef")
    pk = contact.pk
    contact_remove(contact=contact, by=kam_a)
    assert not Contact.objects.exists()
    history = Contact.history.filter(id=pk).order_by("history_date")
    assert [(h.history_type, h.history_user) for h in history] == [("+", kam_a), ("~", kam_a), ("-", kam_a)]


def test_unknown_fields_are_a_programming_error(lead, kam_a):
    with pytest.raises(TypeError):
        contact_create(lead=lead, by=kam_a, name="Ravi", phone="9876543210", lead_id=1)
