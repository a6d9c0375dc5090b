"""Housekeeping after a job that rewrites a whole table (a load, a nightly recompute)."""

from django.db import connection


def vacuum_analyze(models) -> None:
    """Statistics for the planner, and the visibility map and hint bits a live database's autovacuum keeps.

    Without them the first reads after a rewrite plan for the table as it was (a team "holds a few dozen rows") and
    index-only scans visit the heap for every dead row version, until autovacuum comes by.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            names = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
            # VACUUM cannot run inside a transaction (a test's, or a caller's atomic block).
            cursor.execute(f"ANALYZE {names}" if connection.in_atomic_block else f"VACUUM (ANALYZE) {names}")
        else:
            cursor.execute("ANALYZE")


# After a database failed to answer, how long this process expects it to keep failing fast.
STALL_MEMORY_SECONDS = 10


def install_reply_deadline(*, connect_seconds: float, reply_seconds: float) -> None:
    """Give up on a PostgreSQL that does not answer, instead of waiting for it forever.

    A stopped server refuses at once, but a stalled one (frozen, overloaded, a network gone quiet) accepts the
    connection and then never replies; libpq and the kernel would wait indefinitely and so would the request, and
    PostgreSQL's own statement_timeout cannot fire in a server that does not run. psycopg2's wait callback lets
    every connect and every statement wait for the socket with a deadline; past it the connection is closed
    (psycopg2 does that when the callback raises) and Django's OperationalError becomes a 503.

    For the web process only (kam/wsgi.py): with a callback psycopg2 cannot COPY, which the dataset loader uses.
    """
    import select
    import time

    import psycopg2
    from psycopg2 import extensions

    stalled_until = 0.0

    def wait(conn):
        nonlocal stalled_until
        # A connection being set up polls CONNECTING states; an established one has its fileno from the start.
        limit = connect_seconds if conn.status == extensions.STATUS_SETUP else reply_seconds
        if time.monotonic() < stalled_until:
            # The database just failed to answer this process: the reconnect that follows (Django's health check
            # closes the connection) gets a second, not the full wait again.
            limit = min(limit, 1.0)
        deadline = time.monotonic() + limit
        while True:
            state = conn.poll()
            if state == extensions.POLL_OK:
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                stalled_until = time.monotonic() + STALL_MEMORY_SECONDS
                raise psycopg2.OperationalError(f"PostgreSQL did not answer within {limit:g} s")
            if state == extensions.POLL_READ:
                select.select([conn.fileno()], [], [], remaining)
            elif state == extensions.POLL_WRITE:
                select.select([], [conn.fileno()], [], remaining)
            else:
                raise psycopg2.OperationalError(f"Unexpected state from the database connection: {state}")

    extensions.set_wait_callback(wait)


def remove_reply_deadline() -> None:
    from psycopg2 import extensions

    extensions.set_wait_callback(None)
