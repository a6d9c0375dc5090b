from decimal import Decimal

import factory
from django.utils import timezone

from interactions.models import CallOutcome, Interaction, InteractionKind, Order
from leads.tests.factories import LeadFactory


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    lead = factory.SubFactory(LeadFactory)
    performed_by = factory.SelfAttribute("lead.owner")
    kind = InteractionKind.CALL
    outcome = CallOutcome.CONNECTED
    occurred_at = factory.LazyFunction(timezone.now)


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    lead = factory.SubFactory(LeadFactory)
    placed_at = factory.LazyFunction(timezone.now)
    amount = Decimal("12500.00")
    item_count = 12
    credited_to = factory.SelfAttribute("lead.owner")
    recorded_by = factory.SelfAttribute("lead.owner")
