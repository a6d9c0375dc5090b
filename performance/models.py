from decimal import Decimal

from django.db import models
from django.utils import timezone

from leads.models import Lead, LeadScopedQuerySet


class Classification(models.TextChoices):
    WELL_PERFORMING = "well_performing", "Well performing"
    STEADY = "steady", "Steady"
    AT_RISK = "at_risk", "At risk"
    UNDERPERFORMING = "underperforming", "Underperforming"
    NO_ORDERS = "no_orders", "No orders yet"

    @property
    def colour(self) -> str:
        return CLASSIFICATION_COLOURS[self]

    @classmethod
    def slipping(cls) -> tuple["Classification", ...]:
        return (cls.AT_RISK, cls.UNDERPERFORMING)


CLASSIFICATION_COLOURS = {
    Classification.WELL_PERFORMING: "success",
    Classification.STEADY: "primary",
    Classification.AT_RISK: "warning",
    Classification.UNDERPERFORMING: "danger",
    Classification.NO_ORDERS: "secondary",
}


class AccountPerformance(models.Model):
    """The latest computed ordering metrics and health of one account (one row per lead)."""

    lead = models.OneToOneField(Lead, on_delete=models.CASCADE, primary_key=True, related_name="performance")
    classification = models.CharField(max_length=20, choices=Classification.choices, default=Classification.NO_ORDERS)
    previous_classification = models.CharField(max_length=20, choices=Classification.choices, blank=True)
    classification_changed_at = models.DateTimeField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Health score 0–100.")
    reasons = models.JSONField(default=list, blank=True, help_text="Plain-language reasons for the class.")

    orders_30d = models.PositiveIntegerField(default=0)
    value_30d = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    orders_prev_30d = models.PositiveIntegerField(default=0)
    value_prev_30d = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
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
    value_trend_pct = models.FloatField(null=True, blank=True)
    order_trend_pct = models.FloatField(null=True, blank=True)
    value_at_risk = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    computed_at = models.DateTimeField(default=timezone.now)

    objects = LeadScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "account performance"
        verbose_name_plural = "account performance"
        indexes = [
            models.Index(fields=["classification", "last_order_at"], name="perf_class_last_order_idx"),
            models.Index(fields=["last_order_at"], name="perf_last_order_idx"),
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
