from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from leads.models import Lead, LeadScopedQuerySet


class InteractionKind(models.TextChoices):
    CALL = "call", "Call"
    VISIT = "visit", "Visit"
    MEETING = "meeting", "Meeting"
    EMAIL = "email", "E-mail"
    WHATSAPP = "whatsapp", "WhatsApp"
    NOTE = "note", "Note"

    @property
    def icon(self) -> str:
        return KIND_ICONS[self]


KIND_ICONS = {
    InteractionKind.CALL: "telephone",
    InteractionKind.VISIT: "geo-alt",
    InteractionKind.MEETING: "people",
    InteractionKind.EMAIL: "envelope",
    InteractionKind.WHATSAPP: "whatsapp",
    InteractionKind.NOTE: "sticky",
}


class CallOutcome(models.TextChoices):
    CONNECTED = "connected", "Connected"
    NO_ANSWER = "no_answer", "No answer"
    BUSY = "busy", "Busy"
    CALLBACK_REQUESTED = "callback_requested", "Callback requested"
    WRONG_NUMBER = "wrong_number", "Wrong number"

    @property
    def colour(self) -> str:
        return OUTCOME_COLOURS[self]


OUTCOME_COLOURS = {
    CallOutcome.CONNECTED: "success",
    CallOutcome.NO_ANSWER: "secondary",
    CallOutcome.BUSY: "secondary",
    CallOutcome.CALLBACK_REQUESTED: "info",
    CallOutcome.WRONG_NUMBER: "danger",
}


class Interaction(models.Model):
    """A call, visit, meeting, message or note. `performed_by` stays with it when the account changes hands."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="interactions")
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="interactions"
    )
    performed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="interactions")
    kind = models.CharField(max_length=20, choices=InteractionKind.choices, default=InteractionKind.CALL)
    occurred_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=20, choices=CallOutcome.choices, blank=True)
    duration_minutes = models.PositiveIntegerField(null=True, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = LeadScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            # With the id: a page of a KAM's newest interactions is sorted from this index alone (KeysFirstPaginator).
            models.Index(fields=["lead", "occurred_at"], include=["id"], name="interaction_lead_at_idx"),
            # With the kind and the outcome: a team's calls made and connected in 7 days (the performance page's team
            # table) are counted from this index alone, not from 2,000 table pages (11 → 5 ms at 100,000 restaurants).
            models.Index(
                fields=["performed_by", "occurred_at"], include=["kind", "outcome"], name="interaction_by_at_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=InteractionKind.values), name="interaction_kind_valid"),
            # A call always has an outcome; nothing else has one.
            models.CheckConstraint(
                condition=(Q(kind=InteractionKind.CALL) & Q(outcome__in=CallOutcome.values))
                | (~Q(kind=InteractionKind.CALL) & Q(outcome="")),
                name="interaction_outcome_only_for_calls",
            ),
        ]

    def __str__(self):
        label = self.get_kind_display()
        if self.outcome:
            label += f" ({self.get_outcome_display()})"
        return f"{label} — {self.lead.name}"


class Order(models.Model):
    """An order the account placed. `credited_to` is the KAM who owned the account when it was placed."""

    # No index of its own: order_lead_placed_idx starts with lead_id. A second, narrower index only tempted the
    # planner into reading every order of an account to filter on the date (see indexes below).
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="orders", db_index=False)
    placed_at = models.DateTimeField(default=timezone.now)
    amount = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    currency = models.CharField(max_length=3, default="INR")
    item_count = models.PositiveIntegerField(default=0)
    external_ref = models.CharField(
        "external reference",
        max_length=64,
        blank=True,
        help_text="The order system's id; one order per id and account.",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    credited_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="credited_orders", db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords()
    objects = LeadScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-placed_at", "-id"]
        indexes = [
            # Covering (amount, id): the nightly performance recompute and the team's order totals add up amounts
            # by account or KAM over date ranges from the index alone, without visiting the table.
            models.Index(fields=["lead", "placed_at"], include=["amount", "id"], name="order_lead_placed_idx"),
            models.Index(
                fields=["credited_to", "placed_at"], include=["amount", "id"], name="order_credited_placed_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="order_amount_not_negative"),
            models.CheckConstraint(condition=Q(item_count__gte=0), name="order_item_count_not_negative"),
            # Per account: a reference is looked up only among the account's own orders, so recording one never
            # tells a KAM that another account (perhaps another KAM's) has it.
            models.UniqueConstraint(
                fields=["lead", "external_ref"], condition=~Q(external_ref=""), name="order_external_ref_per_lead"
            ),
        ]

    def __str__(self):
        return f"{self.currency} {self.amount} — {self.lead.name} ({self.placed_at:%Y-%m-%d})"


class MorningDigest(models.Model):
    """A morning digest sent to a KAM for one of their local days.

    The hourly job records each digest here before it sends it, so a re-run in the same hour (a retry, a
    second beat, a hand run) finds the row and sends nothing twice. A table rather than the cache: it
    survives a Redis flush or eviction and shows in admin who was e-mailed when.
    """

    kam = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="morning_digests")
    day = models.DateField(help_text="The KAM's local date.")
    call_count = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-day", "kam"]
        constraints = [models.UniqueConstraint(fields=["kam", "day"], name="morning_digest_once_per_day")]

    def __str__(self):
        return f"{self.kam} — {self.day}"
