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
