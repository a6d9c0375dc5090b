"""The periodic jobs, declared in code and installed into django-celery-beat's tables by `setup_schedule`.

Times are UTC. Jobs that must happen at a user's local hour run hourly and pick the users whose
local hour it is, so one entry serves every zone.
"""

BEAT_SCHEDULE = {
    "recompute-call-plans": {
        "task": "interactions.tasks.recompute_call_plans",
        "crontab": {"minute": "30", "hour": "0"},
        "description": "Recompute every lead's next call due (nightly).",
    },
    "morning-call-digest": {
        "task": "interactions.tasks.send_morning_digests",
        "crontab": {"minute": "0", "hour": "*"},
        "description": "E-mail each KAM today's calls at 08:00 in their own zone.",
    },
    "recompute-performance": {
        "task": "performance.tasks.recompute_performance",
        "crontab": {"minute": "0", "hour": "1"},
        "description": "Recompute account metrics and classifications (nightly).",
    },
    "manager-reports": {
        "task": "performance.tasks.send_manager_reports",
        "crontab": {"minute": "5", "hour": "*"},
        "description": "E-mail each manager their team report at the start of their day.",
    },
    "drain-outbox": {
        "task": "kam.tasks.drain_outbox",
        "crontab": {"minute": "*"},
        "description": "Queue the tasks that could not be queued when their change committed (the broker was down).",
    },
    "flush-expired-tokens": {
        "task": "kam.tasks.flush_expired_tokens",
        "crontab": {"minute": "15", "hour": "3"},
        "description": "Forget API refresh tokens past their expiry (issued and revoked ones).",
    },
    "purge-idempotency-keys": {
        "task": "kam.tasks.purge_idempotency_keys",
        "crontab": {"minute": "45", "hour": "*"},
        "description": "Forget API Idempotency-Keys past their time to live (IDEMPOTENCY_KEY_TTL_HOURS).",
    },
}
