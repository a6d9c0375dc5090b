"""Reads for leads."""

from __future__ import annotations

import datetime as dt
import operator
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import reduce

import phonenumbers
from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.dateformat import format as date_format

from contacts.models import Contact
from interactions.models import Order
from kam.models import User
from leads.models import Lead, LeadAssignment, LeadStatus


def lead_list_rows(*, queryset: QuerySet[Lead]) -> QuerySet[Lead]:
    """What one row of the lead list shows, fetched in a fixed number of queries whatever the page size."""
    return queryset.select_related("owner", "performance").prefetch_related(
        Prefetch("contacts", queryset=Contact.objects.filter(is_primary=True), to_attr="primary_contacts")
    )


def lead_status_counts(*, queryset: QuerySet[Lead]) -> dict[str, int]:
    """How many of `queryset`'s leads are in each status (every status present, zero when none), in one query."""
    counts = dict.fromkeys(LeadStatus.values, 0)
    for row in queryset.order_by().values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    return counts


def lead_cities(*, user) -> list[str]:
    """The cities of the user's accounts, for the list filter's suggestions."""
    return list(
        Lead.objects.visible_to(user).order_by("city").values_list("city", flat=True).distinct()[:500],
    )


@dataclass(frozen=True)
class DuplicateMatch:
    """A lead that looks like the one being saved.

    `lead` is None when the user may not see it: then only the reason may be shown, never its name, owner or id.
    """

    reason: str  # "phone" or "name"
    lead: Lead | None

    @property
    def is_visible(self) -> bool:
        return self.lead is not None


def normalise_phone(value) -> str | None:
    """E.164 for a phone typed in any usual way (default region from settings), or None when it is not one."""
    if not value:
        return None
    if hasattr(value, "as_e164"):
        return value.as_e164 if value.is_valid() else None
    try:
        parsed = phonenumbers.parse(str(value), settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def lead_duplicates(
    *,
    user,
    name: str = "",
    city: str = "",
    phones: Iterable = (),
    exclude_pk: int | None = None,
) -> list[DuplicateMatch]:
    """Leads that look like the one being saved: one of its phones on a contact, or its name in its city.

    Searches every lead, archived ones and other KAMs' too, because a duplicate the user cannot see is the
    one that costs most (two KAMs calling one restaurant). What the user may learn about a match is decided
    here: visible matches come with their lead, invisible ones only with the reason, and several invisible
    matches for one reason collapse into one, so not even a count leaks.
    """
    name, city = " ".join((name or "").split()), " ".join((city or "").split())
    numbers = sorted({n for n in (normalise_phone(p) for p in phones) if n})
    conditions, annotations = [], {}
    if name and city:
        conditions.append(Q(name__iexact=name, city__iexact=city))
    if numbers:
        annotations["same_phone"] = Exists(Contact.objects.filter(lead=OuterRef("pk"), phone__in=numbers))
        conditions.append(Q(same_phone=True))
    if not conditions:
        return []
    candidates = (
        Lead.objects.annotate(**annotations, is_visible=Exists(Lead.objects.visible_to(user).filter(pk=OuterRef("pk"))))
        .filter(reduce(operator.or_, conditions))
        .select_related("owner")
        .order_by("name", "pk")
    )
    if exclude_pk is not None:
        candidates = candidates.exclude(pk=exclude_pk)

    matches: list[DuplicateMatch] = []
    hidden_reasons: set[str] = set()
    for lead in candidates[:20]:
        reason = "phone" if getattr(lead, "same_phone", False) else "name"
        if lead.is_visible:
            matches.append(DuplicateMatch(reason=reason, lead=lead))
        else:
            hidden_reasons.add(reason)
    matches.extend(DuplicateMatch(reason=reason, lead=None) for reason in sorted(hidden_reasons))
    return matches


def lead_page_contacts(*, lead: Lead) -> list[Contact]:
    return list(lead.contacts.all())


def lead_status_history(*, lead: Lead) -> QuerySet:
    return lead.status_changes.select_related("changed_by")


# --- The audit trail ------------------------------------------------------------------------------------------

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
    """Context for the lead page's History (`leads/_lead_audit.html#history`): field history, assignments, handover.

    A fixed number of queries whatever the length of the history (one per audited model, one for the owners
    and assignment people, one for the names of people in changed fields).
    """
    assignments = list(_assignments(lead))
    entries = lead_history(lead=lead)
    return {
        "audit_assignments": [a for a in assignments if a.from_owner_id is not None],
        "audit_handover": _handover(lead, assignments[0] if assignments else None),
        "audit_history": entries[:AUDIT_HISTORY_LIMIT],
        "audit_history_more": max(len(entries) - AUDIT_HISTORY_LIMIT, 0),
    }


def lead_handover(*, lead: Lead) -> dict:
    """The handover note for the KAM who has the account now, shown on the lead page itself: one query."""
    return {"audit_handover": _handover(lead, _assignments(lead).first())}


def _assignments(lead: Lead):
    return LeadAssignment.objects.filter(lead=lead).select_related("from_owner", "to_owner", "assigned_by")


def _handover(lead: Lead, latest: LeadAssignment | None) -> LeadAssignment | None:
    # The note was written for whoever has the account now; an older KAM's handover is history, not news.
    return latest if latest and latest.to_owner_id == lead.owner_id and latest.handover_note else None


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
