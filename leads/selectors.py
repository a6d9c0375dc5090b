"""Reads for leads."""

from __future__ import annotations

import operator
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce

import phonenumbers
from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from contacts.models import Contact
from leads.models import Lead, LeadStatus


def lead_audit(*, lead) -> dict:
    """Context for the lead page's audit panel (`leads/_lead_audit.html`): field history, assignments, handover."""
    return {}


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
