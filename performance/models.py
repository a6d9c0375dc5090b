from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from leads.models import Lead, LeadScopedQuerySet, lead_scope


class Classification(models.TextChoices):
    WELL_PERFORMING = "well_performing", "Well performing"
    STEADY = "steady", "Steady"
    AT_RISK = "at_risk", "At risk"
    UNDERPERFORMING = "underperforming", "Underperforming"
    NO_ORDERS = "no_orders", "No orders yet"

    @property
    def colour(self) -> str:
        return CLASSIFICATION_COLOURS[self]

    @property
    def severity(self) -> int:
        """How worrying the class is, for "at most" rules and sorting (no orders sorts last)."""
        return CLASSIFICATION_SEVERITY[self]

    @classmethod
    def slipping(cls) -> tuple["Classification", ...]:
        return (cls.AT_RISK, cls.UNDERPERFORMING)


# The order of the performance lists: the accounts that need attention first.
RISK_ORDER = (
    Classification.UNDERPERFORMING,
    Classification.AT_RISK,
    Classification.STEADY,
    Classification.WELL_PERFORMING,
    Classification.NO_ORDERS,
)


def risk_rank():
    """A class's place in RISK_ORDER (0 first), as an SQL expression."""
    return models.Case(
        *(models.When(classification=c, then=models.Value(i)) for i, c in enumerate(RISK_ORDER)),
        default=models.Value(9),
    )


CLASSIFICATION_COLOURS = {
    Classification.WELL_PERFORMING: "success",
    Classification.STEADY: "primary",
    Classification.AT_RISK: "warning",
    Classification.UNDERPERFORMING: "danger",
    Classification.NO_ORDERS: "secondary",
}
CLASSIFICATION_SEVERITY = {
    Classification.WELL_PERFORMING: 0,
    Classification.STEADY: 1,
    Classification.AT_RISK: 2,
    Classification.UNDERPERFORMING: 3,
    Classification.NO_ORDERS: 4,
}


class Trend(models.TextChoices):
    """The score against the last computation of an earlier day."""

    UP = "up", "Improving"
    FLAT = "flat", "Unchanged"
    DOWN = "down", "Worsening"

    @property
    def arrow(self) -> str:
        return {"up": "↑", "flat": "→", "down": "↓"}[self.value]

    @property
    def colour(self) -> str:
        return {"up": "success", "flat": "secondary", "down": "danger"}[self.value]


class PeerGroup(models.TextChoices):
    OWNER = "owner", "The KAM's accounts"
    CITY = "city", "Accounts in the same city"


def _weight(default: int, label: str, help_text: str) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label, default=default, validators=[MaxValueValidator(100)], help_text=help_text
    )


class PerformancePolicy(models.Model):
    """The one place the health score's weights and thresholds live (a single row, edited in admin).

    The defaults below are the policy until an admin saves a change; the next recompute (queued on save)
    applies it to every account.
    """

    SINGLETON_PK = 1

    weight_gap = _weight(35, "weight: gap since last order", "Points for ordering on rhythm.")
    weight_value_trend = _weight(25, "weight: value trend", "Points for the value of the last 4 weeks vs the 4 before.")
    weight_order_trend = _weight(10, "weight: order-count trend", "Points for the order count, last 4 weeks vs before.")
    weight_peers = _weight(15, "weight: value against peers", "Points for the 30-day value against the peers' median.")
    weight_contact = _weight(15, "weight: contact gap", "Points for a connected call within the call frequency.")

    gap_amber_ratio = models.FloatField(
        default=1.5,
        validators=[MinValueValidator(1.0)],
        help_text="Days since the last order ÷ the usual interval at which the gap turns amber (half points).",
    )
    gap_red_ratio = models.FloatField(
        default=2.0,
        help_text="The ratio at which the gap turns red: no points, and the account is at risk at best.",
    )
    trend_flag_pct = models.FloatField(
        default=-20.0,
        validators=[MaxValueValidator(-1.0), MinValueValidator(-100.0)],
        help_text="A value trend at or below this % is flagged (no points, and at risk at best); "
        "order trends at or below it earn no points.",
    )
    trend_full_pct = models.FloatField(
        default=20.0, validators=[MinValueValidator(1.0)], help_text="A trend at or above this % earns full points."
    )
    peer_group = models.CharField(
        max_length=10,
        choices=PeerGroup.choices,
        default=PeerGroup.OWNER,
        help_text="Whose median 30-day value an account is compared with.",
    )
    peer_low_ratio = models.FloatField(
        default=0.25,
        validators=[MinValueValidator(0.0)],
        help_text="At or below this share of the peers' median: no points.",
    )
    peer_high_ratio = models.FloatField(
        default=1.75, help_text="At or above this multiple of the peers' median: full points."
    )
    contact_grace_days = models.PositiveSmallIntegerField(
        default=14,
        validators=[MinValueValidator(2)],
        help_text="Days beyond the call frequency without a connected call after which the contact factor earns "
        "nothing (amber from half of it).",
    )
    contact_default_frequency_days = models.PositiveSmallIntegerField(
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="The call frequency assumed for an account without a call plan.",
    )
    new_account_days = models.PositiveSmallIntegerField(
        default=56,
        validators=[MinValueValidator(1)],
        help_text="An account whose first order is this recent is new: trends and peers are not judged yet "
        "(two full 4-week windows are needed), and it is steady at best.",
    )
    repeat_order_days = models.PositiveSmallIntegerField(
        default=28,
        validators=[MinValueValidator(1)],
        help_text="An account with a single order (or several placed at once) and no repeat order for this many "
        "days is at risk.",
    )
    lapsed_days = models.PositiveSmallIntegerField(
        default=90,
        validators=[MinValueValidator(1)],
        help_text="No order for this many days makes an account underperforming whatever its score.",
    )
    well_performing_min_score = models.PositiveSmallIntegerField(
        default=80, validators=[MaxValueValidator(100)], help_text="Lowest score that is well performing."
    )
    steady_min_score = models.PositiveSmallIntegerField(
        default=60, validators=[MaxValueValidator(100)], help_text="Lowest score that is steady."
    )
    at_risk_min_score = models.PositiveSmallIntegerField(
        default=40,
        validators=[MaxValueValidator(100)],
        help_text="Lowest score that is at risk; below it an account is underperforming.",
    )
    trend_arrow_points = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="A score change of at least this many points since the previous day shows an up or down arrow.",
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "performance policy"
        verbose_name_plural = "performance policy"
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="performance_policy_singleton")]

    def __str__(self):
        return "Performance policy"

    WEIGHT_FIELDS = ("weight_gap", "weight_value_trend", "weight_order_trend", "weight_peers", "weight_contact")

    def save(self, *args, **kwargs):
        self.pk = self.SINGLETON_PK
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> "PerformancePolicy":
        """The saved policy, or the defaults in code when no admin has saved one."""
        return cls.objects.filter(pk=cls.SINGLETON_PK).first() or cls(pk=cls.SINGLETON_PK)

    def clean(self):
        errors = {}
        total = sum(getattr(self, name) or 0 for name in self.WEIGHT_FIELDS)
        if total != 100:
            errors["weight_gap"] = f"The five weights must add up to 100; they add up to {total}."
        if None not in (self.gap_amber_ratio, self.gap_red_ratio) and self.gap_red_ratio <= self.gap_amber_ratio:
            errors["gap_red_ratio"] = "The red ratio must be above the amber ratio."
        low, high = self.peer_low_ratio, self.peer_high_ratio
        if None not in (low, high) and not low < 1 < high:
            errors["peer_high_ratio"] = "The low ratio must be below 1 and the high ratio above 1."
        scores = (self.at_risk_min_score, self.steady_min_score, self.well_performing_min_score)
        if None not in scores and not 0 < scores[0] < scores[1] < scores[2] <= 100:
            errors["steady_min_score"] = (
                "Scores must rise: at risk < steady < well performing (and at risk above 0, well performing ≤ 100)."
            )
        if None not in (self.new_account_days, self.lapsed_days) and self.lapsed_days <= self.new_account_days:
            errors["lapsed_days"] = "An account must be able to be new before it lapses: lapsed > new days."
        if errors:
            raise ValidationError(errors)


class AccountPerformanceQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The lead's own rule (`lead_scope`), applied to the owner copied onto the row: a team's rows are then
        one index range per KAM, without joining every lead of the company to find them."""
        scope = lead_scope(user)
        return self.none() if scope is None else self.filter(scope)

    def active(self):
        return self.filter(is_archived=False)


class AccountPerformance(models.Model):
    """The latest computed ordering metrics and health of one account (one row per lead)."""

    lead = models.OneToOneField(Lead, on_delete=models.CASCADE, primary_key=True, related_name="performance")
    # Copies of the lead's owner and archive flag, so the team pages read only the team's rows. Written with the
    # lead's own columns, in the same transaction: by leads_reassign, lead_archive and lead_restore, and again by
    # every recompute. Never edit them anywhere else.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False, verbose_name="KAM"
    )
    is_archived = models.BooleanField(default=False)
    classification = models.CharField(max_length=20, choices=Classification.choices, default=Classification.NO_ORDERS)
    previous_classification = models.CharField(max_length=20, choices=Classification.choices, blank=True)
    classification_changed_at = models.DateTimeField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Health score 0–100.")
    previous_score = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The score of the last computation on an earlier day."
    )
    trend = models.CharField(max_length=4, choices=Trend.choices, blank=True)
    reasons = models.JSONField(default=list, blank=True, help_text="Plain-language reasons for the class.")
    factors = models.JSONField(
        default=list, blank=True, help_text="Each factor of the score: its value, points, weight and status."
    )

    orders_total = models.PositiveIntegerField(default=0)
    orders_30d = models.PositiveIntegerField(default=0)
    value_30d = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    orders_prev_30d = models.PositiveIntegerField(default=0)
    value_prev_30d = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    orders_28d = models.PositiveIntegerField(default=0)
    value_28d = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    orders_prev_28d = models.PositiveIntegerField(default=0)
    value_prev_28d = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    orders_90d = models.PositiveIntegerField(default=0)
    value_90d = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    avg_order_value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    median_interval_days = models.FloatField(null=True, blank=True)
    interval_regularity = models.FloatField(
        null=True, blank=True, help_text="Coefficient of variation of the days between orders (lower is steadier)."
    )
    days_since_last_order = models.PositiveIntegerField(null=True, blank=True)
    first_order_at = models.DateTimeField(null=True, blank=True)
    last_order_at = models.DateTimeField(null=True, blank=True)
    value_trend_pct = models.FloatField(null=True, blank=True, help_text="Value of the last 30 days vs the 30 before.")
    order_trend_pct = models.FloatField(null=True, blank=True, help_text="Orders of the last 30 days vs the 30 before.")
    peer_median_value_30d = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    days_since_connected_call = models.PositiveIntegerField(null=True, blank=True)
    contact_gap_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Days beyond the call frequency without a connected call."
    )
    value_at_risk = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    computed_at = models.DateTimeField(default=timezone.now)
    # The lists' first sort key, stored so an index can hold the lists' order (see perf_rank_risk_idx).
    risk_rank = models.GeneratedField(
        expression=risk_rank(), output_field=models.PositiveSmallIntegerField(), db_persist=True
    )

    objects = AccountPerformanceQuerySet.as_manager()

    class Meta:
        verbose_name = "account performance"
        verbose_name_plural = "account performance"
        indexes = [
            # A team's class counts and pages: one range per KAM of the live accounts only, covering the count and
            # the page's sort keys so neither visits the table for the team's thousands of rows.
            models.Index(
                fields=["owner", "classification"],
                include=["lead", "value_at_risk", "value_30d"],
                condition=models.Q(is_archived=False),
                name="perf_owner_class_idx",
            ),
            models.Index(fields=["classification", "last_order_at"], name="perf_class_last_order_idx"),
            models.Index(fields=["last_order_at"], name="perf_last_order_idx"),
            # The lists' order over live accounts, with the owner: a team's first page is the first rows of the
            # index that belong to the team (PostgreSQL then looks up the names of those rows only, for ties).
            models.Index(
                fields=["risk_rank", "-value_at_risk", "-value_30d"],
                include=["owner", "lead"],
                condition=models.Q(is_archived=False),
                name="perf_rank_risk_idx",
            ),
            # The slipping list and the performance page rank by value at risk within a class.
            models.Index(fields=["classification", "-value_at_risk"], name="perf_class_risk_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(classification__in=Classification.values), name="perf_classification_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__lte=100), name="perf_score_0_100"
            ),
        ]

    def __str__(self):
        return f"{self.lead.name}: {self.get_classification_display()}"

    @property
    def classification_choice(self) -> Classification:
        return Classification(self.classification)

    @property
    def trend_choice(self) -> Trend | None:
        return Trend(self.trend) if self.trend else None

    @property
    def reasons_text(self) -> str:
        return "; ".join(self.reasons)


class ClassificationChange(models.Model):
    """The performance history that stays with the account: every change of class, with why."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="classification_changes")
    from_classification = models.CharField(max_length=20, choices=Classification.choices, blank=True)
    to_classification = models.CharField(max_length=20, choices=Classification.choices)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    changed_at = models.DateTimeField(default=timezone.now)

    objects = LeadScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(fields=["lead", "changed_at"], name="class_change_lead_at_idx"),
            models.Index(fields=["changed_at", "to_classification"], name="class_change_at_to_idx"),
        ]

    def __str__(self):
        return f"{self.lead}: {self.from_classification or '—'} → {self.to_classification}"

    @property
    def from_choice(self) -> Classification | None:
        return Classification(self.from_classification) if self.from_classification else None

    @property
    def to_choice(self) -> Classification:
        return Classification(self.to_classification)


class ManagerReport(models.Model):
    """A morning team report sent to a manager: one per manager and local day, so a re-run sends nothing twice."""

    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="manager_reports")
    report_date = models.DateField(help_text="The manager's local date the report was sent for.")
    period_start = models.DateTimeField(help_text="Class changes from this instant are in the report.")
    period_end = models.DateTimeField()
    sent_at = models.DateTimeField(default=timezone.now)
    recipient = models.EmailField()
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["manager", "report_date"], name="manager_report_once_a_day"),
        ]

    def __str__(self):
        return f"{self.manager} — {self.report_date}"
