"""The reactions between apps (kam.reactions): which exist, and that they share the announcer's transaction."""

import pytest
from django.db import transaction

from kam.reactions import LEADS_CHANGED, ORDER_RECORDED, reactions_to
from leads.services import lead_archive
from leads.tests.factories import LeadFactory
from performance.models import AccountPerformance
from performance.tests.factories import AccountPerformanceFactory


def test_every_reaction_is_the_one_the_readme_lists():
    assert reactions_to(LEADS_CHANGED) == [
        "interactions.call_plan.replan_changed_leads",
        "performance.reactions.follow_owner_and_archive",
    ]
    assert reactions_to(ORDER_RECORDED) == ["performance.reactions.refresh_after_order"]


@pytest.mark.django_db
def test_a_reaction_rolls_back_with_the_write_that_announced_it(kam_a):
    lead = LeadFactory(owner=kam_a)
    AccountPerformanceFactory(lead=lead)

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        lead_archive(lead=lead, by=kam_a)
        assert AccountPerformance.objects.get(lead=lead).is_archived
        raise Abort

    assert not AccountPerformance.objects.get(lead=lead).is_archived
