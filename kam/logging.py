"""Structured logs: every line of a request (and of a Celery task) carries an id that ties it together.

In production (DEBUG off) each record is one JSON object per line, ready for a log shipper; in development the
plain format stays readable. The request id comes from the proxy's X-Request-ID when it sends one, so a request can
be followed from the load balancer through Django, and is returned in the response for the user to quote.
"""

import logging
import re
import time
import uuid
from contextvars import ContextVar

from celery import current_task
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
# A client-supplied id ends up in every log line: accept only a short token, never free text.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# Load balancers and container health checks poll these; logging each success would drown the real traffic.
_QUIET_PATHS = frozenset({"/healthz", "/readyz"})

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
access_logger = logging.getLogger("kam.request")


def get_request_id() -> str | None:
    return request_id_var.get()


class RequestIdMiddleware:
    """Takes X-Request-ID from the proxy (or makes one), exposes it to logging, returns it, logs one access line."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            if not (request.path in _QUIET_PATHS and response.status_code == 200):
                access_logger.info(
                    "%s %s %s",
                    request.method,
                    request.path,
                    response.status_code,
                    extra={
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "duration_ms": round((time.monotonic() - started) * 1000, 1),
                    },
                )
            return response
        finally:
            request_id_var.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record, and `task_id`/`task_name` inside a Celery task. Put it on handlers so
    records propagated from any logger get it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        task = current_task
        if task and task.request.id and not hasattr(record, "task_id"):
            record.task_id = task.request.id
            record.task_name = task.name
        return True


class JsonFormatter(_JsonFormatter):
    """One JSON object per line: time, level, logger, message, then whatever the record carries (request_id,
    task_id, status, duration_ms…)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("fmt", ["levelname", "name", "message"])
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("timestamp", "time")
        super().__init__(*args, **kwargs)


class PlainFormatter(logging.Formatter):
    """The development format, with the request id when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = getattr(record, "request_id", None)
        return f"{line} [{request_id}]" if request_id else line


def logging_config(*, json: bool, level: str) -> dict:
    """The LOGGING dict for settings: JSON lines in production, plain text in development."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "kam.logging.RequestIdFilter"}},
        "formatters": {
            "json": {"()": "kam.logging.JsonFormatter"},
            "plain": {"()": "kam.logging.PlainFormatter", "format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json" if json else "plain",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "axes": {"level": "WARNING"},
            # Drop Django's default handlers (they would print a second, unstructured copy); everything reaches
            # the root handler instead, so test tools that listen at the root see Django's records too.
            "django": {"handlers": [], "level": level, "propagate": True},
            "django.server": {"handlers": [], "level": level, "propagate": True},
        },
    }


def configure_celery_logging(**kwargs) -> None:
    """Receiver for Celery's `setup_logging` signal: workers and beat log through the same config as Django,
    instead of Celery replacing the root handler with its own plain format."""
    from django.conf import settings
    from django.utils.log import configure_logging

    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
