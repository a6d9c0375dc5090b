"""Messages about accounts changing hands: the e-mails to both KAMs, and the introduction the new KAM sends.

Called by the Celery task `leads.tasks.send_reassignment_emails` after a reassignment has committed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

from contacts.models import Contact
from kam.outbox import deliver_once
from leads.models import LeadAssignment

logger = logging.getLogger(__name__)


def introduction_message(*, lead, contact, new_kam, previous_kam=None) -> str:
    """What a new KAM sends the restaurant's primary contact to introduce themselves."""
    first_name = contact.name.split()[0] if contact is not None and contact.name.strip() else ""
    greeting = f"Hello {first_name}" if first_name else "Hello"
    taking_over = f", taking over from {_person(previous_kam)}" if previous_kam is not None else ""
    return (
        f"{greeting}, this is {_person(new_kam)}. I am now the key account manager for {lead.name}{taking_over}. "
        "You can reach me on this number for orders, prices and anything your kitchen needs. "
        "When would suit you for a short call this week?"
    )


def whatsapp_link(*, contact, text: str) -> str:
    """A wa.me link that opens WhatsApp with `text` ready to send; empty when the contact has no phone."""
    if contact is None or not contact.phone:
        return ""
    return f"{contact.whatsapp_url}?text={quote(text, safe='')}"


@dataclass
class HandedOverAccount:
    assignment: LeadAssignment
    url: str
    contact: Contact | None
    introduction: str
    whatsapp_url: str

    @property
    def lead(self):
        return self.assignment.lead


def reassignment_emails_send(*, assignment_ids: list[int]) -> int:
    """E-mail the incoming KAM (accounts with links and an introduction per primary contact) and each outgoing
    KAM (which accounts left their list and to whom). Two queries whatever the number of accounts, then one
    delivery record per e-mail.

    People without an e-mail address, or no longer active (a KAM who left), get nothing. Returns how many
    e-mails were sent now; raises EmailsNotSent after trying everyone if any failed (the task retries).
    """
    assignments = list(
        LeadAssignment.objects.filter(pk__in=assignment_ids)
        .select_related("lead", "from_owner", "to_owner", "assigned_by")
        .prefetch_related(
            Prefetch("lead__contacts", queryset=Contact.objects.filter(is_primary=True), to_attr="primary_contacts")
        )
        .order_by("lead__name", "pk")
    )
    incoming: dict[tuple, list[HandedOverAccount]] = {}
    outgoing: dict[tuple, list[LeadAssignment]] = {}
    for assignment in assignments:
        lead = assignment.lead
        contact = lead.primary_contacts[0] if lead.primary_contacts else None
        text = introduction_message(
            lead=lead, contact=contact, new_kam=assignment.to_owner, previous_kam=assignment.from_owner
        )
        account = HandedOverAccount(
            assignment=assignment,
            url=_absolute(lead.get_absolute_url()),
            contact=contact,
            introduction=text,
            whatsapp_url=whatsapp_link(contact=contact, text=text),
        )
        key = (assignment.to_owner_id, assignment.assigned_by_id, assignment.reason, assignment.handover_note)
        incoming.setdefault(key, []).append(account)
        if assignment.from_owner_id is not None:
            key = (assignment.from_owner_id, assignment.to_owner_id, assignment.assigned_by_id, assignment.reason)
            outgoing.setdefault(key, []).append(assignment)

    # One message per recipient, each sent at most once (kam.outbox.deliver_once, keyed by the first assignment
    # of its group): a retry after a failed send skips the people who already have theirs.
    messages = []
    for accounts in incoming.values():
        first = accounts[0].assignment
        messages += _email(
            key=f"in:{first.pk}",
            to=first.to_owner,
            subject=f"{_count(len(accounts))} handed over to you by {_person(first.assigned_by)}",
            template="leads/email/handover_incoming",
            context={"accounts": accounts, "first": first, "list_url": _absolute(_home_path())},
        )
    for moved in outgoing.values():
        first = moved[0]
        messages += _email(
            key=f"out:{first.pk}",
            to=first.from_owner,
            subject=f"{_count(len(moved), yours=True)} moved to {_person(first.to_owner)}",
            template="leads/email/handover_outgoing",
            context={"assignments": moved, "first": first, "list_url": _absolute(_home_path())},
        )
    sent, failed = 0, []
    for key, recipient, message in messages:
        try:
            sent += deliver_once(kind="reassignment", key=key, recipient=recipient, send=message.send)
        except Exception:  # one bad mailbox or a mail server hiccup must not cost the others their e-mail
            logger.exception("Reassignment e-mail %s to %s could not be sent", key, recipient.username)
            failed.append(recipient.username)
    if failed:
        raise EmailsNotSent(f"{sent} sent; not sent to: {', '.join(failed)}")
    return sent


class EmailsNotSent(Exception):
    """Some e-mails failed; the others went out. A retry sends only the missing ones."""


def _email(*, key: str, to, subject: str, template: str, context: dict) -> list[tuple]:
    if to is None or not to.email or not to.is_active:
        return []
    context = {**context, "recipient": to, "site_url": settings.SITE_URL}
    message = EmailMultiAlternatives(subject=subject, body=render_to_string(f"{template}.txt", context), to=[to.email])
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return [(key, to, message)]


def _home_path() -> str:
    # The Today list is a KAM's home page once it exists; the lead list until then.
    try:
        return reverse("today")
    except NoReverseMatch:
        return reverse("leads:list")


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _person(user) -> str:
    return (user.get_full_name() or user.username) if user is not None else "someone"


def _count(n: int, *, yours: bool = False) -> str:
    if yours:
        return "One of your accounts" if n == 1 else f"{n} of your accounts"
    return "1 account" if n == 1 else f"{n} accounts"
