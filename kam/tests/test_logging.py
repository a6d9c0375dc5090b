"""Request ids and structured logs: the id reaches the response header and every log line of the request."""

import io
import json
import logging

import pytest

from kam.logging import JsonFormatter, RequestIdFilter
from kam.tasks import ping
from kam.tests.production import run_python


@pytest.fixture
def json_lines():
    """Capture records as production formats them (the real filter and formatter on a handler at the root)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)


def test_a_request_gets_an_id_in_the_response(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert len(first) == 32
    assert first != second


def test_the_proxy_request_id_is_kept(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a.42")
    assert response["X-Request-ID"] == "lb-7f3a.42"


@pytest.mark.parametrize("forged", ["two words", "x" * 129, "id\nlevel=ERROR", "<script>"])
def test_a_request_id_that_is_not_a_short_token_is_replaced(client, forged):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=forged)
    assert response["X-Request-ID"] != forged
    assert len(response["X-Request-ID"]) == 32


def test_the_access_log_line_is_json_with_the_request_id(client, json_lines):
    client.get("/accounts/login/", HTTP_X_REQUEST_ID="req-123")
    access = [line for line in json_lines() if line["logger"] == "kam.request"]
    assert len(access) == 1
    line = access[0]
    assert line["request_id"] == "req-123"
    assert line["level"] == "INFO"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/accounts/login/", 200)
    assert line["duration_ms"] >= 0
    assert "time" in line


@pytest.mark.django_db
def test_log_lines_written_during_a_request_carry_its_id(client, json_lines, settings):
    # /readyz logs a warning from inside the view when a check fails: it must carry the request's id. (Redis down
    # leaves the instance ready, "degraded" with 200, so the access line of a passing probe stays quiet.)
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    client.get("/readyz", HTTP_X_REQUEST_ID="req-456")
    lines = json_lines()
    assert {line["logger"] for line in lines if line.get("request_id") == "req-456"} == {"kam.health"}
    assert all(line["request_id"] is None for line in lines if line.get("request_id") != "req-456")


def test_health_probes_are_not_logged_when_they_pass(client, json_lines):
    client.get("/healthz")
    assert json_lines() == []


def test_a_task_log_line_carries_the_task_id_and_name(json_lines):
    result = ping.delay()
    assert result.get(timeout=10) == "pong"
    (line,) = [line for line in json_lines() if line["logger"] == "kam.tasks"]
    assert line["message"] == "pong"
    assert line["task_id"] == result.id
    assert line["task_name"] == "kam.tasks.ping"


@pytest.mark.worker
def test_ping_goes_through_a_real_worker(celery_worker):
    assert ping.delay().get(timeout=30) == "pong"


def test_production_settings_log_json_lines_with_the_request_id():
    code = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "Client().get('/accounts/login/', HTTP_HOST='kam.example.com', HTTP_X_REQUEST_ID='prod-1')\n"
    )
    # Python warnings (whitenoise: no collected static files here) are not log records; keep stderr to the logs.
    result = run_python(code, DATABASE_URL="sqlite:///:memory:", PYTHONWARNINGS="ignore")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    access = [line for line in lines if line["logger"] == "kam.request"]
    # DEBUG off: plain HTTP is redirected to HTTPS, and the redirect is logged with the id.
    assert [(line["status"], line["request_id"]) for line in access] == [(301, "prod-1")]


def test_development_settings_keep_the_plain_format():
    code = "import django, logging; django.setup(); logging.getLogger('kam').warning('hello there')\n"
    result = run_python(code, DEBUG="1", DATABASE_URL="sqlite:///:memory:")
    assert result.returncode == 0, result.stderr
    (line,) = result.stderr.splitlines()
    assert line.endswith("WARNING kam hello there")
    assert not line.startswith("{")
