"""Print a signed-in session cookie for a throughput run, and the ids the run requests.

    python -m kam.benchmark.session [--kam kam001]   →   sessionid=<key> lead=<id>

The session is made the way django.contrib.auth.login makes one, without a password.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings")
    import django

    django.setup()
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from kam.benchmark.targets import choose_subjects

    kam = argv[argv.index("--kam") + 1] if "--kam" in argv else None
    subjects = choose_subjects(kam=kam)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(subjects.kam.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = subjects.kam.get_session_auth_hash()
    store.save()
    print(f"{settings.SESSION_COOKIE_NAME}={store.session_key} {subjects.lead.pk if subjects.lead else ''}")


if __name__ == "__main__":
    main(sys.argv[1:])
