"""Issue 14 §1–3 in-process: what a committed write answers when the broker is down, what the API does without
Redis, and what a database outage looks like to users. The same, against real processes that are stopped and
frozen, is the fault suite (tests/faults, `make faults`)."""

import json
import logging
import socket
import time

import pytest
from django.core import mail
from django.db import connection

from interactions.models import Order
from kam.models import Delivery, OutboxMessage
from kam.outbox import deliver_once, enqueue_on_commit, outbox_drain
from kam.tests.production import run_python
from leads.tests.factories import LeadFactory
from performance.models import AccountPerformance


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def broker_down(settings):
    """Celery publishing to a broker that refuses connections, as when Redis is stopped."""
    from kam.celery import app

    previous = {k: app.conf[k] for k in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=f"redis://127.0.0.1:{closed_port()}/0", task_always_eager=False)
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None
    yield app
    app.conf.update(**previous)
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None


# --- §1 a committed write never answers an error ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_order_recorded_while_the_broker_is_down_answers_201_and_its_refresh_waits_in_the_outbox(
    broker_down, api_a, client_a, kam_a, caplog
):
    lead = LeadFactory(owner=kam_a)
    started = time.monotonic()
    response = api_a.post("/api/v1/orders/", {"lead": lead.pk, "amount": "1200.00"}, format="json")
    assert response.status_code == 201, response.content
    page = client_a.post(f"/leads/{lead.pk}/orders/new/", {"amount": "800", "placed_on": _today(kam_a)})
    assert page.status_code == 302
    assert time.monotonic() - started < 5  # a dead broker costs a couple of quick retries, not a hang
    assert Order.objects.filter(lead=lead).count() == 2
    queued = list(OutboxMessage.objects.values_list("task", "args"))
    assert queued == [("performance.tasks.refresh_account_performance", [lead.pk])] * 2
    assert "the outbox sweep will queue it later" in caplog.text

    # The broker is back: the sweep queues what waited (run here in-process, as a worker would run it).
    broker_down.conf.update(task_always_eager=True)
    OutboxMessage.objects.update(created_at=OutboxMessage.objects.first().created_at.replace(year=2000))
    assert _drain_eagerly(broker_down) == 2
    assert not OutboxMessage.objects.exists()
    assert AccountPerformance.objects.get(lead=lead).orders_total == 2


def _today(user) -> str:
    from django.utils import timezone

    return timezone.localtime(timezone.now(), user.zone).date().isoformat()


def _drain_eagerly(app) -> int:
    """outbox_drain with publishing replaced by running the task: the sweep's own logic, no broker needed."""
    from kam import outbox

    original = outbox._publish
    outbox._publish = lambda name, args, kwargs: app.tasks[name].apply(args=args, kwargs=kwargs, throw=True)
    try:
        return outbox_drain()
    finally:
        outbox._publish = original


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_the_sweep_publishes_to_the_broker_once_it_answers_and_leaves_young_rows_alone(broker_down, settings):
    import redis

    def queued_at_broker():
        return redis.Redis.from_url(settings.TEST_REDIS_URL).llen("outbox-test")

    from django.db import transaction

    with transaction.atomic():
        enqueue_on_commit("kam.tasks.ping")
    assert OutboxMessage.objects.count() == 1
    assert outbox_drain() == 0  # too young: its own on-commit callback may still be on its way

    OutboxMessage.objects.update(created_at=OutboxMessage.objects.get().created_at.replace(year=2000))
    assert outbox_drain() == 0  # the broker still refuses: kept, with the error
    row = OutboxMessage.objects.get()
    assert row.attempts == 2 and "Error" in row.last_error

    redis.Redis.from_url(settings.TEST_REDIS_URL).delete("outbox-test")
    broker_down.conf.update(broker_url=settings.TEST_REDIS_URL, task_default_queue="outbox-test")
    broker_down._pool = None
    broker_down.amqp._producer_pool = None
    try:
        assert outbox_drain() == 1
    finally:
        broker_down.conf.update(task_default_queue="celery")
    assert not OutboxMessage.objects.exists()
    assert queued_at_broker() == 1


@pytest.mark.django_db(transaction=True)
def test_a_reassignment_committed_while_the_broker_is_down_still_answers_and_mails_later(
    broker_down, manager_client, kam_a, teammate
):
    lead = LeadFactory(owner=kam_a)
    response = manager_client.post(f"/leads/{lead.pk}/reassign/", {"to": teammate.pk, "reason": "Territory"})
    assert response.status_code == 302
    assert OutboxMessage.objects.get().task == "leads.tasks.send_reassignment_emails"
    broker_down.conf.update(task_always_eager=True)
    OutboxMessage.objects.update(created_at=OutboxMessage.objects.get().created_at.replace(year=2000))
    assert _drain_eagerly(broker_down) == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted([kam_a.email, teammate.email])


@pytest.mark.django_db
def test_an_email_is_delivered_once_and_a_failed_send_is_not_recorded(kam_a):
    sent = []

    def failing():
        raise OSError("mail server down")

    with pytest.raises(OSError):
        deliver_once(kind="test", key="k1", recipient=kam_a, send=failing)
    assert not Delivery.objects.exists()
    assert deliver_once(kind="test", key="k1", recipient=kam_a, send=lambda: sent.append(1)) is True
    assert deliver_once(kind="test", key="k1", recipient=kam_a, send=lambda: sent.append(2)) is False
    assert sent == [1]


# --- §2 the API serves without Redis ------------------------------------------------------------------------------


@pytest.fixture
def redis_cache_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    # Django's setting_changed handler rebuilds the cache handlers for the new CACHES and again afterwards.
    yield


@pytest.mark.django_db
def test_the_api_keeps_serving_without_redis_and_says_so_in_the_log(redis_cache_down, kam_a, api_anonymous, caplog):
    """Issue 14 §2: token, list and create all answered 500 while Redis was down (the throttle counters)."""
    kam_a.set_password("pw-for-tests")
    kam_a.save()
    caplog.set_level(logging.WARNING, logger="kam.api.throttles")
    token = api_anonymous.post("/api/v1/auth/token/", {"username": "kam_a", "password": "pw-for-tests"})
    assert token.status_code == 200
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token.json()['access']}"}
    assert api_anonymous.get("/api/v1/leads/", **auth).status_code == 200
    created = api_anonymous.post("/api/v1/leads/", {"name": "Spice Route", "city": "Pune"}, format="json", **auth)
    assert created.status_code == 201
    assert "the shared cache does not answer" in caplog.text


@pytest.mark.django_db
def test_without_redis_the_limits_still_count_in_the_process(redis_cache_down, settings, api_a):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "2/minute", "anon": "2/minute", "token": "2/minute"},
    }
    assert [api_a.get("/api/v1/me/").status_code for _ in range(3)] == [200, 200, 429]


# --- §3 the database down or stalled ------------------------------------------------------------------------------


def _in_a_process_whose_database_is_down(paths):
    code = (
        "import django, json; django.setup()\n"
        "from django.test import Client\n"
        "out = []\n"
        "client = Client(raise_request_exception=False)\n"
        "client.cookies['sessionid'] = 'a-signed-in-user'  # looking the session up needs the database\n"
        f"for path in {paths!r}:\n"
        "    r = client.get(path, HTTP_HOST='kam.example.com', secure=True)\n"
        "    out.append({'path': path, 'status': r.status_code, 'retry_after': r.get('Retry-After'),\n"
        "                'type': r['Content-Type'], 'body': r.content.decode()[:400]})\n"
        "print(json.dumps(out))\n"
    )
    result = run_python(
        code,
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{closed_port()}/kam_absent",
        STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
    )
    assert result.returncode == 0, result.stderr
    return {row["path"]: row for row in json.loads(result.stdout.strip().splitlines()[-1])}


@pytest.mark.redis
def test_with_the_database_down_users_get_503_with_retry_after_and_liveness_stays_up():
    """Issue 14 §3: every request answered 500. Now 503 with Retry-After: a plain page, or the API's error shape."""
    answers = _in_a_process_whose_database_is_down(["/leads/", "/api/v1/leads/", "/healthz", "/readyz"])
    page, api = answers["/leads/"], answers["/api/v1/leads/"]
    assert (page["status"], page["retry_after"]) == (503, "30")
    assert "briefly unavailable" in page["body"] and page["type"].startswith("text/html")
    assert (api["status"], api["retry_after"]) == (503, "30")
    assert json.loads(api["body"])["error"]["code"] == "unavailable"
    assert answers["/healthz"]["status"] == 200
    assert answers["/readyz"]["status"] == 503


@pytest.mark.postgresql
@pytest.mark.django_db
def test_a_database_that_stops_answering_is_given_up_on_after_the_reply_deadline():
    """A frozen server accepts and never replies, and its statement_timeout cannot fire; the web process's wait
    callback gives up (here on a 3 s sleep with a 0.5 s deadline) and the request becomes a 503."""
    from django.db import OperationalError

    from kam.database import install_reply_deadline, remove_reply_deadline

    raw = connection.get_new_connection(connection.get_connection_params())
    install_reply_deadline(connect_seconds=2, reply_seconds=0.5)
    try:
        started = time.monotonic()
        with pytest.raises(Exception) as excinfo:
            raw.cursor().execute("SELECT pg_sleep(3)")
        assert time.monotonic() - started < 1.5
        assert "did not answer within 0.5 s" in str(excinfo.value)
        assert raw.closed  # psycopg2 closes a connection whose wait failed: nothing half-read is reused
    finally:
        remove_reply_deadline()
    assert issubclass(type(excinfo.value), __import__("psycopg2").OperationalError)
    assert issubclass(OperationalError, Exception)


def test_the_web_process_has_a_statement_timeout_and_workers_do_not():
    web = run_python(
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default'].get('OPTIONS', {}).get('options', ''))",
        KAM_PROCESS="web",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/kam_x",
    )
    worker = run_python(
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default'].get('OPTIONS', {}).get('options', ''))",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/kam_x",
    )
    assert web.stdout.strip() == "-c statement_timeout=3000"
    assert worker.stdout.strip() == ""
