"""Run Django in a child process configured like production (DEBUG off, kam.settings, no .env file)."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)


def production_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="kam.settings",
        # A developer's own .env must not leak into what these tests assert.
        ENV_FILE=os.devnull + ".absent",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="kam.example.com",
        CSRF_TRUSTED_ORIGINS="https://kam.example.com",
        DATABASE_URL=os.environ.get("DATABASE_URL", "sqlite:///:memory:"),
        REDIS_URL=settings.TEST_REDIS_URL,
        PYTHONDONTWRITEBYTECODE="1",
    )
    for name in ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "LOG_JSON", "LOG_LEVEL", "STATICFILES_BACKEND"):
        env.pop(name, None)
    env.update(overrides)
    return env


def run_python(code: str, **env_overrides: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=production_env(**env_overrides),
        capture_output=True,
        text=True,
        timeout=120,
    )


def run_manage(*args: str, **env_overrides: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=production_env(**env_overrides),
        capture_output=True,
        text=True,
        timeout=120,
    )
