"""/api/v1/performance/, /api/v1/performance/team/ and /api/v1/leads/{id}/performance/: the performance page and
the lead page's panel as JSON, through the same FilterSet and selectors, within the requester's scope."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from interactions.tests.factories import InteractionFactory
from leads.tests.factories import LeadFactory
from performance.models import AccountPerformance, Classification
from performance.services import account_performance_refresh
from performance.tests.factories import AccountPerformanceFactory, ClassificationChangeFactory, place_orders

pytestmark = pytest.mark.django_db

URL = "/api/v1/performance/"


def rows(response):
    assert response.status_code == 200, response.content
    return [row["lead_name"] for row in response.json()["results"]]


def test_list_is_the_requesters_scope_neediest_first(api_a, api_manager, kam_a, teammate, kam_b):
    AccountPerformanceFactory(lead=LeadFactory(owner=kam_a, name="Steady"), classification=Classification.STEADY)
    AccountPerformanceFactory(
        lead=LeadFactory(owner=kam_a, name="Sinking"), classification=Classification.UNDERPERFORMING
    )
    AccountPerformanceFactory(lead=LeadFactory(owner=teammate, name="Teammate's"), classification="at_risk")
    AccountPerformanceFactory(lead=LeadFactory(owner=kam_b, name="Hidden"))
    AccountPerformanceFactory(lead=LeadFactory(owner=kam_a, name="Archived", is_archived=True))
    assert rows(api_a.get(URL)) == ["Sinking", "Steady"]
    assert rows(api_manager.get(URL)) == ["Sinking", "Teammate's", "Steady"]


def test_filters_classification_owner_search_ordering(api_manager, kam_a, teammate):
    AccountPerformanceFactory(lead=LeadFactory(owner=kam_a, name="Alpha"), classification="at_risk", score=40)
    AccountPerformanceFactory(lead=LeadFactory(owner=kam_a, name="Bravo"), classification="steady", score=70)
    AccountPerformanceFactory(lead=LeadFactory(owner=teammate, name="Charlie"), classification="at_risk", score=30)
    assert rows(api_manager.get(f"{URL}?classification=at_risk")) == ["Alpha", "Charlie"]
    assert rows(api_manager.get(f"{URL}?owner={teammate.pk}")) == ["Charlie"]
    assert rows(api_manager.get(f"{URL}?search=brav")) == ["Bravo"]
    assert rows(api_manager.get(f"{URL}?ordering=-score")) == ["Bravo", "Alpha", "Charlie"]


@pytest.mark.parametrize("query", ["classification=great", "owner=abc", "ordering=secret", "page=0"])
def test_bad_filters_are_400(api_a, query):
    response = api_a.get(f"{URL}?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]


def test_owner_filter_outside_scope_is_400(api_a, kam_b):
    assert api_a.get(f"{URL}?owner={kam_b.pk}").status_code == 400


def test_row_fields(api_a, kam_a):
    lead = LeadFactory(owner=kam_a, name="Spice Route")
    AccountPerformanceFactory(lead=lead, classification="at_risk", score=48, value_at_risk=Decimal("1200.50"))
    row = api_a.get(URL).json()["results"][0]
    assert (row["lead"], row["lead_name"], row["owner"]) == (lead.pk, "Spice Route", kam_a.pk)
    assert (row["classification"], row["score"], row["value_at_risk"]) == ("at_risk", 48, "1200.50")
    assert row["reasons"] == ["orders every 7 days as a rule"]


def test_list_query_count_does_not_grow_with_rows(api_manager, kam_a, teammate):
    def count(n):
        AccountPerformance.objects.all().delete()
        for i in range(n):
            AccountPerformanceFactory(lead=LeadFactory(owner=kam_a if i % 2 else teammate))
        with CaptureQueriesContext(connection) as queries:
            assert len(api_manager.get(URL).json()["results"]) == n
        return len(queries)

    assert count(1) == count(10)


def test_team_for_a_manager(api_manager, kam_a, teammate, kam_b):
    now = timezone.now()
    AccountPerformanceFactory(lead=LeadFactory(owner=kam_a), classification="at_risk")
    AccountPerformanceFactory(lead=LeadFactory(owner=kam_a), classification="steady")
    lead = LeadFactory(owner=teammate)
    place_orders(lead, [(3, Decimal("500")), (40, Decimal("900"))], now=now)
    InteractionFactory(lead=lead, occurred_at=now - dt.timedelta(days=1))
    AccountPerformanceFactory(lead=LeadFactory(owner=kam_b))
    body = api_manager.get(f"{URL}team/").json()
    by_kam = {row["kam"]["username"]: row for row in body["rows"]}
    assert set(by_kam) == {"kam_a", "teammate"}
    assert by_kam["kam_a"]["accounts"] == 2
    assert by_kam["kam_a"]["classes"]["at_risk"] == 1
    assert by_kam["kam_a"]["slipping"] == 1
    assert (by_kam["teammate"]["orders"], by_kam["teammate"]["order_value"]) == (1, "500.00")
    assert by_kam["teammate"]["calls_made"] == 1
    assert body["calls_window"]["end"].endswith("Z")


def test_team_for_a_kam_is_their_own_row(api_a, kam_a):
    body = api_a.get(f"{URL}team/").json()
    assert [row["kam"]["id"] for row in body["rows"]] == [kam_a.pk]


def test_lead_performance(api_a, kam_a):
    now = timezone.now()
    lead = LeadFactory(owner=kam_a)
    place_orders(lead, [(2, Decimal("1000")), (9, Decimal("1200")), (16, Decimal("900"))], now=now)
    account_performance_refresh(lead_id=lead.pk, now=now)
    ClassificationChangeFactory(lead=lead)
    response = api_a.get(f"/api/v1/leads/{lead.pk}/performance/")
    assert response.status_code == 200
    body = response.json()
    assert body["lead"] == lead.pk
    assert body["performance"]["orders_total"] == 3
    assert body["performance"]["classification"] in Classification.values
    assert body["history"][0]["to_classification"] == "at_risk"
    pattern = body["ordering_pattern"]
    assert len(pattern["weeks"]) == 26
    assert sum(week["orders"] for week in pattern["weeks"]) == 3
    assert pattern["time_zone"] == "Asia/Kolkata"


def test_lead_performance_before_any_computation(api_a, kam_a):
    lead = LeadFactory(owner=kam_a)
    body = api_a.get(f"/api/v1/leads/{lead.pk}/performance/").json()
    assert body == {"lead": lead.pk, "performance": None, "history": [], "ordering_pattern": None}


def test_another_kam_gets_404_on_a_leads_performance(api_b, kam_a):
    lead = LeadFactory(owner=kam_a)
    AccountPerformanceFactory(lead=lead)
    assert api_b.get(f"/api/v1/leads/{lead.pk}/performance/").status_code == 404
    assert rows(api_b.get(URL)) == []
