import datetime as dt

import factory

from interactions.models import Order
from leads.models import LeadStatus
from leads.tests.factories import LeadFactory
from performance.models import AccountPerformance, Classification, ClassificationChange


class AccountPerformanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccountPerformance

    lead = factory.SubFactory(LeadFactory)
    # As the recompute writes them: copies of the lead's.
    owner = factory.LazyAttribute(lambda row: row.lead.owner)
    is_archived = factory.LazyAttribute(lambda row: row.lead.is_archived)
    classification = Classification.STEADY
    score = 60
    reasons = factory.LazyFunction(lambda: ["orders every 7 days as a rule"])


class ClassificationChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClassificationChange

    lead = factory.SubFactory(LeadFactory)
    from_classification = Classification.STEADY
    to_classification = Classification.AT_RISK
    reasons = factory.LazyFunction(lambda: ["value −30% against the previous 4 weeks"])


def won_account(*, owner, now, connected_days_ago: float | None = 1, **kwargs):
    """A won restaurant whose last connected call was `connected_days_ago` days before `now`."""
    connected = None if connected_days_ago is None else now - dt.timedelta(days=connected_days_ago)
    return LeadFactory(owner=owner, status=LeadStatus.WON, last_connected_call_at=connected, **kwargs)


def place_orders(lead, orders, *, now, credited_to=None) -> list[Order]:
    """Orders of a shape ((days before now, amount) pairs) for `lead`, in one insert."""
    owner = credited_to or lead.owner
    return Order.objects.bulk_create(
        Order(
            lead=lead,
            placed_at=now - dt.timedelta(days=days),
            amount=amount,
            credited_to=owner,
            recorded_by=owner,
        )
        for days, amount in orders
    )
