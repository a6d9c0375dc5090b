"""Named users for every test (the KAM who owns things, a second KAM who must see nothing of theirs, their
manager, another team's manager, an admin) and signed-in clients for pages and the API."""

import datetime as dt
import os
import socket
from urllib.parse import urlsplit

import pytest
import time_machine
from rest_framework.test import APIClient

from kam.models import Role
from kam.tests.factories import UserFactory

NEEDS_POSTGRESQL = (
    "needs PostgreSQL (row locks, its query plans): set DATABASE_URL=postgres://postgres@127.0.0.1:5432/kam "
    "(README, Tests)"
)


# The fault suite starts and stops its own PostgreSQL, Redis, gunicorn and Celery: only `make faults` runs it.
collect_ignore = [] if os.environ.get("KAM_FAULT_SUITE") == "1" else ["tests/faults"]


def _redis_answers(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def pytest_collection_modifyitems(config, items):
    """README's fresh machine has neither PostgreSQL nor Redis: the tests that need one skip there, saying what to
    set, and every other test runs. CI sets KAM_REQUIRE_SERVICES=1 on its PostgreSQL run, so a service that went
    missing fails the run instead of quietly skipping what it should have tested."""
    from django.conf import settings
    from django.db import connection

    wants_postgresql = [item for item in items if item.get_closest_marker("postgresql")]
    wants_redis = [item for item in items if item.get_closest_marker("redis") or item.get_closest_marker("worker")]
    missing = {}
    if wants_postgresql and connection.vendor != "postgresql":
        missing["postgresql"] = (wants_postgresql, NEEDS_POSTGRESQL)
    if wants_redis and not _redis_answers(settings.TEST_REDIS_URL):
        reason = (
            f"needs Redis (a real broker or cache) and none answers at {settings.TEST_REDIS_URL}: start one on "
            "127.0.0.1:6379 or set TEST_REDIS_URL=redis://host:port/15 (README, Tests)"
        )
        missing["redis"] = (wants_redis, reason)
    if missing and os.environ.get("KAM_REQUIRE_SERVICES") == "1":
        raise pytest.UsageError("KAM_REQUIRE_SERVICES=1, but: " + "; ".join(r for _, r in missing.values()))
    for needing, reason in missing.values():
        for item in needing:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True, scope="session")
def _test_clock():
    """`KAM_TEST_CLOCK=2027-03-01T18:45:00+00:00 make test` runs the suite as if on that instant (here just after
    midnight in India), to show that no test depends on the day or the hour it runs. Tests that travel in time
    themselves still do, from there."""
    when = os.environ.get("KAM_TEST_CLOCK")
    if not when:
        yield
        return
    with time_machine.travel(dt.datetime.fromisoformat(when), tick=True):
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    """Cached values (API throttle counters above all) never leak from one test into the next."""
    from django.core.cache import cache

    from kam.api.throttles import throttle_cache

    cache.clear()
    throttle_cache.clear()


@pytest.fixture
def manager(db):
    return UserFactory(username="manager", role=Role.MANAGER, time_zone="Asia/Kolkata")


@pytest.fixture
def other_manager(db):
    return UserFactory(username="other_manager", role=Role.MANAGER, time_zone="Asia/Dubai")


@pytest.fixture
def kam_a(manager):
    return UserFactory(username="kam_a", role=Role.KAM, manager=manager, time_zone="Asia/Kolkata")


@pytest.fixture
def kam_b(other_manager):
    return UserFactory(username="kam_b", role=Role.KAM, manager=other_manager, time_zone="Asia/Dubai")


@pytest.fixture
def teammate(manager):
    """Another KAM in kam_a's team: same manager, still sees none of kam_a's accounts."""
    return UserFactory(username="teammate", role=Role.KAM, manager=manager, time_zone="Asia/Kolkata")


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", role=Role.ADMIN)


def _client_for(client_class, user):
    client = client_class()
    client.force_login(user)
    return client


@pytest.fixture
def client_a(kam_a):
    from django.test import Client

    return _client_for(Client, kam_a)


@pytest.fixture
def client_b(kam_b):
    from django.test import Client

    return _client_for(Client, kam_b)


@pytest.fixture
def manager_client(manager):
    from django.test import Client

    return _client_for(Client, manager)


@pytest.fixture
def admin_client_kam(admin_user):
    from django.test import Client

    return _client_for(Client, admin_user)


@pytest.fixture
def api_a(kam_a):
    client = APIClient()
    client.force_authenticate(kam_a)
    return client


@pytest.fixture
def api_b(kam_b):
    client = APIClient()
    client.force_authenticate(kam_b)
    return client


@pytest.fixture
def api_manager(manager):
    client = APIClient()
    client.force_authenticate(manager)
    return client


@pytest.fixture
def api_admin(admin_user):
    client = APIClient()
    client.force_authenticate(admin_user)
    return client


@pytest.fixture
def api_anonymous():
    return APIClient()


@pytest.fixture
def celery_worker(transactional_db, settings):
    """A real Celery worker thread consuming from Redis, for tests that must cross the broker.

    Needs `transactional_db` so the worker's own database connection sees committed rows.
    """
    from celery.contrib.testing.worker import start_worker

    from kam.celery import app

    url = settings.TEST_REDIS_URL
    previous = {k: app.conf[k] for k in ("broker_url", "result_backend", "task_always_eager")}
    app.conf.update(broker_url=url, result_backend=url, task_always_eager=False)
    _drop_connection_pools(app)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
            yield worker
    finally:
        app.conf.update(**previous)
        _drop_connection_pools(app)


def _drop_connection_pools(app):
    """Forget what Celery cached for the previous broker and result backend: an earlier eager task leaves a pool
    on memory:// (`.delay()` would keep publishing there) and a disabled result backend (`.get()` would fail)."""
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None
    app._backend_cache = None
    vars(app._local).pop("backend", None)
