"""OpenAPI 3 at /api/schema/, Swagger UI at /api/docs/ from local static files only, every operation
described with request and response examples."""

import re

import pytest
import yaml

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "patch", "put", "delete")


@pytest.fixture
def schema(api_anonymous):
    response = api_anonymous.get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def operations(schema):
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def test_schema_is_openapi_3_and_public(api_anonymous, schema):
    assert schema["openapi"].startswith("3.")
    json_response = api_anonymous.get("/api/schema/?format=json")
    assert json_response.status_code == 200
    assert json_response.json()["info"]["title"] == "KAM API"


def test_schema_lists_the_contract_paths(schema):
    for path in (
        "/api/v1/auth/token/",
        "/api/v1/auth/token/refresh/",
        "/api/v1/me/",
        "/api/v1/leads/",
        "/api/v1/leads/{id}/",
        "/api/v1/leads/{id}/transition/",
        "/api/v1/contacts/",
        "/api/v1/contacts/{id}/",
        "/api/v1/interactions/",
        "/api/v1/orders/",
    ):
        assert path in schema["paths"], path


def test_every_operation_has_a_summary_and_examples(schema):
    missing = []
    for path, method, operation in operations(schema):
        if not operation.get("summary"):
            missing.append(f"{method} {path}: summary")
        body = operation.get("requestBody")
        if body and not any(media.get("examples") for media in body["content"].values()):
            missing.append(f"{method} {path}: request example")
        success = {code: r for code, r in operation["responses"].items() if code.startswith("2")}
        has_body = [r for r in success.values() if r.get("content")]
        if has_body and not any(media.get("examples") for r in has_body for media in r["content"].values()):
            missing.append(f"{method} {path}: response example")
        for code, response in operation["responses"].items():
            if code.startswith(("4", "5")):
                schema_ref = response["content"]["application/json"]["schema"]["$ref"]
                assert schema_ref == "#/components/schemas/Error", (path, method, code)
    assert not missing, missing


def test_errors_and_retries_are_documented(schema):
    create = schema["paths"]["/api/v1/leads/"]["post"]
    assert {"201", "400", "401", "415", "422", "429"} <= set(create["responses"])
    assert "Location" in create["responses"]["201"]["headers"]
    assert "Retry-After" in create["responses"]["429"]["headers"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in create["parameters"])
    transition = schema["paths"]["/api/v1/leads/{id}/transition/"]["post"]
    assert {"200", "404", "409"} <= set(transition["responses"])
    assert "jwtAuth" in schema["components"]["securitySchemes"]


def test_lead_patch_cannot_write_status_or_owner(schema):
    patch_body = schema["components"]["schemas"]["PatchedLeadRequest"]["properties"]
    assert "status" not in patch_body
    assert "owner" not in patch_body
    lead = schema["components"]["schemas"]["Lead"]["properties"]
    for field in ("id", "name", "city", "status", "owner", "time_zone", "call_frequency_days", "last_call_at"):
        assert field in lead
    assert "next_call_due" in lead


def test_docs_page_uses_only_local_static_files(api_anonymous):
    response = api_anonymous.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls
    for url in urls:
        assert url.startswith("/"), f"{url} is not served by us"
        assert not url.startswith("//")
    assert "http://" not in html and "https://" not in html
    for url in urls:
        if url.startswith("/static/"):
            # The sidecar's files are really there to be served (found by the staticfiles finders).
            from django.contrib.staticfiles import finders

            assert finders.find(url.removeprefix("/static/")), url


def test_docs_script_is_served_and_points_at_our_schema(api_anonymous):
    response = api_anonymous.get("/api/docs/?script=")
    assert response.status_code == 200
    assert "/api/schema/" in response.content.decode()


def test_docs_and_schema_are_not_redirected_to_sign_in(client):
    assert client.get("/api/docs/").status_code == 200
    assert client.get("/api/schema/").status_code == 200
