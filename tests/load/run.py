"""Run the morning rush (tests/load/locustfile.py) against a stack of its own and check that every acknowledged write
is stored, once.

    python -m tests.load.run --users 50 --seconds 600     # make load: the documented run
    python -m tests.load.run --users 50 --seconds 60      # make load-ci: CI's short run

The stack is the fault suite's (tests/faults/stack.py): its own PostgreSQL and Redis on free ports, gunicorn
(WEB_CONCURRENCY workers), a Celery worker and beat, all stopped by PID at the end. The figures go to
load-results/ (locust's CSV files and summary.json) and are printed.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.faults.stack import BASE_DIR, BIN, Stack

OUT = BASE_DIR / "load-results"


def seed(stack: Stack, *, kams: int, leads_per_kam: int) -> None:
    stack.shell(
        f"""
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from kam.models import Role, User
from leads.models import Lead
from interactions.call_plan import lead_refresh_call_plan
password = make_password("kam-load-2026")
manager = User.objects.create(username="loadmanager", role=Role.MANAGER, password=password)
kams = User.objects.bulk_create(
    [User(username=f"loadkam{{n:02d}}", email=f"loadkam{{n:02d}}@kam.example", role=Role.KAM, manager=manager,
          password=password) for n in range(1, {kams} + 1)]
)
created = timezone.now() - timezone.timedelta(days=30)
leads = Lead.objects.bulk_create(
    [Lead(name=f"Rush {{kam.username}} {{n}}", city="Bengaluru", owner=kam, call_frequency_days=1, created_at=created)
     for kam in kams for n in range({leads_per_kam})]
)
for lead in leads:
    lead_refresh_call_plan(lead=lead)
out = len(leads)
""",
        timeout=600,
    )


def stored_writes(stack: Stack) -> dict:
    calls = stack.sql(
        "SELECT count(*) FROM interactions_interaction i JOIN kam_user u ON u.id = i.performed_by_id "
        "WHERE u.username LIKE 'loadkam%' AND i.kind = 'call'"
    )
    orders = stack.sql("SELECT count(*) FROM interactions_order WHERE external_ref LIKE 'RUSH-%'")
    duplicate_orders = stack.sql(
        "SELECT count(*) FROM (SELECT external_ref FROM interactions_order WHERE external_ref LIKE 'RUSH-%' "
        "GROUP BY external_ref HAVING count(*) > 1) d"
    )
    return {"calls": int(calls), "orders": int(orders), "duplicate_orders": int(duplicate_orders)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=600)
    parser.add_argument("--leads-per-kam", type=int, default=60)
    parser.add_argument("--web-workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "3")))
    args = parser.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    acks_path = OUT / "acks.json"
    acks_path.unlink(missing_ok=True)

    stack = Stack(workers=args.web_workers)
    stack.start()
    try:
        seed(stack, kams=args.users, leads_per_kam=args.leads_per_kam)
        load_before = os.getloadavg()[0]
        started = time.monotonic()
        result = subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                str(Path(__file__).with_name("locustfile.py")),
                "--headless",
                "--users",
                str(args.users),
                "--spawn-rate",
                str(max(1, args.users // 10)),
                "--run-time",
                f"{args.seconds}s",
                "--host",
                stack.base_url,
                "--csv",
                str(OUT / "rush"),
                "--only-summary",
                "--stop-timeout",
                "10",
            ],  # fmt: skip
            env={**os.environ, "LOAD_ACKS": str(acks_path)},
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
        )
        elapsed = time.monotonic() - started
        print(result.stdout[-6000:], result.stderr[-3000:], sep="\n")
        # Give the worker a moment for the refreshes the orders queued, then compare.
        time.sleep(2)
        acks = json.loads(acks_path.read_text()) if acks_path.exists() else {}
        stored = stored_writes(stack)
        with open(OUT / "rush_stats.csv") as f:
            rows = list(csv.DictReader(f))
        total = next(row for row in rows if row["Name"] == "Aggregated")
        summary = {
            "users": args.users,
            "seconds": args.seconds,
            "web_workers": args.web_workers,
            "wall_s": round(elapsed, 1),
            "load_average_before_after": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            "requests": int(total["Request Count"]),
            "failures": int(total["Failure Count"]),
            "requests_per_s": round(float(total["Requests/s"]), 1),
            "p50_ms": float(total["50%"]),
            "p95_ms": float(total["95%"]),
            "p99_ms": float(total["99%"]),
            "per_endpoint_p50_p95_ms": {
                row["Name"]: [float(row["50%"]), float(row["95%"]), int(row["Request Count"])]
                for row in rows
                if row["Name"] != "Aggregated"
            },
            "acknowledged": acks,
            "stored": stored,
        }
        (OUT / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        print(json.dumps(summary, indent=2))
        ok = (
            acks.get("calls", 0) == stored["calls"]
            and acks.get("orders", 0) == stored["orders"]
            and stored["duplicate_orders"] == 0
            and acks.get("calls", 0) > 0
        )
        if not ok:
            print("FAIL: acknowledged writes differ from stored writes", file=sys.stderr)
            return 1
        if summary["failures"]:
            print(f"FAIL: {summary['failures']} failed requests", file=sys.stderr)
            return 1
        print(f"OK: {acks['calls']} calls and {acks.get('orders', 0)} orders acknowledged, the same stored")
        return 0
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
