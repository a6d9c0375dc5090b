from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, Subquery
from django.utils import timezone
from simple_history.models import HistoricalRecords

from interactions.planning import parse_windows
from kam.models import Role
from kam.timezones import validate_time_zone, zone


class LeadStatus(models.TextChoices):
    NEW = "new", "New"
    CONTACTED = "contacted", "Contacted"
    QUALIFIED = "qualified", "Qualified"
    NEGOTIATION = "negotiation", "Negotiation"
    WON = "won", "Won"
    LOST = "lost", "Lost"

    @property
    def colour(self) -> str:
        return STATUS_COLOURS[self]

    @classmethod
    def open_statuses(cls) -> tuple["LeadStatus", ...]:
        return (cls.NEW, cls.CONTACTED, cls.QUALIFIED, cls.NEGOTIATION)


# Bootstrap colour names, used for badges, charts and admin alike.
STATUS_COLOURS = {
    LeadStatus.NEW: "secondary",
    LeadStatus.CONTACTED: "info",
    LeadStatus.QUALIFIED: "primary",
    LeadStatus.NEGOTIATION: "warning",
    LeadStatus.WON: "success",
    LeadStatus.LOST: "danger",
}


class LeadSource(models.TextChoices):
    INBOUND = "inbound", "Inbound enquiry"
    OUTBOUND = "outbound", "Outbound prospecting"
    REFERRAL = "referral", "Referral"
    FIELD_VISIT = "field_visit", "Field visit"
    EVENT = "event", "Event"
    MARKETPLACE = "marketplace", "Marketplace sign-up"
    OTHER = "other", "Other"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


def validate_calling_windows(value) -> None:
    """What every path that writes calling windows (pages, API, admin, imports) must store: a list of at most 12
    non-overlapping ["HH:MM", "HH:MM"] pairs, each ending after it starts, as the call planner reads them."""
    if not isinstance(value, list) or len(value) > 12:
        raise ValidationError('Give a list of at most 12 calling windows, e.g. [["10:00", "12:00"]].')
    try:
        parse_windows(value)
    except (ValueError, TypeError) as exc:
        message = str(exc) if isinstance(exc, ValueError) and "window" in str(exc) else None
        raise ValidationError(message or 'Each calling window is a pair of times, e.g. ["10:00", "12:00"].') from exc


def default_calling_windows() -> list[list[str]]:
    # Restaurants are busy at lunch and dinner; mid-morning and mid-afternoon are when owners pick up.
    return [["10:00", "12:00"], ["15:00", "18:00"]]


def lead_scope(user, *, through: str = "") -> Q | None:
    """The one definition of who sees which account, as a condition on the lead (or on the lead reached through
    `through`, e.g. "lead__" from a contact); None when the user sees nothing.

    A KAM sees the accounts they own, a manager their own and their team's, an admin all of them.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.role == Role.ADMIN:
        return Q()
    if user.role == Role.MANAGER:
        # user._meta, not type(user): request.user is a lazy proxy whose type is not the model.
        team = user._meta.model.objects.filter(Q(pk=user.pk) | Q(manager=user)).order_by().values("pk")
        return Q(**{f"{through}owner_id__in": Subquery(team)})
    return Q(**{f"{through}owner_id": user.pk})


class LeadQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The accounts `user` may see (see lead_scope)."""
        scope = lead_scope(user)
        return self.none() if scope is None else self.filter(scope)

    def active(self):
        return self.filter(is_archived=False)

    def open(self):
        return self.filter(status__in=LeadStatus.open_statuses())


class LeadScopedQuerySet(models.QuerySet):
    """For everything that belongs to a lead: scoped through the lead, never defined a second time."""

    def visible_to(self, user):
        # The lead's own rule applied to the joined lead, rather than lead_id IN (a second scan of the leads):
        # PostgreSQL then reads the leads once. A manager's performance page on the reference dataset: its
        # count and list queries each fell from about 110 to 45 ms.
        scope = lead_scope(user, through="lead__")
        return self.none() if scope is None else self.filter(scope)


class Lead(models.Model):
    """A restaurant account, from first lead to won (or lost), owned by one KAM."""

    name = models.CharField("restaurant name", max_length=150)
    legal_name = models.CharField("brand / legal name", max_length=200, blank=True)
    segment = models.CharField("segment / cuisine", max_length=80, blank=True)
    address = models.TextField(blank=True)
    city = models.CharField(max_length=80)
    state = models.CharField("state / region", max_length=80, blank=True)
    country = models.CharField(
        max_length=2, default="IN", help_text="ISO 3166 two-letter code; decides the public holidays."
    )
    time_zone = models.CharField(
        "restaurant time zone",
        max_length=64,
        default="Asia/Kolkata",
        validators=[validate_time_zone],
        help_text="Due dates and calling windows are in this zone.",
    )
    source = models.CharField(max_length=20, choices=LeadSource.choices, default=LeadSource.OTHER)
    status = models.CharField(max_length=20, choices=LeadStatus.choices, default=LeadStatus.NEW)
    lost_reason = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="leads", verbose_name="KAM"
    )

    # Call planning. The plan fields are written only by interactions.services, in the same
    # transaction as the interaction that changes them.
    call_frequency_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Call every 1–365 days. Leave empty for no call plan."
    )
    calling_windows = models.JSONField(
        default=default_calling_windows,
        validators=[validate_calling_windows],
        help_text='Local times when the restaurant takes calls, e.g. [["10:00", "12:00"], ["15:00", "18:00"]].',
    )
    closed_weekday = models.PositiveSmallIntegerField(
        choices=Weekday.choices, null=True, blank=True, help_text="Weekly closed day; no call is planned on it."
    )
    last_call_at = models.DateTimeField(null=True, blank=True)
    last_connected_call_at = models.DateTimeField(null=True, blank=True)
    follow_up_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="An explicit next call (callback asked for, retry after no answer, or rescheduled by the KAM).",
    )
    next_call_date = models.DateField(null=True, blank=True, help_text="In the restaurant's time zone.")
    next_call_at = models.DateTimeField(null=True, blank=True)

    is_archived = models.BooleanField(default=False)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(
        excluded_fields=[
            "last_call_at",
            "last_connected_call_at",
            "follow_up_at",
            "next_call_date",
            "next_call_at",
            "updated_at",
        ]
    )
    objects = LeadQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        permissions = [("reassign_lead", "Can reassign accounts to another KAM")]
        indexes = [
            models.Index(fields=["status"], name="lead_status_idx"),
            models.Index(fields=["owner", "next_call_at"], name="lead_owner_next_call_idx"),
            models.Index(fields=["owner", "is_archived", "name"], name="lead_owner_name_idx"),
            # A team's list filtered by status: one range per KAM. Without it PostgreSQL ANDs each KAM's range with
            # the whole-table status index (62,000 won accounts, once per KAM).
            # The searched columns and the id ride along, so a team's search is filtered in the index alone: the
            # text search's OR includes a contact EXISTS, which no trigram bitmap can serve, and without them
            # PostgreSQL read each of a manager's 10,000 live leads from the table (9,200 pages per query). So does
            # the call frequency, so the team table's calls planned (a sum over a team's 10,000 live accounts) read
            # the index alone instead of visiting 3,600 table pages (17 → 4 ms at 100,000 restaurants).
            models.Index(
                fields=["owner", "status"],
                include=["id", "name", "legal_name", "city", "call_frequency_days"],
                condition=Q(is_archived=False),
                name="lead_owner_status_idx",
            ),
            models.Index(fields=["city"], name="lead_city_idx"),
            # The list's city suggestions: the distinct cities of a team's accounts, read from this index alone
            # instead of from each of the team's rows (a manager's 10,000: 55 ms).
            models.Index(fields=["owner", "city"], name="lead_owner_city_idx"),
            models.Index(fields=["last_call_at"], name="lead_last_call_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(call_frequency_days__isnull=True) | Q(call_frequency_days__range=(1, 365)),
                name="lead_call_frequency_1_365",
            ),
            models.CheckConstraint(
                condition=~Q(status=LeadStatus.LOST) | ~Q(lost_reason=""), name="lead_lost_needs_reason"
            ),
            models.CheckConstraint(condition=Q(status__in=LeadStatus.values), name="lead_status_valid"),
            models.CheckConstraint(
                condition=Q(closed_weekday__isnull=True) | Q(closed_weekday__range=(0, 6)),
                name="lead_closed_weekday_valid",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.city})" if self.city else self.name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("leads:detail", args=[self.pk])

    @property
    def zone(self):
        return zone(self.time_zone)

    @property
    def status_choice(self) -> LeadStatus:
        return LeadStatus(self.status)

    @property
    def is_open(self) -> bool:
        return self.status in LeadStatus.open_statuses()


class LeadStatusChange(models.Model):
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=LeadStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=LeadStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    objects = LeadScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["lead", "changed_at"], name="status_change_lead_at_idx")]

    def __str__(self):
        return f"{self.lead}: {self.from_status or '—'} → {self.to_status}"


class LeadAssignment(models.Model):
    """Who owned an account from when: the audit trail of KAM changes."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="assignments")
    from_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assigned_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)
    handover_note = models.TextField(blank=True, help_text="For the incoming KAM: what they need to know.")

    objects = LeadScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-assigned_at", "-id"]
        indexes = [models.Index(fields=["lead", "assigned_at"], name="assignment_lead_at_idx")]

    def __str__(self):
        return f"{self.lead}: {self.from_owner or '—'} → {self.to_owner}"
