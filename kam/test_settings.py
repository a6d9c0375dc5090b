"""Test settings: only what must differ from production for a fast, hermetic suite."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
# A developer's .env (e.g. the docker compose one) must not change what the suite sees.
os.environ.setdefault("ENV_FILE", "")

from kam.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Tasks run in-process unless a test starts a real worker (see the celery_worker fixture in conftest.py).
CELERY_TASK_ALWAYS_EAGER = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tests talk to this Redis (a separate database number) when they need a real broker or cache.
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# Test clients and live_server speak plain HTTP; every other production security setting stays on.
SECURE_SSL_REDIRECT = False
