import pytest
from django.db import IntegrityError, transaction

from leads.models import Lead, LeadStatus
from leads.tests.factories import LeadAssignmentFactory, LeadFactory, LeadStatusChangeFactory


def _violates(**changes):
    lead = LeadFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Lead.objects.filter(pk=lead.pk).update(**changes)


@pytest.mark.parametrize("frequency", [0, 366])
def test_call_frequency_is_1_to_365_days(db, frequency):
    _violates(call_frequency_days=frequency)


def test_call_frequency_may_be_empty(db):
    lead = LeadFactory(call_frequency_days=None)
    assert lead.call_frequency_days is None


def test_lost_needs_a_reason(db):
    _violates(status=LeadStatus.LOST, lost_reason="")
    lead = LeadFactory(status=LeadStatus.LOST, lost_reason="Closed down")
    assert lead.status == "lost"


def test_status_must_be_known(db):
    _violates(status="maybe")


def test_closed_weekday_is_a_weekday(db):
    _violates(closed_weekday=7)


def test_history_rows_have_useful_names(db):
    change = LeadStatusChangeFactory()
    assignment = LeadAssignmentFactory()
    assert "→ contacted" in str(change)
    assert str(assignment.to_owner) in str(assignment)
    assert str(LeadFactory(name="Dosa Plaza", city="Pune")) == "Dosa Plaza (Pune)"


def test_the_hot_filters_have_indexes():
    names = {index.name for index in Lead._meta.indexes}
    assert {"lead_status_idx", "lead_owner_next_call_idx"} <= names
