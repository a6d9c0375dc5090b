"""Long jobs as many short, idempotent tasks: one per contiguous range of ids.

A nightly job that walks 100,000 accounts in one task loses everything it had not committed when its worker is
killed, and the broker gives the message back only after its visibility timeout. Fanned out, each chunk is a
task of a few seconds that commits on its own and is acknowledged when done (acks_late): a kill costs at most the
chunk in hand, which is delivered again (at once when only the pool process died, within the visibility timeout
when the whole worker did), and the other chunks are never lost. The chunk tasks are queued through the outbox,
so a broker hiccup while fanning out is caught up too. Every chunk task must be safe to run twice.
"""

from __future__ import annotations

from django.db import transaction

from kam.outbox import enqueue_on_commit


def id_ranges(queryset, *, size: int) -> list[tuple[int, int]]:
    """(first, last) primary-key ranges of at most `size` rows each, in key order; one query reading keys only."""
    keys = list(queryset.order_by("pk").values_list("pk", flat=True))
    return [(keys[start], keys[min(start + size, len(keys)) - 1]) for start in range(0, len(keys), size)]


def fan_out(task, ranges: list[tuple[int, int]], *args, then=None) -> int:
    """Queue `task(first, last, *args)` per range, and `then` (a task, no arguments) after them all; returns how
    many chunks. Everything is written to the outbox in one transaction, so it is queued whole or not at all."""
    with transaction.atomic():
        for first, last in ranges:
            enqueue_on_commit(task, first, last, *args)
        if then is not None:
            enqueue_on_commit(then)
    return len(ranges)
