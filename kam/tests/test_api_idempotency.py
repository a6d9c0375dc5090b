"""Idempotency-Key: a retried POST returns the first answer and creates nothing; a reused key with another
body is refused; keys are per user, survive at least 24 hours, and are purged after their time to live."""

import datetime as dt
import io
import json
import threading
import time

import psycopg2
import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from interactions.models import Interaction, Order
from kam.api.idempotency import request_fingerprint
from kam.models import IdempotencyKey
from kam.tasks import purge_idempotency_keys
from leads.models import Lead
from leads.tests.factories import LeadFactory

KEY = "2f1c7a4e-7d0a-4a51-9b8f-0a3c5b1e9d11"


def post(client, url, body, key=KEY):
    return client.post(url, json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.django_db
def test_a_retry_returns_the_first_response_and_creates_nothing(api_a):
    body = {"name": "Spice Route", "city": "Pune"}
    first = post(api_a, "/api/v1/leads/", body)
    assert first.status_code == 201
    retry = post(api_a, "/api/v1/leads/", body)
    assert retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Location"] == first["Location"]
    assert retry["Idempotent-Replayed"] == "true"
    assert Lead.objects.filter(name="Spice Route").count() == 1


@pytest.mark.django_db
def test_every_creating_post_is_covered(api_a, kam_a):
    lead = LeadFactory(owner=kam_a)
    cases = [
        ("/api/v1/contacts/", {"lead": lead.pk, "name": "Ravi", "phone": "+919812345678"}, "contacts.Contact"),
        ("/api/v1/interactions/", {"lead": lead.pk, "kind": "note", "notes": "Met at expo"}, Interaction),
        ("/api/v1/orders/", {"lead": lead.pk, "amount": "100.00"}, Order),
    ]
    for url, body, _model in cases:
        key = f"key-{url}"
        first = post(api_a, url, body, key=key)
        assert first.status_code == 201, first.content
        retry = post(api_a, url, body, key=key)
        assert (retry.status_code, retry.json()) == (201, first.json())
    assert Interaction.objects.filter(lead=lead).count() == 1
    assert Order.objects.filter(lead=lead).count() == 1
    assert lead.contacts.count() == 1


@pytest.mark.django_db
def test_a_retried_transition_replays_instead_of_conflicting(api_a, kam_a):
    lead = LeadFactory(owner=kam_a)
    url = f"/api/v1/leads/{lead.pk}/transition/"
    first = post(api_a, url, {"status": "contacted"})
    assert first.status_code == 200
    assert post(api_a, url, {"status": "contacted"}).json() == first.json()
    # Without the key the same move is a conflict: the lead is already contacted.
    assert api_a.post(url, {"status": "contacted"}, format="json").status_code == 409
    assert lead.status_changes.filter(to_status="contacted").count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_422(api_a):
    assert post(api_a, "/api/v1/leads/", {"name": "One", "city": "Pune"}).status_code == 201
    response = post(api_a, "/api/v1/leads/", {"name": "Two", "city": "Pune"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert not Lead.objects.filter(name="Two").exists()


@pytest.mark.django_db
def test_the_same_key_on_another_endpoint_is_422(api_a, kam_a):
    lead = LeadFactory(owner=kam_a)
    assert post(api_a, "/api/v1/leads/", {"name": "One", "city": "Pune"}).status_code == 201
    response = post(api_a, "/api/v1/interactions/", {"lead": lead.pk, "kind": "note"})
    assert response.status_code == 422


@pytest.mark.django_db
def test_keys_are_per_user(api_a, api_b):
    body = {"name": "Same", "city": "Pune"}
    assert post(api_a, "/api/v1/leads/", body).status_code == 201
    second = post(api_b, "/api/v1/leads/", body)
    assert second.status_code == 201
    assert "Idempotent-Replayed" not in second
    assert Lead.objects.filter(name="Same").count() == 2


@pytest.mark.django_db
def test_a_failed_request_stores_nothing_so_a_corrected_retry_can_use_the_key(api_a):
    assert post(api_a, "/api/v1/leads/", {"city": "Pune"}).status_code == 400
    assert not IdempotencyKey.objects.exists()
    response = post(api_a, "/api/v1/leads/", {"name": "Fixed", "city": "Pune"})
    assert response.status_code == 201


@pytest.mark.django_db
def test_without_a_key_each_post_creates(api_a):
    for _ in range(2):
        assert api_a.post("/api/v1/leads/", {"name": "Twice", "city": "Pune"}, format="json").status_code == 201
    assert Lead.objects.filter(name="Twice").count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "x" * 256, "ключ", "tab\there"])
def test_a_malformed_key_is_400(api_a, key):
    response = post(api_a, "/api/v1/leads/", {"name": "X", "city": "Pune"}, key=key)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["error"]["fields"]


@pytest.mark.django_db
def test_keys_live_at_least_24_hours_then_are_purged(api_a):
    body = {"name": "Kept", "city": "Pune"}
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        first = post(api_a, "/api/v1/leads/", body)
    with time_machine.travel(start + dt.timedelta(hours=25), tick=False):
        purge_idempotency_keys()
        call_command("purge_idempotency_keys", stdout=io.StringIO())
        retry = post(api_a, "/api/v1/leads/", body)
        assert retry.json() == first.json()
    with time_machine.travel(start + dt.timedelta(hours=49), tick=False):
        call_command("purge_idempotency_keys", stdout=io.StringIO())
        assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
def test_purge_deletes_only_expired_keys(kam_a):
    now = timezone.now()
    old = IdempotencyKey.objects.create(user=kam_a, key="old", request_fingerprint="x", method="POST", path="/")
    IdempotencyKey.objects.filter(pk=old.pk).update(created_at=now - dt.timedelta(hours=49))
    IdempotencyKey.objects.create(user=kam_a, key="new", request_fingerprint="x", method="POST", path="/")
    assert purge_idempotency_keys() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


def test_the_purge_is_on_the_beat_schedule():
    from kam.schedule import BEAT_SCHEDULE

    assert BEAT_SCHEDULE["purge-idempotency-keys"]["task"] == purge_idempotency_keys.name


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_concurrent_retry_waits_for_the_first_request_and_replays_it(kam_a):
    """The first request holds its key row, uncommitted; a retry arriving meanwhile blocks on the unique
    index, then replays the first response once it commits, instead of creating a second lead."""
    body = json.dumps({"name": "Raced", "city": "Pune"}).encode()
    fingerprint = request_fingerprint(method="POST", path="/api/v1/leads/", content_type="application/json", body=body)
    first_response = {"id": 1, "name": "Raced"}
    results = {}

    def retry():
        client = APIClient()
        client.force_authenticate(kam_a)
        try:
            response = client.post("/api/v1/leads/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=KEY)
            results["status"], results["body"] = response.status_code, response.json()
        except Exception as exc:  # surfaced by the assertions below
            results["error"] = repr(exc)
        finally:
            connections.close_all()

    with transaction.atomic():
        record = IdempotencyKey.objects.create(
            user=kam_a, key=KEY, request_fingerprint=fingerprint, method="POST", path="/api/v1/leads/"
        )
        thread = threading.Thread(target=retry)
        thread.start()
        assert _someone_waits_for_a_lock(), f"the retry should wait on the first request's key: {results}"
        record.response_status, record.response_body = 201, first_response
        record.save()
    thread.join(timeout=30)

    assert results == {"status": 201, "body": first_response}
    assert not Lead.objects.filter(name="Raced").exists()


def _someone_waits_for_a_lock(attempts: int = 300) -> bool:
    """Poll PostgreSQL (on a separate connection, outside the test's transaction) for a session blocked on a
    lock: the retry's insert waiting on the uncommitted key row. Bounded; asserts no timing."""
    db = connection.settings_dict
    watcher = psycopg2.connect(
        dbname=db["NAME"], user=db["USER"] or None, host=db["HOST"] or None, port=db["PORT"] or None
    )
    # pg_stat_activity is a snapshot per transaction: each look must be its own transaction.
    watcher.autocommit = True
    try:
        with watcher.cursor() as cursor:
            for _ in range(attempts):
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND datname = current_database()"
                )
                if cursor.fetchone()[0]:
                    return True
                time.sleep(0.05)
        return False
    finally:
        watcher.close()
