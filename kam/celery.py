import os

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings")

app = Celery("kam")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def _log_like_django(**kwargs):
    # Workers and beat use settings.LOGGING (JSON lines with task ids in production), not Celery's own format.
    from kam.logging import configure_celery_logging

    configure_celery_logging(**kwargs)
