"""Consistency checks of a generated dataset against the model's rules, as set-based SQL.

Each check counts the rows that break a rule; a consistent dataset has zero everywhere. The database's own
constraints (outcome only on calls, a lost lead has a reason, one primary contact, unique order reference,
foreign keys) are enforced as the rows go in; these cover the rules that live in the services.
"""

from __future__ import annotations

import phonenumbers
from django.db import connection
from django.utils import timezone

# The owner of a lead at a moment: the recipient of its latest assignment at or before that moment.
_OWNER_AT = """(
    SELECT a.to_owner_id FROM leads_leadassignment a
    WHERE a.lead_id = {row}.lead_id AND a.assigned_at <= {row}.{moment}
    ORDER BY a.assigned_at DESC, a.id DESC LIMIT 1
)"""

CHECKS = {
    "orders on accounts that are not won": """
        SELECT count(*) FROM interactions_order o JOIN leads_lead l ON l.id = o.lead_id WHERE l.status <> 'won'
    """,
    "won accounts without an order": """
        SELECT count(*) FROM leads_lead l
        WHERE l.status = 'won' AND NOT EXISTS (SELECT 1 FROM interactions_order o WHERE o.lead_id = l.id)
    """,
    "orders not credited to the owner when placed": f"""
        SELECT count(*) FROM interactions_order o
        WHERE o.credited_to_id <> {_OWNER_AT.format(row="o", moment="placed_at")}
    """,
    "interactions not by the owner at the time": f"""
        SELECT count(*) FROM interactions_interaction i
        WHERE i.performed_by_id <> {_OWNER_AT.format(row="i", moment="occurred_at")}
    """,
    "leads whose owner is not their latest assignment": """
        SELECT count(*) FROM leads_lead l
        WHERE l.owner_id <> (SELECT a.to_owner_id FROM leads_leadassignment a WHERE a.lead_id = l.id
                             ORDER BY a.assigned_at DESC, a.id DESC LIMIT 1)
           OR NOT EXISTS (SELECT 1 FROM leads_leadassignment a WHERE a.lead_id = l.id)
    """,
    "leads whose status is not their latest status change": """
        SELECT count(*) FROM leads_lead l
        WHERE l.status IS DISTINCT FROM (SELECT s.to_status FROM leads_leadstatuschange s WHERE s.lead_id = l.id
                                         ORDER BY s.changed_at DESC, s.id DESC LIMIT 1)
    """,
    "won accounts whose first order is not when they were won": """
        SELECT count(*) FROM leads_lead l
        WHERE l.status = 'won'
          AND (SELECT min(o.placed_at) FROM interactions_order o WHERE o.lead_id = l.id)
              IS DISTINCT FROM (SELECT s.changed_at FROM leads_leadstatuschange s
                                WHERE s.lead_id = l.id AND s.to_status = 'won')
    """,
    "new leads with a connected call": """
        SELECT count(*) FROM leads_lead l
        WHERE l.status = 'new' AND EXISTS (SELECT 1 FROM interactions_interaction i
                                           WHERE i.lead_id = l.id AND i.outcome = 'connected')
    """,
    "contacted leads whose first connected call is not the move to contacted": """
        SELECT count(*) FROM leads_lead l
        WHERE l.status <> 'new'
          AND (SELECT min(i.occurred_at) FROM interactions_interaction i
               WHERE i.lead_id = l.id AND i.outcome = 'connected')
              IS DISTINCT FROM (SELECT s.changed_at FROM leads_leadstatuschange s
                                WHERE s.lead_id = l.id AND s.to_status = 'contacted')
    """,
    "interactions with another restaurant's contact": """
        SELECT count(*) FROM interactions_interaction i JOIN contacts_contact c ON c.id = i.contact_id
        WHERE c.lead_id <> i.lead_id
    """,
    "leads without exactly one primary contact": """
        SELECT count(*) FROM leads_lead l
        WHERE (SELECT count(*) FROM contacts_contact c WHERE c.lead_id = l.id AND c.is_primary) <> 1
    """,
    "leads whose last call differs from their calls": """
        SELECT count(*) FROM leads_lead l
        LEFT JOIN (SELECT lead_id, max(occurred_at) AS last_call,
                          max(occurred_at) FILTER (WHERE outcome = 'connected') AS last_connected
                   FROM interactions_interaction WHERE kind = 'call' GROUP BY lead_id) c ON c.lead_id = l.id
        WHERE l.last_call_at IS DISTINCT FROM c.last_call
           OR l.last_connected_call_at IS DISTINCT FROM c.last_connected
    """,
    "interactions or orders in the future": """
        SELECT (SELECT count(*) FROM interactions_interaction WHERE occurred_at > now())
             + (SELECT count(*) FROM interactions_order WHERE placed_at > now())
    """,
}


def dataset_problems(*, phones: bool = True, now=None) -> dict[str, int]:
    """Rule → number of rows that break it, for every rule with at least one.

    "The future" is the application's clock (`now`, default the current time), the one the generator planned with,
    rather than the database server's.
    """
    now = now or timezone.now()
    found = {}
    with connection.cursor() as cursor:
        for name, sql in CHECKS.items():
            if connection.vendor != "postgresql" and "FILTER" in sql:
                sql = sql.replace(
                    "max(occurred_at) FILTER (WHERE outcome = 'connected')",
                    "max(CASE WHEN outcome = 'connected' THEN occurred_at END)",
                )
            cursor.execute(sql.replace("now()", "%s"), [now] * sql.count("now()"))
            count = cursor.fetchone()[0]
            if count:
                found[name] = count
        if phones:
            cursor.execute("SELECT phone FROM contacts_contact WHERE phone <> ''")
            invalid = sum(
                1 for (phone,) in cursor.fetchall() if not phonenumbers.is_valid_number(phonenumbers.parse(phone))
            )
            if invalid:
                found["phone numbers that are not valid E.164"] = invalid
    return found
