import factory

from contacts.models import Contact, ContactRole
from leads.tests.factories import LeadFactory


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    lead = factory.SubFactory(LeadFactory)
    name = factory.Faker("name")
    role = ContactRole.OWNER
    phone = factory.Sequence(lambda n: f"+9198{n:08d}")
    email = factory.Sequence(lambda n: f"contact{n}@example.com")
