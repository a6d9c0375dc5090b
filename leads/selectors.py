"""Reads for leads."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Subquery
from django.utils import timezone
from django.utils.dateformat import format as date_format

from contacts.models import Contact
from interactions.models import Order
from kam.models import User
from leads.models import Lead, LeadAssignment

AUDIT_HISTORY_LIMIT = 30


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    at: dt.datetime
    by: object  # the user, or None for a change made outside a request (a task, the shell)
    subject: str  # "Account", "Contact Ramesh Kumar", "Order DEMO-12"
    action: str  # "created", "changed", "deleted"
    reason: str = ""
    changes: list[FieldChange] = field(default_factory=list)


def lead_audit(*, lead: Lead) -> dict:
    """Context for the lead page's audit panel (`leads/_lead_audit.html`): field history, assignments, handover.

    A fixed number of queries whatever the length of the history (one per audited model, one for the owners
    and assignment people, one for the names of people in changed fields).
    """
    assignments = list(LeadAssignment.objects.filter(lead=lead).select_related("from_owner", "to_owner", "assigned_by"))
    latest = assignments[0] if assignments else None
    # The note was written for whoever has the account now; an older KAM's handover is history, not news.
    handover = latest if latest and latest.to_owner_id == lead.owner_id and latest.handover_note else None
    entries = lead_history(lead=lead)
    return {
        "audit_assignments": [a for a in assignments if a.from_owner_id is not None],
        "audit_handover": handover,
        "audit_history": entries[:AUDIT_HISTORY_LIMIT],
        "audit_history_more": max(len(entries) - AUDIT_HISTORY_LIMIT, 0),
    }


def lead_history(*, lead: Lead) -> list[HistoryEntry]:
    """Who changed what on the account, its contacts and its orders, newest first, as old → new per field."""
    lead_rows = Lead.history.filter(id=lead.pk)
    contact_rows = Contact.history.filter(lead_id=lead.pk)
    # An order's creation is already on the activity timeline; only edits and deletions are news here, but
    # their earlier versions are needed to tell what changed.
    edited_orders = Order.history.filter(lead_id=lead.pk).exclude(history_type="+").values("id")
    order_rows = Order.history.filter(lead_id=lead.pk, id__in=Subquery(edited_orders))

    pending: list[tuple[HistoryEntry, list]] = []
    user_ids: set[int] = set()
    for model, rows, subject, skip_created in (
        (Lead, lead_rows, lambda row: "Account", False),
        (Contact, contact_rows, lambda row: f"Contact {row.name}", False),
        (Order, order_rows, lambda row: f"Order {row.external_ref or row.id}", True),
    ):
        by_object = defaultdict(list)
        for row in rows.select_related("history_user").order_by("history_date", "history_id"):
            by_object[row.id].append(row)
        for versions in by_object.values():
            previous = None
            for row in versions:
                entry, deltas = _entry(model, row, previous, subject(row))
                previous = row
                if entry is None or (skip_created and entry.action == "created"):
                    continue
                for model_field, change in deltas:
                    if getattr(model_field, "related_model", None) is User:
                        user_ids.update(v for v in (change.old, change.new) if v is not None)
                pending.append((entry, deltas))

    names = _user_names(user_ids)
    entries = []
    for entry, deltas in pending:
        entry.changes = [_field_change(model_field, change, names) for model_field, change in deltas]
        entries.append(entry)
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries


def _entry(model, row, previous, subject):
    action = {"+": "created", "~": "changed", "-": "deleted"}[row.history_type]
    reason = row.history_change_reason or ""
    deltas = []
    if action == "changed" and previous is not None:
        delta = row.diff_against(previous)
        deltas = [(model._meta.get_field(change.field), change) for change in delta.changes]
        if not deltas and not reason:
            return None, []  # saved without a visible change
    entry = HistoryEntry(at=row.history_date, by=row.history_user, subject=subject, action=action, reason=reason)
    return entry, deltas


def _user_names(ids) -> dict:
    if not ids:
        return {}
    return {user.pk: str(user) for user in User.objects.filter(pk__in=ids)}


def _field_change(model_field, change, names) -> FieldChange:
    label = str(model_field.verbose_name)
    label = label[:1].upper() + label[1:]
    return FieldChange(
        label=label, old=_show(model_field, change.old, names), new=_show(model_field, change.new, names)
    )


def _show(model_field, value, names) -> str:
    if value is None or value == "":
        return "—"
    related = getattr(model_field, "related_model", None)
    if related is not None:
        return names.get(value, f"#{value}")
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        return date_format(timezone.localtime(value), "j M Y, H:i T")
    if isinstance(value, dt.date):
        return date_format(value, "j M Y")
    if model_field.name == "calling_windows" and isinstance(value, list):
        return ", ".join(f"{start}–{end}" for start, end in value) or "—"
    if hasattr(value, "as_international"):
        return value.as_international
    return str(value)
