"""Walks every API URL pattern that takes an object id, for every method it answers: the owner reaches the
object, another KAM gets 404 (never 403, never the data), an anonymous caller gets 401.

New endpoints are picked up automatically; one whose model has no factory here fails the walk, on purpose.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from contacts.models import Contact
from contacts.tests.factories import ContactFactory
from interactions.models import Interaction, Order
from interactions.tests.factories import InteractionFactory, OrderFactory
from leads.models import Lead
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

WRITE_METHODS = {"post", "patch", "put", "delete"}


def _object_factories(owner):
    return {
        Lead: lambda: LeadFactory(owner=owner),
        Contact: lambda: ContactFactory(lead=LeadFactory(owner=owner)),
        Interaction: lambda: InteractionFactory(lead=LeadFactory(owner=owner)),
        Order: lambda: OrderFactory(lead=LeadFactory(owner=owner)),
    }


def api_object_patterns():
    """(url name, view class, {method: action}) for every /api/ pattern with an argument."""
    found = []

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = pattern.namespace or namespace
                walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                view_class = getattr(pattern.callback, "cls", None)
                if route.startswith(("api/", "^api/")) and pattern.pattern.regex.groups and view_class:
                    actions = dict(getattr(pattern.callback, "actions", None) or {"get": "get"})
                    found.append((f"{namespace}:{pattern.name}", view_class, actions))

    walk(get_resolver().url_patterns, "", None)
    return found


PATTERNS = api_object_patterns()


def test_the_walk_finds_the_object_endpoints():
    names = {name for name, _, _ in PATTERNS}
    assert {"api:lead-detail", "api:lead-transition", "api:contact-detail", "api:order-detail"} <= names


# Endpoints a KAM may never use (403 for any id): walked with the owner's manager and another team's manager.
MANAGERS_ONLY = {"api:lead-reassign"}


@pytest.mark.parametrize("name, view_class, actions", PATTERNS, ids=[p[0] for p in PATTERNS])
def test_owner_reaches_outsider_404_anonymous_401(name, view_class, actions, kam_a, kam_b, manager, other_manager):
    model = view_class.model
    factories = _object_factories(kam_a)
    assert model in factories, f"add a factory for {model.__name__} to this access walk"

    owner, outsider, anonymous = APIClient(), APIClient(), APIClient()
    owner.force_authenticate(manager if name in MANAGERS_ONLY else kam_a)
    outsider.force_authenticate(other_manager if name in MANAGERS_ONLY else kam_b)

    for method in [m for m in list(actions) if m != "head"]:
        obj = factories[model]()  # a fresh object per method: a DELETE must not spoil the next check
        url = reverse(name, args=[obj.pk])

        def call(client, method=method, url=url):
            return getattr(client, method)(url, {}, format="json")

        response = call(outsider)
        assert response.status_code == 404, (method, url, response.content)
        assert response.json()["error"]["code"] == "not_found"

        assert call(anonymous).status_code == 401, (method, url)

        response = call(owner)
        assert response.status_code not in (401, 403, 404, 405), (method, url, response.content)
        if method == "get":
            assert response.status_code == 200
            assert response.json().get("id", obj.pk) == obj.pk or "results" in response.json()

        # The outsider's attempts changed nothing the owner can see (writes were refused before any service).
        if method in WRITE_METHODS and method != "delete":
            assert model.objects.filter(pk=obj.pk).exists()
