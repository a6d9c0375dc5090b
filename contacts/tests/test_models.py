import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from contacts.models import Contact
from contacts.tests.factories import ContactFactory
from leads.tests.factories import LeadFactory


def test_one_primary_contact_per_lead(db):
    lead = LeadFactory()
    ContactFactory(lead=lead, is_primary=True)
    ContactFactory(lead=lead, is_primary=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        ContactFactory(lead=lead, is_primary=True)
    ContactFactory(is_primary=True)  # another lead's primary is fine


def test_phone_is_stored_in_e164(db):
    contact = ContactFactory(phone="098765 43210")
    assert Contact.objects.values_list("phone", flat=True).get(pk=contact.pk) == "+919876543210"
    assert contact.whatsapp_url == "https://wa.me/919876543210"


def test_invalid_phone_is_refused_with_a_message(db):
    contact = ContactFactory.build(lead=LeadFactory(), phone="12345")
    with pytest.raises(ValidationError) as excinfo:
        contact.full_clean()
    assert "phone" in excinfo.value.message_dict


def test_a_contact_needs_a_phone_or_an_email(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(lead=LeadFactory(), name="Nobody", phone="", email="")
