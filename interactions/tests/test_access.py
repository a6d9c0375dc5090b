"""Every URL of this app that takes an id: the owner and their manager get in; anyone else gets a 404 and
changes nothing; a stranger is sent to sign in."""

import pytest
from django.test import Client
from django.urls import reverse

from interactions.models import Interaction, Order
from leads.models import Lead
from leads.tests.factories import LeadFactory

PAGES = [
    ("interactions:log", {"kind": "call"}, {"outcome": "connected"}),
    ("interactions:log", {"kind": "visit"}, {"notes": "dropped in"}),
    ("interactions:log", {"kind": "note"}, {"notes": "a note"}),
    ("interactions:order", {}, {"amount": "100", "placed_on": "2026-11-19"}),
    ("interactions:reschedule", {}, {"quick": "1"}),
    ("interactions:timeline", {}, None),
]


@pytest.fixture
def account(kam_a):
    return LeadFactory(owner=kam_a, call_frequency_days=7)


def url_of(name, kwargs, lead):
    return reverse(name, kwargs={"lead_pk": lead.pk, **kwargs})


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(("name", "kwargs", "data"), PAGES)
def test_the_owner_and_their_manager_get_in(name, kwargs, data, account, kam_a, manager, admin_user):
    for user in (kam_a, manager, admin_user):
        assert client_for(user).get(url_of(name, kwargs, account)).status_code == 200, user


@pytest.mark.parametrize(("name", "kwargs", "data"), PAGES)
def test_anyone_else_gets_a_404_and_changes_nothing(name, kwargs, data, account, teammate, kam_b, other_manager):
    before = Lead.objects.values().get(pk=account.pk)
    for user in (teammate, kam_b, other_manager):
        client = client_for(user)
        url = url_of(name, kwargs, account)
        assert client.get(url).status_code == 404, user
        assert client.get(url, HTTP_HX_REQUEST="true").status_code == 404, user
        if data is not None:
            assert client.post(url, data).status_code == 404, user
    assert not Interaction.objects.exists() and not Order.objects.exists()
    assert Lead.objects.values().get(pk=account.pk) == before


@pytest.mark.parametrize(("name", "kwargs", "data"), PAGES)
def test_a_stranger_is_sent_to_sign_in(name, kwargs, data, account):
    url = url_of(name, kwargs, account)
    for response in (Client().get(url), Client().post(url, data or {})):
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not Interaction.objects.exists()


def test_a_missing_lead_is_a_404(client_a):
    assert client_a.get(reverse("interactions:log", kwargs={"lead_pk": 999999, "kind": "call"})).status_code == 404


def test_today_signs_in_first_and_scopes_kam(client_a, kam_b):
    response = Client().get(reverse("today"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert client_a.get(reverse("today"), {"kam": kam_b.pk}).status_code == 404
