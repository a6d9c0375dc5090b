"""Every API error answers in one JSON shape with the right status, and no malformed input gives a 500."""

import json

import pytest
from django.test import RequestFactory

from kam.api import errors
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def assert_error(response, status, code=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]


def test_anonymous_gets_401_json_not_a_sign_in_redirect(api_anonymous):
    response = api_anonymous.get("/api/v1/leads/")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_bad_token_is_401(api_anonymous):
    response = api_anonymous.get("/api/v1/leads/", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert_error(response, 401, "token_not_valid")


def test_unknown_url_under_api_is_json_404(api_a):
    assert_error(api_a.get("/api/v1/no-such-thing/"), 404, "not_found")
    # A path id that is not a number never reaches a view.
    assert_error(api_a.get("/api/v1/leads/abc/"), 404, "not_found")


def test_unknown_url_outside_api_is_still_the_html_page(client_a):
    response = client_a.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_object_outside_scope_is_404(api_b, kam_a):
    lead = LeadFactory(owner=kam_a)
    assert_error(api_b.get(f"/api/v1/leads/{lead.pk}/"), 404, "not_found")


def test_405_for_a_method_the_endpoint_does_not_have(api_a, kam_a):
    lead = LeadFactory(owner=kam_a)
    assert_error(api_a.put(f"/api/v1/leads/{lead.pk}/", {}), 405, "method_not_allowed")
    assert_error(api_a.delete("/api/v1/leads/"), 405, "method_not_allowed")


def test_415_for_a_body_that_is_not_json(api_a):
    response = api_a.post("/api/v1/leads/", "name=x", content_type="application/x-www-form-urlencoded")
    assert_error(response, 415, "unsupported_media_type")


def test_400_for_malformed_json(api_a):
    assert_error(api_a.post("/api/v1/leads/", "{bad", content_type="application/json"), 400, "parse_error")
    assert_error(api_a.post("/api/v1/leads/", "[1, 2]", content_type="application/json"), 400, "invalid")
    assert_error(api_a.post("/api/v1/leads/", '"text"', content_type="application/json"), 400, "invalid")


def test_400_with_field_errors(api_a):
    error = assert_error(api_a.post("/api/v1/leads/", {"city": "Pune"}), 400, "invalid")
    assert "name" in error["fields"]
    assert error["fields"]["name"] == ["This field is required."]


@pytest.mark.parametrize(
    "body",
    [
        {"name": "Nul\x00byte", "city": "Pune"},
        {"name": "X", "city": "Pune", "call_frequency_days": 10**30},
        {"name": "X", "city": "Pune", "call_frequency_days": "seven"},
        {"name": "X", "city": "Pune", "call_frequency_days": 1.5},
        {"name": ["a", "list"], "city": "Pune"},
        {"name": "X", "city": "Pune", "time_zone": "Mars/Olympus"},
        {"name": "X", "city": "Pune", "calling_windows": "always"},
        {"name": "X", "city": "Pune", "calling_windows": [["25:00", "26:00"]]},
        {"name": "X", "city": "Pune", "calling_windows": [["12:00", "10:00"]]},
        {"name": "X", "city": "Pune", "calling_windows": 5},
        {"name": "X", "city": "Pune", "calling_windows": [[None, {}]]},
        {"name": "X", "city": "Pune", "country": "Z1"},
        {"name": "X", "city": "Pune", "closed_weekday": 9},
        {"name": "X" * 151, "city": "Pune"},
    ],
)
def test_malformed_lead_bodies_are_400(api_a, body):
    error = assert_error(api_a.post("/api/v1/leads/", body), 400, "invalid")
    assert error["fields"]


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "page=0",
        "page=-1",
        "page=99999999999999999999999",
        "page_size=abc",
        "page_size=100000",
        "status=bogus",
        "owner=abc",
        "owner=99999999999999999999999",
        "due=yesterday",
        "ordering=password",
        "search=%00",
        "city=%00",
        "archived=maybe",
        "classification=excellent",
    ],
)
def test_malformed_lead_filters_are_400(api_a, query):
    assert_error(api_a.get(f"/api/v1/leads/?{query}"), 400, "invalid")


def test_a_page_past_the_end_is_404(api_a, kam_a):
    LeadFactory(owner=kam_a)
    assert_error(api_a.get("/api/v1/leads/?page=5"), 404, "not_found")


@pytest.mark.parametrize(
    "query",
    ["date_from=2026-13-01", "date_to=yesterday", "date_from=9999-12-31", "date_to=0001-01-01", "kind=fax"],
)
def test_malformed_interaction_filters_are_400(api_a, query):
    assert_error(api_a.get(f"/api/v1/interactions/?{query}"), 400, "invalid")


@pytest.mark.parametrize(
    "occurred_at", ["yesterday", "2026-02-30T10:00:00Z", "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", 12]
)
def test_bad_instants_are_400(api_a, kam_a, occurred_at):
    lead = LeadFactory(owner=kam_a)
    body = {"lead": lead.pk, "kind": "note", "occurred_at": occurred_at}
    error = assert_error(api_a.post("/api/v1/interactions/", body), 400, "invalid")
    assert "occurred_at" in error["fields"]


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-1", "1e400", "12.345", "abc", True, "99999999999"])
def test_bad_amounts_are_400(api_a, kam_a, amount):
    lead = LeadFactory(owner=kam_a)
    error = assert_error(api_a.post("/api/v1/orders/", {"lead": lead.pk, "amount": amount}), 400, "invalid")
    assert "amount" in error["fields"]


def test_huge_path_ids_are_404(api_a):
    assert_error(api_a.get("/api/v1/leads/99999999999999999999999999/"), 404, "not_found")
    assert_error(api_a.post("/api/v1/leads/99999999999999999999999999/transition/", {"status": "won"}), 404)


def test_too_large_a_body_is_413(api_a, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"name": "x" * 2000, "city": "Pune"})
    assert_error(api_a.post("/api/v1/leads/", body, content_type="application/json"), 413, "payload_too_large")


def test_django_level_handlers_answer_json_under_api_and_html_elsewhere():
    factory = RequestFactory()
    api_500 = errors.server_error(factory.get("/api/v1/leads/"))
    assert api_500.status_code == 500
    assert json.loads(api_500.content)["error"]["code"] == "server_error"
    page_500 = errors.server_error(factory.get("/leads/"))
    assert page_500.status_code == 500
    assert page_500["Content-Type"].startswith("text/html")
    for handler, status in ((errors.bad_request, 400), (errors.permission_denied, 403)):
        response = handler(factory.get("/api/v1/me/"), Exception())
        assert response.status_code == status
        assert json.loads(response.content)["error"]["message"]


def test_a_missing_trailing_slash_gets_a_hint_not_a_redirect(api_a):
    error = assert_error(api_a.post("/api/v1/leads", {"name": "X", "city": "Pune"}), 404, "not_found")
    assert "/api/v1/leads/" in error["message"]


def test_unknown_api_urls_are_json_even_with_debug_on(api_a, settings):
    settings.DEBUG = True
    assert_error(api_a.get("/api/v2/anything"), 404, "not_found")


def test_unknown_api_urls_are_404_for_every_method_even_without_a_csrf_token(kam_a):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(kam_a)
    for method in ("post", "patch", "delete", "put"):
        response = getattr(client, method)("/api/v1/contacts/%C2%84/")
        assert_error(response, 404, "not_found")
