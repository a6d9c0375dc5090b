"""What performance does when a lower app announces a change (see kam.reactions)."""

from __future__ import annotations

from collections import defaultdict

from kam.outbox import enqueue_on_commit
from kam.reactions import LEADS_CHANGED, ORDER_RECORDED, react
from performance.models import AccountPerformance
from performance.tasks import refresh_account_performance

# The lead's columns copied onto its performance row, which scope and filter the performance pages.
COPIED = {"owner": "owner_id", "is_archived": "is_archived"}


@react(LEADS_CHANGED)
def follow_owner_and_archive(*, leads, fields, now=None) -> None:
    """Move the copies with the lead, in the same transaction: a copy that lags is a leak (the old KAM still sees
    the account) or a hole (the new KAM does not). One UPDATE per distinct value, so a reassignment of 500
    accounts is one statement."""
    if fields is None:
        return  # a new lead has no performance row yet; its first computation copies the columns
    for field, attname in COPIED.items():
        if field not in fields:
            continue
        by_value = defaultdict(list)
        for lead in leads:
            by_value[getattr(lead, attname)].append(lead.pk)
        for value, lead_ids in by_value.items():
            AccountPerformance.objects.filter(lead_id__in=lead_ids).update(**{attname: value})


@react(ORDER_RECORDED)
def refresh_after_order(*, lead_id: int, now=None) -> None:
    # Through the outbox (kam.outbox), in the order's transaction: queued after the commit, so the worker sees the
    # order; with the broker down the order still answers 201 and the refresh is queued once the broker is back.
    enqueue_on_commit(refresh_account_performance, lead_id)
