import pytest

from contacts.tests.factories import ContactFactory
from leads.models import Lead, LeadStatus
from leads.selectors import DuplicateMatch, lead_duplicates, lead_status_counts, normalise_phone
from leads.tests.factories import LeadFactory


@pytest.mark.parametrize("typed", ["+91 98765 43210", "098765 43210", "9876543210", "+919876543210", "98765-43210"])
def test_a_phone_typed_any_usual_way_finds_the_lead(kam_a, typed):
    lead = LeadFactory(owner=kam_a)
    ContactFactory(lead=lead, phone="+919876543210")
    assert lead_duplicates(user=kam_a, phones=[typed]) == [DuplicateMatch(reason="phone", lead=lead)]


def test_the_same_name_in_the_same_city_is_found_whatever_the_case_and_spacing(kam_a):
    lead = LeadFactory(owner=kam_a, name="Dosa Plaza", city="Pune")
    LeadFactory(owner=kam_a, name="Dosa Plaza", city="Mumbai")  # another city: a chain, not a duplicate

    matches = lead_duplicates(user=kam_a, name="  dosa   PLAZA ", city="pune")

    assert matches == [DuplicateMatch(reason="name", lead=lead)]


def test_an_invisible_match_says_only_why(kam_a, kam_b):
    theirs = LeadFactory(owner=kam_b, name="Dosa Plaza", city="Pune")
    ContactFactory(lead=LeadFactory(owner=kam_b), phone="+919876543210")
    ContactFactory(lead=LeadFactory(owner=kam_b), phone="+919876543210")

    matches = lead_duplicates(user=kam_a, name="Dosa Plaza", city="Pune", phones=["98765 43210"])

    # Two leads share the phone, yet one anonymous match per reason: not even the count leaks.
    assert matches == [DuplicateMatch(reason="name", lead=None), DuplicateMatch(reason="phone", lead=None)]
    assert not any(m.is_visible for m in matches)
    assert lead_duplicates(user=kam_b, name="Dosa Plaza", city="Pune") == [DuplicateMatch(reason="name", lead=theirs)]


def test_a_manager_sees_the_team_match_by_name(manager, kam_a):
    lead = LeadFactory(owner=kam_a, name="Dosa Plaza", city="Pune")
    assert lead_duplicates(user=manager, name="Dosa Plaza", city="Pune") == [DuplicateMatch(reason="name", lead=lead)]


def test_archived_leads_count_and_the_lead_itself_does_not(kam_a):
    archived = LeadFactory(owner=kam_a, name="Dosa Plaza", city="Pune", is_archived=True)
    itself = LeadFactory(owner=kam_a, name="Dosa Plaza", city="Pune")
    assert lead_duplicates(user=kam_a, name="Dosa Plaza", city="Pune", exclude_pk=itself.pk) == [
        DuplicateMatch(reason="name", lead=archived)
    ]


def test_a_phone_match_wins_over_a_name_match_for_the_same_lead(kam_a):
    lead = LeadFactory(owner=kam_a, name="Dosa Plaza", city="Pune")
    ContactFactory(lead=lead, phone="+919876543210")
    assert lead_duplicates(user=kam_a, name="Dosa Plaza", city="Pune", phones=["9876543210"]) == [
        DuplicateMatch(reason="phone", lead=lead)
    ]


def test_nothing_to_compare_finds_nothing(kam_a, django_assert_num_queries):
    ContactFactory(lead=LeadFactory(owner=kam_a), phone="+919876543210")
    with django_assert_num_queries(0):
        assert lead_duplicates(user=kam_a, name="", city="Pune", phones=["not a phone", "", None]) == []


def test_normalise_phone():
    assert normalise_phone("098765 43210") == "+919876543210"
    assert normalise_phone("+971 50 123 4567") == "+971501234567"
    assert normalise_phone("12345") is None
    assert normalise_phone("call me") is None


def test_status_counts_cover_every_status(kam_a):
    LeadFactory.create_batch(2, owner=kam_a, status=LeadStatus.CONTACTED)
    LeadFactory(owner=kam_a, status=LeadStatus.WON)
    counts = lead_status_counts(queryset=Lead.objects.visible_to(kam_a))
    assert counts == {"new": 0, "contacted": 2, "qualified": 0, "negotiation": 0, "won": 1, "lost": 0}
