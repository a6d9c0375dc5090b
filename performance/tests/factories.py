import factory

from leads.tests.factories import LeadFactory
from performance.models import AccountPerformance, Classification


class AccountPerformanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccountPerformance

    lead = factory.SubFactory(LeadFactory)
    classification = Classification.STEADY
    score = 60
    reasons = factory.LazyFunction(lambda: ["orders every 7 days as a rule"])
