"""scripts/test_endpoints.sh (curl + jq) passes against a live server: the script stays in step with the API."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from kam.models import Role
from kam.tests.factories import UserFactory

SCRIPT = Path(settings.BASE_DIR) / "scripts" / "test_endpoints.sh"


@pytest.mark.django_db(transaction=True)
def test_endpoints_script_passes_against_a_live_server(live_server):
    assert shutil.which("curl") and shutil.which("jq"), "the script needs curl and jq (make test installs jq)"
    meera = UserFactory(username="meera", role=Role.MANAGER)
    UserFactory(username="aarav", role=Role.KAM, manager=meera)
    UserFactory(username="priya", role=Role.KAM, manager=meera)
    UserFactory(username="fatima", role=Role.KAM, manager=UserFactory(username="omar", role=Role.MANAGER))
    password = "pass-for-tests"
    env = {
        **os.environ,
        "KAM_PASSWORD": password,
        "KAM_MANAGER_PASSWORD": password,
        "KAM_OTHER_PASSWORD": password,
        "KAM_CHECK_THROTTLE": "1",
    }
    result = subprocess.run(
        ["bash", str(SCRIPT), live_server.url], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 failed" in result.stdout
    assert "FAIL" not in result.stdout
