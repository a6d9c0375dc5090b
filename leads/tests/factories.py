import factory

from kam.tests.factories import UserFactory
from leads.models import Lead, LeadAssignment, LeadStatus, LeadStatusChange


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    name = factory.Sequence(lambda n: f"Restaurant {n}")
    city = "Bengaluru"
    state = "Karnataka"
    country = "IN"
    time_zone = "Asia/Kolkata"
    status = LeadStatus.NEW
    owner = factory.SubFactory(UserFactory)
    call_frequency_days = 7


class LeadStatusChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LeadStatusChange

    lead = factory.SubFactory(LeadFactory)
    from_status = LeadStatus.NEW
    to_status = LeadStatus.CONTACTED
    changed_by = factory.SelfAttribute("lead.owner")


class LeadAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LeadAssignment

    lead = factory.SubFactory(LeadFactory)
    from_owner = None
    to_owner = factory.SelfAttribute("lead.owner")
    assigned_by = factory.SelfAttribute("lead.owner")
