"""The morning rush: every KAM of a team starts the day at once (README, Deployment → Load).

Each simulated KAM signs in through the API, then for the length of the run works their Today list as a person on
a phone does, one action every 1–4 seconds: reads Today and the due leads, opens an account, logs a call (about
half of all actions), now and then records an order or changes a call frequency with If-Match. Every write carries
an Idempotency-Key. What the server acknowledged (201, or 200 for a PATCH) is counted per kind and written to
LOAD_ACKS (JSON) at the end, so the runner (tests/load/run.py) can compare it with what the database holds.

Run through the runner, which starts its own stack: `make load` (50 KAMs, 10 minutes) or `make load-ci` (60 s).
"""

import json
import os
import random
import uuid
from collections import Counter

from locust import HttpUser, between, events, task

PASSWORD = os.environ.get("LOAD_PASSWORD", "kam-load-2026")
ACKS: Counter = Counter()
USERNAMES = iter(f"loadkam{n:02d}" for n in range(1, 1000))


@events.test_stop.add_listener
def _write_acks(environment, **kwargs):
    path = os.environ.get("LOAD_ACKS")
    if path:
        with open(path, "w") as out:
            json.dump(dict(ACKS), out)


class MorningKam(HttpUser):
    wait_time = between(1, 4)

    def on_start(self):
        self.username = next(USERNAMES)
        response = self.client.post(
            "/api/v1/auth/token/", json={"username": self.username, "password": PASSWORD}, name="sign in (token)"
        )
        response.raise_for_status()
        self.client.headers["Authorization"] = f"Bearer {response.json()['access']}"
        leads = self.client.get("/api/v1/leads/?page_size=200", name="/leads/ (own)").json()["results"]
        self.lead_ids = [lead["id"] for lead in leads]

    def _post(self, path, body, *, name, kind):
        headers = {"Idempotency-Key": uuid.uuid4().hex}
        with self.client.post(path, json=body, headers=headers, name=name, catch_response=True) as response:
            if response.status_code == 201:
                ACKS[kind] += 1
                response.success()
            else:
                response.failure(f"{response.status_code}: {response.text[:200]}")

    @task(3)
    def today(self):
        self.client.get("/api/v1/calls/today/", name="/calls/today/")

    @task(2)
    def due_leads(self):
        self.client.get("/api/v1/leads/?due=today&ordering=next_call", name="/leads/?due=today")

    @task(2)
    def open_account(self):
        self.client.get(f"/api/v1/leads/{random.choice(self.lead_ids)}/", name="/leads/{id}/")

    @task(8)
    def log_call(self):
        outcome = random.choice(["connected", "connected", "connected", "no_answer", "busy"])
        self._post(
            "/api/v1/interactions/",
            {"lead": random.choice(self.lead_ids), "kind": "call", "outcome": outcome, "duration_minutes": 3},
            name="/interactions/ (call)",
            kind="calls",
        )

    @task(1)
    def record_order(self):
        amount = f"{random.randint(2500, 75000)}.00"
        self._post(
            "/api/v1/orders/",
            {"lead": random.choice(self.lead_ids), "amount": amount, "external_ref": f"RUSH-{uuid.uuid4().hex[:12]}"},
            name="/orders/",
            kind="orders",
        )

    @task(1)
    def change_frequency(self):
        lead_id = random.choice(self.lead_ids)
        read = self.client.get(f"/api/v1/leads/{lead_id}/", name="/leads/{id}/")
        with self.client.patch(
            f"/api/v1/leads/{lead_id}/",
            json={"call_frequency_days": random.randint(1, 14)},
            headers={"If-Match": read.headers.get("ETag", "")},
            name="/leads/{id}/ (PATCH If-Match)",
            catch_response=True,
        ) as response:
            if response.status_code == 200:
                ACKS["edits"] += 1
                response.success()
            elif response.status_code == 412:
                ACKS["edits_refused_stale"] += 1  # another tab of the same KAM won: correct, not a failure
                response.success()
            else:
                response.failure(f"{response.status_code}: {response.text[:200]}")
