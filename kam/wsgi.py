import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings")
# This process serves requests: settings give it short database timeouts (DB_CONNECT_TIMEOUT, DB_STATEMENT_TIMEOUT).
os.environ.setdefault("KAM_PROCESS", "web")
application = get_wsgi_application()


def _bound_database_waits():
    from django.conf import settings
    from django.db import connection

    if connection.vendor == "postgresql" and settings.WEB_PROCESS:
        from kam.database import install_reply_deadline

        # A second past the server's own statement_timeout, which answers first (with a clearer error) when it can.
        install_reply_deadline(
            connect_seconds=settings.DB_CONNECT_TIMEOUT, reply_seconds=settings.DB_STATEMENT_TIMEOUT + 1
        )


_bound_database_waits()
