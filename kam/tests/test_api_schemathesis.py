"""Schemathesis over the whole OpenAPI schema, through the WSGI app, as a signed-in manager (who can do all a KAM
can, and reassign): no input gives a 500, and every answer matches what the schema documents.

Generated ids are pointed at real objects about half of the time so the services behind each operation
are reached, not only the 404 path.
"""

import json

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, settings
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.specs.openapi.checks import positive_data_acceptance

from contacts.tests.factories import ContactFactory
from interactions.tests.factories import InteractionFactory, OrderFactory
from leads.tests.factories import LeadFactory
from performance.tests.factories import AccountPerformanceFactory


class _InsideTestTransaction:
    """The Django WSGI app, minus the per-request connection recycling that would end the test's transaction
    (what django.test.Client does too)."""

    def __init__(self):
        self.app = WSGIHandler()

    def __call__(self, environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            response = self.app(environ, start_response)
            try:
                return [b"".join(response)]
            finally:
                response.close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


def _raw_schema() -> dict:
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


schema = schemathesis.openapi.from_dict(_raw_schema())
schema.app = _InsideTestTransaction()

# Which resource an operation's {id} names, by path prefix.
_RESOURCE_OF_PATH = {
    "/api/v1/leads/": "leads",
    "/api/v1/contacts/": "contacts",
    "/api/v1/interactions/": "interactions",
    "/api/v1/orders/": "orders",
}


@pytest.fixture
def world(db, manager, kam_a, teammate, kam_b, settings):
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "100000/minute", "anon": "100000/minute", "token": "100000/minute"},
    }
    leads = [LeadFactory(owner=kam_a, call_frequency_days=7) for _ in range(3)]
    AccountPerformanceFactory(lead=leads[0])
    contacts = [ContactFactory(lead=lead) for lead in leads]
    interactions = [
        InteractionFactory(lead=lead, contact=contact) for lead, contact in zip(leads, contacts, strict=True)
    ]
    orders = [OrderFactory(lead=lead, external_ref=f"EXT-{lead.pk}") for lead in leads]
    LeadFactory(owner=kam_b)  # someone else's: must stay invisible
    return {
        "headers": {"Authorization": f"Bearer {RefreshToken.for_user(manager).access_token}"},
        "ids": {
            "leads": [lead.pk for lead in leads],
            "contacts": [c.pk for c in contacts],
            "interactions": [i.pk for i in interactions],
            "orders": [o.pk for o in orders],
            "kams": [kam_a.pk, teammate.pk],
        },
    }


def _aim_at_real_objects(case, ids):
    """Half of the generated ids (the even ones) become ids of real objects in the requester's scope."""

    def pick(value, pool):
        if isinstance(value, int) and not isinstance(value, bool) and value % 2 == 0:
            return pool[abs(value) % len(pool)]
        return value

    if case.path_parameters and "id" in case.path_parameters:
        resource = next(r for prefix, r in _RESOURCE_OF_PATH.items() if case.path.startswith(prefix))
        case.path_parameters["id"] = pick(case.path_parameters["id"], ids[resource])
    if isinstance(case.body, dict):
        for field, resource in (("lead", "leads"), ("contact", "contacts"), ("kam", "kams"), ("owner", "kams")):
            if field in case.body:
                case.body[field] = pick(case.body[field], ids[resource])
    if isinstance(case.query, dict) and "kam" in case.query:
        case.query["kam"] = pick(case.query["kam"], ids["kams"])


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_schema(case, world):
    _aim_at_real_objects(case, world["ids"])
    # An id that is valid by the schema but not in the requester's scope is refused (400 in a filter or a
    # body, 404 in a path) by design; the schema cannot say which ids a user may see.
    case.call_and_validate(headers=world["headers"], excluded_checks=[positive_data_acceptance])
