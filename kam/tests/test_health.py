"""/healthz (the process answers) and /readyz (the database and Redis answer), against the real services."""

import json
import socket

import pytest

from kam.tests.production import run_python


def closed_port() -> int:
    """A local port nothing listens on: bind it, note it, release it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_healthz_answers_without_sign_in_and_without_the_database(client):
    # No db fixture: pytest-django makes any database access raise, so a 200 proves /healthz never touches it.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_health_endpoints_still_check_the_host(client, settings):
    settings.ALLOWED_HOSTS = ["kam.example.com"]
    assert client.get("/healthz", HTTP_HOST="evil.example.net").status_code == 400
    assert client.get("/healthz", HTTP_HOST="kam.example.com").status_code == 200


def test_health_endpoints_are_read_only(client):
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz").status_code == 405


def test_probes_are_not_redirected_to_https_but_pages_are(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301


@pytest.mark.redis
@pytest.mark.django_db
def test_readyz_ok_when_database_and_redis_answer(client, settings):
    settings.REDIS_URL = settings.TEST_REDIS_URL
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


@pytest.mark.django_db
def test_readyz_says_redis_is_not_configured_and_stays_ready(client, settings):
    # make run: no Redis at all, tasks run in-process. That is a valid setup, not an outage.
    settings.REDIS_URL = ""
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "not configured"}


@pytest.mark.django_db
def test_readyz_stays_ready_and_says_degraded_when_redis_is_down(client, settings):
    """Issue 14 §2: a web process serves without Redis (throttles count per process, queued work waits in the
    outbox), so Redis down must not take every instance out of the load balancer: 200, "degraded"."""
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["degraded"] == ["redis"]
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("error: ")


@pytest.mark.django_db
def test_readyz_answers_within_a_second_whatever_hangs(client, settings):
    """Issue 14 §3: a dependency that accepts the connection and never answers (a frozen Redis here: a socket that
    listens and never replies) must not hang the probe past the load balancer's timeout."""
    import time

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        settings.REDIS_URL = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        started = time.monotonic()
        response = client.get("/readyz")
        elapsed = time.monotonic() - started
    assert elapsed < 1.0
    assert response.status_code == 200
    assert response.json()["checks"]["redis"] == "error: timeout"


@pytest.mark.redis
def test_readyz_is_503_and_names_the_database_when_it_is_down():
    # A separate process whose database is a closed port: the real driver fails to connect, nothing is mocked.
    code = (
        "import django, json; django.setup()\n"
        "from django.test import Client\n"
        "r = Client().get('/readyz', HTTP_HOST='kam.example.com')\n"
        "print(json.dumps({'status': r.status_code, 'body': json.loads(r.content)}))\n"
    )
    result = run_python(code, DATABASE_URL=f"postgres://postgres@127.0.0.1:{closed_port()}/kam_absent")
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["status"] == 503
    assert outcome["body"]["failing"] == ["database"]
    assert outcome["body"]["checks"]["database"] == "error: OperationalError"
    assert outcome["body"]["checks"]["redis"] == "ok"
