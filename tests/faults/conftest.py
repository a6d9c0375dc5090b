"""The fault suite's stack (tests/faults/stack.py), started once for the suite, and its figures.

Run it with `make faults`. Each scenario records what users saw, what the database holds and the time to recover
in `fault-results/faults.json` (and prints a table at the end), for the README and the issue's closing note.
"""

import json
import os
from pathlib import Path

import pytest

from tests.faults.stack import BASE_DIR, Stack

RESULTS: dict[str, dict] = {}
PASSWORD = "kam-faults-2026"


def pytest_collection_modifyitems(config, items):
    for item in items:
        item.add_marker(pytest.mark.faults)


@pytest.fixture(scope="session")
def stack():
    stack = Stack().start()
    try:
        stack.shell(
            f"""
from kam.models import Role, User
from leads.services import lead_create
manager = User.objects.create_user("meera", "meera@kam.example", "{PASSWORD}", role=Role.MANAGER)
kam = User.objects.create_user("aarav", "aarav@kam.example", "{PASSWORD}", role=Role.KAM, manager=manager)
leads = [lead_create(by=kam, name=f"Restaurant {{n}}", city="Bengaluru", call_frequency_days=7) for n in range(3)]
out = [lead.pk for lead in leads]
"""
        )
        yield stack
    finally:
        if os.environ.get("KAM_FAULTS_SHOW_LOGS"):
            for name, process in stack.processes.items():
                print(f"--- {name} ---\n{process.tail(40)}")
        stack.stop()


@pytest.fixture
def record():
    def save(name: str, **figures):
        RESULTS[name] = figures

    return save


def pytest_sessionfinish(session, exitstatus):
    if not RESULTS:
        return
    out = Path(BASE_DIR) / "fault-results"
    out.mkdir(exist_ok=True)
    (out / "faults.json").write_text(json.dumps(RESULTS, indent=2, default=str) + "\n")
    lines = ["", "fault                          | what users saw / what was stored / time to recover"]
    for name, figures in RESULTS.items():
        lines.append(f"{name:30} | {json.dumps(figures, default=str)}")
    print("\n".join(lines))
