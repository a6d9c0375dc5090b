from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone

from kam.timezones import validate_time_zone, zone


class Role(models.TextChoices):
    KAM = "kam", "Key account manager"
    MANAGER = "manager", "Manager"
    ADMIN = "admin", "Administrator"


class UserQuerySet(models.QuerySet):
    def kams(self):
        return self.filter(role=Role.KAM)

    def managers(self):
        return self.filter(role=Role.MANAGER)

    def team_of(self, manager):
        """The KAMs a manager leads (for an admin: every KAM)."""
        if manager.role == Role.ADMIN:
            return self.filter(role=Role.KAM)
        return self.filter(role=Role.KAM, manager=manager)


class UserManager(DjangoUserManager.from_queryset(UserQuerySet)):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields["role"] = Role.ADMIN
        return self._create_user(username, email, password, **extra_fields)

    def create_user(self, username, email=None, password=None, **extra_fields):
        return self._create_user(username, email, password, **extra_fields)


class User(AbstractUser):
    """A member of staff. The role alone decides staff and superuser status, so they cannot disagree."""

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.KAM, db_index=True)
    time_zone = models.CharField(
        max_length=64,
        default="Asia/Kolkata",
        validators=[validate_time_zone],
        help_text="IANA name, e.g. Asia/Kolkata. Every time you see is shown in this zone.",
    )
    manager = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="team",
        limit_choices_to={"role": Role.MANAGER},
        help_text="The team lead of a key account manager.",
    )
    objects = UserManager()

    class Meta:
        ordering = ["first_name", "last_name", "username"]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="user_role_valid"),
            models.CheckConstraint(condition=~Q(manager=models.F("id")), name="user_not_own_manager"),
        ]

    def __str__(self):
        return self.get_full_name() or self.username

    # Staff and superuser are derived from the role instead of being columns, so they cannot disagree with it.
    @property
    def is_staff(self) -> bool:
        return self.role in (Role.MANAGER, Role.ADMIN)

    @property
    def is_superuser(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_kam(self) -> bool:
        return self.role == Role.KAM

    @property
    def is_manager(self) -> bool:
        return self.role == Role.MANAGER

    @property
    def zone(self):
        return zone(self.time_zone)


class IdempotencyKey(models.Model):
    """The first response to an API POST sent with an `Idempotency-Key` header, replayed on a retry.

    Phones on patchy networks resend a request whose answer they never got; the retry must not create a
    second call log or order. One row per (user, key); rows older than IDEMPOTENCY_KEY_TTL are purged.
    """

    user = models.ForeignKey("kam.User", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 of method, path and body: the same key with another request is refused, not replayed.
    request_fingerprint = models.CharField(max_length=64)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=2000)
    # Empty while the first request is being handled (the row is locked and not yet committed then).
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    response_location = models.CharField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]

    def __str__(self):
        return f"{self.user_id}:{self.key}"


class OutboxMessage(models.Model):
    """A Celery task written in the same transaction as the change that calls for it (kam.outbox).

    It is queued as soon as the transaction commits and the row deleted; when the broker cannot take it then,
    the row stays and the outbox sweep queues it once the broker answers again, so a committed write never
    loses what it set in motion (and never has to answer an error because of the broker).
    """

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="outbox_created_idx")]

    def __str__(self):
        return f"{self.task}{tuple(self.args)}"


class Delivery(models.Model):
    """One e-mail that went out: (kind, key, recipient) is sent at most once (kam.outbox.deliver_once).

    The row is written in the transaction that sends the message: a failed send rolls it back, so a retry sends
    it; a second run finds it and sends nothing.
    """

    kind = models.CharField(max_length=40)
    key = models.CharField(max_length=200)
    recipient = models.ForeignKey("kam.User", on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key", "recipient"], name="delivery_once_per_recipient")]

    def __str__(self):
        return f"{self.kind}:{self.key} → {self.recipient_id}"
